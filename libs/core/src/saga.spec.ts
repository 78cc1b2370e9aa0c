import { mayMoveSaga, nextSagaPosition, SagaMessageRole, sagaEventId, sagaMessageOutcome, SagaStatus } from './saga';
import { DeliveryStatus, DeliveryTransition } from './delivery-state';

describe('saga transitions', () => {
  it('runs the steps in order and completes after the last', () => {
    expect(nextSagaPosition({ status: SagaStatus.Running, stepIndex: 0 }, 3, 'succeeded')).toEqual({ status: SagaStatus.Running, stepIndex: 1, send: { role: SagaMessageRole.Step, stepIndex: 1 } });
    expect(nextSagaPosition({ status: SagaStatus.Running, stepIndex: 2 }, 3, 'succeeded')).toEqual({ status: SagaStatus.Completed, stepIndex: 2, send: null });
  });

  it('compensates the steps that succeeded, newest first, and not the one that failed', () => {
    expect(nextSagaPosition({ status: SagaStatus.Running, stepIndex: 2 }, 3, 'failed')).toEqual({ status: SagaStatus.Compensating, stepIndex: 1, send: { role: SagaMessageRole.Compensation, stepIndex: 1 } });
    expect(nextSagaPosition({ status: SagaStatus.Compensating, stepIndex: 1 }, 3, 'succeeded')).toEqual({ status: SagaStatus.Compensating, stepIndex: 0, send: { role: SagaMessageRole.Compensation, stepIndex: 0 } });
    expect(nextSagaPosition({ status: SagaStatus.Compensating, stepIndex: 0 }, 3, 'succeeded')).toEqual({ status: SagaStatus.Compensated, stepIndex: 0, send: null });
    expect(nextSagaPosition({ status: SagaStatus.Running, stepIndex: 0 }, 3, 'failed')).toEqual({ status: SagaStatus.Compensated, stepIndex: 0, send: null });
  });

  it('stops at compensation_failed when a compensation fails', () => {
    expect(nextSagaPosition({ status: SagaStatus.Compensating, stepIndex: 1 }, 3, 'failed')).toEqual({ status: SagaStatus.CompensationFailed, stepIndex: 1, send: null });
  });

  it('waits while a delivery is under way, and counts stale as answered and canceled as failed', () => {
    expect(sagaMessageOutcome([DeliveryStatus.Succeeded, DeliveryStatus.Sending])).toBe('pending');
    expect(sagaMessageOutcome([DeliveryStatus.Succeeded, DeliveryStatus.Stale])).toBe('succeeded');
    expect(sagaMessageOutcome([DeliveryStatus.Succeeded, DeliveryStatus.Canceled])).toBe('failed');
    expect(sagaMessageOutcome([])).toBe('succeeded');
  });

  it('waits for a delivery queued behind its ordered lane\'s head, and counts a blocked one as failed', () => {
    expect(sagaMessageOutcome([DeliveryStatus.Succeeded, DeliveryStatus.Queued])).toBe('pending');
    expect(sagaMessageOutcome([DeliveryStatus.Queued])).toBe('pending');
    expect(sagaMessageOutcome([DeliveryStatus.Pending, DeliveryStatus.Blocked])).toBe('pending');
    // A blocked lane waits for a person's resend: the saga does not, it compensates.
    expect(sagaMessageOutcome([DeliveryStatus.Succeeded, DeliveryStatus.Blocked])).toBe('failed');
    expect(sagaMessageOutcome([DeliveryStatus.Superseded])).toBe('failed');
    expect(sagaMessageOutcome([DeliveryStatus.Failed, DeliveryStatus.Stale])).toBe('failed');
  });

  it('is moved by the transitions that settle a delivery, blocking its lane among them', () => {
    const moving = Object.values(DeliveryTransition).filter(mayMoveSaga).sort();
    expect(moving).toEqual(
      [
        DeliveryTransition.Block,
        DeliveryTransition.Cancel,
        DeliveryTransition.CancelExpunged,
        DeliveryTransition.Exhaust,
        DeliveryTransition.ExpungePending,
        DeliveryTransition.ResendSucceed,
        DeliveryTransition.ResolveStale,
        DeliveryTransition.Succeed,
        DeliveryTransition.Supersede,
        DeliveryTransition.SupersedeInFlight,
      ].sort(),
    );
  });

  it('derives the eventIds of steps and compensations from the saga and the step', () => {
    expect(sagaEventId('order-7', SagaMessageRole.Step, 'charge')).toBe('saga:order-7:step:charge');
    expect(sagaEventId('order-7', SagaMessageRole.Compensation, 'charge')).toBe('saga:order-7:compensation:charge');
  });
});
