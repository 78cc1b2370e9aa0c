import { IdemConfig, loadIdemConfig } from '@app/config';
import { DeliveryTransition, generateSigningSecret } from '@app/core';
import { ClaimedDelivery, ClaimRequest, ClaimResult, DeliveryRepository, EndpointRepository, ScheduledAttemptRecord, UnitOfWork } from '@app/persistence';
import { DeliveryQueue, ScheduledDeliveryJob } from '@app/queue';
import { Webhook } from 'standardwebhooks';
import { OperationalWebhooks } from '../operational/operational-webhooks.service';
import { DeliverWebhookService } from './deliver-webhook.service';
import { WebhookRequest, WebhookResponse, WebhookSender } from './webhook-sender';

/** Postgres as the service sees it: what each claim answers, and what was recorded or canceled. */
class FakeDeliveries implements Pick<DeliveryRepository, 'claim' | 'recordScheduledAttempts' | 'cancel' | 'findExternalNames'> {
  readonly claimBatches: ClaimRequest[][] = [];
  readonly recorded: ScheduledAttemptRecord[] = [];
  readonly canceled: ClaimRequest[] = [];
  readonly answers = new Map<string, ClaimResult>();
  /** Another worker recorded these attempts first. */
  readonly recordedElsewhere = new Set<string>();
  failure: Error | undefined;

  async claim(requests: readonly ClaimRequest[]): Promise<ClaimResult[]> {
    if (this.failure) throw this.failure;
    this.claimBatches.push([...requests]);
    return requests.map((request) => this.answers.get(request.deliveryId) ?? { kind: 'stale' });
  }

  async recordScheduledAttempts(records: readonly ScheduledAttemptRecord[]): Promise<Map<string, string>> {
    const ours = records.filter((record) => !this.recordedElsewhere.has(record.deliveryId));
    this.recorded.push(...ours);
    return new Map(ours.map((record) => [record.deliveryId, `atmpt_${record.deliveryId}`]));
  }

  async cancel(deliveryId: string, attemptNumber: number): Promise<void> {
    this.canceled.push({ deliveryId, attemptNumber });
  }

  async findExternalNames(): Promise<Map<string, string | null>> {
    return new Map();
  }
}

class FakeSender extends WebhookSender {
  readonly requests: WebhookRequest[] = [];
  response: WebhookResponse = { statusCode: 200, body: 'ok', durationMs: 3, error: null };

  async send(webhook: WebhookRequest): Promise<WebhookResponse> {
    this.requests.push(webhook);
    return this.response;
  }
}

class FakeQueue implements Pick<DeliveryQueue, 'enqueue'> {
  readonly enqueued: ScheduledDeliveryJob[] = [];

  async enqueue(jobs: readonly ScheduledDeliveryJob[]): Promise<void> {
    this.enqueued.push(...jobs);
  }
}

