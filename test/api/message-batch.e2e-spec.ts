import { IdemClient } from '@idem/sdk/emitter';
import { ApiSuite, startApiSuite } from './support/api-suite';

describe('POST /api/v1/app/{app}/msg/batch', () => {
  let suite: ApiSuite;
  let appId: string;
  let endpointIds: string[];

  beforeAll(async () => {
    suite = await startApiSuite();
    appId = (await suite.svix.application.create({ name: 'Batch', uid: 'batch-app' })).id;
    endpointIds = [
      (await suite.svix.endpoint.create(appId, { url: 'http://127.0.0.1:9/all' })).id,
      (await suite.svix.endpoint.create(appId, { url: 'http://127.0.0.1:9/invoices', filterTypes: ['invoice.paid'] })).id,
    ];
  });

  afterAll(async () => {
    await suite?.close();
  });

  function postBatch(messages: unknown[], headers: Record<string, string> = {}, app = appId) {
    return suite.request('POST', `/api/v1/app/${app}/msg/batch`, { body: { messages }, headers });
  }

  it('accepts every message with one result per item, in order, each with the deliveries its filters pick', async () => {
    const response = await postBatch([
      { eventType: 'invoice.paid', eventId: 'batch-order-1', payload: { n: 1 } },
      { eventType: 'user.created', payload: { n: 2 }, channels: ['eu'] },
      { eventType: 'invoice.paid', payload: { n: 3 } },
    ]);

    expect(response.status).toBe(202);
    expect(response.body.data.map((item: { status: number }) => item.status)).toEqual([202, 202, 202]);
    const messages = response.body.data.map((item: { message: { id: string; eventType: string; payload: unknown } }) => item.message);
    expect(messages.map((message: { payload: unknown }) => message.payload)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(messages[0]).toMatchObject({ eventId: 'batch-order-1', eventType: 'invoice.paid', channels: null, timestamp: expect.any(String) });
    expect(messages[1].channels).toEqual(['eu']);
    const fannedOut: number[] = [];
    for (const message of messages) fannedOut.push(await suite.count('deliveries', 'message_id = $1', [message.id]));
    expect(fannedOut).toEqual([2, 1, 2]);
    // Each message can be read back as the single create would have written it.
    expect((await suite.svix.message.get(appId, 'batch-order-1')).id).toBe(messages[0].id);
  });

  it('refuses only the items that fail, each with the error a single create would answer', async () => {
    await suite.svix.message.create(appId, { eventType: 'taken', eventId: 'batch-taken', payload: { v: 1 } });

    const response = await postBatch([
      { eventType: 'fine', payload: { ok: true } },
      { eventType: 'has spaces', payload: {} },
      { eventType: 'taken', eventId: 'batch-taken', payload: { v: 2 } },
      { eventType: 'taken', eventId: 'batch-taken', payload: { v: 1 } },
      { payload: 'not an object' },
      'not a message',
      { eventType: 'fine', payload: {}, deliverAt: '2030-01-01T00:00:00Z' },
    ]);

    expect(response.status).toBe(202);
    const [fine, badName, conflict, repeat, badPayload, notAnObject, scheduled] = response.body.data;
    expect(fine.status).toBe(202);
    expect(badName).toEqual({ status: 422, error: { detail: [expect.objectContaining({ loc: ['body', 'messages', '1', 'eventType'] })] } });
    expect(conflict).toEqual({ status: 409, error: { code: 'conflict', detail: expect.stringContaining('batch-taken') } });
    expect(repeat.status).toBe(202);
    expect(repeat.message.payload).toEqual({ v: 1 });
    expect(badPayload.status).toBe(422);
    expect(badPayload.error.detail.map((problem: { loc: string[] }) => problem.loc.join('.'))).toEqual(
      expect.arrayContaining(['body.messages.4.eventType', 'body.messages.4.payload']),
    );
    expect(notAnObject).toEqual({ status: 422, error: { detail: [expect.objectContaining({ loc: ['body', 'messages', '5'], type: 'type_error.dict' })] } });
    expect(scheduled).toEqual({ status: 422, error: { detail: [expect.objectContaining({ loc: ['body', 'messages', '6', 'deliverAt'] })] } });
    expect(await suite.count('messages', 'event_type = $1', ['fine'])).toBe(1);
    expect(await suite.count('messages', "event_type IN ('has spaces', 'taken')")).toBe(1);
  });

  it('writes one message for an eventId repeated inside the batch, and answers both items with it', async () => {
    const item = { eventType: 'twice', eventId: 'batch-twice', payload: { a: 1, b: 2 } };
    const reordered = { eventType: 'twice', eventId: 'batch-twice', payload: { b: 2, a: 1 } };

    const response = await postBatch([item, reordered, { ...item, payload: { a: 2 } }]);

    const [first, second, third] = response.body.data;
    expect([first.status, second.status, third.status]).toEqual([202, 202, 409]);
    expect(second.message.id).toBe(first.message.id);
    expect(await suite.count('messages', 'event_type = $1', ['twice'])).toBe(1);
    expect(await suite.count('deliveries', 'message_id = $1', [first.message.id])).toBe(1);
  });

  it('replays the whole answer for the batch’s Idempotency-Key, and refuses the key with another body', async () => {
    const messages = [
      { eventType: 'keyed.batch', payload: { n: 1 } },
      { eventType: 'keyed.batch', payload: { n: 2 } },
    ];
    const first = await postBatch(messages, { 'idempotency-key': 'batch-key' });
    const retry = await postBatch(messages, { 'idempotency-key': 'batch-key' });
    const other = await postBatch([messages[0]], { 'idempotency-key': 'batch-key' });

    expect(first.status).toBe(202);
    expect(retry.status).toBe(202);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toEqual(first.body);
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('idempotency_key_reused');
    expect(await suite.count('messages', 'event_type = $1', ['keyed.batch'])).toBe(2);
  });

  it("leaves an expunged message's payload out of the batch's replay, and the other items as they were", async () => {
    const messages = [
      { eventType: 'expunged.batch', payload: { secret: 'remove me' } },
      { eventType: 'expunged.batch', payload: { kept: true } },
    ];
    const first = await postBatch(messages, { 'idempotency-key': 'batch-expunge' });
    const [removed, kept] = first.body.data.map((item: { message: { id: string } }) => item.message.id);

    expect((await suite.request('DELETE', `/api/v1/app/${appId}/msg/${removed}/content`)).status).toBe(204);
    const replay = await postBatch(messages, { 'idempotency-key': 'batch-expunge' });

    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.data.map((item: { message: { id: string; payload: unknown } }) => [item.message.id, item.message.payload])).toEqual([
      [removed, { expired: true }],
      [kept, { kept: true }],
    ]);
    expect(await suite.count('idempotency_records', "response_body::text LIKE '%remove me%'")).toBe(0);
  });

  it('answers an unknown application with 404 and writes nothing', async () => {
    const response = await postBatch([{ eventType: 'nowhere', payload: {} }], {}, 'no-such-app');
    expect(response.status).toBe(404);
    expect(response.body).toEqual({ code: 'not_found', detail: expect.any(String) });
    expect(await suite.count('messages', 'event_type = $1', ['nowhere'])).toBe(0);
  });

  it('refuses an empty batch, more than 1,000 messages, or no list with 422', async () => {
    const tooMany = Array.from({ length: 1001 }, (_, n) => ({ eventType: 'too.many', payload: { n } }));
    for (const body of [{ messages: [] }, { messages: tooMany }, {}, { messages: 'x' }]) {
      const response = await suite.request('POST', `/api/v1/app/${appId}/msg/batch`, { body });
      expect(response.status).toBe(422);
      expect(response.body.detail[0].loc).toEqual(['body', 'messages']);
    }
    expect(await suite.count('messages', 'event_type = $1', ['too.many'])).toBe(0);
  });

  it('takes 1,000 messages in one request', async () => {
    const messages = Array.from({ length: 1000 }, (_, n) => ({ eventType: 'full.batch', eventId: `full-${n}`, payload: { n } }));
    const response = await postBatch(messages);
    expect(response.status).toBe(202);
    expect(response.body.data.every((item: { status: number }) => item.status === 202)).toBe(true);
    expect(await suite.count('messages', 'event_type = $1', ['full.batch'])).toBe(1000);
    expect(await suite.count('deliveries', `message_id IN (SELECT id FROM messages WHERE event_type = 'full.batch')`)).toBe(1000 * (endpointIds.length - 1));
  });

  it("takes the SDK's sendMessages: 1,500 messages in two calls, a refused one reported alone, a resend answered with the same messages", async () => {
    const client = new IdemClient({ baseUrl: suite.url, token: suite.environment.adminToken });
    await suite.svix.message.create(appId, { eventType: 'sdk.batch', eventId: 'sdk-taken', payload: { other: true } });
    const messages = Array.from({ length: 1500 }, (_, n) => ({ message: { eventType: 'sdk.batch', payload: { n } }, idempotencyKey: n === 42 ? 'sdk-taken' : `sdk-${n}` }));

    const first = await client.sendMessages(appId, messages);
    const again = await client.sendMessages(appId, messages);

    expect(first).toHaveLength(1500);
    expect(first[42]).toMatchObject({ outcome: 'rejected', status: 409, code: 'conflict' });
    expect(first.filter((result) => result.outcome === 'accepted')).toHaveLength(1499);
    expect(again.map((result) => (result.outcome === 'accepted' ? result.message.id : result.outcome))).toEqual(
      first.map((result) => (result.outcome === 'accepted' ? result.message.id : result.outcome)),
    );
    expect(await suite.count('messages', 'event_type = $1', ['sdk.batch'])).toBe(1500);
  });
});
