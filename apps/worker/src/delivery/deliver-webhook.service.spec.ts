import { IdemConfig, loadIdemConfig } from '@app/config';
import { DeliveryStatus, DeliveryTransition, generateSigningSecret, nextDeliveryStatus, ThrottleDecision } from '@app/core';
import {
  ClaimedDelivery,
  ClaimRequest,
  ClaimResult,
  DeliveryClaimRepository,
  DeliveryLaneRepository,
  DeliveryOutcomeRepository,
  DeliveryResendRepository,
  ResendableDelivery,
  RecordedAttempt,
  RecordedAttempts,
  ScheduledAttemptRecord,
  ThrottledDelivery,
  UnitOfWork,
} from '@app/persistence';
import { DeliveryQueue, ScheduledDeliveryJob } from '@app/queue';
import { Webhook } from 'standardwebhooks';
import { AttemptOutcomeLabel, WorkerMetrics } from '../metrics/worker-metrics';
import { OperationalWebhooks } from '../operational/operational-webhooks.service';
import { SagaProgress } from '../sagas/saga-progress.service';
import { DeliverWebhookService } from './deliver-webhook.service';
import { EndpointThrottle } from './endpoint-throttle';
import { WebhookRequest, WebhookResponse, WebhookSender } from './webhook-sender';

/** Postgres as the service sees it: what each claim answers, and what was recorded, canceled or handed back. */
class FakeDeliveries
  implements
    Pick<DeliveryClaimRepository, 'claim' | 'throttle'>,
    Pick<DeliveryOutcomeRepository, 'recordScheduledAttempts' | 'cancel' | 'findExternalNames'>,
    Pick<DeliveryResendRepository, 'findResendable' | 'recordManualAttempt'>
{
  readonly claimBatches: ClaimRequest[][] = [];
  readonly recorded: ScheduledAttemptRecord[] = [];
  readonly canceled: (ClaimRequest & { transition: DeliveryTransition })[] = [];
  readonly throttleBatches: ThrottledDelivery[][] = [];
  readonly resendable = new Map<string, ResendableDelivery>();
  manualAttempts = 0;
  readonly answers = new Map<string, ClaimResult>();
  /** Another worker recorded these attempts first. */
  readonly recordedElsewhere = new Set<string>();
  /** A newer state was accepted meanwhile: these retries are superseded as they are recorded. */
  readonly supersededOnRecord = new Set<string>();
  failure: Error | undefined;

  async claim(requests: readonly ClaimRequest[]): Promise<ClaimResult[]> {
    if (this.failure) throw this.failure;
    this.claimBatches.push([...requests]);
    return requests.map((request) => this.answers.get(request.deliveryId) ?? { kind: 'stale' });
  }

  async recordScheduledAttempts(records: readonly ScheduledAttemptRecord[]): Promise<RecordedAttempts> {
    const ours = records.filter((record) => !this.recordedElsewhere.has(record.deliveryId));
    this.recorded.push(...ours);
    const attempts = new Map<string, RecordedAttempt>(
      ours.map((record) => [record.deliveryId, { attemptId: `atmpt_${record.deliveryId}`, status: this.supersededOnRecord.has(record.deliveryId) ? DeliveryStatus.Superseded : nextDeliveryStatus(DeliveryStatus.Sending, record.transition) }]),
    );
    return { attempts, disabled: [] };
  }

  async cancel(deliveryId: string, attemptNumber: number, transition: DeliveryTransition): Promise<void> {
    this.canceled.push({ deliveryId, attemptNumber, transition });
  }

  async throttle(deliveries: readonly ThrottledDelivery[]): Promise<void> {
    this.throttleBatches.push([...deliveries]);
  }

  async findExternalNames(): Promise<Map<string, string | null>> {
    return new Map();
  }

  async findResendable(deliveryId: string): Promise<ResendableDelivery | null> {
    return this.resendable.get(deliveryId) ?? null;
  }

  async recordManualAttempt(): Promise<boolean> {
    this.manualAttempts += 1;
    return true;
  }
}

