import { nextSagaPosition, SagaMessageRole, sagaMessageOutcome, SagaStatus } from './saga';
import { DeliveryStatus } from './delivery-state';

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
});
