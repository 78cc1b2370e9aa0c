/** Svix's operational webhook event types that Idem emits. */
export enum OperationalEventType {
  AttemptFailing = 'message.attempt.failing',
  AttemptExhausted = 'message.attempt.exhausted',
  AttemptRecovered = 'message.attempt.recovered',
  EndpointDisabled = 'endpoint.disabled',
}

/** An attempt that made a message's delivery fail, exhaust or recover. */
export interface AttemptEvent {
  type: OperationalEventType.AttemptFailing | OperationalEventType.AttemptExhausted | OperationalEventType.AttemptRecovered;
  appId: string;
  messageId: string;
  endpointId: string;
  attemptId: string;
  responseStatusCode: number;
  attemptedAt: Date;
}

export interface EndpointDisabledEvent {
  type: OperationalEventType.EndpointDisabled;
  appId: string;
  endpointId: string;
  failSince: Date | null;
}

export type OperationalEvent = AttemptEvent | EndpointDisabledEvent;

/** Attempt number after whose failure a delivery counts as failing (Svix sends `failing` after the fourth). */
export const FAILING_AFTER_ATTEMPT = 4;
