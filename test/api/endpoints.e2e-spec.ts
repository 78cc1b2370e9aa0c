import { endpointSecretCipherOf } from '../support/test-environment';
import { ApiSuite, startApiSuite, svixError } from './support/api-suite';

const GIVEN_SECRET = 'whsec_' + Buffer.alloc(32, 7).toString('base64');

describe('Endpoints API (svix client)', () => {
  let suite: ApiSuite;
  let appId: string;

  beforeAll(async () => {
    suite = await startApiSuite();
    appId = (await suite.svix.application.create({ name: 'Endpoints', uid: 'endpoints-app' })).id;
  });

  afterAll(async () => {
    await suite?.close();
  });

  it('creates an endpoint with every field and reads it back by id and uid, without its secret', async () => {
    const created = await suite.svix.endpoint.create('endpoints-app', {
      url: 'https://example.com/hooks',
      description: 'Orders',
      uid: 'orders',
      filterTypes: ['order.created', 'order.paid'],
      channels: ['eu', 'tenant:42'],
      disabled: true,
      metadata: { team: 'billing' },
      secret: GIVEN_SECRET,
    });

    expect(created.id).toMatch(/^ep_[0-9A-Z]{26}$/);
    expect(created).toMatchObject({
      url: 'https://example.com/hooks',
      description: 'Orders',
      uid: 'orders',
      filterTypes: ['order.created', 'order.paid'],
      channels: ['eu', 'tenant:42'],
      disabled: true,
      metadata: { team: 'billing' },
      version: 1,
    });
    expect(JSON.stringify(created)).not.toContain('whsec_');
    expect(await suite.svix.endpoint.get(appId, created.id)).toEqual(created);
    expect(await suite.svix.endpoint.get('endpoints-app', 'orders')).toEqual(created);
    expect(await suite.svix.endpoint.getSecret(appId, 'orders')).toEqual({ key: GIVEN_SECRET });
  });

  it('generates a whsec_ secret when none is given', async () => {
    const endpoint = await suite.svix.endpoint.create(appId, { url: 'http://127.0.0.1:9/generated' });
    const { key } = await suite.svix.endpoint.getSecret(appId, endpoint.id);
    expect(key).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
  });

  it('refuses a secret that is not whsec_ + base64 with 422 and writes no endpoint', async () => {
    const before = await suite.count('endpoints');
    for (const secret of ['plainsecret', 'whsec_!!!notbase64', 'whsec_' + Buffer.alloc(8).toString('base64')]) {
      const error = await svixError(suite.svix.endpoint.create(appId, { url: 'https://example.com', secret }));
      expect(error.code).toBe(422);
      expect(error.body.detail[0].loc).toEqual(['body', 'secret']);
    }
    expect(await suite.count('endpoints')).toBe(before);
  });

  it('refuses a second endpoint with the same uid in one application with 409', async () => {
    await suite.svix.endpoint.create(appId, { url: 'https://example.com/a', uid: 'unique-ep' });
    const error = await svixError(suite.svix.endpoint.create(appId, { url: 'https://example.com/b', uid: 'unique-ep' }));
    expect(error.code).toBe(409);
    expect(error.body.code).toBe('conflict');
    expect(await suite.count('endpoints', 'uid = $1', ['unique-ep'])).toBe(1);
  });

  it('updates with PUT, patches, lists and deletes', async () => {
    const endpoint = await suite.svix.endpoint.create(appId, { url: 'https://example.com/v1', uid: 'lifecycle', filterTypes: ['a.b'], channels: ['x'] });

    const updated = await suite.svix.endpoint.update(appId, 'lifecycle', { url: 'https://example.com/v2', description: 'updated' });
    expect(updated).toMatchObject({ id: endpoint.id, url: 'https://example.com/v2', description: 'updated', uid: 'lifecycle', filterTypes: null, channels: null });

    const patched = await suite.svix.endpoint.patch(appId, endpoint.id, { disabled: true, filterTypes: ['c.d'] });
    expect(patched).toMatchObject({ url: 'https://example.com/v2', disabled: true, filterTypes: ['c.d'] });

    const listed = await suite.svix.endpoint.list(appId, { limit: 250 });
    expect(listed.data.map((item) => item.id)).toContain(endpoint.id);
    expect(listed.done).toBe(true);

    await suite.svix.endpoint.delete(appId, 'lifecycle');
    expect((await svixError(suite.svix.endpoint.get(appId, endpoint.id))).code).toBe(404);
    expect(await suite.count('endpoint_secrets', 'endpoint_id = $1', [endpoint.id])).toBe(0);
  });

  it('takes the rate limit as throttleRate or as rateLimit and returns it under both names, through create, get, update and patch', async () => {
    const created = await suite.svix.endpoint.create(appId, { url: 'https://example.com/throttled', throttleRate: 10 });
    expect(created).toMatchObject({ throttleRate: 10, rateLimit: 10 });
    expect(await suite.svix.endpoint.get(appId, created.id)).toMatchObject({ throttleRate: 10, rateLimit: 10 });
    expect(await suite.svix.endpoint.create(appId, { url: 'https://example.com/old-name', rateLimit: 7 })).toMatchObject({ throttleRate: 7, rateLimit: 7 });
    expect(await suite.svix.endpoint.create(appId, { url: 'https://example.com/both', rateLimit: 3, throttleRate: 3 })).toMatchObject({ throttleRate: 3, rateLimit: 3 });
    expect(await suite.svix.endpoint.create(appId, { url: 'https://example.com/unlimited' })).toMatchObject({ throttleRate: null, rateLimit: null });

    expect(await suite.svix.endpoint.update(appId, created.id, { url: 'https://example.com/throttled', rateLimit: 65_535 })).toMatchObject({ throttleRate: 65_535, rateLimit: 65_535 });
    // PUT replaces every field: no rate limit sent is no rate limit.
    expect(await suite.svix.endpoint.update(appId, created.id, { url: 'https://example.com/throttled' })).toMatchObject({ throttleRate: null, rateLimit: null });

    expect(await suite.svix.endpoint.patch(appId, created.id, { throttleRate: 1 })).toMatchObject({ throttleRate: 1, rateLimit: 1 });
    expect(await suite.svix.endpoint.patch(appId, created.id, { description: 'untouched limit' })).toMatchObject({ throttleRate: 1, rateLimit: 1 });
    expect(await suite.svix.endpoint.patch(appId, created.id, { rateLimit: 20 })).toMatchObject({ throttleRate: 20, rateLimit: 20 });
    expect(await suite.svix.endpoint.patch(appId, created.id, { throttleRate: null })).toMatchObject({ throttleRate: null, rateLimit: null });
    expect(await suite.svix.endpoint.patch(appId, created.id, { rateLimit: 4 })).toMatchObject({ throttleRate: 4, rateLimit: 4 });
    expect(await suite.svix.endpoint.patch(appId, created.id, { rateLimit: null })).toMatchObject({ throttleRate: null, rateLimit: null });
    const { rows } = await suite.db.query<{ rate_limit: number | null }>('SELECT rate_limit FROM endpoints WHERE id = $1', [created.id]);
    expect(rows).toEqual([{ rate_limit: null }]);
  });

  it('refuses a rate limit that is not a whole number from 1 to 65535, or two names that disagree, with 422, changing nothing', async () => {
    const endpoint = await suite.svix.endpoint.create(appId, { url: 'https://example.com/bounds', throttleRate: 5 });
    const endpointsBefore = await suite.count('endpoints');
    const path = `/api/v1/app/${appId}/endpoint`;
    for (const field of ['throttleRate', 'rateLimit']) {
      for (const value of [0, -5, 2.5, 65_536, 1e12, '5', true]) {
        const create = await suite.request('POST', path, { body: { url: 'https://example.com/bad', [field]: value } });
        const update = await suite.request('PUT', `${path}/${endpoint.id}`, { body: { url: 'https://example.com/bounds', [field]: value } });
        const patch = await suite.request('PATCH', `${path}/${endpoint.id}`, { body: { [field]: value } });
        for (const response of [create, update, patch]) {
          expect({ value, status: response.status }).toEqual({ value, status: 422 });
          expect([...new Set(response.body.detail.map((problem: { loc: string[] }) => problem.loc.join('.')))]).toEqual([`body.${field}`]);
        }
      }
    }
    for (const [rateLimit, throttleRate] of [
      [5, 6],
      [5, null],
      [null, 5],
    ]) {
      const patch = await suite.request('PATCH', `${path}/${endpoint.id}`, { body: { rateLimit, throttleRate } });
      expect(patch.status).toBe(422);
      expect(patch.body.detail[0].msg).toMatch(/rateLimit|throttleRate/);
    }
    expect((await svixError(suite.svix.endpoint.create(appId, { url: 'https://example.com/x', rateLimit: 2, throttleRate: 3 }))).code).toBe(422);
    expect(await suite.count('endpoints')).toBe(endpointsBefore);
    expect(await suite.svix.endpoint.get(appId, endpoint.id)).toMatchObject({ url: 'https://example.com/bounds', throttleRate: 5, rateLimit: 5 });
  });

  it('pages through endpoints with the iterator', async () => {
    const app = await suite.svix.application.create({ name: 'Many endpoints' });
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await suite.svix.endpoint.create(app.id, { url: `https://example.com/${i}` })).id);

    const seen: string[] = [];
    let page = await suite.svix.endpoint.list(app.id, { limit: 3 });
    seen.push(...page.data.map((endpoint) => endpoint.id));
    while (!page.done) {
      page = await suite.svix.endpoint.list(app.id, { limit: 3, iterator: page.iterator });
      seen.push(...page.data.map((endpoint) => endpoint.id));
    }
    expect(seen).toEqual(ids);
  });

  it('rotates the secret: the old one keeps signing until now + the grace period, the new one has no expiry', async () => {
    const endpoint = await suite.svix.endpoint.create(appId, { url: 'https://example.com/rotate', secret: GIVEN_SECRET });
    const before = Date.now();

    await suite.svix.endpoint.rotateSecret(appId, endpoint.id, {});

    const { key } = await suite.svix.endpoint.getSecret(appId, endpoint.id);
    expect(key).not.toBe(GIVEN_SECRET);
    const rows = await suite.db.query<{ secret: string; expires_at: Date | null }>(
      'SELECT secret, expires_at FROM endpoint_secrets WHERE endpoint_id = $1 ORDER BY created_at',
      [endpoint.id],
    );
    expect(rows.rows).toHaveLength(2);
    const [old, current] = rows.rows;
    const cipher = endpointSecretCipherOf(suite.environment.env);
    expect(cipher.open(endpoint.id, old.secret)).toBe(GIVEN_SECRET);
    const dayMs = 24 * 3600 * 1000;
    expect(old.expires_at!.getTime()).toBeGreaterThanOrEqual(before + dayMs - 5_000);
    expect(old.expires_at!.getTime()).toBeLessThanOrEqual(Date.now() + dayMs + 5_000);
    expect(current.expires_at).toBeNull();
    expect(cipher.open(endpoint.id, current.secret)).toBe(key);
  });

  it('rotates to a given key with a given grace period', async () => {
    const endpoint = await suite.svix.endpoint.create(appId, { url: 'https://example.com/rotate2' });
    const next = 'whsec_' + Buffer.alloc(24, 1).toString('base64');

    await suite.svix.endpoint.rotateSecret(appId, endpoint.id, { key: next, gracePeriodSeconds: 60 });

    expect(await suite.svix.endpoint.getSecret(appId, endpoint.id)).toEqual({ key: next });
    const expiry = await suite.db.query<{ expires_at: Date }>('SELECT expires_at FROM endpoint_secrets WHERE endpoint_id = $1 AND expires_at IS NOT NULL', [
      endpoint.id,
    ]);
    expect(Math.abs(expiry.rows[0].expires_at.getTime() - (Date.now() + 60_000))).toBeLessThan(5_000);
  });

  it('keeps exactly one current secret when rotations race', async () => {
    const endpoint = await suite.svix.endpoint.create(appId, { url: 'https://example.com/race' });
    await Promise.all(Array.from({ length: 5 }, () => suite.svix.endpoint.rotateSecret(appId, endpoint.id, {})));
    expect(await suite.count('endpoint_secrets', 'endpoint_id = $1 AND expires_at IS NULL', [endpoint.id])).toBe(1);
    expect(await suite.count('endpoint_secrets', 'endpoint_id = $1', [endpoint.id])).toBe(6);
  });

  it('answers an unknown endpoint, and an endpoint of another application, with 404', async () => {
    const other = await suite.svix.application.create({ name: 'Other' });
    const foreign = await suite.svix.endpoint.create(other.id, { url: 'https://example.com/foreign' });
    expect((await svixError(suite.svix.endpoint.get(appId, 'ep_00000000000000000000000000'))).code).toBe(404);
    expect((await svixError(suite.svix.endpoint.get(appId, foreign.id))).code).toBe(404);
  });
});
