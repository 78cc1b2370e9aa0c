import { randomUUID } from 'node:crypto';
import { ApiSuite, startApiSuite } from './support/api-suite';

/** Observe mode, the idempotency report and the send-time-key detector, through the API. */
describe('Observe-then-enforce and the send-time-key detector', () => {
  let suite: ApiSuite;

  beforeAll(async () => {
    suite = await startApiSuite();
  });

  afterAll(async () => {
    await suite?.close();
  });

  async function application(idempotencyMode?: string): Promise<string> {
    const created = await suite.request('POST', '/api/v1/app', { body: { name: 'producer', ...(idempotencyMode ? { idempotencyMode } : {}) } });
    expect(created.status).toBe(201);
    await suite.svix.endpoint.create(created.body.id, { url: 'http://127.0.0.1:9/hook' });
    return created.body.id;
  }

  const send = (appId: string, body: Record<string, unknown>, key?: string) =>
    suite.request('POST', `/api/v1/app/${appId}/msg`, { body, headers: key ? { 'idempotency-key': key } : {} });
  const report = async (appId: string) => (await suite.request('GET', `/api/v1/app/${appId}/idempotency-report`)).body;

  it('defaults to enforce, and says the mode on the application', async () => {
    const appId = await application();
    expect((await suite.request('GET', `/api/v1/app/${appId}`)).body.idempotencyMode).toBe('enforce');
    expect(await report(appId)).toEqual({ idempotencyMode: 'enforce', since: expect.any(String), counts: { replay: 0, conflict: 0, sendTimeKey: 0 }, samples: [] });
  });

  it('in observe mode delivers repeats and conflicts as new messages and reports what enforcing would have done', async () => {
    const appId = await application('observe');

    const first = await send(appId, { eventType: 'order.paid', eventId: 'evt-1', payload: { order: 1 } });
    const replay = await send(appId, { eventType: 'order.paid', eventId: 'evt-1', payload: { order: 1 } });
    const clash = await send(appId, { eventType: 'order.paid', eventId: 'evt-1', payload: { order: 2 } });
    const keyed = await send(appId, { eventType: 'order.shipped', payload: { order: 1 } }, 'key-1');
    const keyReplay = await send(appId, { eventType: 'order.shipped', payload: { order: 1 } }, 'key-1');
    const keyClash = await send(appId, { eventType: 'order.shipped', payload: { order: 3 } }, 'key-1');

    for (const response of [first, replay, clash, keyed, keyReplay, keyClash]) expect(response.status).toBe(202);
    expect(keyReplay.headers.get('idempotent-replayed')).toBeNull();
    const ids = [first, replay, clash, keyed, keyReplay, keyClash].map((response) => response.body.id);
    expect(new Set(ids).size).toBe(6);
    expect(await suite.count('deliveries', 'message_id = ANY($1)', [ids])).toBe(6);

    const found = await report(appId);
    expect(found.idempotencyMode).toBe('observe');
    expect(found.counts).toEqual({ replay: 2, conflict: 2, sendTimeKey: 0 });
    expect(found.samples).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'replay', keyKind: 'event_id', key: 'evt-1', messageId: replay.body.id, earlierMessageId: first.body.id }),
        expect.objectContaining({ kind: 'conflict', keyKind: 'event_id', key: 'evt-1', messageId: clash.body.id, earlierMessageId: first.body.id }),
        expect.objectContaining({ kind: 'replay', keyKind: 'idempotency_key', key: 'key-1', messageId: keyReplay.body.id, earlierMessageId: keyed.body.id }),
        expect.objectContaining({ kind: 'conflict', keyKind: 'idempotency_key', key: 'key-1', messageId: keyClash.body.id, earlierMessageId: keyed.body.id }),
      ]),
    );
    expect(found.samples[0].createdAt >= found.samples[3].createdAt).toBe(true);

    // Enforcing from the next request on: the first message under each key answers, as if observe had never been.
    expect((await suite.request('PATCH', `/api/v1/app/${appId}`, { body: { idempotencyMode: 'enforce' } })).body.idempotencyMode).toBe('enforce');
    const enforced = await send(appId, { eventType: 'order.paid', eventId: 'evt-1', payload: { order: 1 } });
    expect([enforced.status, enforced.body.id]).toEqual([202, first.body.id]);
    expect((await send(appId, { eventType: 'order.paid', eventId: 'evt-1', payload: { order: 9 } })).status).toBe(409);
    const keyEnforced = await send(appId, { eventType: 'order.shipped', payload: { order: 1 } }, 'key-1');
    expect([keyEnforced.body.id, keyEnforced.headers.get('idempotent-replayed')]).toEqual([keyed.body.id, 'true']);
    expect((await send(appId, { eventType: 'order.shipped', payload: { order: 3 } }, 'key-1')).status).toBe(422);
    expect((await report(appId)).counts).toEqual({ replay: 2, conflict: 2, sendTimeKey: 0 });
  });

  it('counts a repeated key and eventId in one request once', async () => {
    const appId = await application('observe');
    const body = { eventType: 'invoice.sent', eventId: 'inv-1', payload: { invoice: 1 } };
    await send(appId, body, 'inv-key');
    await send(appId, body, 'inv-key');
    expect((await report(appId)).counts).toEqual({ replay: 1, conflict: 0, sendTimeKey: 0 });
  });

  it('counts only the findings since `since`, and shows the newest `samples` of them', async () => {
    const appId = await application('observe');
    const sent = [];
    for (let n = 0; n < 7; n++) sent.push(await send(appId, { eventType: 'order.paid', eventId: 'evt-aged', payload: { order: 1 } }));
    // The six replays, the newest now and each other an hour older.
    await suite.db.query(
      `UPDATE idempotency_findings f SET created_at = now() - a.age * interval '1 hour'
         FROM (SELECT id, row_number() OVER (ORDER BY id DESC) - 1 AS age FROM idempotency_findings WHERE app_id = $1) a WHERE f.id = a.id`,
      [appId],
    );
    const newestFirst = sent.slice(1).reverse().map((response) => response.body.id);
    const reportWith = async (query: string) => (await suite.request('GET', `/api/v1/app/${appId}/idempotency-report?${query}`)).body;

    const since = new Date(Date.now() - 2.5 * 3_600_000).toISOString();
    const recent = await reportWith(`since=${since}`);
    expect([recent.since, recent.counts.replay]).toEqual([since, 3]);
    expect(recent.samples.map((sample: { messageId: string }) => sample.messageId)).toEqual(newestFirst.slice(0, 3));
    const bounded = await reportWith('samples=2');
    expect(bounded.counts.replay).toBe(6);
    expect(bounded.samples.map((sample: { messageId: string }) => sample.messageId)).toEqual(newestFirst.slice(0, 2));
    expect((await suite.request('GET', `/api/v1/app/${appId}/idempotency-report?samples=251`)).status).toBe(422);
  });

  it('keeps the mode on a Svix update that does not know the field', async () => {
    const appId = await application('observe');
    await suite.svix.application.update(appId, { name: 'renamed' });
    expect((await suite.request('GET', `/api/v1/app/${appId}`)).body.idempotencyMode).toBe('observe');
  });

  describe('the send-time-key detector', () => {
    const RETRIES = 3;

    it('flags a producer that mints a fresh eventId for every retry, naming both messages', async () => {
      const appId = await application();
      const sent = [];
      for (let attempt = 0; attempt < RETRIES; attempt++) sent.push(await send(appId, { eventType: 'user.created', eventId: `evt-${randomUUID()}`, payload: { user: 7 } }));

      const found = await report(appId);
      expect(found.counts.sendTimeKey).toBe(RETRIES - 1);
      expect(found.samples[0]).toEqual(
        expect.objectContaining({ kind: 'send_time_key', keyKind: 'event_id', eventType: 'user.created', messageId: sent[2].body.id, earlierMessageId: sent[1].body.id }),
      );
      const metrics = await (await fetch(`${suite.url}/metrics`)).text();
      expect(metrics).toMatch(/idem_idempotency_findings_total\{kind="send_time_key"\} [1-9]/);
    });

    it('flags fresh Idempotency-Keys for messages without an eventId, in one batch too', async () => {
      const appId = await application();
      for (let attempt = 0; attempt < RETRIES; attempt++) await send(appId, { eventType: 'user.deleted', payload: { user: 8 } }, `key-${randomUUID()}`);
      expect((await report(appId)).counts.sendTimeKey).toBe(RETRIES - 1);

      const batchApp = await application();
      await Promise.all([1, 2].map(() => send(batchApp, { eventType: 'user.deleted', payload: { user: 9 } }, `key-${randomUUID()}`)));
      expect((await report(batchApp)).counts.sendTimeKey).toBe(1);
    });

    it('does not flag a producer that mints its key at the source event, retried as often, through the svix client too', async () => {
      const appId = await application();
      for (let attempt = 0; attempt < RETRIES; attempt++) await send(appId, { eventType: 'user.created', eventId: 'evt-source', payload: { user: 7 } });
      // The svix client mints a fresh auto_ Idempotency-Key for every call: the repeated eventId is what counts.
      for (let attempt = 0; attempt < RETRIES; attempt++) await suite.svix.message.create(appId, { eventType: 'user.updated', eventId: 'evt-svix', payload: { user: 7 } });
      for (let attempt = 0; attempt < RETRIES; attempt++) await send(appId, { eventType: 'user.deleted', payload: { user: 7 } }, 'key-source');
      expect((await report(appId)).counts).toEqual({ replay: 0, conflict: 0, sendTimeKey: 0 });
    });

    it('takes a retry of an earlier eventId in observe mode for a replay, not for a send-time key, whatever came since', async () => {
      const appId = await application('observe');
      const first = await send(appId, { eventType: 'user.created', eventId: 'evt-a', payload: { user: 5 } });
      const other = await send(appId, { eventType: 'user.created', eventId: 'evt-b', payload: { user: 5 } });
      const retry = await send(appId, { eventType: 'user.created', eventId: 'evt-a', payload: { user: 5 } });

      const found = await report(appId);
      expect(found.counts).toEqual({ replay: 1, conflict: 0, sendTimeKey: 1 });
      expect(found.samples).toEqual([
        expect.objectContaining({ kind: 'replay', key: 'evt-a', messageId: retry.body.id, earlierMessageId: first.body.id }),
        expect.objectContaining({ kind: 'send_time_key', key: 'evt-b', earlierKey: 'evt-a', messageId: other.body.id, earlierMessageId: first.body.id }),
      ]);
    });

    it("leaves out sagas' messages, whose eventIds are Idem's own, however alike two sagas are", async () => {
      const appId = await application();
      for (const name of ['stock.reserve', 'stock.release']) await suite.request('POST', '/api/v1/event-type', { body: { name, description: name } });
      const saga = (sagaId: string) => ({ sagaId, steps: [{ name: 'reserve', eventType: 'stock.reserve', payload: { sku: 'A' }, compensation: { eventType: 'stock.release', payload: { sku: 'A' } } }] });
      for (const sagaId of ['order-1', 'order-2', 'order-3']) expect((await suite.request('POST', `/api/v1/app/${appId}/saga`, { body: saga(sagaId) })).status).toBe(201);

      expect((await report(appId)).counts.sendTimeKey).toBe(0);
      // The same content from the producer itself is still watched.
      await send(appId, { eventType: 'stock.reserve', eventId: `evt-${randomUUID()}`, payload: { sku: 'A' } });
      await send(appId, { eventType: 'stock.reserve', eventId: `evt-${randomUUID()}`, payload: { sku: 'A' } });
      expect((await report(appId)).counts.sendTimeKey).toBe(1);
    });

    it('forgets content older than its window', async () => {
      const appId = await application();
      await send(appId, { eventType: 'user.created', eventId: 'evt-old', payload: { user: 1 } });
      await suite.db.query(`UPDATE payload_fingerprints SET seen_at = now() - interval '11 minutes' WHERE app_id = $1`, [appId]);
      await send(appId, { eventType: 'user.created', eventId: 'evt-new', payload: { user: 1 } });
      expect((await report(appId)).counts.sendTimeKey).toBe(0);
    });
  });

  it('answers an unknown application with 404', async () => {
    const response = await suite.request('GET', '/api/v1/app/app_00000000000000000000000000/idempotency-report');
    expect([response.status, response.body.code]).toEqual([404, 'not_found']);
  });
});
