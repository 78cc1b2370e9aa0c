import { ApiSuite, startApiSuite, svixError } from './support/api-suite';

describe('POST /api/v1/app/{app}/endpoint/{endpoint}/send-example', () => {
  let suite: ApiSuite;
  let appId: string;
  let targetId: string;
  let bystanderId: string;

  beforeAll(async () => {
    suite = await startApiSuite();
    appId = (await suite.svix.application.create({ name: 'Examples' })).id;
    targetId = (await suite.svix.endpoint.create(appId, { url: 'http://127.0.0.1:9/target', filterTypes: ['something.else'] })).id;
    bystanderId = (await suite.svix.endpoint.create(appId, { url: 'http://127.0.0.1:9/bystander' })).id;
    await suite.svix.eventType.create({
      name: 'invoice.example',
      description: 'with examples',
      schemas: { '1': { type: 'object', examples: [{ invoice: 1 }, { invoice: 2 }] } },
    });
    await suite.svix.eventType.create({ name: 'invoice.bare', description: 'no schema' });
  });

  afterAll(async () => {
    await suite?.close();
  });

  it("sends the event type's first example to this endpoint alone, whatever its filters", async () => {
    const message = await suite.svix.endpoint.sendExample(appId, targetId, { eventType: 'invoice.example' });

    expect(message).toMatchObject({ eventType: 'invoice.example', payload: { invoice: 1 } });
    const { rows } = await suite.db.query('SELECT endpoint_id FROM deliveries WHERE message_id = $1', [message.id]);
    expect(rows).toEqual([{ endpoint_id: targetId }]);
    expect(rows.map((row) => row.endpoint_id)).not.toContain(bystanderId);
  });

  it('sends the example exampleIndex names, {} for an event type without examples, and refuses an index that names none', async () => {
    expect((await suite.svix.endpoint.sendExample(appId, targetId, { eventType: 'invoice.example', exampleIndex: 1 })).payload).toEqual({ invoice: 2 });
    expect((await suite.svix.endpoint.sendExample(appId, targetId, { eventType: 'invoice.bare' })).payload).toEqual({});
    const missing = await suite.request('POST', `/api/v1/app/${appId}/endpoint/${targetId}/send-example`, { body: { eventType: 'invoice.example', exampleIndex: 5 } });
    expect(missing.status).toBe(422);
    expect(missing.body.detail[0].loc).toEqual(['body', 'exampleIndex']);
  });

  it('answers an unknown event type or endpoint with 404, a disabled endpoint with 409, and writes nothing', async () => {
    const before = await suite.count('messages');
    expect((await svixError(suite.svix.endpoint.sendExample(appId, targetId, { eventType: 'not.in.catalogue' }))).code).toBe(404);
    expect((await svixError(suite.svix.endpoint.sendExample(appId, 'ep_unknown', { eventType: 'invoice.example' }))).code).toBe(404);
    await suite.svix.endpoint.patch(appId, bystanderId, { disabled: true });
    expect((await svixError(suite.svix.endpoint.sendExample(appId, bystanderId, { eventType: 'invoice.example' }))).code).toBe(409);
    expect(await suite.count('messages')).toBe(before);
  });

  it('sends the example of a state event type every time, outside the versions of real entities', async () => {
    const retrySafety = { semantics: 'state', entity: 'order', entityIdPath: '/id', versionPath: '/version' };
    const schemas = { '1': { type: 'object', examples: [{ id: 'ord_1', version: 3 }] } };
    expect((await suite.request('POST', '/api/v1/event-type', { body: { name: 'order.state', description: '', schemas, retrySafety } })).status).toBe(201);

    const first = await suite.svix.endpoint.sendExample(appId, targetId, { eventType: 'order.state' });
    const second = await suite.svix.endpoint.sendExample(appId, targetId, { eventType: 'order.state' });

    for (const message of [first, second]) expect(await suite.count('deliveries', 'message_id = $1', [message.id])).toBe(1);
    expect(await suite.count('entity_versions', "entity_id = 'ord_1'")).toBe(0);
  });
});
