import { createHash } from 'node:crypto';
import { ApiSuite, startApiSuite, svixError } from './support/api-suite';

describe('Idempotency-Key on POST', () => {
  let suite: ApiSuite;
  let appId: string;

  beforeAll(async () => {
    suite = await startApiSuite();
    appId = (await suite.svix.application.create({ name: 'Idempotency', uid: 'idem-app' })).id;
    await suite.svix.endpoint.create(appId, { url: 'http://127.0.0.1:9/hook' });
  });

  afterAll(async () => {
    await suite?.close();
  });

  function postMessage(key: string, body: unknown, path = `/api/v1/app/${appId}/msg`) {
    return suite.request('POST', path, { body, headers: { 'idempotency-key': key } });
  }

  it('replays the first response (status, body and Idempotent-Replayed) to a retry, creating nothing new', async () => {
    const body = { eventType: 'replayed', payload: { n: 1 } };

    const first = await postMessage('key-replay', body);
    const retry = await postMessage('key-replay', body);

    expect(first.status).toBe(202);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(retry.status).toBe(202);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body).toEqual(first.body);
    expect(await suite.count('messages', 'event_type = $1', ['replayed'])).toBe(1);
    expect(await suite.count('deliveries', 'message_id = $1', [first.body.id])).toBe(1);
  });

  it('works through the svix client, for applications as for messages', async () => {
    const first = await suite.svix.application.create({ name: 'Once' }, { idempotencyKey: 'app-once' });
    const again = await suite.svix.application.create({ name: 'Once' }, { idempotencyKey: 'app-once' });
    expect(again).toEqual(first);
    expect(await suite.count('applications', 'name = $1', ['Once'])).toBe(1);

    const message = await suite.svix.message.create(appId, { eventType: 'via.client', payload: {} }, { idempotencyKey: 'msg-once' });
    const replayed = await suite.svix.message.create(appId, { eventType: 'via.client', payload: {} }, { idempotencyKey: 'msg-once' });
    expect(replayed.id).toBe(message.id);
  });

  it('replays a 204 without a body', async () => {
    const endpoint = await suite.svix.endpoint.create(appId, { url: 'http://127.0.0.1:9/rotate' });
    const path = `/api/v1/app/${appId}/endpoint/${endpoint.id}/secret/rotate`;
    const first = await suite.request('POST', path, { body: {}, headers: { 'idempotency-key': 'rotate-once' } });
    const retry = await suite.request('POST', path, { body: {}, headers: { 'idempotency-key': 'rotate-once' } });

    expect([first.status, retry.status]).toEqual([204, 204]);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await suite.count('endpoint_secrets', 'endpoint_id = $1', [endpoint.id])).toBe(2);
  });

  it('answers the same key with a different body with 422 idempotency_key_reused', async () => {
    await postMessage('key-reused', { eventType: 'reused', payload: { n: 1 } });

    const response = await postMessage('key-reused', { eventType: 'reused', payload: { n: 2 } });

    expect(response.status).toBe(422);
    expect(response.body).toEqual({ code: 'idempotency_key_reused', detail: expect.any(String) });
    expect(await suite.count('messages', 'event_type = $1', ['reused'])).toBe(1);
  });

  it('treats a different key order or spacing in the body as the same request', async () => {
    const first = await suite.request('POST', `/api/v1/app/${appId}/msg`, {
      rawBody: '{"eventType":"spaced","payload":{"a":1,"b":2}}',
      headers: { 'idempotency-key': 'key-spacing' },
    });
    const retry = await suite.request('POST', `/api/v1/app/${appId}/msg`, {
      rawBody: '{ "payload": { "b": 2, "a": 1 }, "eventType": "spaced" }',
      headers: { 'idempotency-key': 'key-spacing' },
    });
    expect(retry.status).toBe(202);
    expect(retry.body.id).toBe(first.body.id);
  });

  it('scopes a key to the route: the same key on another application is another request', async () => {
    const other = await suite.svix.application.create({ name: 'Other' });
    const body = { eventType: 'scoped', payload: {} };
    const one = await postMessage('key-scoped', body);
    const two = await postMessage('key-scoped', body, `/api/v1/app/${other.id}/msg`);
    expect(two.status).toBe(202);
    expect(two.body.id).not.toBe(one.body.id);
  });

  it('answers 409 idempotency_in_flight while the first request with the key still holds it', async () => {
    const key = 'key-in-flight';
    const path = `/api/v1/app/${appId}/msg`;
    const scope = createHash('sha256').update(`admin\nPOST ${path}`).digest('hex');
    // Hold the same advisory lock the API takes for the first request, as a slow first request would.
    await suite.db.query('BEGIN');
    try {
      await suite.db.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`idempotency:${scope}:${key}`]);
      const response = await postMessage(key, { eventType: 'in.flight', payload: {} });
      expect(response.status).toBe(409);
      expect(response.body).toEqual({ code: 'idempotency_in_flight', detail: expect.any(String) });
    } finally {
      await suite.db.query('ROLLBACK');
    }
    const afterwards = await postMessage(key, { eventType: 'in.flight', payload: {} });
    expect(afterwards.status).toBe(202);
    expect(await suite.count('messages', 'event_type = $1', ['in.flight'])).toBe(1);
  });

  it('produces exactly one message from 20 concurrent requests with one key; the rest replay it or are told it is in flight', async () => {
    const body = { eventType: 'concurrent.key', payload: { n: 1 } };

    const responses = await Promise.all(Array.from({ length: 20 }, () => postMessage('key-concurrent', body)));

    const accepted = responses.filter((response) => response.status === 202);
    const inFlight = responses.filter((response) => response.status === 409);
    expect(accepted.length + inFlight.length).toBe(20);
    expect(accepted.length).toBeGreaterThanOrEqual(1);
    expect(new Set(accepted.map((response) => response.body.id)).size).toBe(1);
    expect(inFlight.every((response) => response.body.code === 'idempotency_in_flight')).toBe(true);
    expect(await suite.count('messages', 'event_type = $1', ['concurrent.key'])).toBe(1);
    expect(await suite.count('deliveries', 'message_id = $1', [accepted[0].body.id])).toBe(await suite.count('endpoints', 'app_id = $1', [appId]));
  });

  it('does not store a failed response, so the same key can be retried once the cause is fixed', async () => {
    const body = { eventType: 'after.fix', payload: {} };
    const failed = await postMessage('key-after-fix', body, '/api/v1/app/created-later/msg');
    expect(failed.status).toBe(404);
    expect(await suite.count('idempotency_records', 'key = $1', ['key-after-fix'])).toBe(0);

    await suite.svix.application.create({ name: 'Later', uid: 'created-later' });
    const retried = await postMessage('key-after-fix', body, '/api/v1/app/created-later/msg');
    expect(retried.status).toBe(202);
    expect(retried.headers.get('idempotent-replayed')).toBeNull();
  });

  it('rolls back the work of a request that fails inside the transaction, whatever its key', async () => {
    const error = await svixError(suite.svix.application.create({ name: 'Dup', uid: 'idem-app' }, { idempotencyKey: 'key-conflict' }));
    expect(error.code).toBe(409);
    expect(await suite.count('idempotency_records', 'key = $1', ['key-conflict'])).toBe(0);
  });

  it('refuses an Idempotency-Key longer than 256 characters with 422', async () => {
    const response = await postMessage('k'.repeat(257), { eventType: 'long.key', payload: {} });
    expect(response.status).toBe(422);
    expect(response.body.detail[0].loc).toEqual(['header', 'idempotency-key']);
    expect(await suite.count('messages', 'event_type = $1', ['long.key'])).toBe(0);
  });
});
