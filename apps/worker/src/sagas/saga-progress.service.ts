import { nextSagaPosition, SagaMessageOutcome, sagaMessageOutcome, SagaMessageRole, SagaPosition, SagaStatus } from '@app/core';
import { SagaMessages } from '@app/intake';
import { DeliveryOutcomeRepository, SagaEntity, SagaRepository } from '@app/persistence';
import { Injectable, Logger } from '@nestjs/common';
import { OperationalEventType, SagaEvent } from '../operational/operational-event';
import { OperationalWebhooks } from '../operational/operational-webhooks.service';

const FINISHED_EVENT: Partial<Record<SagaStatus, SagaEvent['type']>> = {
  [SagaStatus.Completed]: OperationalEventType.SagaCompleted,
  [SagaStatus.Compensated]: OperationalEventType.SagaCompensated,
  [SagaStatus.CompensationFailed]: OperationalEventType.SagaCompensationFailed,
};

/**
 * Moves sagas on, always in the caller's transaction: the record batch's, so a saga advances with the
 * delivery outcome that moves it, or the sweeper's. Each saga is locked first, so concurrent outcomes
 * (and several workers) advance it one at a time, and each step or compensation is written once, under
 * an eventId derived from the saga.
 */
@Injectable()
export class SagaProgress {
  private readonly logger = new Logger(SagaProgress.name);

  constructor(
    private readonly sagas: SagaRepository,
    private readonly messages: SagaMessages,
    private readonly deliveries: DeliveryOutcomeRepository,
    private readonly operationalWebhooks: OperationalWebhooks,
  ) {}

  /** After deliveries of these messages ended: one statement when none of them is a saga's. */
  async onDeliveriesEnded(messageIds: readonly string[]): Promise<void> {
    await this.advance(await this.sagas.lockWaitingOn([...new Set(messageIds)]));
  }

  /** Sagas that should have moved and did not (see `SagaRepository.lockStuck`); returns how many it looked at. */
  async advanceStuck(limit: number): Promise<number> {
    const stuck = await this.sagas.lockStuck(limit);
    await this.advance(stuck);
    return stuck.length;
  }

  private async advance(sagas: readonly SagaEntity[]): Promise<void> {
    const events: SagaEvent[] = [];
    for (const saga of sagas) {
      let position: SagaPosition = { status: saga.status, stepIndex: saga.stepIndex };
      for (;;) {
        const outcome = await this.outcomeOf(saga, position);
        if (outcome === 'pending') break;
        const next = nextSagaPosition(position, saga.steps.length, outcome);
        position = { status: next.status, stepIndex: next.stepIndex };
        if (!next.send) break;
      }
      if (position.status === saga.status && position.stepIndex === saga.stepIndex) continue;
      await this.sagas.move(saga.id, position.status, position.stepIndex);
      const type = FINISHED_EVENT[position.status];
      if (type) events.push({ type, appId: saga.appId, id: saga.id, sagaId: saga.sagaId });
      if (position.status === SagaStatus.CompensationFailed) this.logger.warn({ sagaId: saga.id, step: saga.steps[position.stepIndex].name }, 'saga compensation failed');
    }
    if (events.length === 0) return;
    const names = await this.deliveries.findExternalNames(
      events.map((event) => event.appId),
      [],
      [],
    );
    await this.operationalWebhooks.emit(events, names);
  }

  /**
   * How the message the saga waits for at `position` went. One not written yet (the saga has just moved
   * there) is written now; one the intake refuses (its payload breaks its event type's schema, say)
   * fails the step like a refusal by its receivers.
   */
  private async outcomeOf(saga: SagaEntity, position: SagaPosition): Promise<SagaMessageOutcome> {
    const role = position.status === SagaStatus.Running ? SagaMessageRole.Step : SagaMessageRole.Compensation;
    let message = await this.sagas.findMessage(saga.id, role, position.stepIndex);
    if (!message) {
      const sent = await this.messages.send(saga, role, position.stepIndex);
      if ('refused' in sent) {
        this.logger.warn({ sagaId: saga.id, role, step: saga.steps[position.stepIndex].name, error: sent.refused.detail }, 'saga message refused');
        return 'failed';
      }
      message = await this.sagas.findMessage(saga.id, role, position.stepIndex);
    }
    // A message sent to no endpoint (none subscribes any more) has nothing to wait for.
    return sagaMessageOutcome(message?.statuses ?? []);
  }
}
