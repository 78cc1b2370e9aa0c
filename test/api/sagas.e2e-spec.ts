import { ApiSuite, startApiSuite } from './support/api-suite';

/** Creating, reading and listing sagas through the API (their progress needs a worker: test/e2e/sagas.e2e-spec.ts). */
describe('Sagas: the API', () => {
  let suite: ApiSuite;
  let appId: string;
  /** The one endpoint for audit events, and only for those on the channel `eu`. */
  let euAudit: string;
  const TABLES = ['sagas', 'saga_messages', 'messages', 'deliveries'];

  const steps = (suffix = '') => [
    { name: 'reserve', eventType: 'stock.reserve', payload: { sku: `A${suffix}` }, compensation: { eventType: 'stock.release', payload: { sku: `A${suffix}` } } },
    { name: 'charge', eventType: 'payment.charge', payload: { amount: 10 }, compensation: { eventType: 'payment.refund', payload: { amount: 10 } } },
  ];
  const create = (body: unknown) => suite.request('POST', `/api/v1/app/${appId}/saga`, { body });

  beforeAll(async () => {
    suite = await startApiSuite();
    for (const name of ['stock.reserve', 'stock.release', 'payment.charge', 'payment.refund', 'audit.record', 'audit.erase', 'nobody.listens']) {
      await suite.svix.eventType.create({ name, description: name });
    }
    appId = (await suite.svix.application.create({ name: 'shop' })).id;
    await suite.svix.endpoint.create(appId, { url: 'http://127.0.0.1:9/stock', filterTypes: ['stock.reserve', 'stock.release'] });
    await suite.svix.endpoint.create(appId, { url: 'http://127.0.0.1:9/payments', filterTypes: ['payment.charge', 'payment.refund'] });
    euAudit = (await suite.svix.endpoint.create(appId, { url: 'http://127.0.0.1:9/audit-eu', filterTypes: ['audit.record', 'audit.erase'], channels: ['eu'] })).id;
  });

  afterAll(async () => {
    await suite?.close();
  });

  async function counts(): Promise<number[]> {
    return Promise.all(TABLES.map((table) => suite.count(table)));
  }

  it('creates a saga running its first step, as a message with an eventId derived from the saga, to the endpoints subscribed', async () => {
    const created = await create({ sagaId: 'order-1', steps: steps() });

    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ id: expect.stringMatching(/^saga_/), sagaId: 'order-1', status: 'running', currentStep: 'reserve', finishedAt: null });
    const [reserve, charge] = created.body.steps;
    expect(reserve).toMatchObject({ name: 'reserve', eventType: 'stock.reserve', compensation: null, message: { messageId: expect.stringMatching(/^msg_/), deliveries: [{ status: 'pending' }] } });
    expect(charge.message).toBeNull();
    const message = await suite.svix.message.get(appId, reserve.message.messageId);
    expect(message).toMatchObject({ eventType: 'stock.reserve', eventId: 'saga:order-1:step:reserve', payload: { sku: 'A' } });

    const got = await suite.request('GET', `/api/v1/app/${appId}/saga/order-1`);
    expect(got.body).toEqual(created.body);
    expect((await suite.request('GET', `/api/v1/app/${appId}/saga/${created.body.id}`)).body.id).toBe(created.body.id);
  });

  it('sends a step and its compensation on their channels, to the endpoints restricted to one of them', async () => {
    const audit = { name: 'audit', eventType: 'audit.record', payload: { order: 3 }, channels: ['eu'], compensation: { eventType: 'audit.erase', payload: { order: 3 }, channels: ['eu', 'us'] } };
    const created = await create({ sagaId: 'order-3', steps: [audit] });

    expect(created.status).toBe(201);
    const { messageId } = created.body.steps[0].message;
    expect(await suite.svix.message.get(appId, messageId)).toMatchObject({ eventType: 'audit.record', channels: ['eu'] });
    const destinations = await suite.svix.messageAttempt.listAttemptedDestinations(appId, messageId);
    expect(destinations.data.map((destination) => destination.id)).toEqual([euAudit]);
  });

  it('answers the same sagaId with the existing saga, and with other steps a 409, writing nothing', async () => {
    const first = await create({ sagaId: 'order-2', steps: steps() });
    const before = await counts();

    const again = await create({ sagaId: 'order-2', steps: steps() });
    const other = await create({ sagaId: 'order-2', steps: steps('-other') });

    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect([other.status, other.body.code]).toEqual([409, 'conflict']);
    expect(await counts()).toEqual(before);
  });

  it('makes one saga and one first message of concurrent creates with one sagaId', async () => {
    const responses = await Promise.all(Array.from({ length: 8 }, () => create({ sagaId: 'order-concurrent', steps: steps() })));

    expect(responses.map((response) => response.status).sort()).toEqual([200, 200, 200, 200, 200, 200, 200, 201]);
    expect(new Set(responses.map((response) => response.body.id)).size).toBe(1);
    expect(await suite.count('sagas', 'saga_id = $1', ['order-concurrent'])).toBe(1);
    expect(await suite.count('messages', 'event_id = $1', ['saga:order-concurrent:step:reserve'])).toBe(1);
  });

  describe('refuses bad input with 422, writing nothing', () => {
    const cases: [string, unknown, string[]][] = [
      ['a step no endpoint subscribes to', { sagaId: 'bad-1', steps: [{ ...steps()[0], eventType: 'nobody.listens' }] }, ['body', 'steps', '0', 'eventType']],
      ['a compensation no endpoint subscribes to', { sagaId: 'bad-2', steps: [{ ...steps()[0], compensation: { eventType: 'nobody.listens', payload: {} } }] }, ['body', 'steps', '0', 'compensation', 'eventType']],
      ['a step whose only subscriber wants another channel', { sagaId: 'bad-8', steps: [{ ...steps()[0], eventType: 'audit.record', channels: ['us'] }] }, ['body', 'steps', '0', 'eventType']],
      ['a compensation on no channel whose only subscriber wants one', { sagaId: 'bad-9', steps: [{ ...steps()[0], compensation: { eventType: 'audit.erase', payload: {} } }] }, ['body', 'steps', '0', 'compensation', 'eventType']],
      ['a channel that is not one', { sagaId: 'bad-10', steps: [{ ...steps()[0], channels: ['no spaces'] }] }, ['body', 'steps', '0', 'channels']],
      ['no steps', { sagaId: 'bad-3', steps: [] }, ['body', 'steps']],
      ['no sagaId', { steps: steps() }, ['body', 'sagaId']],
      ['a step without a compensation', { sagaId: 'bad-4', steps: [{ name: 'x', eventType: 'stock.reserve', payload: {} }] }, ['body', 'steps', '0', 'compensation']],
      ['two steps with one name', { sagaId: 'bad-5', steps: [steps()[0], { ...steps()[1], name: 'reserve' }] }, ['body', 'steps', '1', 'name']],
      ['an oversized saga', { sagaId: 'bad-6', steps: Array.from({ length: 20 }, (_, n) => ({ ...steps()[0], name: `s${n}`, payload: { blob: 'x'.repeat(15_000) } })) }, ['body', 'steps']],
      ['too many steps', { sagaId: 'bad-7', steps: Array.from({ length: 51 }, (_, n) => ({ ...steps()[0], name: `s${n}` })) }, ['body', 'steps']],
    ];
    it.each(cases)('%s', async (_name, body, loc) => {
      const before = await counts();
      const response = await create(body);
      expect(response.status).toBe(422);
      expect(response.body.detail[0]).toEqual(expect.objectContaining({ loc, msg: expect.any(String), type: expect.any(String) }));
      expect(await counts()).toEqual(before);
    });
  });

  it('refuses a step or compensation whose event type is not in the catalog, though an endpoint takes every type', async () => {
    const catchAll = (await suite.svix.application.create({ name: 'catch-all' })).id;
    await suite.svix.endpoint.create(catchAll, { url: 'http://127.0.0.1:9/everything' });
    await suite.svix.eventType.create({ name: 'stock.retired', description: 'archived below' });
    await suite.svix.eventType.delete('stock.retired');
    const before = await counts();

    const unknown = await suite.request('POST', `/api/v1/app/${catchAll}/saga`, {
      body: { sagaId: 'uncataloged', steps: [steps()[0], { ...steps()[1], eventType: 'payment.chrage', compensation: { eventType: 'stock.retired', payload: {} } }] },
    });

    expect(unknown.status).toBe(422);
    expect(unknown.body.detail).toEqual([
      { loc: ['body', 'steps', '1', 'eventType'], msg: expect.stringContaining('"payment.chrage" is not in the catalog'), type: 'value_error' },
      { loc: ['body', 'steps', '1', 'compensation', 'eventType'], msg: expect.stringContaining('"stock.retired" is not in the catalog'), type: 'value_error' },
    ]);
    expect(await counts()).toEqual(before);
    expect((await suite.request('POST', `/api/v1/app/${catchAll}/saga`, { body: { sagaId: 'cataloged', steps: steps() } })).status).toBe(201);
  });

  it('lists sagas newest first, by status, a page at a time', async () => {
    const page = await suite.request('GET', `/api/v1/app/${appId}/saga?limit=2`);
    expect(page.body.data).toHaveLength(2);
    expect(page.body.data[0]).toMatchObject({ sagaId: 'order-concurrent', status: 'running', stepCount: 2 });
    const next = await suite.request('GET', `/api/v1/app/${appId}/saga?limit=2&iterator=${page.body.iterator}`);
    expect(next.body.data.map((saga: { sagaId: string }) => saga.sagaId)).toEqual(['order-3', 'order-1']);
    expect((await suite.request('GET', `/api/v1/app/${appId}/saga?status=completed`)).body.data).toEqual([]);
    expect((await suite.request('GET', `/api/v1/app/${appId}/saga?status=done`)).status).toBe(422);
    expect((await suite.request('GET', `/api/v1/app/${appId}/saga/no-such-saga`)).status).toBe(404);
  });
});
