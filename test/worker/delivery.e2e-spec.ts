import { generateSigningSecret, SecretCipher, SecretKey } from '@app/core';
import { EndpointSecretCipher } from '@app/persistence';
import type { INestApplicationContext } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { FakeReceiver } from '../support/fake-receiver';
import { SeededEndpoint, Seeder } from '../support/seed';
import { createTestEnvironment, TestEnvironment } from '../support/test-environment';
import { startWorkerInProcess } from '../support/worker-process';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One worker in this process against real Postgres, Redis and HTTP receivers; the schedule is shortened. */
describe('Delivering a webhook', () => {
  const schedule = [200, 400, 800];
  let environment: TestEnvironment;
  let seeder: Seeder;
  let worker: INestApplicationContext;
  const receivers: FakeReceiver[] = [];
  const servers: Server[] = [];

  beforeAll(async () => {
    environment = await createTestEnvironment({
      IDEM_RETRY_SCHEDULE: schedule.map((ms) => `${ms}ms`).join(','),
      IDEM_SWEEP_INTERVAL: '200ms',
      IDEM_REQUEUE_AFTER: '1s',
      IDEM_DELIVERY_TIMEOUT: '1s',
    });
    seeder = await Seeder.open(environment);
    worker = await startWorkerInProcess(environment.env);
  });

  afterAll(async () => {
    await worker?.close();
    await Promise.all(receivers.map((receiver) => receiver.close()));
    for (const server of servers) server.closeAllConnections();
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    await seeder?.close();
    await environment?.dispose();
  });

  async function receiverEndpoint(options: Partial<Parameters<Seeder['endpoint']>[0]> = {}): Promise<{ receiver: FakeReceiver; endpoint: SeededEndpoint }> {
    const receiver = await FakeReceiver.start();
    receivers.push(receiver);
    const endpoint = await seeder.endpoint({ url: receiver.url, ...options });
    receiver.verifyWith(endpoint.secret);
    return { receiver, endpoint };
  }

  async function rawServer(handler: Parameters<typeof createServer>[1]): Promise<string> {
    const server = createServer(handler);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('sends the stored payload byte for byte, signed with every live secret so standardwebhooks verifies it', async () => {
    const rotatedOut = generateSigningSecret();
    const expired = generateSigningSecret();
    const { receiver, endpoint } = await receiverEndpoint({
      extraSecrets: [
        { secret: rotatedOut, expiresAt: new Date(Date.now() + 3_600_000) },
        { secret: expired, expiresAt: new Date(Date.now() - 1_000) },
      ],
    });
    const [message] = await seeder.messages(endpoint, 1, { payload: () => '{ "amount" :12.50,"note":"ünïcode ✓",\n"nested":{"b":1,"a":2}}' });

    await receiver.waitFor((received) => received.length === 1);
    const [webhook] = receiver.received;
    expect(webhook.body).toBe(message.payload);
    expect(webhook.verified).toBe(true);
    expect(webhook.headers['webhook-id']).toBe(message.messageId);
    expect(webhook.headers['content-type']).toBe('application/json');
    expect(webhook.headers['user-agent']).toMatch(/^Idem/);
    expect(Math.abs(Number(webhook.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(5);
    expect(String(webhook.headers['webhook-signature']).split(' ')).toHaveLength(2);
    const headers = webhook.headers as Record<string, string>;
    expect(() => new Webhook(rotatedOut).verify(webhook.body, headers)).not.toThrow();
    expect(() => new Webhook(expired).verify(webhook.body, headers)).toThrow();

    await seeder.waitForStatus([message.deliveryId], 'succeeded');
    const [attempt] = await seeder.attempts(message.deliveryId);
    expect(attempt.request_headers?.['webhook-signature']).toBe('[redacted]');
    expect(attempt.request_headers?.['webhook-id']).toBe(message.messageId);
  });

  it('retries a receiver that fails twice with the same webhook-id, on schedule, and records all three attempts', async () => {
    const { receiver, endpoint } = await receiverEndpoint();
    receiver.behaviour = (_, index) => (index < 2 ? { status: 500, body: `failure ${index + 1}` } : { status: 204 });
    const [message] = await seeder.messages(endpoint, 1);

    await seeder.waitForStatus([message.deliveryId], 'succeeded');
    expect(receiver.received.map((webhook) => webhook.headers['webhook-id'])).toEqual([message.messageId, message.messageId, message.messageId]);
    expect(receiver.received.every((webhook) => webhook.verified && webhook.body === message.payload)).toBe(true);

    const attempts = await seeder.attempts(message.deliveryId);
    // Each attempt is signed afresh with its own time.
    expect(receiver.received.map((webhook) => Number(webhook.headers['webhook-timestamp']))).toEqual(
      attempts.map((attempt) => Math.floor(attempt.created_at.getTime() / 1000)),
    );
    expect(attempts.map((a) => [a.attempt_number, a.trigger, a.outcome, a.response_status_code, a.response_body])).toEqual([
      [1, 'scheduled', 'failed', 500, 'failure 1'],
      [2, 'scheduled', 'failed', 500, 'failure 2'],
      [3, 'scheduled', 'succeeded', 204, ''],
    ]);
    expect(attempts.every((a) => a.url === receiver.url && a.error === null)).toBe(true);
    for (const [index, attempt] of attempts.slice(0, 2).entries()) {
      // The delay after attempt n is the n-th scheduled one, ±20 %, counted from when its answer came.
      const waited = attempt.next_attempt_at!.getTime() - attempt.created_at.getTime() - attempt.response_duration_ms;
      expect(waited).toBeGreaterThanOrEqual(schedule[index] * 0.8 - 5);
      expect(waited).toBeLessThanOrEqual(schedule[index] * 1.2 + 50);
      // The next request did not come before the time Postgres named.
      expect(receiver.received[index + 1].receivedAt).toBeGreaterThanOrEqual(attempt.next_attempt_at!.getTime() - 5);
    }
    expect(attempts[2].next_attempt_at).toBeNull();
    const delivery = await seeder.delivery(message.deliveryId);
    expect(delivery).toMatchObject({ status: 'succeeded', scheduled_attempts: 3, next_attempt_at: null, lease_expires_at: null });
  });

  it('honours Retry-After on 429 and 503, clamped between the scheduled delay and twice it', async () => {
    const { receiver, endpoint } = await receiverEndpoint();
    const answers = [
      { status: 429, headers: { 'retry-after': '5' } }, // asks 5 s after a 200 ms step: clamped to 400 ms
      { status: 503, headers: { 'retry-after': '0' } }, // asks nothing after a 400 ms step: clamped to 400 ms
      { status: 429, headers: { 'retry-after': '1' } }, // asks 1 s after an 800 ms step: honoured
      { status: 200 },
    ];
    receiver.behaviour = (_, index) => answers[index] ?? { status: 200 };
    const [message] = await seeder.messages(endpoint, 1);

    await seeder.waitForStatus([message.deliveryId], 'succeeded');
    const attempts = await seeder.attempts(message.deliveryId);
    expect(attempts.map((a) => a.response_status_code)).toEqual([429, 503, 429, 200]);
    const waited = attempts.slice(0, 3).map((a) => a.next_attempt_at!.getTime() - a.created_at.getTime() - a.response_duration_ms);
    for (const [index, expected] of [400, 400, 1000].entries()) {
      expect(waited[index]).toBeGreaterThanOrEqual(expected - 5);
      expect(waited[index]).toBeLessThanOrEqual(expected + 50);
      expect(receiver.received[index + 1].receivedAt - receiver.received[index].receivedAt).toBeGreaterThanOrEqual(expected - 5);
    }
  });

  it('fails the delivery after the last scheduled attempt and sends nothing more', async () => {
    const { receiver, endpoint } = await receiverEndpoint();
    receiver.behaviour = () => ({ status: 500, body: 'down' });
    const [message] = await seeder.messages(endpoint, 1);

    await seeder.waitForStatus([message.deliveryId], 'failed');
    await sleep(1_000);
    expect(receiver.received).toHaveLength(schedule.length + 1);
    const attempts = await seeder.attempts(message.deliveryId);
    expect(attempts.map((a) => a.attempt_number)).toEqual([1, 2, 3, 4]);
    expect(attempts.map((a) => a.next_attempt_at === null)).toEqual([false, false, false, true]);
    expect(await seeder.delivery(message.deliveryId)).toMatchObject({ status: 'failed', scheduled_attempts: 4, next_attempt_at: null });
  });

  it('records a timeout as status 0 with its error, while a slow endpoint holds one slot and not the worker', async () => {
    const slow = await receiverEndpoint();
    slow.receiver.behaviour = (_, index) => (index === 0 ? { status: 200, delayMs: 3_000 } : { status: 200 });
    const fast = await receiverEndpoint();
    const [late] = await seeder.messages(slow.endpoint, 1);
    await slow.receiver.waitFor((received) => received.length === 1);

    const [prompt] = await seeder.messages(fast.endpoint, 1);
    await seeder.waitForStatus([prompt.deliveryId], 'succeeded');
    expect((await seeder.delivery(late.deliveryId)).status).toBe('sending');

    await seeder.waitForStatus([late.deliveryId], 'succeeded');
    const [timedOut, retried] = await seeder.attempts(late.deliveryId);
    expect(timedOut).toMatchObject({ attempt_number: 1, outcome: 'failed', response_status_code: 0, response_body: '' });
    expect(timedOut.error).toMatch(/timed out after 1000 ms/);
    expect(timedOut.response_duration_ms).toBeGreaterThanOrEqual(950);
    expect(timedOut.response_duration_ms).toBeLessThan(2_000);
    expect(retried).toMatchObject({ attempt_number: 2, outcome: 'succeeded', response_status_code: 200, error: null });
  });

  it('records a refused connection as status 0 with the network error', async () => {
    const closed = await rawServer(() => undefined);
    const server = servers[servers.length - 1];
    await new Promise((resolve) => server.close(resolve));
    const endpoint = await seeder.endpoint({ url: closed });
    const [message] = await seeder.messages(endpoint, 1);

    await seeder.waitForStatus([message.deliveryId], 'failed');
    const attempts = await seeder.attempts(message.deliveryId);
    expect(attempts).toHaveLength(4);
    expect(attempts.every((a) => a.response_status_code === 0 && /ECONNREFUSED/.test(a.error ?? ''))).toBe(true);
  });

  it('keeps only the first 20 KB of a response and stops reading there', async () => {
    const endless = await rawServer((request, response) => {
      request.resume();
      response.writeHead(200, { 'content-type': 'text/plain' });
      // 30 KB, then the body never ends: only a reader that stops at the cap finishes before the timeout.
      response.write('x'.repeat(30 * 1024));
    });
    const huge = await rawServer((request, response) => {
      request.resume();
      response.writeHead(500);
      response.end('y'.repeat(1024 * 1024));
    });
    const [endlessDelivery] = await seeder.messages(await seeder.endpoint({ url: endless }), 1);
    const [hugeDelivery] = await seeder.messages(await seeder.endpoint({ url: huge }), 1);

    await seeder.waitForStatus([endlessDelivery.deliveryId], 'succeeded');
    const [capped] = await seeder.attempts(endlessDelivery.deliveryId);
    expect(capped.response_body).toBe('x'.repeat(20 * 1024));
    expect(capped.response_duration_ms).toBeLessThan(900);
    expect(capped.error).toBeNull();

    await seeder.waitForStatus([hugeDelivery.deliveryId], 'failed');
    const attempts = await seeder.attempts(hugeDelivery.deliveryId);
    expect(attempts.every((a) => a.response_status_code === 500 && a.response_body === 'y'.repeat(20 * 1024))).toBe(true);
  });

  it('does not follow redirects', async () => {
    const target = await receiverEndpoint();
    const { receiver, endpoint } = await receiverEndpoint();
    receiver.behaviour = () => ({ status: 307, headers: { location: target.receiver.url } });
    const [message] = await seeder.messages(endpoint, 1);

    await seeder.waitForStatus([message.deliveryId], 'failed');
    expect(target.receiver.received).toHaveLength(0);
    expect((await seeder.attempts(message.deliveryId)).map((a) => a.response_status_code)).toEqual([307, 307, 307, 307]);
  });

  it('cancels without a request a delivery whose endpoint is disabled when its attempt comes due', async () => {
    const disabled = await receiverEndpoint({ disabled: true });
    const [never] = await seeder.messages(disabled.endpoint, 1);
    const later = await receiverEndpoint();
    // Retry-After stretches the wait before attempt 2 to 400 ms, time enough to disable the endpoint.
    later.receiver.behaviour = () => ({ status: 503, headers: { 'retry-after': '10' } });
    const [message] = await seeder.messages(later.endpoint, 1);
    await later.receiver.waitFor((received) => received.length === 1);
    await seeder.db.query('UPDATE endpoints SET disabled = true WHERE id = $1', [later.endpoint.endpointId]);

    await seeder.waitForStatus([never.deliveryId, message.deliveryId], 'canceled');
    await sleep(500);
    expect(disabled.receiver.received).toHaveLength(0);
    expect(await seeder.attempts(never.deliveryId)).toHaveLength(0);
    expect(later.receiver.received).toHaveLength(1);
    expect((await seeder.attempts(message.deliveryId)).map((a) => a.attempt_number)).toEqual([1]);
    expect(await seeder.delivery(message.deliveryId)).toMatchObject({ status: 'canceled', scheduled_attempts: 1, lease_expires_at: null });
  });

  it('treats a job for an attempt already recorded, or not yet scheduled, as a no-op', async () => {
    const { receiver, endpoint } = await receiverEndpoint();
    const [message] = await seeder.messages(endpoint, 1);
    await seeder.waitForStatus([message.deliveryId], 'succeeded');

    await seeder.queue.enqueue([1, 1, 2, 7].map((attemptNumber) => ({ deliveryId: message.deliveryId, attemptNumber })));
    await sleep(700);
    expect(receiver.received).toHaveLength(1);
    expect(await seeder.attempts(message.deliveryId)).toHaveLength(1);
  });

  it("waits while another worker's lease runs, then takes the delivery over", async () => {
    const { receiver, endpoint } = await receiverEndpoint();
    const [message] = await seeder.messages(endpoint, 1, { enqueue: false });
    const {
      rows: [{ lease_expires_at: leaseExpiresAt }],
    } = await seeder.db.query<{ lease_expires_at: Date }>(
      `UPDATE deliveries SET status = 'sending', lease_expires_at = now() + interval '1500 milliseconds' WHERE id = $1 RETURNING lease_expires_at`,
      [message.deliveryId],
    );
    await seeder.queue.enqueue([{ deliveryId: message.deliveryId, attemptNumber: 1 }]);

    await seeder.waitForStatus([message.deliveryId], 'succeeded');
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0].receivedAt).toBeGreaterThanOrEqual(leaseExpiresAt.getTime());
    expect((await seeder.attempts(message.deliveryId)).map((a) => a.attempt_number)).toEqual([1]);
  });

  it('holds a job that arrives before its attempt is due until Postgres says it is', async () => {
    const { receiver, endpoint } = await receiverEndpoint();
    const [message] = await seeder.messages(endpoint, 1, { enqueue: false });
    const {
      rows: [{ next_attempt_at: dueAt }],
    } = await seeder.db.query<{ next_attempt_at: Date }>(
      `UPDATE deliveries SET next_attempt_at = now() + interval '2 seconds' WHERE id = $1 RETURNING next_attempt_at`,
      [message.deliveryId],
    );
    await seeder.queue.enqueue([{ deliveryId: message.deliveryId, attemptNumber: 1 }]);

    await seeder.waitForStatus([message.deliveryId], 'succeeded');
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0].receivedAt).toBeGreaterThanOrEqual(dueAt.getTime() - 5);
  });

  it('signs with a secret stored in clear, as rows written before secrets were encrypted hold them', async () => {
    const { receiver, endpoint } = await receiverEndpoint();
    await seeder.db.query('UPDATE endpoint_secrets SET secret = $1 WHERE endpoint_id = $2', [endpoint.secret, endpoint.endpointId]);
    await seeder.messages(endpoint, 1);

    await receiver.waitFor((received) => received.length === 1);
    expect(receiver.received[0].verified).toBe(true);
  });

  it('holds a delivery whose secret no configured key can read, without holding up others, and sends it once the secret can be read', async () => {
    const unreadable = await receiverEndpoint();
    const readable = await receiverEndpoint();
    const {
      rows: [{ secret: sealed }],
    } = await seeder.db.query<{ secret: string }>('SELECT secret FROM endpoint_secrets WHERE endpoint_id = $1', [unreadable.endpoint.endpointId]);
    const lostKey = new EndpointSecretCipher(new SecretCipher(SecretKey.parse(randomBytes(32).toString('base64'))));
    await seeder.db.query('UPDATE endpoint_secrets SET secret = $1 WHERE endpoint_id = $2', [
      lostKey.seal(unreadable.endpoint.endpointId, unreadable.endpoint.secret),
      unreadable.endpoint.endpointId,
    ]);
    const [held] = await seeder.messages(unreadable.endpoint, 1, { enqueue: false });
    const [sent] = await seeder.messages(readable.endpoint, 1, { enqueue: false });
    // One enqueue, so both are likely claimed in the same batch.
    await seeder.queue.enqueue([held, sent].map(({ deliveryId }) => ({ deliveryId, attemptNumber: 1 })));

    await seeder.waitForStatus([sent.deliveryId], 'succeeded');
    await sleep(500);
    expect(unreadable.receiver.received).toHaveLength(0);
    expect(await seeder.attempts(held.deliveryId)).toHaveLength(0);
    expect((await seeder.delivery(held.deliveryId)).status).toBe('sending');

    // As when the operator puts the key back: the lease runs out and the delivery is sent.
    await seeder.db.query('UPDATE endpoint_secrets SET secret = $1 WHERE endpoint_id = $2', [sealed, unreadable.endpoint.endpointId]);
    await seeder.waitForStatus([held.deliveryId], 'succeeded');
    expect(unreadable.receiver.received).toHaveLength(1);
    expect(unreadable.receiver.received[0].verified).toBe(true);
  });
});