/** The shared limiter: answers what the test sets, per endpoint, and remembers who asked. */
class FakeThrottle extends EndpointThrottle {
  readonly asked: { endpointId: string; ratePerSecond: number; holder: string }[] = [];
  readonly answers = new Map<string, ThrottleDecision>();

  async admit(endpointId: string, ratePerSecond: number, holder: string): Promise<ThrottleDecision> {
    this.asked.push({ endpointId, ratePerSecond, holder });
    return this.answers.get(endpointId) ?? { kind: 'send' };
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

/** What the service counted, call by call. */
class FakeMetrics implements Pick<WorkerMetrics, 'attemptMade' | 'deliveryThrottled' | 'deliveryExhausted'> {
  readonly attempts: AttemptOutcomeLabel[] = [];
  throttled = 0;
  exhausted = 0;

  attemptMade(outcome: AttemptOutcomeLabel): void {
    this.attempts.push(outcome);
  }

  deliveryThrottled(): void {
    this.throttled += 1;
  }

  deliveryExhausted(): void {
    this.exhausted += 1;
  }
}

describe(DeliverWebhookService.name, () => {
  const secret = generateSigningSecret();
  const config: IdemConfig = loadIdemConfig({ IDEM_RETRY_SCHEDULE: '1s,2s' });
  let deliveries: FakeDeliveries;
  let sender: FakeSender;
  let queue: FakeQueue;
  let throttle: FakeThrottle;
  let metrics: FakeMetrics;
  let transactions: number;
  let emitted: { type: string }[];
  let endedMessages: string[];
  let sut: DeliverWebhookService;
  /** Builds the service over this test's fakes with `withConfig`; beforeEach builds it with `config`. */
  let build: (withConfig: IdemConfig) => DeliverWebhookService;

  beforeEach(() => {
    endedMessages = [];
    deliveries = new FakeDeliveries();
    sender = new FakeSender();
    queue = new FakeQueue();
    throttle = new FakeThrottle();
    metrics = new FakeMetrics();
    emitted = [];
    const operationalWebhooks = {
      isOperational: () => false,
      emit: async (events: { type: string }[]) => void emitted.push(...events),
    } as unknown as OperationalWebhooks;
    transactions = 0;
    const unitOfWork = {
      run: <T>(work: () => Promise<T>) => {
        transactions += 1;
        return work();
      },
    } as unknown as UnitOfWork;
    const sagaProgress = { onDeliveriesEnded: async (messageIds: string[]) => void endedMessages.push(...messageIds) } as unknown as SagaProgress;
    build = (withConfig) => new DeliverWebhookService(
      deliveries as unknown as DeliveryClaimRepository,
      deliveries as unknown as DeliveryOutcomeRepository,
      deliveries as unknown as DeliveryResendRepository,
      { promoteNext: async () => [] } as unknown as DeliveryLaneRepository,
      sender,
      throttle,
      queue as unknown as DeliveryQueue,
      operationalWebhooks,
      sagaProgress,
      unitOfWork,
      metrics as unknown as WorkerMetrics,
      withConfig,
    );
    sut = build(config);
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
      throttleRate: null,
      secrets: [secret],
      headers: {},
      entity: null,
      lane: null,
      inSaga: false,
      ...overrides,
    };
    deliveries.answers.set(delivery.deliveryId, { kind: 'claimed', delivery });
    return delivery;
  }

  it('raises a failing event after the fourth failed attempt, but not for a retry superseded by a newer state as it was recorded', async () => {
    sut = build(loadIdemConfig({ IDEM_RETRY_SCHEDULE: '1s,1s,1s,1s,1s' }));
    sender.response = { statusCode: 500, body: 'down', durationMs: 3, error: null };
    await sut.deliver({ deliveryId: claimable(4).deliveryId, attemptNumber: 4 });
    const superseded = claimable(4, { deliveryId: 'dlv_superseded' });
    deliveries.supersededOnRecord.add(superseded.deliveryId);
    await sut.deliver({ deliveryId: superseded.deliveryId, attemptNumber: 4 });

    expect(emitted.map((event) => event.type)).toEqual(['message.attempt.failing']);
  });

  it('signs the stored payload for standardwebhooks, sends it and records the success with the signature redacted', async () => {
    const delivery = claimable(1);

    expect(await sut.deliver({ deliveryId: delivery.deliveryId, attemptNumber: 1 })).toEqual({ kind: 'recorded', transition: DeliveryTransition.Succeed });
    const [request] = sender.requests;
    expect(request.body).toBe(delivery.payload);
    expect(request.url).toBe(delivery.url);
    expect(request.headers).toMatchObject({ 'content-type': 'application/json', 'webhook-id': 'msg_1' });
    expect(new Webhook(secret).verify(request.body, request.headers)).toEqual(JSON.parse(request.body));
    const [record] = deliveries.recorded;
    expect(record).toMatchObject({ attemptNumber: 1, outcome: 'succeeded', transition: DeliveryTransition.Succeed, responseStatusCode: 200, nextAttemptAt: null });
    expect(record.requestHeaders['webhook-signature']).toBe('[redacted]');
    expect(queue.enqueued).toEqual([]);
  });

  it("sends the endpoint's headers beside the signature headers, never instead of them, and records sensitive ones redacted", async () => {
    const delivery = claimable(1, { headers: { 'X-Tenant': 'acme', Authorization: 'Bearer s3cret', 'Webhook-Signature': 'v1,forged' } });
    sender.response = { statusCode: 200, body: 'ok', headers: { 'x-request-id': 'r1' }, durationMs: 3, error: null };

    await sut.deliver({ deliveryId: delivery.deliveryId, attemptNumber: 1 });
    const [request] = sender.requests;
    expect(request.headers).toMatchObject({ 'X-Tenant': 'acme', Authorization: 'Bearer s3cret' });
    expect(request.headers).not.toHaveProperty('Webhook-Signature');
    expect(new Webhook(secret).verify(request.body, request.headers)).toEqual(JSON.parse(request.body));
    const [record] = deliveries.recorded;
    expect(record.requestHeaders).toMatchObject({ 'X-Tenant': 'acme', Authorization: '[redacted]', 'webhook-signature': '[redacted]' });
    expect(record.responseHeaders).toEqual({ 'x-request-id': 'r1' });
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

  it('records a success outside sagas and lanes in one statement with no transaction, and one in a saga in a transaction that tells the saga', async () => {
    const plain = claimable(1, { deliveryId: 'dlv_plain' });
    expect(await sut.deliver({ deliveryId: plain.deliveryId, attemptNumber: 1 })).toEqual({ kind: 'recorded', transition: DeliveryTransition.Succeed });
    expect({ transactions, endedMessages }).toEqual({ transactions: 0, endedMessages: [] });

    const step = claimable(1, { deliveryId: 'dlv_step', messageId: 'msg_step', inSaga: true });
    expect(await sut.deliver({ deliveryId: step.deliveryId, attemptNumber: 1 })).toEqual({ kind: 'recorded', transition: DeliveryTransition.Succeed });
    expect({ transactions, endedMessages }).toEqual({ transactions: 1, endedMessages: ['msg_step'] });
    expect(deliveries.recorded.map((record) => record.deliveryId)).toEqual(['dlv_plain', 'dlv_step']);
  });

  it('records in a transaction a success that raises an operational event (recovered, after the fourth failed attempt)', async () => {
    const delivery = claimable(6);
    expect(await sut.deliver({ deliveryId: delivery.deliveryId, attemptNumber: 6 })).toEqual({ kind: 'recorded', transition: DeliveryTransition.Succeed });
    expect(transactions).toBe(1);
    expect(emitted.map((event) => event.type)).toEqual(['message.attempt.recovered']);
  });

  it('ends a delivery its receiver rejects for good (a 4xx with webhook-outcome: rejected) at once, and tells the sagas', async () => {
    const delivery = claimable(1, { inSaga: true });
    sender.response = { statusCode: 422, body: '', durationMs: 5, error: null, headers: { 'webhook-outcome': 'rejected' } };

    expect(await sut.deliver({ deliveryId: delivery.deliveryId, attemptNumber: 1 })).toEqual({ kind: 'recorded', transition: DeliveryTransition.Exhaust });
    expect(queue.enqueued).toEqual([]);
    expect(endedMessages).toEqual([delivery.messageId]);
  });

  it('retries a 4xx without the rejected outcome, and a rejected outcome on a 5xx (a crash is not a refusal)', async () => {
    const first = claimable(1, { deliveryId: 'dlv_plain_4xx' });
    sender.response = { statusCode: 400, body: '', durationMs: 5, error: null };
    expect(await sut.deliver({ deliveryId: first.deliveryId, attemptNumber: 1 })).toEqual({ kind: 'recorded', transition: DeliveryTransition.Retry });
    const second = claimable(1, { deliveryId: 'dlv_5xx_rejected' });
    sender.response = { statusCode: 500, body: '', durationMs: 5, error: null, headers: { 'webhook-outcome': 'rejected' } };
    expect(await sut.deliver({ deliveryId: second.deliveryId, attemptNumber: 1 })).toEqual({ kind: 'recorded', transition: DeliveryTransition.Retry });
    expect(endedMessages).toEqual([]);
  });

  describe('stale outcome (webhook-outcome: stale)', () => {
    const stale = { 'webhook-outcome': 'stale' };

    it('ends the delivery stale on a 409 or a 2xx with the header: resolved, not retried, and the sagas told', async () => {
      const conflict = claimable(1, { deliveryId: 'dlv_409_stale', inSaga: true });
      sender.response = { statusCode: 409, body: '', durationMs: 5, error: null, headers: stale };
      expect(await sut.deliver({ deliveryId: conflict.deliveryId, attemptNumber: 1 })).toEqual({ kind: 'recorded', transition: DeliveryTransition.ResolveStale });
      const accepted = claimable(1, { deliveryId: 'dlv_200_stale', messageId: 'msg_2', inSaga: true });
      sender.response = { statusCode: 200, body: '', durationMs: 5, error: null, headers: { 'webhook-outcome': ' Stale ' } };
      expect(await sut.deliver({ deliveryId: accepted.deliveryId, attemptNumber: 1 })).toEqual({ kind: 'recorded', transition: DeliveryTransition.ResolveStale });

      expect(deliveries.recorded.map((record) => [record.transition, record.outcome, record.nextAttemptAt])).toEqual([
        [DeliveryTransition.ResolveStale, 'succeeded', null],
        [DeliveryTransition.ResolveStale, 'succeeded', null],
      ]);
      expect(queue.enqueued).toEqual([]);
      expect(endedMessages).toEqual(['msg_1', 'msg_2']);
    });

    it('retries a 5xx with the header, and a 409 without it: only an answer from a receiver that holds a newer version is stale', async () => {
      const crashed = claimable(1, { deliveryId: 'dlv_503_stale' });
      sender.response = { statusCode: 503, body: '', durationMs: 5, error: null, headers: stale };
      expect(await sut.deliver({ deliveryId: crashed.deliveryId, attemptNumber: 1 })).toEqual({ kind: 'recorded', transition: DeliveryTransition.Retry });
      const conflict = claimable(1, { deliveryId: 'dlv_409_plain' });
      sender.response = { statusCode: 409, body: '', durationMs: 5, error: null };
      expect(await sut.deliver({ deliveryId: conflict.deliveryId, attemptNumber: 1 })).toEqual({ kind: 'recorded', transition: DeliveryTransition.Retry });

      expect(deliveries.recorded.map((record) => record.outcome)).toEqual(['failed', 'failed']);
      expect(queue.enqueued.map((job) => job.deliveryId)).toEqual([crashed.deliveryId, conflict.deliveryId]);
      expect(endedMessages).toEqual([]);
    });

    it('raises no failing event and counts as an answer for the endpoint, not toward auto-disable, even after failed attempts', async () => {
      sut = build(loadIdemConfig({ IDEM_RETRY_SCHEDULE: '1s,1s,1s,1s,1s' }));
      sender.response = { statusCode: 409, body: '', durationMs: 5, error: null, headers: stale };

      await sut.deliver({ deliveryId: claimable(4).deliveryId, attemptNumber: 4 });
      await sut.deliver({ deliveryId: claimable(5, { deliveryId: 'dlv_after_failing' }).deliveryId, attemptNumber: 5 });

      expect(emitted).toEqual([]);
      // The endpoint's health reads each recorded attempt's outcome and status (410 is gone).
      expect(deliveries.recorded.map((record) => [record.outcome, record.responseStatusCode])).toEqual([
        ['succeeded', 409],
        ['succeeded', 409],
      ]);
      expect(metrics.attempts).toEqual(['succeeded', 'succeeded']);
      expect(metrics.exhausted).toBe(0);
    });
  });

  it('cancels, without a request, a delivery whose endpoint is disabled', async () => {
    const delivery = claimable(2, { endpointDisabled: true });

    expect(await sut.deliver({ deliveryId: delivery.deliveryId, attemptNumber: 2 })).toEqual({ kind: 'canceled' });
    expect(deliveries.canceled).toEqual([{ deliveryId: delivery.deliveryId, attemptNumber: 2, transition: DeliveryTransition.Cancel }]);
    expect(sender.requests).toEqual([]);
    expect(deliveries.recorded).toEqual([]);
  });

  it("cancels, without a request, a delivery whose message's payload was expunged since its attempt was scheduled", async () => {
    const delivery = claimable(2, { payload: null });

    expect(await sut.deliver({ deliveryId: delivery.deliveryId, attemptNumber: 2 })).toEqual({ kind: 'canceled' });
    expect(deliveries.canceled).toEqual([{ deliveryId: delivery.deliveryId, attemptNumber: 2, transition: DeliveryTransition.CancelExpunged }]);
    expect(sender.requests).toEqual([]);
    expect(deliveries.recorded).toEqual([]);
    expect(queue.enqueued).toEqual([]);
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

  it('sends to an endpoint without a rate limit without asking the throttle', async () => {
    await sut.deliver({ deliveryId: claimable(1).deliveryId, attemptNumber: 1 });

    expect(throttle.asked).toEqual([]);
    expect(sender.requests).toHaveLength(1);
  });

  it("asks the endpoint's throttle, at its rate, for this attempt, and sends when there is room", async () => {
    const delivery = claimable(2, { throttleRate: 5 });

    expect(await sut.deliver({ deliveryId: delivery.deliveryId, attemptNumber: 2 })).toEqual({ kind: 'recorded', transition: DeliveryTransition.Succeed });
    expect(throttle.asked).toEqual([{ endpointId: 'ep_1', ratePerSecond: 5, holder: `${delivery.deliveryId}:2` }]);
    expect(sender.requests).toHaveLength(1);
  });

  it('hands a throttled delivery back unsent, at the same attempt, without recording an attempt or touching health', async () => {
    const delivery = claimable(3, { throttleRate: 5 });
    throttle.answers.set('ep_1', { kind: 'wait', waitMs: 1_400 });

    const before = Date.now();
    const result = await sut.deliver({ deliveryId: delivery.deliveryId, attemptNumber: 3 });
    expect(result).toEqual({ kind: 'throttled', retryAt: expect.any(Number) });
    expect((result as { retryAt: number }).retryAt).toBeGreaterThanOrEqual(before + 1_400);
    expect(deliveries.throttleBatches).toEqual([[{ deliveryId: delivery.deliveryId, attemptNumber: 3, waitMs: 1_400 }]]);
    expect(sender.requests).toEqual([]);
    expect(deliveries.recorded).toEqual([]);
    expect(deliveries.canceled).toEqual([]);
    expect(queue.enqueued).toEqual([]);
  });

  it('hands back concurrent throttled deliveries in one round trip, while other endpoints are sent', async () => {
    const throttled = [1, 2, 3].map((n) => claimable(1, { deliveryId: `dlv_slow_${n}`, endpointId: 'ep_slow', throttleRate: 1 }));
    const free = claimable(1, { deliveryId: 'dlv_free', endpointId: 'ep_free' });
    throttle.answers.set('ep_slow', { kind: 'wait', waitMs: 1_000 });

    const results = await Promise.all([...throttled, free].map((delivery) => sut.deliver({ deliveryId: delivery.deliveryId, attemptNumber: 1 })));
    expect(results.map((result) => result.kind)).toEqual(['throttled', 'throttled', 'throttled', 'recorded']);
    expect(deliveries.throttleBatches).toHaveLength(1);
    expect(deliveries.throttleBatches[0].map((delivery) => delivery.deliveryId)).toEqual(throttled.map((delivery) => delivery.deliveryId));
    expect(sender.requests.map((request) => request.url)).toEqual([free.url]);
  });

  it('makes a manual resend to a throttled endpoint wait too, sending and recording nothing meanwhile', async () => {
    const requestedAt = new Date('2030-01-01T00:00:00Z');
    const { attemptNumber: _, ...sendable } = claimable(1, { throttleRate: 2 });
    deliveries.resendable.set('dlv_1', { ...sendable, scheduledAttempts: 4, resendRequestedAt: requestedAt, status: DeliveryStatus.Pending });
    throttle.answers.set('ep_1', { kind: 'wait', waitMs: 500 });

    expect(await sut.resend({ deliveryId: 'dlv_1', requestedAt: requestedAt.getTime() })).toEqual({ kind: 'throttled', retryAt: expect.any(Number) });
    expect(throttle.asked).toEqual([{ endpointId: 'ep_1', ratePerSecond: 2, holder: `dlv_1:resend:${requestedAt.getTime()}` }]);
    expect(sender.requests).toEqual([]);
    expect(deliveries.manualAttempts).toBe(0);

    throttle.answers.delete('ep_1');
    expect(await sut.resend({ deliveryId: 'dlv_1', requestedAt: requestedAt.getTime() })).toEqual({ kind: 'recorded' });
    expect(sender.requests).toHaveLength(1);
  });

  describe('metrics', () => {
    it('counts each attempt sent by its outcome, and an exhausted delivery once its last attempt is recorded', async () => {
      await sut.deliver({ deliveryId: claimable(1).deliveryId, attemptNumber: 1 });
      sender.response = { statusCode: 500, body: '', durationMs: 5, error: null };
      await sut.deliver({ deliveryId: claimable(2).deliveryId, attemptNumber: 2 });
      expect(metrics.exhausted).toBe(0);
      await sut.deliver({ deliveryId: claimable(3).deliveryId, attemptNumber: 3 });

      expect(metrics.attempts).toEqual(['succeeded', 'failed', 'failed']);
      expect(metrics.exhausted).toBe(1);
    });

    it('counts an attempt the target policy refused as refused, not as failed', async () => {
      sender.response = { statusCode: 0, body: '', durationMs: 1, error: 'refused: 10.0.0.1 is a private address', refused: true };

      await sut.deliver({ deliveryId: claimable(1).deliveryId, attemptNumber: 1 });
      expect(metrics.attempts).toEqual(['refused']);
    });

    it('does not count as exhausted an attempt another worker recorded first', async () => {
      const delivery = claimable(3);
      sender.response = { statusCode: 500, body: '', durationMs: 5, error: null };
      deliveries.recordedElsewhere.add(delivery.deliveryId);

      expect(await sut.deliver({ deliveryId: delivery.deliveryId, attemptNumber: 3 })).toEqual({ kind: 'superseded' });
      expect(metrics.attempts).toEqual(['failed']);
      expect(metrics.exhausted).toBe(0);
    });

    it('counts a throttled hand-back, and no attempt, for scheduled and manual deliveries alike', async () => {
      throttle.answers.set('ep_1', { kind: 'wait', waitMs: 1_000 });
      await sut.deliver({ deliveryId: claimable(1, { throttleRate: 1 }).deliveryId, attemptNumber: 1 });
      const requestedAt = new Date('2030-01-01T00:00:00Z');
      const { attemptNumber: _, ...sendable } = claimable(1, { deliveryId: 'dlv_resend', throttleRate: 1 });
      deliveries.resendable.set('dlv_resend', { ...sendable, scheduledAttempts: 1, resendRequestedAt: requestedAt, status: DeliveryStatus.Pending });
      await sut.resend({ deliveryId: 'dlv_resend', requestedAt: requestedAt.getTime() });

      expect(metrics.throttled).toBe(2);
      expect(metrics.attempts).toEqual([]);
    });
  });
});
