import { AttemptTrigger, SVIX_STATUS_TEXT, svixStatusOfAttempt, SvixMessageStatus } from '@app/core';
import { AttemptEntity } from '@app/persistence';

/** Svix's `MessageAttemptTriggerType`. */
export enum SvixTriggerType {
  Scheduled = 0,
  Manual = 1,
}

/** Svix's `MessageAttemptOut`, plus Idem's `attemptNumber`, `error` and `nextAttempt`. */
export class MessageAttemptOut {
  id: string;
  msgId: string;
  endpointId: string;
  url: string;
  /**
   * The start of the receiver's response body; `EXPUNGED` once it or its message's payload was expunged,
   * as Svix shows it; `{}` on a list asked `with_content=false`.
   */
  response: string;
  /** 0 when no HTTP response arrived. */
  responseStatusCode: number;
  responseDurationMs: number;
  status: SvixMessageStatus;
  statusText: string;
  triggerType: SvixTriggerType;
  timestamp: string;
  /** 1 for the first scheduled attempt of a delivery. */
  attemptNumber: number;
  /** Why no usable response arrived (timeout, refused connection), or null. */
  error: string | null;
  /** When the next scheduled attempt is due after this failed one; null when none will follow. */
  nextAttempt: string | null;
  /** The request's headers, signatures and sensitive endpoint headers redacted; only when one attempt is fetched. */
  requestHeaders?: Record<string, string>;
  /**
   * Idem's: the response's headers (at most 50 and 8 KiB, `set-cookie` redacted); only when one attempt
   * is fetched. Null when no response came, for attempts recorded before Idem kept them, and once
   * expunged with the response body.
   */
  responseHeaders?: Record<string, string> | null;
}

export function toMessageAttemptOut(attempt: AttemptEntity, withContent = true): MessageAttemptOut {
  const status = svixStatusOfAttempt(attempt.outcome);
  return {
    id: attempt.id,
    msgId: attempt.messageId,
    endpointId: attempt.endpointId,
    url: attempt.url,
    response: withContent ? attempt.responseBody : '{}',
    responseStatusCode: attempt.responseStatusCode,
    responseDurationMs: attempt.responseDurationMs,
    status,
    statusText: SVIX_STATUS_TEXT[status],
    triggerType: attempt.trigger === AttemptTrigger.Manual ? SvixTriggerType.Manual : SvixTriggerType.Scheduled,
    timestamp: attempt.createdAt.toISOString(),
    attemptNumber: attempt.attemptNumber,
    error: attempt.error,
    nextAttempt: attempt.nextAttemptAt?.toISOString() ?? null,
  };
}
