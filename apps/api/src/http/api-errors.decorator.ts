import { SetMetadata } from '@nestjs/common';

export const API_ERRORS = 'idem:apiErrors';

/** The two error bodies: Svix's `HttpErrorOut` (`{code, detail}`) and its 422 `HTTPValidationError`. */
export type ErrorShape = 'error' | 'validation';

/** One way an operation can fail, as the OpenAPI document says it. */
export interface DocumentedError {
  status: number;
  description: string;
  shape?: ErrorShape;
}

/** What a bare status in `@ApiErrors` means; a route with a more particular cause says it in full. */
const USUAL_CAUSE: Readonly<Record<RouteErrorStatus, DocumentedError>> = {
  400: { status: 400, description: '`bad_request`: the request cannot be carried out as sent' },
  404: {
    status: 404,
    description: '`not_found`: no such resource, by id or uid, or it belongs to an application the token is not scoped to',
  },
  409: { status: 409, description: '`conflict`: the change would break a uniqueness rule' },
};

/** The statuses a route itself can answer; the ones every route of a kind answers are added by `buildOpenApiDocument`. */
export type RouteErrorStatus = 400 | 404 | 409;

/**
 * Documents the errors this route's own rules can answer: not found, a uniqueness conflict, a
 * request it refuses. Authentication, the rate limit, scopes, bodies, queries and Idempotency-Key
 * are applied to every route by guards, pipes and interceptors, so their errors are documented from
 * the same metadata those read, in one place (`buildOpenApiDocument`); this decorator does not
 * repeat them. For example: `@ApiErrors(404, { status: 409, description: 'another application has
 * this uid' })`.
 */
export const ApiErrors = (...errors: (RouteErrorStatus | DocumentedError)[]) =>
  SetMetadata(
    API_ERRORS,
    errors.map((error) => (typeof error === 'number' ? USUAL_CAUSE[error] : error)),
  );
