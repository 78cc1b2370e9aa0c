import { DEFAULT_PAYLOAD_RETENTION_HOURS, IdemError, SagaMessageRole, sagaEventId } from '@app/core';
import { SagaEntity, SagaRepository } from '@app/persistence';
import { Injectable } from '@nestjs/common';
import { MessageIntake } from './message-intake';

/**
 * Writes a saga's step or compensation as a message, through the one intake, in the caller's
 * transaction, and records it as the saga's. Its eventId is derived from the saga and the step, so a
 * second write of the same one is the first message again.
 */
@Injectable()
export class SagaMessages {
  constructor(
    private readonly intake: MessageIntake,
    private readonly sagas: SagaRepository,
  ) {}

  /** The message's id, or why the intake refused it (a payload its event type's schema refuses, say). */
  async send(saga: SagaEntity, role: SagaMessageRole, stepIndex: number): Promise<{ messageId: string } | { refused: IdemError }> {
    const step = saga.steps[stepIndex];
    const { eventType, payload, channels } = role === SagaMessageRole.Step ? step : step.compensation;
    const [outcome] = await this.intake.acceptInTransaction([
      {
        application: saga.appId,
        onlyApplicationId: saga.appId,
        derivedEventIds: true,
        messages: [{ eventType, eventId: sagaEventId(saga.sagaId, role, step.name), payload, channels: channels ?? null, payloadRetentionHours: DEFAULT_PAYLOAD_RETENTION_HOURS }],
      },
    ]);
    if (outcome.kind === 'refused') return { refused: outcome.error };
    if (outcome.kind !== 'written') return { refused: IdemError.conflict('The saga message was answered as a replay') };
    const [result] = outcome.results;
    if (result.kind === 'refused') return { refused: result.error };
    await this.sagas.recordMessage(saga.id, role, stepIndex, result.message.id);
    return { messageId: result.message.id };
  }
}
