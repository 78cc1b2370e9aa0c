import { IdemConfig } from '@app/config';
import { canonicalJson, IdemError, IdemErrorCode } from '@app/core';
import { IdempotencyRecordRepository, UnitOfWork } from '@app/persistence';
import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';

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
 * The Idempotency-Key contract (IETF draft, as Stripe does it): the first request with a key runs;
 * a retry with the same body gets the first response again; a different body with the same key is
 * a 422; a retry while the first is still running is a 409.
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
      if (!(await this.records.tryLock(request.scope, request.key))) {
        throw new IdemError(IdemErrorCode.IdempotencyInFlight, 'A request with this Idempotency-Key is still being processed; retry later');
      }
      const keptSince = new Date(Date.now() - this.config.idempotencyRetentionMs);
      const record = await this.records.findLive(request.scope, request.key, keptSince);
      if (record) {
        if (record.requestHash !== request.requestHash) {
          throw new IdemError(IdemErrorCode.IdempotencyKeyReused, 'This Idempotency-Key was used with a different request');
        }
        return { status: record.responseStatus, body: record.responseBody, replayed: true };
      }
      const outcome = await work();
      if (outcome.status >= 200 && outcome.status < 300) {
        await this.records.save(
          { scope: request.scope, key: request.key, requestHash: request.requestHash, responseStatus: outcome.status, responseBody: outcome.replayBody ?? outcome.body ?? null },
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
  return sha256(`${credentialId}\n${method.toUpperCase()} ${route}`);
}

/** Key order and whitespace do not make a different request; any other change in query or body does. */
export function requestFingerprint(query: unknown, body: unknown): string {
  return sha256(canonicalJson({ query: query ?? {}, body: body ?? null }));
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
