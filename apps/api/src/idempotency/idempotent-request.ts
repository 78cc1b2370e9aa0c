import { SetMetadata } from '@nestjs/common';
import type { Request } from 'express';
import { Principal } from '../auth/principal';
import { RequestValidationError } from '../http/request-validation.error';
import { idempotencyScope, IdempotentRequest, requestFingerprint } from './idempotency.service';

const MAX_KEY_LENGTH = 256;

/** Where a POST route applies the Idempotency-Key contract; every POST route says (a test checks). */
export const IDEMPOTENCY_APPLIED = 'idem:idempotencyApplied';

/**
 * Marks a route that accepts messages: the message intake applies its Idempotency-Key, in the group
 * commit of its writes.
 */
export const IdempotentInIntake = () => SetMetadata(IDEMPOTENCY_APPLIED, 'intake');

/** The Idempotency-Key contract's view of an authenticated POST: undefined when it carries no key. */
export function idempotentRequestOf(request: Request, principal: Principal): IdempotentRequest | undefined {
  const key = request.header('idempotency-key');
  if (request.method !== 'POST' || key === undefined) return undefined;
  if (key.length === 0 || key.length > MAX_KEY_LENGTH) {
    throw new RequestValidationError([{ loc: ['header', 'idempotency-key'], msg: `Idempotency-Key must be 1 to ${MAX_KEY_LENGTH} characters`, type: 'value_error' }]);
  }
  // The body as it was sent, before validation turned it into a DTO.
  return { scope: idempotencyScope(principal.credentialId, request.method, request.path), key, requestHash: requestFingerprint(request.query, request.body) };
}
