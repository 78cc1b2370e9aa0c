import { DELIVERY_TRANSITIONS, DeliveryStatus, DeliveryTransition, SETTLED_DELIVERY_STATUSES } from './delivery-state';

/**
 * A saga (Idem extension): an ordered list of steps across endpoints, each delivered once every endpoint
 * subscribed to its event type answered 2xx for the step before. When a step fails, the compensations of
 * the steps that succeeded are sent, newest first.
 *
 *   running ──last step succeeded──▶ completed
 *   running ──a step failed──▶ compensating ──last compensation succeeded──▶ compensated
 *                                           └──a compensation failed──▶ compensation_failed (someone must look)
 */
export enum SagaStatus {
  Running = 'running',
  Compensating = 'compensating',
  Completed = 'completed',
  Compensated = 'compensated',
  CompensationFailed = 'compensation_failed',
}

export const UNFINISHED_SAGA_STATUSES: readonly SagaStatus[] = [SagaStatus.Running, SagaStatus.Compensating];

/** What one message of a saga is for: a step, or the compensation of one. */
export enum SagaMessageRole {
  Step = 'step',
  Compensation = 'compensation',
}

/** The response header, and its value with a 4xx, with which a receiver refuses a delivery for good: not retried. */
export const REJECTED_OUTCOME = 'rejected';

/** The saga's limits: more is a 422. */
export const SAGA_LIMITS = { maxSteps: 50, maxBytes: 256 * 1024 } as const;

/**
 * The eventId of a saga's step or compensation: derived from the saga id and the step's name, so an
 * orchestrator that retries (or two that race) writes one message, never two.
 */
export function sagaEventId(sagaId: string, role: SagaMessageRole, stepName: string): string {
  return `saga:${sagaId}:${role}:${stepName}`;
}

/** How a saga message's deliveries went: all answered, one failed for good, or some still under way. */
export type SagaMessageOutcome = 'succeeded' | 'failed' | 'pending';

/** The statuses of a delivery its receiver took: it answered 2xx, or answered that it holds a newer state. */
const ANSWERED_STATUSES: readonly DeliveryStatus[] = [DELIVERY_TRANSITIONS[DeliveryTransition.Succeed].to, DELIVERY_TRANSITIONS[DeliveryTransition.ResolveStale].to];

/**
 * A saga waits while any delivery of its message is unsettled (pending, sending, or queued behind the
 * head of its ordered lane). Once all are settled, those its receiver took (succeeded, stale) count as
 * answered; any other (failed, canceled, superseded, or blocked: a lane waiting for a person's resend,
 * which a saga does not wait for) was not applied and fails its step.
 */
export function sagaMessageOutcome(statuses: readonly DeliveryStatus[]): SagaMessageOutcome {
  if (statuses.some((status) => !SETTLED_DELIVERY_STATUSES.includes(status))) return 'pending';
  if (statuses.every((status) => ANSWERED_STATUSES.includes(status))) return 'succeeded';
  return 'failed';
}

/** Whether a delivery that took `transition` may have settled the message a saga waits for. */
export function mayMoveSaga(transition: DeliveryTransition): boolean {
  return SETTLED_DELIVERY_STATUSES.includes(DELIVERY_TRANSITIONS[transition].to);
}

/** Where a saga is: its status and the step whose message (or compensation) is under way. */
export interface SagaPosition {
  status: SagaStatus;
  /** The step being delivered (running) or compensated (compensating). */
  stepIndex: number;
}

/**
 * The saga's next position once the current message's deliveries ended as `outcome`; `send` is the
 * message to write next, if any. The one place the saga's transitions are decided.
 */
export function nextSagaPosition(position: SagaPosition, stepCount: number, outcome: Exclude<SagaMessageOutcome, 'pending'>): SagaPosition & { send: { role: SagaMessageRole; stepIndex: number } | null } {
  const { status, stepIndex } = position;
  if (status === SagaStatus.Running) {
    if (outcome === 'succeeded') {
      if (stepIndex + 1 >= stepCount) return { status: SagaStatus.Completed, stepIndex, send: null };
      return { status: SagaStatus.Running, stepIndex: stepIndex + 1, send: { role: SagaMessageRole.Step, stepIndex: stepIndex + 1 } };
    }
    // The failed step is not compensated: it did not happen everywhere, and its receivers refused or never got it.
    if (stepIndex === 0) return { status: SagaStatus.Compensated, stepIndex, send: null };
    return { status: SagaStatus.Compensating, stepIndex: stepIndex - 1, send: { role: SagaMessageRole.Compensation, stepIndex: stepIndex - 1 } };
  }
  if (status === SagaStatus.Compensating) {
    if (outcome === 'failed') return { status: SagaStatus.CompensationFailed, stepIndex, send: null };
    if (stepIndex === 0) return { status: SagaStatus.Compensated, stepIndex, send: null };
    return { status: SagaStatus.Compensating, stepIndex: stepIndex - 1, send: { role: SagaMessageRole.Compensation, stepIndex: stepIndex - 1 } };
  }
  throw new Error(`a ${status} saga does not move`);
}
