import { IdemConfig } from '@app/config';
import { IdempotencyMode } from '@app/core';
import { IdempotencyRecordRepository, IntakeApplication, IntakeRepository, MessageEntity, NewDelivery, NewMessage, UnitOfWork } from '@app/persistence';
import { DeliveryQueue } from '@app/queue';
import { IdempotencyFindings } from './idempotency-findings';
import { IntakeMetrics } from './intake-metrics';
import { IntakeRequest } from './intake-request';
import { MessageIntake } from './message-intake';
import { PayloadContracts } from './payload-contracts';

/** Postgres as intake sees it, in memory; an insert of a message of type `poison` fails the statement. */
class FakeIntakeRepository
  implements Pick<IntakeRepository, 'findRouting' | 'claimEventIds' | 'findMessages' | 'insertMessages' | 'advanceEntityVersions' | 'supersedeOlderStates'>
{
  readonly inserts: string[][] = [];
  readonly stored: MessageEntity[] = [];

  async findRouting(_names: readonly string[], _eventTypes: readonly string[], keys: readonly unknown[]) {
    const applications: IntakeApplication[] = [{ id: 'app_1', uid: 'shop', idempotencyMode: IdempotencyMode.Enforce, enabledEndpoints: [{ id: 'ep_1', filterTypes: null, channels: null }] }];
    return { applications, contracts: [], locked: keys.map(() => true), now: new Date() };
  }

  async claimEventIds(): Promise<never[]> {
    return [];
  }

  async findMessages(): Promise<MessageEntity[]> {
    return [];
  }

  async advanceEntityVersions(): Promise<Set<string>> {
    return new Set();
  }

  async supersedeOlderStates(): Promise<number> {
    return 0;
  }

  async insertMessages(messages: readonly NewMessage[], _deliveries: readonly NewDelivery[]): Promise<void> {
    this.inserts.push(messages.map((message) => message.eventType));
    if (messages.some((message) => message.eventType === 'poison')) throw new Error('insert failed');
    this.stored.push(...messages.map((message) => Object.assign(new MessageEntity(), message)));
  }
}

const records = { tryLock: async () => [], findLive: async () => [], save: async () => undefined } as unknown as IdempotencyRecordRepository;
const findings = { record: async () => ({ observed: [], sendTimeKeys: [] }), afterCommit: () => undefined } as unknown as IdempotencyFindings;
const apart = { runApart: <T>(work: () => Promise<T>) => work() } as unknown as UnitOfWork;

describe(MessageIntake.name, () => {
  let repository: FakeIntakeRepository;
  let enqueued: string[];
  let sut: MessageIntake;

  beforeEach(() => {
    repository = new FakeIntakeRepository();
    enqueued = [];
    const queue = {
      offer: async (add: (queue: { enqueue(jobs: { deliveryId: string }[]): Promise<void> }) => Promise<void>) => {
        await add({ enqueue: async (jobs) => void enqueued.push(...jobs.map((job) => job.deliveryId)) });
        return true;
      },
    } as unknown as DeliveryQueue;
    const metrics = { messagesAccepted: () => undefined, schemaViolations: () => undefined } as unknown as IntakeMetrics;
    const contracts = new PayloadContracts(repository as unknown as IntakeRepository);
    sut = new MessageIntake(repository as unknown as IntakeRepository, contracts, records, apart, queue, metrics, findings, { idempotencyRetentionMs: 60_000 } as IdemConfig);
  });

  const requestFor = (eventType: string): IntakeRequest => ({
    application: 'shop',
    onlyApplicationId: null,
    messages: [{ eventType, eventId: null, payload: { eventType }, channels: null, payloadRetentionHours: 1 }],
  });

  it('writes concurrent requests with one statement and answers each with its own message', async () => {
    const outcomes = await Promise.all(['a', 'b', 'c'].map((type) => sut.accept(requestFor(type))));

    expect(repository.inserts).toEqual([['a', 'b', 'c']]);
    expect(outcomes.map((outcome) => outcome.kind === 'written' && outcome.results[0].kind === 'accepted' && outcome.results[0].message.eventType)).toEqual(['a', 'b', 'c']);
    expect(enqueued).toHaveLength(3);
  });

  it('fails only the request whose write fails, writing the others of its batch alone', async () => {
    const outcomes = await Promise.allSettled(['a', 'poison', 'c'].map((type) => sut.accept(requestFor(type))));

    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(repository.inserts).toEqual([['a', 'poison', 'c'], ['a'], ['poison'], ['c']]);
    expect(repository.stored.map((message) => message.eventType)).toEqual(['a', 'c']);
    expect(enqueued).toHaveLength(2);
  });

  it('refuses a request naming an application its credential may not touch, and writes nothing for it', async () => {
    const outcome = await sut.accept({ ...requestFor('a'), onlyApplicationId: 'app_other' });

    expect(outcome).toEqual({ kind: 'refused', error: expect.objectContaining({ code: 'not_found' }) });
    expect(repository.stored).toEqual([]);
  });
});
