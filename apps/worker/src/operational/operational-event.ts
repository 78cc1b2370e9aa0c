/** Svix's operational webhook event types that Idem emits. */
export enum OperationalEventType {
  AttemptFailing = 'message.attempt.failing',
  AttemptExhausted = 'message.attempt.exhausted',
  AttemptRecovered = 'message.attempt.recovered',
  EndpointDisabled = 'endpoint.disabled',
  /** Idem extension: a saga's every step succeeded. */
  SagaCompleted = 'saga.completed',
  /** Idem extension: a step failed and every compensation it needed succeeded. */
  SagaCompensated = 'saga.compensated',
  /** Idem extension: a compensation failed for good; someone must look. */
  SagaCompensationFailed = 'saga.compensation_failed',
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

export interface SagaEvent {
  type: OperationalEventType.SagaCompleted | OperationalEventType.SagaCompensated | OperationalEventType.SagaCompensationFailed;
  appId: string;
  /** Idem's id of the saga. */
  id: string;
  /** The producer's key for it. */
  sagaId: string;
}

export type OperationalEvent = AttemptEvent | EndpointDisabledEvent | SagaEvent;

export function isSagaEvent(event: OperationalEvent): event is SagaEvent {
  return event.type === OperationalEventType.SagaCompleted || event.type === OperationalEventType.SagaCompensated || event.type === OperationalEventType.SagaCompensationFailed;
}

/** Attempt number after whose failure a delivery counts as failing (Svix sends `failing` after the fourth). */
export const FAILING_AFTER_ATTEMPT = 4;
