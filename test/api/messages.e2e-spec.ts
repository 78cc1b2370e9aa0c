import { newId } from '@app/core';
import { ApiSuite, startApiSuite, svixError } from './support/api-suite';

describe('Messages API (svix client)', () => {
  let suite: ApiSuite;

  beforeAll(async () => {
    suite = await startApiSuite();
  });

  afterAll(async () => {
    await suite?.close();
  });

  async function newApplication(): Promise<string> {
    return (await suite.svix.application.create({ name: 'Messages' })).id;
  }

  it('accepts a message with 202, stores the payload as the exact JSON text it will send, and reads it back', async () => {
    const appId = await newApplication();
    const payload = { id: 'ord_1', amount: 12.5, tags: ['a', 'b'], nested: { ok: true, none: null }, text: 'héllo ✓' };

    const raw = await suite.request('POST', `/api/v1/app/${appId}/msg`, { body: { eventType: 'order.created', payload, channels: ['eu'], eventId: 'evt-1' } });

    expect(raw.status).toBe(202);
    expect(raw.body).toMatchObject({ eventType: 'order.created', eventId: 'evt-1', channels: ['eu'], payload });
    expect(raw.body.id).toMatch(/^msg_[0-9A-Z]{26}$/);
    const stored = await suite.db.query<{ payload: string }>('SELECT payload FROM messages WHERE id = $1', [raw.body.id]);
    expect(stored.rows[0].payload).toBe(JSON.stringify(payload));

    const fetched = await suite.svix.message.get(appId, raw.body.id);
    expect(fetched).toMatchObject({ id: raw.body.id, eventType: 'order.created', eventId: 'evt-1', channels: ['eu'], payload });
    expect(fetched.timestamp).toBeInstanceOf(Date);
    expect((await suite.svix.message.get(appId, 'evt-1')).id).toBe(raw.body.id);
  });

  it('creates through the svix client and lists newest first across pages', async () => {
    const appId = await newApplication();
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await suite.svix.message.create(appId, { eventType: 'tick', payload: { i } })).id);

    const seen: string[] = [];
    let page = await suite.svix.message.list(appId, { limit: 3 });
    seen.push(...page.data.map((message) => message.id));
    while (!page.done) {
      // A message accepted while paging is newer than every page still to come: it must not appear in them.
      await suite.svix.message.create(appId, { eventType: 'tick', payload: { late: true } });
      page = await suite.svix.message.list(appId, { limit: 3, iterator: page.iterator });
      seen.push(...page.data.map((message) => message.id));
    }
    expect(seen).toEqual([...ids].reverse());
    const listed = await suite.svix.message.list(appId, { limit: 1 });
    expect(listed.data[0].payload).toEqual({ late: true });
  });

  it('filters the list by event type and channel', async () => {
    const appId = await newApplication();
    await suite.svix.message.create(appId, { eventType: 'a.one', payload: {}, channels: ['red'] });
    const two = await suite.svix.message.create(appId, { eventType: 'a.two', payload: {}, channels: ['blue'] });

    expect((await suite.svix.message.list(appId, { eventTypes: ['a.two'] })).data.map((m) => m.id)).toEqual([two.id]);
    expect((await suite.svix.message.list(appId, { channel: 'blue' })).data.map((m) => m.id)).toEqual([two.id]);
  });

  it('writes one pending delivery per enabled endpoint whose filterTypes and channels match, in the same transaction', async () => {
    const appId = await newApplication();
    const url = 'http://127.0.0.1:9/hook';
    const all = await suite.svix.endpoint.create(appId, { url });
    const orders = await suite.svix.endpoint.create(appId, { url, filterTypes: ['order.created'] });
    await suite.svix.endpoint.create(appId, { url, filterTypes: ['user.created'] });
    const eu = await suite.svix.endpoint.create(appId, { url, channels: ['eu'] });
    await suite.svix.endpoint.create(appId, { url, channels: ['us'] });
    const ordersEu = await suite.svix.endpoint.create(appId, { url, filterTypes: ['order.created'], channels: ['eu', 'us'] });
    await suite.svix.endpoint.create(appId, { url, disabled: true });

    const message = await suite.svix.message.create(appId, { eventType: 'order.created', payload: { id: 1 }, channels: ['eu'] });

    const rows = await suite.db.query<{ endpoint_id: string; status: string; scheduled_attempts: number }>(
      'SELECT endpoint_id, status, scheduled_attempts FROM deliveries WHERE message_id = $1 ORDER BY endpoint_id',
      [message.id],
    );
    expect(rows.rows.map((row) => row.endpoint_id)).toEqual([all.id, orders.id, eu.id, ordersEu.id].sort());
    expect(rows.rows.every((row) => row.status === 'pending' && row.scheduled_attempts === 0)).toBe(true);

    const noChannel = await suite.svix.message.create(appId, { eventType: 'order.created', payload: { id: 2 } });
    expect(await suite.count('deliveries', 'message_id = $1', [noChannel.id])).toBe(2);
  });

  it('enqueues the first attempt of each delivery after commit, with deterministic job ids', async () => {
    const appId = await newApplication();
    await suite.svix.endpoint.create(appId, { url: 'http://127.0.0.1:9/hook' });
    const message = await suite.svix.message.create(appId, { eventType: 'queued', payload: {} });
    const delivery = await suite.db.query<{ id: string }>('SELECT id FROM deliveries WHERE message_id = $1', [message.id]);

    const { default: IORedis } = await import('ioredis');
    const redis = new IORedis(suite.environment.redisUrl);
    try {
      const job = await redis.hgetall(`${suite.environment.queuePrefix}:deliveries:${delivery.rows[0].id}-1`);
      expect(JSON.parse(job.data)).toEqual({ deliveryId: delivery.rows[0].id, attemptNumber: 1 });
    } finally {
      redis.disconnect();
    }
  });

  it('returns the original message for a repeated eventId with the same content, and writes nothing new', async () => {
    const appId = await newApplication();
    await suite.svix.endpoint.create(appId, { url: 'http://127.0.0.1:9/hook' });
    const input = { eventType: 'invoice.paid', payload: { invoice: 7, lines: [1, 2] }, eventId: 'inv-7', channels: ['b', 'a'] };

    const first = await suite.svix.message.create(appId, input);
    // Key order in the payload and channel order do not make it different content.
    const again = await suite.request('POST', `/api/v1/app/${appId}/msg`, {
      body: { eventType: 'invoice.paid', payload: { lines: [1, 2], invoice: 7 }, eventId: 'inv-7', channels: ['a', 'b'] },
    });

    expect(again.status).toBe(202);
    expect(again.body.id).toBe(first.id);
    expect(again.body.payload).toEqual(input.payload);
    expect(await suite.count('messages', 'app_id = $1', [appId])).toBe(1);
    expect(await suite.count('deliveries', 'app_id = $1', [appId])).toBe(1);
  });

  it('answers a repeated eventId with different content with 409 conflict', async () => {
    const appId = await newApplication();
    await suite.svix.message.create(appId, { eventType: 'x', payload: { v: 1 }, eventId: 'clash' });

    for (const changed of [{ eventType: 'x', payload: { v: 2 } }, { eventType: 'y', payload: { v: 1 } }, { eventType: 'x', payload: { v: 1 }, channels: ['c'] }]) {
      const error = await svixError(suite.svix.message.create(appId, { ...changed, eventId: 'clash' }));
      expect(error).toEqual({ code: 409, body: { code: 'conflict', detail: expect.any(String) } });
    }
    expect(await suite.count('messages', 'app_id = $1', [appId])).toBe(1);
  });

  it('scopes eventIds to the application', async () => {
    const [one, two] = [await newApplication(), await newApplication()];
    const a = await suite.svix.message.create(one, { eventType: 'x', payload: {}, eventId: 'shared' });
    const b = await suite.svix.message.create(two, { eventType: 'x', payload: {}, eventId: 'shared' });
    expect(a.id).not.toBe(b.id);
  });

  it('produces exactly one message and one set of deliveries from 20 concurrent creates with one eventId', async () => {
    const appId = await newApplication();
    await suite.svix.endpoint.create(appId, { url: 'http://127.0.0.1:9/one' });
    await suite.svix.endpoint.create(appId, { url: 'http://127.0.0.1:9/two' });

    const results = await Promise.all(
      Array.from({ length: 20 }, () => suite.svix.message.create(appId, { eventType: 'burst', payload: { n: 1 }, eventId: 'burst-1' })),
    );

    expect(new Set(results.map((message) => message.id)).size).toBe(1);
    expect(await suite.count('messages', 'app_id = $1', [appId])).toBe(1);
    expect(await suite.count('deliveries', 'app_id = $1', [appId])).toBe(2);
  });

  it('refuses a payload that is not a JSON object with 422', async () => {
    const appId = await newApplication();
    for (const payload of [[1, 2], 'text', 42, null]) {
      const response = await suite.request('POST', `/api/v1/app/${appId}/msg`, { body: { eventType: 'x', payload } });
      expect(response.status).toBe(422);
      expect(response.body.detail[0].loc).toEqual(['body', 'payload']);
    }
    expect(await suite.count('messages', 'app_id = $1', [appId])).toBe(0);
  });

  it("keeps a payload 90 days by default, or as long as payloadRetentionPeriod (days) or payloadRetentionHours says", async () => {
    const appId = await newApplication();
    const byDefault = await suite.svix.message.create(appId, { eventType: 'kept', payload: {} });
    const forDays = await suite.svix.message.create(appId, { eventType: 'kept', payload: {}, payloadRetentionPeriod: 14 });
    const forHours = await suite.svix.message.create(appId, { eventType: 'kept', payload: {}, payloadRetentionHours: 6, eventId: 'kept-6h' });
    const shortest = await suite.svix.message.create(appId, { eventType: 'kept', payload: {}, payloadRetentionPeriod: 1 });

    const { rows } = await suite.db.query<{ id: string; hours: number }>(
      `SELECT id, extract(epoch FROM payload_expires_at - created_at)::int / 3600 AS hours FROM messages WHERE app_id = $1`,
      [appId],
    );
    const hours = new Map(rows.map((row) => [row.id, row.hours]));
    expect([byDefault, forDays, forHours, shortest].map((message) => hours.get(message.id))).toEqual([90 * 24, 14 * 24, 6, 24]);
  });

  it('refuses a payload retention out of bounds, not whole, or given both ways with 422, and writes nothing', async () => {
    const appId = await newApplication();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ payloadRetentionPeriod: 0 }, 'payloadRetentionPeriod'],
      [{ payloadRetentionPeriod: 91 }, 'payloadRetentionPeriod'],
      [{ payloadRetentionPeriod: 2.5 }, 'payloadRetentionPeriod'],
      [{ payloadRetentionPeriod: '14' }, 'payloadRetentionPeriod'],
      [{ payloadRetentionHours: 0 }, 'payloadRetentionHours'],
      [{ payloadRetentionHours: 90 * 24 + 1 }, 'payloadRetentionHours'],
      [{ payloadRetentionPeriod: 14, payloadRetentionHours: 6 }, 'payloadRetentionHours'],
    ];
    for (const [retention, field] of cases) {
      const response = await suite.request('POST', `/api/v1/app/${appId}/msg`, { body: { eventType: 'x', payload: {}, ...retention } });
      const fields = new Set(response.body.detail.map((problem: { loc: string[] }) => problem.loc.join('.')));
      expect([response.status, [...fields]]).toEqual([422, [`body.${field}`]]);
    }
    expect(await suite.count('messages', 'app_id = $1', [appId])).toBe(0);
  });

  it('leaves the payload out of create, get and list asked with_content=false (`{}`), the stored payload untouched', async () => {
    const appId = await newApplication();
    const body = { eventType: 'quiet', payload: { card: 'tok_visa' }, eventId: 'quiet-1' };
    const create = (query: string, headers: Record<string, string> = {}) => suite.request('POST', `/api/v1/app/${appId}/msg${query}`, { body, headers });

    const created = await create('?with_content=false', { 'idempotency-key': 'quiet-key' });
    expect([created.status, created.body.eventType, created.body.eventId, created.body.payload]).toEqual([202, 'quiet', 'quiet-1', {}]);
    const messageId: string = created.body.id;
    // The key's replay answers as the first request was answered, and an eventId repeat as it asks.
    const replay = await create('?with_content=false', { 'idempotency-key': 'quiet-key' });
    expect([replay.headers.get('idempotent-replayed'), replay.body.id, replay.body.payload]).toEqual(['true', messageId, {}]);
    expect((await create('?with_content=false')).body).toMatchObject({ id: messageId, payload: {} });
    expect((await create('')).body).toMatchObject({ id: messageId, payload: body.payload });
    // The query is part of what a key stands for.
    expect((await create('', { 'idempotency-key': 'quiet-key' })).body.code).toBe('idempotency_key_reused');

    expect((await suite.svix.message.get(appId, messageId, { withContent: false })).payload).toEqual({});
    expect((await suite.svix.message.get(appId, messageId)).payload).toEqual(body.payload);
    expect((await suite.svix.message.list(appId, { withContent: false })).data.map((message) => message.payload)).toEqual([{}]);
    expect((await suite.svix.message.list(appId)).data.map((message) => message.payload)).toEqual([body.payload]);
    const stored = await suite.db.query<{ payload: string }>('SELECT payload FROM messages WHERE id = $1', [messageId]);
    expect(stored.rows[0].payload).toBe(JSON.stringify(body.payload));
    // The svix client asks for no content on create and fills the payload in from its own request.
    expect((await suite.svix.message.create(appId, { eventType: 'loud', payload: { n: 1 } })).payload).toEqual({ n: 1 });

    for (const path of [`/api/v1/app/${appId}/msg`, `/api/v1/app/${appId}/msg/${messageId}`]) {
      const refused = await suite.request('GET', `${path}?with_content=maybe`);
      expect({ path, status: refused.status, loc: refused.body.detail?.[0]?.loc }).toEqual({ path, status: 422, loc: ['query', 'with_content'] });
    }
    expect((await create('?with_content=yes')).status).toBe(422);
  });

  it('answers an unknown message with 404', async () => {
    const appId = await newApplication();
    expect((await svixError(suite.svix.message.get(appId, newId('message')))).code).toBe(404);
  });

  it('lists the attempts the worker recorded for a message, newest first, in Svix form with Idem extras', async () => {
    const appId = await newApplication();
    const endpoint = await suite.svix.endpoint.create(appId, { url: 'http://127.0.0.1:9/attempts' });
    const message = await suite.svix.message.create(appId, { eventType: 'attempted', payload: {} });
    const delivery = await suite.db.query<{ id: string }>('SELECT id FROM deliveries WHERE message_id = $1', [message.id]);
    const failedId = newId('attempt');
    const succeededId = newId('attempt');
    const insert = `INSERT INTO attempts (id, delivery_id, message_id, endpoint_id, app_id, attempt_number, trigger, outcome, url,
                      response_status_code, response_body, response_duration_ms, error, next_attempt_at)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`;
    const nextAttempt = new Date(Date.now() + 5000);
    await suite.db.query(insert, [failedId, delivery.rows[0].id, message.id, endpoint.id, appId, 1, 'scheduled', 'failed', endpoint.url, 503, 'busy', 40, null, nextAttempt]);
    await suite.db.query(insert, [succeededId, delivery.rows[0].id, message.id, endpoint.id, appId, 2, 'manual', 'succeeded', endpoint.url, 200, 'ok', 12, null, null]);

    const attempts = await suite.svix.messageAttempt.listByMsg(appId, message.id);

    expect(attempts.data.map((attempt) => attempt.id)).toEqual([succeededId, failedId]);
    expect(attempts.data[0]).toMatchObject({ msgId: message.id, endpointId: endpoint.id, status: 0, statusText: 'success', triggerType: 1, responseStatusCode: 200, response: 'ok' });
    expect(attempts.data[1]).toMatchObject({ status: 2, statusText: 'fail', triggerType: 0, responseStatusCode: 503, responseDurationMs: 40, url: endpoint.url });
    const raw = await suite.request('GET', `/api/v1/app/${appId}/attempt/msg/${message.id}`);
    expect(raw.body.data[1]).toMatchObject({ attemptNumber: 1, error: null, nextAttempt: nextAttempt.toISOString() });

    const failedOnly = await suite.svix.messageAttempt.listByMsg(appId, message.id, { status: 2 });
    expect(failedOnly.data.map((attempt) => attempt.id)).toEqual([failedId]);
    const paged = await suite.svix.messageAttempt.listByMsg(appId, message.id, { limit: 1 });
    const next = await suite.svix.messageAttempt.listByMsg(appId, message.id, { limit: 1, iterator: paged.iterator });
    expect([...paged.data, ...next.data].map((attempt) => attempt.id)).toEqual([succeededId, failedId]);
    expect(next.done).toBe(true);
  });

  it('answers attempts of an unknown message with 404', async () => {
    const appId = await newApplication();
    expect((await svixError(suite.svix.messageAttempt.listByMsg(appId, newId('message')))).code).toBe(404);
  });
});
