import { DeliveryStatus, IdemError, SagaMessageRole, SagaStatus } from '@app/core';
import { SagaMessages } from '@app/intake';
import { DeliveryOutcomeRepository, SagaEntity, SagaRepository } from '@app/persistence';
import { OperationalEvent } from '../operational/operational-event';
import { OperationalWebhooks } from '../operational/operational-webhooks.service';
import { SagaProgress } from './saga-progress.service';

/** One saga's state as Postgres holds it, in memory. */
class FakeSagas implements Pick<SagaRepository, 'lockWaitingOn' | 'lockStuck' | 'findMessage' | 'move'> {
  readonly messages = new Map<string, { messageId: string; statuses: DeliveryStatus[] }>();
  readonly moves: [SagaStatus, number][] = [];

  constructor(readonly saga: SagaEntity) {}

  async lockWaitingOn(): Promise<SagaEntity[]> {
    return [this.saga];
  }

  async lockStuck(): Promise<SagaEntity[]> {
    return [this.saga];
  }

  async findMessage(_sagaPk: string, role: SagaMessageRole, stepIndex: number) {
    return this.messages.get(`${role}:${stepIndex}`) ?? null;
  }

  async move(_sagaPk: string, status: SagaStatus, stepIndex: number): Promise<void> {
    this.moves.push([status, stepIndex]);
  }
}

function sagaOf(status: SagaStatus, stepIndex: number): SagaEntity {
  const step = (name: string) => ({ name, eventType: `${name}.do`, payload: {}, compensation: { eventType: `${name}.undo`, payload: {} } });
  return Object.assign(new SagaEntity(), { id: 'saga_1', appId: 'app_1', sagaId: 'order-1', status, stepIndex, steps: [step('a'), step('b'), step('c')] });
}

describe(SagaProgress.name, () => {
  let sagas: FakeSagas;
  let sent: string[];
  let emitted: OperationalEvent[];
  /** What each message the saga sends gets as deliveries; a name in `refused` is refused by the intake. */
  let deliveriesOfSent: DeliveryStatus[];
  let refused: Set<string>;
  let sut: SagaProgress;

  function build(saga: SagaEntity) {
    sagas = new FakeSagas(saga);
    const messages = {
      send: async (s: SagaEntity, role: SagaMessageRole, stepIndex: number) => {
        const name = `${role}:${s.steps[stepIndex].name}`;
        sent.push(name);
        if (refused.has(name)) return { refused: IdemError.validation('schema', []) };
        sagas.messages.set(`${role}:${stepIndex}`, { messageId: `msg_${name}`, statuses: deliveriesOfSent });
        return { messageId: `msg_${name}` };
      },
    } as unknown as SagaMessages;
    const deliveries = { findExternalNames: async () => new Map() } as unknown as DeliveryOutcomeRepository;
    const operational = { emit: async (events: OperationalEvent[]) => void emitted.push(...events) } as unknown as OperationalWebhooks;
    sut = new SagaProgress(sagas as unknown as SagaRepository, messages, deliveries, operational);
  }

  beforeEach(() => {
    sent = [];
    emitted = [];
    deliveriesOfSent = [DeliveryStatus.Pending];
    refused = new Set();
  });

  it('sends the next step once every delivery of the current one succeeded, and waits while one is under way', async () => {
    build(sagaOf(SagaStatus.Running, 0));
    sagas.messages.set('step:0', { messageId: 'msg_a', statuses: [DeliveryStatus.Succeeded, DeliveryStatus.Sending] });
    await sut.onDeliveriesEnded(['msg_a']);
    expect([sent, sagas.moves]).toEqual([[], []]);

    sagas.messages.set('step:0', { messageId: 'msg_a', statuses: [DeliveryStatus.Succeeded, DeliveryStatus.Succeeded] });
    await sut.onDeliveriesEnded(['msg_a']);
    expect(sent).toEqual(['step:b']);
    expect(sagas.moves).toEqual([[SagaStatus.Running, 1]]);
  });

  it('goes straight through messages that reach no endpoint, and reports the saga completed', async () => {
    build(sagaOf(SagaStatus.Running, 0));
    sagas.messages.set('step:0', { messageId: 'msg_a', statuses: [DeliveryStatus.Succeeded] });
    deliveriesOfSent = [];
    await sut.onDeliveriesEnded(['msg_a']);
    expect(sent).toEqual(['step:b', 'step:c']);
    expect(sagas.moves).toEqual([[SagaStatus.Completed, 2]]);
    expect(emitted).toEqual([{ type: 'saga.completed', appId: 'app_1', id: 'saga_1', sagaId: 'order-1' }]);
  });

  it('compensates newest first when a step fails, and counts a compensation the intake refuses as failed', async () => {
    build(sagaOf(SagaStatus.Running, 2));
    sagas.messages.set('step:2', { messageId: 'msg_c', statuses: [DeliveryStatus.Failed] });
    refused.add('compensation:b');
    await sut.onDeliveriesEnded(['msg_c']);
    expect(sent).toEqual(['compensation:b']);
    expect(sagas.moves).toEqual([[SagaStatus.CompensationFailed, 1]]);
    expect(emitted.map((event) => event.type)).toEqual(['saga.compensation_failed']);
  });

  it('writes, when sweeping, the message a saga waits for that was never written', async () => {
    build(sagaOf(SagaStatus.Compensating, 0));
    await sut.advanceStuck(10);
    expect(sent).toEqual(['compensation:a']);
    expect(sagas.moves).toEqual([]);
  });
});
