/** Every rule a request can break. The API maps each to one HTTP status and Svix's error body, in one place. */
export enum IdemErrorCode {
  NotFound = 'not_found',
  Conflict = 'conflict',
  Validation = 'validation',
  BadRequest = 'bad_request',
  Unauthorized = 'authentication_failed',
  IdempotencyKeyReused = 'idempotency_key_reused',
  IdempotencyInFlight = 'idempotency_in_flight',
  PayloadTooLarge = 'payload_too_large',
  RateLimited = 'rate_limited',
  Forbidden = 'forbidden',
  UnsupportedMediaType = 'unsupported_media_type',
  RequestHeadersTooLarge = 'request_header_fields_too_large',
  /** A resend of a message whose payload has expired or was expunged: nothing is left to send. */
  MissingPayload = 'missing_payload',
}

/** One field that broke a rule: `loc` is where within the request's body (e.g. `['payload', 'amount']`). */
export interface FieldProblem {
  loc: string[];
  msg: string;
  type: string;
}

export class IdemError extends Error {
  constructor(
    readonly code: IdemErrorCode,
    readonly detail: string,
    /** For `RateLimited`: whole seconds until a retry can succeed, sent as `Retry-After`. */
    readonly retryAfterSeconds?: number,
    /** For `Validation`: each field that broke a rule, when the rule can name it. */
    readonly problems?: readonly FieldProblem[],
  ) {
    super(detail);
    this.name = 'IdemError';
  }

  static notFound(what: string): IdemError {
    return new IdemError(IdemErrorCode.NotFound, `${what} not found`);
  }

  static conflict(detail: string): IdemError {
    return new IdemError(IdemErrorCode.Conflict, detail);
  }

  static validation(detail: string, problems?: readonly FieldProblem[]): IdemError {
    return new IdemError(IdemErrorCode.Validation, detail, undefined, problems);
  }

  static forbidden(detail: string): IdemError {
    return new IdemError(IdemErrorCode.Forbidden, detail);
  }
}
