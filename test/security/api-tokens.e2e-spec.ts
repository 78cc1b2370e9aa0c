import { createHash } from 'node:crypto';
import { Svix } from 'svix';
import { API_TOKEN_RECHECK_MS } from '../../apps/api/src/auth/api-token-lookup';
import { startApi } from '../support/api-server';
import { until } from '../support/until';
import { sendRequest, SecuritySuite, startSecuritySuite } from './support/security-suite';

describe('API tokens', () => {
  let suite: SecuritySuite;

  beforeAll(async () => {
    suite = await startSecuritySuite();
  });

  afterAll(async () => {
    await suite?.close();
  });

  /** The tables whose rows, read as text, contain `needle`. */
  async function tablesHolding(needle: string): Promise<string[]> {
    const tables = Object.keys(await suite.rowCounts());
    const holding: string[] = [];
    for (const table of tables) {
      const { rows } = await suite.db.query(`SELECT 1 FROM "${table}" t WHERE strpos(t::text, $1) > 0 LIMIT 1`, [needle]);
      if (rows.length > 0) holding.push(table);
    }
    return holding;
  }

  it('creates an organisation-wide token, shows it once and stores only its SHA-256', async () => {
    const created = await suite.send({ method: 'POST', path: '/api/v1/auth/token', body: { name: 'CI' } });

    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.stringMatching(/^tok_[0-9A-Z]{26}$/), name: 'CI', appId: null, token: expect.stringMatching(/^idem_/), createdAt: expect.any(String) });
    const { rows } = await suite.db.query<{ token_hash: string }>('SELECT token_hash FROM api_tokens WHERE id = $1', [created.body.id]);
    expect(rows).toEqual([{ token_hash: createHash('sha256').update(created.body.token).digest('hex') }]);
    expect(await tablesHolding(created.body.token)).toEqual([]);

    const listed = await suite.send({ method: 'GET', path: '/api/v1/auth/token' });
    expect(listed.status).toBe(200);
    expect(listed.body.data).toContainEqual({ id: created.body.id, name: 'CI', appId: null, createdAt: created.body.createdAt });
    expect(JSON.stringify(listed.body)).not.toContain(created.body.token);
  });

  it('lets an organisation-wide token do what the admin token does, through the svix client', async () => {
    const { token } = await suite.createToken('svix client');
    const svix = new Svix(token, { serverUrl: suite.url });

    const app = await svix.application.create({ name: 'Made with a token', uid: 'made-with-token' });
    await svix.eventType.create({ name: 'token.test', description: 'x' });
    expect((await svix.application.list()).data.map((application) => application.id)).toContain(app.id);
  });

  it('scopes a token to one application, named by id or uid: it sees only that one and may not manage others', async () => {
    const app = (await suite.send({ method: 'POST', path: '/api/v1/app', body: { name: 'Scoped', uid: 'scoped-app' } })).body;
    const other = (await suite.send({ method: 'POST', path: '/api/v1/app', body: { name: 'Other', uid: 'other-app' } })).body;
    const created = await suite.send({ method: 'POST', path: '/api/v1/auth/token', body: { name: 'Scoped', appId: 'scoped-app' } });
    expect(created.status).toBe(201);
    expect(created.body.appId).toBe(app.id);
    const svix = new Svix(created.body.token, { serverUrl: suite.url });

    await svix.endpoint.create(app.id, { url: 'https://example.com/scoped' });
    await svix.message.create('scoped-app', { eventType: 'scoped.event', payload: {} });
    expect((await svix.application.list()).data.map((application) => application.id)).toEqual([app.id]);
    expect((await svix.eventType.list()).data.length).toBeGreaterThanOrEqual(0);

    const as = (method: string, path: string, body?: unknown) => suite.send({ method, path, body, token: created.body.token });
    expect((await as('GET', `/api/v1/app/${other.id}`)).status).toBe(404);
    expect(await as('POST', '/api/v1/app', { name: 'Sneaky' })).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    expect(await as('POST', '/api/v1/auth/token', { name: 'Escalate' })).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    expect(await as('GET', '/api/v1/auth/token')).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    expect(await as('POST', '/api/v1/event-type', { name: 'sneaky.type', description: 'x' })).toMatchObject({ status: 403 });
    expect(await as('PUT', '/api/v1/app/brand-new-uid', { name: 'Created by PUT' })).toMatchObject({ status: 404 });
  });

  it('revokes a token at once in the process that revoked it, and within API_TOKEN_RECHECK_MS in every other; the admin token keeps working', async () => {
    const second = await startApi(suite.environment.env);
    try {
      const { id, token } = await suite.createToken('to revoke');
      const secondPort = Number(new URL(second.url).port);
      const onSecond = (request: Parameters<typeof suite.send>[0]) => sendRequest(secondPort, suite.environment.adminToken, request);
      // Both processes have now found the token, and trust it for a while.
      expect((await suite.send({ method: 'GET', path: '/api/v1/app', token })).status).toBe(200);
      expect((await onSecond({ method: 'GET', path: '/api/v1/app', token })).status).toBe(200);

      expect((await suite.send({ method: 'DELETE', path: `/api/v1/auth/token/${id}` })).status).toBe(204);
      const revokedAt = Date.now();

      expect(await suite.send({ method: 'GET', path: '/api/v1/app', token })).toMatchObject({ status: 401, body: { code: 'authentication_failed' } });
      await until(async () => (await onSecond({ method: 'GET', path: '/api/v1/app', token })).status === 401, 'the other process to refuse the token', 5_000, 20);
      expect(Date.now() - revokedAt).toBeLessThan(API_TOKEN_RECHECK_MS + 500);
      expect(await onSecond({ method: 'GET', path: '/api/v1/app', token })).toMatchObject({ status: 401, body: { code: 'authentication_failed' } });
      expect((await onSecond({ method: 'GET', path: '/api/v1/app' })).status).toBe(200);
      expect(await suite.send({ method: 'DELETE', path: `/api/v1/auth/token/${id}` })).toMatchObject({ status: 404, body: { code: 'not_found' } });
    } finally {
      await second.close();
    }
  });

  it("revokes an application's tokens with the application", async () => {
    const app = (await suite.send({ method: 'POST', path: '/api/v1/app', body: { name: 'Short-lived' } })).body;
    const { token } = await suite.createToken('short-lived', app.id);
    expect((await suite.send({ method: 'GET', path: `/api/v1/app/${app.id}`, token })).status).toBe(200);

    expect((await suite.send({ method: 'DELETE', path: `/api/v1/app/${app.id}` })).status).toBe(204);

    expect((await suite.send({ method: 'GET', path: '/api/v1/app', token })).status).toBe(401);
    expect(await suite.db.query('SELECT 1 FROM api_tokens WHERE app_id = $1', [app.id])).toMatchObject({ rowCount: 0 });
  });

  it('replays a create with the same Idempotency-Key without the token, which is stored nowhere', async () => {
    const headers = { 'idempotency-key': 'token-once' };
    const first = await suite.send({ method: 'POST', path: '/api/v1/auth/token', body: { name: 'Once' }, headers });
    const replay = await suite.send({ method: 'POST', path: '/api/v1/auth/token', body: { name: 'Once' }, headers });

    expect(first.body.token).toMatch(/^idem_/);
    expect(replay.status).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body).toEqual({ ...first.body, token: null });
    expect(await suite.db.query('SELECT 1 FROM api_tokens WHERE name = $1', ['Once'])).toMatchObject({ rowCount: 1 });
    expect(await tablesHolding(first.body.token)).toEqual([]);
  });

  it('refuses an unknown application and a bad name', async () => {
    expect(await suite.send({ method: 'POST', path: '/api/v1/auth/token', body: { name: 'x', appId: 'no-such-app' } })).toMatchObject({
      status: 404,
      body: { code: 'not_found' },
    });
    const badName = await suite.send({ method: 'POST', path: '/api/v1/auth/token', body: { name: '' } });
    expect(badName.status).toBe(422);
    expect(badName.body.detail[0].loc).toEqual(['body', 'name']);
  });
});