describe(DeliverWebhookService.name, () => {
  const secret = generateSigningSecret();
  const config: IdemConfig = loadIdemConfig({ IDEM_RETRY_SCHEDULE: '1s,2s' });
  let deliveries: FakeDeliveries;
  let sender: FakeSender;
  let queue: FakeQueue;
  let sut: DeliverWebhookService;

  beforeEach(() => {
    deliveries = new FakeDeliveries();
    sender = new FakeSender();
    queue = new FakeQueue();
    const endpoints = { recordAttemptOutcomes: async () => [] } as unknown as EndpointRepository;
    const operationalWebhooks = { isOperational: () => false, emit: async () => undefined } as unknown as OperationalWebhooks;
    const unitOfWork = { run: <T>(work: () => Promise<T>) => work() } as unknown as UnitOfWork;
    sut = new DeliverWebhookService(
      deliveries as unknown as DeliveryRepository,
      endpoints,
      sender,
      queue as unknown as DeliveryQueue,
      operationalWebhooks,
      unitOfWork,
      config,
    );
  });

  function claimable(attemptNumber: number, overrides: Partial<ClaimedDelivery> = {}): ClaimedDelivery {
    const delivery: ClaimedDelivery = {
      deliveryId: `dlv_${attemptNumber}`,
      attemptNumber,
      messageId: 'msg_1',
      endpointId: 'ep_1',
      appId: 'app_1',
      payload: '{"amount": 12.50, "b":1,"a":2}',
      url: 'https://receiver.example/hooks',
      endpointDisabled: false,
      secrets: [secret],
      ...overrides,
    };
    deliveries.answers.set(delivery.deliveryId, { kind: 'claimed', delivery });
    return delivery;
  }

  it('signs the stored payload for standardwebhooks, sends it and records the success with the signature redacted', async () => {
    const delivery = claimable(1);

    expect(await sut.deliver({ deliveryId: delivery.deliveryId, attemptNumber: 1 })).toEqual({ kind: 'recorded', transition: DeliveryTransition.Succeed });
    const [request] = sender.requests;
    expect(request.body).toBe(delivery.payload);
    expect(request.url).toBe(delivery.url);
    expect(request.headers).toMatchObject({ 'content-type': 'application/json', 'webhook-id': 'msg_1' });
    expect(new Webhook(secret).verify(request.body, request.headers)).toEqual(JSON.parse(delivery.payload));
    const [record] = deliveries.recorded;
    expect(record).toMatchObject({ attemptNumber: 1, outcome: 'succeeded', transition: DeliveryTransition.Succeed, responseStatusCode: 200, nextAttemptAt: null });
    expect(record.requestHeaders['webhook-signature']).toBe('[redacted]');
    expect(queue.enqueued).toEqual([]);
  });

  it('records a failure as Retry at the scheduled time, ±20 %, and only then enqueues the next attempt', async () => {
    const delivery = claimable(1);
    sender.response = { statusCode: 500, body: 'no', durationMs: 5, error: null };

    const before = Date.now();
    expect(await sut.deliver({ deliveryId: delivery.deliveryId, attemptNumber: 1 })).toEqual({ kind: 'recorded', transition: DeliveryTransition.Retry });
    const [record] = deliveries.recorded;
    const [next] = queue.enqueued;
    expect(next).toMatchObject({ deliveryId: delivery.deliveryId, attemptNumber: 2 });
    expect(next.delayMs).toBeGreaterThanOrEqual(800);
    expect(next.delayMs).toBeLessThanOrEqual(1200);
    expect(record.nextAttemptAt!.getTime() - before).toBeGreaterThanOrEqual(next.delayMs!);
    expect(record.nextAttemptAt!.getTime() - Date.now()).toBeLessThanOrEqual(next.delayMs!);
  });

  it("takes a Retry-After only from 429 and 503, within [scheduled, 2 × scheduled]", async () => {
    sender.response = { statusCode: 429, body: '', durationMs: 5, retryAfterMs: 60_000, error: null };
    await sut.deliver({ deliveryId: claimable(2).deliveryId, attemptNumber: 2 });
    expect(queue.enqueued.pop()?.delayMs).toBe(4_000);

    sender.response = { statusCode: 503, body: '', durationMs: 5, retryAfterMs: 1_500, error: null };
    await sut.deliver({ deliveryId: claimable(1).deliveryId, attemptNumber: 1 });
    expect(queue.enqueued.pop()?.delayMs).toBe(1_500);

    sender.response = { statusCode: 500, body: '', durationMs: 5, retryAfterMs: 1_900, error: null };
    deliveries.answers.clear();
    await sut.deliver({ deliveryId: claimable(1).deliveryId, attemptNumber: 1 });
    expect(queue.enqueued.pop()?.delayMs).toBeLessThanOrEqual(1_200);
  });

  it('exhausts the delivery when its last attempt fails, recording the network error with status 0', async () => {
    const delivery = claimable(3);
    sender.response = { statusCode: 0, body: '', durationMs: 1000, error: 'timed out after 1000 ms' };

    expect(await sut.deliver({ deliveryId: delivery.deliveryId, attemptNumber: 3 })).toEqual({ kind: 'recorded', transition: DeliveryTransition.Exhaust });
    expect(deliveries.recorded[0]).toMatchObject({ outcome: 'failed', responseStatusCode: 0, error: 'timed out after 1000 ms', nextAttemptAt: null });
    expect(queue.enqueued).toEqual([]);
  });

  it('cancels, without a request, a delivery whose endpoint is disabled', async () => {
    const delivery = claimable(2, { endpointDisabled: true });

    expect(await sut.deliver({ deliveryId: delivery.deliveryId, attemptNumber: 2 })).toEqual({ kind: 'canceled' });
    expect(deliveries.canceled).toEqual([{ deliveryId: delivery.deliveryId, attemptNumber: 2 }]);
    expect(sender.requests).toEqual([]);
    expect(deliveries.recorded).toEqual([]);
  });

  it('sends nothing for a job it cannot claim, and says when it is worth coming back', async () => {
    deliveries.answers.set('dlv_leased', { kind: 'leased', retryAt: 1234 });

    expect(await sut.deliver({ deliveryId: 'dlv_leased', attemptNumber: 1 })).toEqual({ kind: 'leased', retryAt: 1234 });
    expect(await sut.deliver({ deliveryId: 'dlv_done', attemptNumber: 1 })).toEqual({ kind: 'stale' });
    expect(sender.requests).toEqual([]);
  });

  it('leaves alone an attempt another worker recorded first: no second record, no next attempt', async () => {
    const delivery = claimable(1);
    sender.response = { statusCode: 500, body: '', durationMs: 5, error: null };
    deliveries.recordedElsewhere.add(delivery.deliveryId);

    expect(await sut.deliver({ deliveryId: delivery.deliveryId, attemptNumber: 1 })).toEqual({ kind: 'superseded' });
    expect(queue.enqueued).toEqual([]);
  });

  it('claims concurrent jobs in one round trip', async () => {
    const jobs = [1, 2, 3].map((n) => claimable(n, { deliveryId: `dlv_batch_${n}` }));

    await Promise.all(jobs.map((job) => sut.deliver({ deliveryId: job.deliveryId, attemptNumber: job.attemptNumber })));
    expect(deliveries.claimBatches).toHaveLength(1);
    expect(deliveries.claimBatches[0].map((request) => request.deliveryId)).toEqual(jobs.map((job) => job.deliveryId));
  });

  it('lets a database failure reach BullMQ, which retries the job', async () => {
    deliveries.failure = new Error('connect ECONNREFUSED 127.0.0.1:5432');

    await expect(sut.deliver({ deliveryId: claimable(1).deliveryId, attemptNumber: 1 })).rejects.toThrow('ECONNREFUSED');
    expect(sender.requests).toEqual([]);
  });
});
