import { FakeReceiver } from '../support/fake-receiver';
import { until } from '../support/until';
import { WorkerProcess } from '../support/worker-process';
import { ApiSuite, startApiSuite } from './support/api-suite';

const ORDER_STATE = { semantics: 'state', entity: 'order', entityIdPath: '/order/id', versionPath: '/version' };

describe('Entity state at ingest: retrySafety contracts, stale versions, coalescing', () => {
  let suite: ApiSuite;
  let receiver: FakeReceiver;
  let appId: string;
  let endpointId: string;
  let worker: WorkerProcess | undefined;

  beforeAll(async () => {
    suite = await startApiSuite();
    receiver = await FakeReceiver.start();
    appId = (await suite.svix.application.create({ name: 'Orders' })).id;
    endpointId = (await suite.svix.endpoint.create(appId, { url: receiver.url })).id;
    for (const [name, retrySafety] of [
      ['order.updated', ORDER_STATE],
      ['order.changed', { semantics: 'delta', entity: 'order', entityIdPath: '/order/id', versionPath: '/version' }],
    ] as const) {
      expect((await suite.request('POST', '/api/v1/event-type', { body: { name, description: name, retrySafety } })).status).toBe(201);
    }
  });

  afterAll(async () => {
    await worker?.stop();
    await receiver?.close();
    await suite?.close();
  });

  const send = (eventType: string, id: string | number, version: unknown, extra: Record<string, unknown> = {}) =>
    suite.request('POST', `/api/v1/app/${appId}/msg`, { body: { eventType, payload: { order: { id }, version, ...extra } } });
  const deliveriesOf = async (messageId: string) =>
    (await suite.db.query('SELECT status, superseded_by FROM deliveries WHERE message_id = $1', [messageId])).rows as { status: string; superseded_by: string | null }[];

  it('returns the contract on the event type, and refuses one that cannot be applied, naming the field', async () => {
    expect((await suite.request('GET', '/api/v1/event-type/order.updated')).body.retrySafety).toEqual({ ...ORDER_STATE, ordering: 'none', onExhausted: 'skip' });
    const cases: [unknown, string[]][] = [
      [{ semantics: 'state', entity: 'order', entityIdPath: '/id' }, ['body', 'retrySafety', 'versionPath']],
      [{ semantics: 'state', entity: 'order', entityIdPath: 'id', versionPath: '/v' }, ['body', 'retrySafety', 'entityIdPath']],
      [{ semantics: 'delta', entityIdPath: '/id' }, ['body', 'retrySafety', 'entity']],
      [{ semantics: 'eventual' }, ['body', 'retrySafety', 'semantics']],
      [{ ...ORDER_STATE, ordering: 'by-entity' }, ['body', 'retrySafety', 'ordering']],
      [{ ...ORDER_STATE, ordering: 'entity', onExhausted: 'retry-forever' }, ['body', 'retrySafety', 'onExhausted']],
      [{ ...ORDER_STATE, ordering: 'none', onExhausted: 'block' }, ['body', 'retrySafety', 'onExhausted']],
      [{ semantics: 'command', ordering: 'entity' }, ['body', 'retrySafety', 'ordering']],
    ];
    for (const [retrySafety, loc] of cases) {
      const response = await suite.request('POST', '/api/v1/event-type', { body: { name: 'order.refused', description: '', retrySafety } });
      expect(response.status).toBe(422);
      expect(response.body.detail.map((problem: { loc: string[] }) => problem.loc)).toContainEqual(loc);
    }
    expect(await suite.count('event_types', 'name = $1', ['order.refused'])).toBe(0);
  });

  it('sets a contract by PATCH and returns it in the list', async () => {
    expect((await suite.request('POST', '/api/v1/event-type', { body: { name: 'order.patched', description: 'plain at first' } })).status).toBe(201);
    const patched = await suite.request('PATCH', '/api/v1/event-type/order.patched', { body: { retrySafety: ORDER_STATE } });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ description: 'plain at first', retrySafety: { ...ORDER_STATE, ordering: 'none', onExhausted: 'skip' } });
    const listed = await suite.request('GET', '/api/v1/event-type?limit=250');
    expect(listed.body.data.find((type: { name: string }) => type.name === 'order.patched')).toMatchObject({ retrySafety: { ...ORDER_STATE, ordering: 'none' } });
    // A PATCH without the field leaves the contract as it was.
    await suite.request('PATCH', '/api/v1/event-type/order.patched', { body: { description: 'now a state' } });
    expect((await suite.request('GET', '/api/v1/event-type/order.patched')).body.retrySafety).toMatchObject(ORDER_STATE);
  });

  it('accepts ordered lanes, skipping an exhausted head unless told to block, and refuses a bad value with nothing written', async () => {
    const ordered = await suite.request('POST', '/api/v1/event-type', { body: { name: 'order.laned', description: '', retrySafety: { ...ORDER_STATE, ordering: 'entity' } } });
    const blocking = await suite.request('POST', '/api/v1/event-type', {
      body: { name: 'order.blocking', description: '', retrySafety: { ...ORDER_STATE, ordering: 'entity', onExhausted: 'block' } },
    });
    const refused = await suite.request('PUT', '/api/v1/event-type/order.laned', {
      body: { description: 'changed', retrySafety: { ...ORDER_STATE, ordering: 'entity', onExhausted: 'wait' } },
    });

    expect(ordered.status).toBe(201);
    expect(ordered.body.retrySafety).toEqual({ ...ORDER_STATE, ordering: 'entity', onExhausted: 'skip' });
    expect(blocking.body.retrySafety).toMatchObject({ ordering: 'entity', onExhausted: 'block' });
    expect(refused.status).toBe(422);
    expect(refused.body.detail).toEqual([expect.objectContaining({ loc: ['body', 'retrySafety', 'onExhausted'] })]);
    expect((await suite.request('GET', '/api/v1/event-type/order.laned')).body).toMatchObject({ description: '', retrySafety: { onExhausted: 'skip' } });
  });

  it('refuses a message whose payload lacks the entity id or version, or has the wrong type there, naming the pointer', async () => {
    const noId = await suite.request('POST', `/api/v1/app/${appId}/msg`, { body: { eventType: 'order.updated', payload: { version: 1 } } });
    const textVersion = await send('order.updated', 'o-bad', '3');
    const negative = await send('order.updated', 'o-bad', -1);

    expect(noId.status).toBe(422);
    expect(noId.body.detail).toEqual([expect.objectContaining({ loc: ['body', 'payload', 'order', 'id'], msg: expect.stringContaining('/order/id') })]);
    expect(textVersion.body.detail).toEqual([expect.objectContaining({ loc: ['body', 'payload', 'version'] })]);
    expect(negative.status).toBe(422);
    expect(await suite.count('messages', "entity_id = 'o-bad'")).toBe(0);
  });

  it('accepts a state no newer than one accepted before as stale, with no delivery, and says so', async () => {
    const v2 = await send('order.updated', 'o-1', 2);
    const v1 = await send('order.updated', 'o-1', 1);
    const again = await send('order.updated', 'o-1', 2);

    expect(v2.body.entity).toEqual({ name: 'order', id: 'o-1', version: 2, stale: false });
    expect([v1.status, again.status]).toEqual([202, 202]);
    expect(v1.body.entity.stale).toBe(true);
    expect((await suite.request('GET', `/api/v1/app/${appId}/msg/${again.body.id}`)).body.entity.stale).toBe(true);
    expect(await deliveriesOf(v1.body.id)).toEqual([]);
    expect(await deliveriesOf(again.body.id)).toEqual([]);
    expect(await deliveriesOf(v2.body.id)).toEqual([{ status: 'pending', superseded_by: null }]);
  });

  it('supersedes the pending delivery of an older state when a newer one is accepted for the same endpoint', async () => {
    const older = await send('order.updated', 'o-2', 5);
    const newer = await send('order.updated', 'o-2', 6);

    expect(await deliveriesOf(older.body.id)).toEqual([{ status: 'superseded', superseded_by: newer.body.id }]);
    expect(await deliveriesOf(newer.body.id)).toEqual([{ status: 'pending', superseded_by: null }]);
    const destinations = (await suite.request('GET', `/api/v1/app/${appId}/msg/${older.body.id}/endpoint`)).body.data;
    expect(destinations).toEqual([expect.objectContaining({ id: endpointId, status: 4, statusText: 'canceled', idemStatus: 'superseded', supersededBy: newer.body.id })]);
  });

  it('does not resend a superseded state, and says why: it would take the receiver back to an older version', async () => {
    const older = await send('order.updated', 'o-resend', 1);
    await send('order.updated', 'o-resend', 2);

    const resend = await suite.request('POST', `/api/v1/app/${appId}/msg/${older.body.id}/endpoint/${endpointId}/resend`);

    expect(resend.status).toBe(202);
    expect(resend.body).toMatchObject({ idemStatus: 'superseded', detail: expect.stringContaining('Not resent') });
    expect((await suite.db.query('SELECT resend_requested_at FROM deliveries WHERE message_id = $1', [older.body.id])).rows).toEqual([{ resend_requested_at: null }]);
  });

  it('keeps the first of two equal versions sent in one batch, as it keeps the first of two sent apart', async () => {
    const messages = [1, 2].map((total) => ({ eventType: 'order.updated', payload: { order: { id: 'o-tie' }, version: 1, total } }));

    const response = await suite.request('POST', `/api/v1/app/${appId}/msg/batch`, { body: { messages } });

    const [first, second] = response.body.data.map((item: { message: { id: string; entity: { stale: boolean } } }) => item.message);
    expect([first.entity.stale, second.entity.stale]).toEqual([false, true]);
    expect(await deliveriesOf(first.id)).toEqual([{ status: 'pending', superseded_by: null }]);
    expect(await deliveriesOf(second.id)).toEqual([]);
  });

  it('carries the entity of a delta and its version, and neither coalesces nor calls it stale', async () => {
    const first = await send('order.changed', 'o-3', 4);
    const second = await send('order.changed', 'o-3', 4);

    expect(second.body.entity).toEqual({ name: 'order', id: 'o-3', version: 4, stale: false });
    expect(await deliveriesOf(first.body.id)).toEqual([{ status: 'pending', superseded_by: null }]);
    expect(await deliveriesOf(second.body.id)).toEqual([{ status: 'pending', superseded_by: null }]);
  });

  it('sends one request per entity, the newest state, once an endpoint that was down while 10 entities changed 1,000 times is back and recovered', async () => {
    let up = false;
    const { receiver, app, endpoint } = await suite.endpointReceiving(() => ({ status: up ? 200 : 503 }));
    // Retries minutes apart, as on Svix's schedule after its first few: what reaches the endpoint once it is back is the recovery's doing.
    worker = await WorkerProcess.start({ ...suite.environment.env, IDEM_RETRY_SCHEDULE: '10m' });
    const since = new Date(Date.now() - 60_000);
    const entities = Array.from({ length: 10 }, (_, n) => `down-${n}`);
    const versions = Array.from({ length: 100 }, (_, n) => n + 1);

    for (const version of versions) {
      const messages = entities.map((id) => ({ eventType: 'order.updated', payload: { order: { id }, version, total: version * 10 } }));
      expect((await suite.request('POST', `/api/v1/app/${app.id}/msg/batch`, { body: { messages } })).status).toBe(202);
    }
    const deliveriesWhere = (where: string) => suite.count('deliveries d JOIN messages m ON m.id = d.message_id', `d.endpoint_id = $1 AND ${where}`, [endpoint.id]);
    // Every newest state was tried and failed while the endpoint was down, and nothing is in flight or untried.
    await until(
      async () =>
        (await deliveriesWhere(`m.entity_version = 100 AND d.status = 'pending' AND d.scheduled_attempts = 1`)) === 10 &&
        (await deliveriesWhere(`d.status = 'sending' OR (d.status = 'pending' AND d.scheduled_attempts = 0)`)) === 0,
      'the newest states to fail once and nothing to be in flight',
    );
    const whileDown = receiver.received.length;
    expect(whileDown).toBeGreaterThanOrEqual(10);

    up = true;
    const recovery = await suite.svix.endpoint.recover(app.id, endpoint.id, { since });
    await until(async () => (await suite.svix.backgroundTask.get(recovery.id)).status === 'finished', 'the recovery to finish');
    await until(async () => (await deliveriesWhere(`d.status = 'succeeded'`)) === 10, 'the newest states to arrive');

    // Every delivery is final now, so nothing more can reach the endpoint.
    expect(await deliveriesWhere(`d.status NOT IN ('succeeded', 'superseded')`)).toBe(0);
    const afterRecovery = receiver.received.slice(whileDown).map((request) => JSON.parse(request.body));
    expect(afterRecovery.map((payload) => payload.order.id).sort()).toEqual([...entities].sort());
    expect(afterRecovery.every((payload) => payload.version === 100 && payload.total === 1000)).toBe(true);

    const log: { id: string; payload: { order: { id: string }; version: number }; status: number; idemStatus: string; supersededBy?: string }[] = [];
    for (let iterator: string | undefined; ; ) {
      const page = (await suite.request('GET', `/api/v1/app/${app.id}/endpoint/${endpoint.id}/msg?limit=250${iterator ? `&iterator=${iterator}` : ''}`)).body;
      log.push(...page.data);
      if (page.done) break;
      iterator = page.iterator;
    }
    const byId = new Map(log.map((message) => [message.id, message]));
    const superseded = log.filter((message) => message.idemStatus === 'superseded');
    expect(log).toHaveLength(1000);
    expect(superseded).toHaveLength(990);
    for (const older of superseded) {
      const newer = byId.get(older.supersededBy!)!;
      expect({ status: older.status, entity: newer.payload.order.id, newer: newer.payload.version > older.payload.version }).toEqual({
        status: 4,
        entity: older.payload.order.id,
        newer: true,
      });
    }
    const secondNewest = superseded.filter((message) => message.payload.version === 99);
    for (const message of secondNewest) {
      const destinations = (await suite.request('GET', `/api/v1/app/${app.id}/msg/${message.id}/endpoint`)).body.data;
      expect(destinations).toEqual([expect.objectContaining({ id: endpoint.id, status: 4, idemStatus: 'superseded', supersededBy: message.supersededBy })]);
    }
    // A batch of states costs more the longer its entities' history (the intake's supersede; see the README), hence the longer bound.
  }, 180_000);
});
