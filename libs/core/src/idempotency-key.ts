import { IdemError, IdemErrorCode } from './idem-error';

/** What an `Idempotency-Key` record keeps of the first request that used the key. */
export interface StoredIdempotentResponse {
  requestHash: string;
  responseStatus: number;
  responseBody: unknown;
}

export type IdempotencyVerdict = { kind: 'run' } | { kind: 'replay'; status: number; body: unknown };

/**
 * The Idempotency-Key contract (IETF draft, as Stripe does it), for a request that carries a key:
 * while another request holds the key it is a 409; once the first request succeeded, the same body
 * gets its response again and a different body is a 422; with no record the request runs, and its
 * response is stored if it succeeds.
 */
export function idempotencyVerdict(locked: boolean, record: StoredIdempotentResponse | null, requestHash: string): IdempotencyVerdict {
  if (!locked) throw idempotencyKeyInFlight();
  if (!record) return { kind: 'run' };
  if (record.requestHash !== requestHash) throw new IdemError(IdemErrorCode.IdempotencyKeyReused, 'This Idempotency-Key was used with a different request');
  return { kind: 'replay', status: record.responseStatus, body: record.responseBody };
}

export function idempotencyKeyInFlight(): IdemError {
  return new IdemError(IdemErrorCode.IdempotencyInFlight, 'A request with this Idempotency-Key is still being processed; retry later');
}
