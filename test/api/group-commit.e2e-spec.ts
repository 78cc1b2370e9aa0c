import type { Client } from 'pg';
import { ApiProcess } from '../support/api-process';
import { connectToDatabase, createTestEnvironment, TestEnvironment } from '../support/test-environment';

/**
 * Message intake shares one transaction among concurrent requests, in each of several API processes.
 * Every request must still get its own answer, and what one process changes the other must see at once.
 */
describe('Message intake across two API processes', () => {
  let environment: TestEnvironment;
  let apis: ApiProcess[];
  let db: Client;
  let appId: string;

  beforeAll(async () => {
    environment = await createTestEnvironment();
    apis = await Promise.all([ApiProcess.start(environment.env), ApiProcess.start(environment.env)]);
    db = await connectToDatabase(environment.databaseUrl);
    appId = (await request(0, 'POST', '/api/v1/app', { name: 'Group commit' })).body.id;
  });

  afterAll(async () => {
    await db?.end();
    await Promise.all((apis ?? []).map((api) => api.stop()));
    await environment?.dispose();
  });

  async function request(api: number, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
    const response = await fetch(apis[api].url + path, {
      method,
      headers: { authorization: `Bearer ${environment.adminToken}`, 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  }

  const createMessage = (api: number, body: unknown, headers?: Record<string, string>) => request(api, 'POST', `/api/v1/app/${appId}/msg`, body, headers);

  async function count(table: string, where: string, params: unknown[] = []): Promise<number> {
    return Number((await db.query(`SELECT count(*) FROM ${table} WHERE ${where}`, params)).rows[0].count);
  }

  it('makes one message of 40 concurrent creates with one eventId sent to both processes, and answers each with it', async () => {
    const body = { eventType: 'twice.everywhere', eventId: 'one-event', payload: { n: 1 } };

    const responses = await Promise.all(Array.from({ length: 40 }, (_, n) => createMessage(n % 2, body)));

    expect(responses.map((response) => response.status)).toEqual(Array(40).fill(202));
    expect(new Set(responses.map((response) => response.body.id)).size).toBe(1);
    expect(await count('messages', 'event_type = $1', ['twice.everywhere'])).toBe(1);
  });

  it('makes one message of 40 concurrent creates with one Idempotency-Key across both processes; the others replay it or are told it is in flight', async () => {
    const body = { eventType: 'one.key', payload: { n: 1 } };

    const responses = await Promise.all(Array.from({ length: 40 }, (_, n) => createMessage(n % 2, body, { 'idempotency-key': 'shared-key' })));

    const accepted = responses.filter((response) => response.status === 202);
    const inFlight = responses.filter((response) => response.status === 409);
    expect(accepted.length + inFlight.length).toBe(40);
    expect(new Set(accepted.map((response) => response.body.id)).size).toBe(1);
    expect(inFlight.every((response) => response.body.code === 'idempotency_in_flight')).toBe(true);
    expect(await count('messages', 'event_type = $1', ['one.key'])).toBe(1);
    const retry = await createMessage(1, body, { 'idempotency-key': 'shared-key' });
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(retry.body.id).toBe(accepted[0].body.id);
  });

  it('answers a request that breaks a rule on its own, while the requests written with it succeed', async () => {
    await createMessage(0, { eventType: 'held', eventId: 'held-event', payload: { v: 1 } });
    const bodies = Array.from({ length: 30 }, (_, n) =>
      n === 7 ? { eventType: 'held', eventId: 'held-event', payload: { v: 2 } } : { eventType: 'beside.conflict', eventId: `beside-${n}`, payload: { n } },
    );

    const responses = await Promise.all(bodies.map((body) => createMessage(0, body)));

    expect(responses[7].status).toBe(409);
    expect(responses[7].body.code).toBe('conflict');
    expect(responses.filter((_, n) => n !== 7).every((response) => response.status === 202)).toBe(true);
    expect(await count('messages', 'event_type = $1', ['beside.conflict'])).toBe(29);
  });

  it('routes the next message, in the other process, to an endpoint created or disabled a moment before', async () => {
    const endpoint = (await request(0, 'POST', `/api/v1/app/${appId}/endpoint`, { url: 'http://127.0.0.1:9/fresh' })).body;
    const afterCreate = await createMessage(1, { eventType: 'after.create', payload: {} });
    expect(await count('deliveries', 'message_id = $1 AND endpoint_id = $2', [afterCreate.body.id, endpoint.id])).toBe(1);

    expect((await request(0, 'PATCH', `/api/v1/app/${appId}/endpoint/${endpoint.id}`, { disabled: true })).status).toBe(200);
    const afterDisable = await createMessage(1, { eventType: 'after.disable', payload: {} });
    expect(afterDisable.status).toBe(202);
    expect(await count('deliveries', 'message_id = $1 AND endpoint_id = $2', [afterDisable.body.id, endpoint.id])).toBe(0);
  });
});
