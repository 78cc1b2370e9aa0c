import { IdemConfig } from '@app/config';
import { canonicalJson, idempotencyVerdict, sha256Hex } from '@app/core';
import { IdempotencyRecordRepository, UnitOfWork } from '@app/persistence';
import { Injectable } from '@nestjs/common';

/** A request that carried an `Idempotency-Key`. */
export interface IdempotentRequest {
  /** Whose key and for which route, see `idempotencyScope`. */
  scope: string;
  key: string;
  /** Fingerprint of what was asked, see `requestFingerprint`. */
  requestHash: string;
}

export interface HttpOutcome {
  status: number;
  body: unknown;
  /** What is stored for replays when it must differ from `body`: a secret shown once is not kept. */
  replayBody?: unknown;
}

/**
 * The Idempotency-Key contract (`idempotencyVerdict`) around any POST route. Routes that accept
 * messages apply it in the message intake instead, in the group commit of their writes.
 */
@Injectable()
export class IdempotencyService {
  constructor(
    private readonly records: IdempotencyRecordRepository,
    private readonly unitOfWork: UnitOfWork,
    private readonly config: IdemConfig,
  ) {}

  /**
   * Runs `work` in a transaction that also holds an advisory lock on the key and, if the answer is
   * a success, stores it, so the stored response exists exactly when the work's writes do. Failures
   * are not stored: the caller may fix the request and retry with the same key.
   */
  async execute(request: IdempotentRequest, work: () => Promise<HttpOutcome>): Promise<HttpOutcome & { replayed: boolean }> {
    return this.unitOfWork.run(async () => {
      const [locked] = await this.records.tryLock([request]);
      const keptSince = new Date(Date.now() - this.config.idempotencyRetentionMs);
      const [record] = locked ? await this.records.findLive([request], keptSince) : [];
      const verdict = idempotencyVerdict(locked, record ?? null, request.requestHash);
      if (verdict.kind === 'replay') return { status: verdict.status, body: verdict.body, replayed: true };
      const outcome = await work();
      if (outcome.status >= 200 && outcome.status < 300) {
        await this.records.save(
          [{ scope: request.scope, key: request.key, requestHash: request.requestHash, responseStatus: outcome.status, responseBody: outcome.replayBody ?? outcome.body ?? null }],
          keptSince,
        );
      }
      return { status: outcome.status, body: outcome.body, replayed: false };
    });
  }
}

/** Keys belong to one credential and one route: the same key on another route is another request. */
export function idempotencyScope(credentialId: string, method: string, path: string): string {
  const route = path.length > 1 ? path.replace(/\/+$/, '') : path;
  return sha256Hex(`${credentialId}\n${method.toUpperCase()} ${route}`);
}

/** Key order and whitespace do not make a different request; any other change in query or body does. */
export function requestFingerprint(query: unknown, body: unknown): string {
  return sha256Hex(canonicalJson({ query: query ?? {}, body: body ?? null }));
}
