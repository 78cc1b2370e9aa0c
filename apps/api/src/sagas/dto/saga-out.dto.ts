import { DeliveryStatus, SagaMessageRole, SagaStatus } from '@app/core';
import { SagaEntity, SagaMessageState } from '@app/persistence';

export class SagaDeliveryOut {
  endpointId: string;
  status: DeliveryStatus;
  updatedAt: string;
}

/** A message the saga sent for a step or its compensation. */
export class SagaMessageOut {
  messageId: string;
  createdAt: string;
  deliveries: SagaDeliveryOut[];
}

export class SagaStepOut {
  name: string;
  eventType: string;
  compensationEventType: string;
  /** The step's message, once sent. */
  message: SagaMessageOut | null;
  /** The compensation's message, once sent. */
  compensation: SagaMessageOut | null;
}

export class SagaOut {
  id: string;
  sagaId: string;
  status: SagaStatus;
  /** The step being delivered (running) or compensated (compensating), or where the saga ended. */
  currentStep: string;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  steps: SagaStepOut[];
}

export function toSagaOut(saga: SagaEntity, messages: readonly SagaMessageState[]): SagaOut {
  const messageOf = (role: SagaMessageRole, stepIndex: number): SagaMessageOut | null => {
    const found = messages.find((message) => message.role === role && message.stepIndex === stepIndex);
    if (!found) return null;
    return {
      messageId: found.messageId,
      createdAt: new Date(found.createdAt).toISOString(),
      deliveries: found.deliveries.map((delivery) => ({ endpointId: delivery.endpointId, status: delivery.status, updatedAt: delivery.updatedAt.toISOString() })),
    };
  };
  return {
    id: saga.id,
    sagaId: saga.sagaId,
    status: saga.status,
    currentStep: saga.steps[saga.stepIndex].name,
    createdAt: saga.createdAt.toISOString(),
    updatedAt: saga.updatedAt.toISOString(),
    finishedAt: saga.finishedAt?.toISOString() ?? null,
    steps: saga.steps.map((step, index) => ({
      name: step.name,
      eventType: step.eventType,
      compensationEventType: step.compensation.eventType,
      message: messageOf(SagaMessageRole.Step, index),
      compensation: messageOf(SagaMessageRole.Compensation, index),
    })),
  };
}

/** A saga in a list: where it is, without its messages (`GET` one saga for them). */
export class SagaSummaryOut {
  id: string;
  sagaId: string;
  status: SagaStatus;
  currentStep: string;
  stepCount: number;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

export function toSagaSummaryOut(saga: SagaEntity): SagaSummaryOut {
  const { steps: _steps, ...out } = toSagaOut(saga, []);
  return { ...out, stepCount: saga.steps.length };
}
