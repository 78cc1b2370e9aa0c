import { ApiSuite, startApiSuite } from './support/api-suite';

describe('Accepting messages while Redis is down', () => {
  let suite: ApiSuite;

  beforeAll(async () => {
    // Nothing listens on port 1: every enqueue fails, as with Redis down.
    suite = await startApiSuite({ REDIS_URL: 'redis://127.0.0.1:1' });
  });

  afterAll(async () => {
    await suite?.close();
  });

  it('still answers 202 and leaves the message and its pending deliveries in Postgres for the sweeper', async () => {
    const app = await suite.svix.application.create({ name: 'No Redis' });
    const endpoint = await suite.svix.endpoint.create(app.id, { url: 'http://127.0.0.1:9/hook' });

    const started = Date.now();
    const response = await suite.request('POST', `/api/v1/app/${app.id}/msg`, { body: { eventType: 'still.accepted', payload: { ok: true } } });

    expect(response.status).toBe(202);
    expect(Date.now() - started).toBeLessThan(10_000);
    const deliveries = await suite.db.query<{ endpoint_id: string; status: string }>('SELECT endpoint_id, status FROM deliveries WHERE message_id = $1', [
      response.body.id,
    ]);
    expect(deliveries.rows).toEqual([{ endpoint_id: endpoint.id, status: 'pending' }]);
  });
});
