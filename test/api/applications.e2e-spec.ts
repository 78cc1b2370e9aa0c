import { ApiSuite, startApiSuite, svixError } from './support/api-suite';

describe('Applications API (svix client)', () => {
  let suite: ApiSuite;

  beforeAll(async () => {
    suite = await startApiSuite();
  });

  afterAll(async () => {
    await suite?.close();
  });

  it('creates an application with a uid and reads it back by id and by uid', async () => {
    const created = await suite.svix.application.create({ name: 'Acme', uid: 'acme', metadata: { plan: 'pro' }, throttleRate: 10 });

    expect(created.id).toMatch(/^app_[0-9A-Z]{26}$/);
    expect(created).toMatchObject({ name: 'Acme', uid: 'acme', metadata: { plan: 'pro' }, throttleRate: 10 });
    expect(created.createdAt).toBeInstanceOf(Date);
    expect(await suite.svix.application.get(created.id)).toEqual(created);
    expect(await suite.svix.application.get('acme')).toEqual(created);
  });

  it('answers a second create with the same uid with 409, or with get_if_exists the existing application (200)', async () => {
    const first = await suite.svix.application.create({ name: 'Dup', uid: 'dup' });

    const conflict = await svixError(suite.svix.application.create({ name: 'Dup again', uid: 'dup' }));
    expect(conflict).toEqual({ code: 409, body: { code: 'conflict', detail: expect.any(String) } });

    const existing = await suite.svix.application.getOrCreate({ name: 'Dup again', uid: 'dup' });
    expect(existing).toEqual(first);
    const raw = await suite.request('POST', '/api/v1/app?get_if_exists=true', { body: { name: 'Dup again', uid: 'dup' } });
    expect(raw.status).toBe(200);
    expect(raw.body.id).toBe(first.id);
    expect(await suite.count('applications', 'uid = $1', ['dup'])).toBe(1);
  });

  it('creates with get_if_exists when the uid is new (201)', async () => {
    const raw = await suite.request('POST', '/api/v1/app?get_if_exists=true', { body: { name: 'Fresh', uid: 'fresh' } });
    expect(raw.status).toBe(201);
    expect(raw.body).toMatchObject({ name: 'Fresh', uid: 'fresh' });
  });

  it('updates with PUT (every field replaced, uid kept when absent) and patches single fields', async () => {
    const app = await suite.svix.application.create({ name: 'Before', uid: 'put-me', metadata: { a: '1' }, throttleRate: 5 });

    const updated = await suite.svix.application.update('put-me', { name: 'After' });
    expect(updated).toMatchObject({ id: app.id, name: 'After', uid: 'put-me', metadata: {}, throttleRate: null });

    const patched = await suite.svix.application.patch(app.id, { metadata: { b: '2' } });
    expect(patched).toMatchObject({ id: app.id, name: 'After', uid: 'put-me', metadata: { b: '2' } });

    const renamed = await suite.svix.application.patch(app.id, { uid: 'put-me-2' });
    expect(renamed.uid).toBe('put-me-2');
    expect((await suite.svix.application.get('put-me-2')).id).toBe(app.id);
  });

  it('refuses a throttleRate or rateLimit outside 1 to 65535, or the two names disagreeing, with 422, changing nothing', async () => {
    const app = await suite.svix.application.create({ name: 'Throttled', rateLimit: 9 });
    expect(app).toMatchObject({ throttleRate: 9, rateLimit: 9 });
    const before = await suite.count('applications');
    for (const body of [{ throttleRate: 0 }, { rateLimit: 65_536 }, { throttleRate: 1.5 }, { rateLimit: 4, throttleRate: 5 }]) {
      const created = await suite.request('POST', '/api/v1/app', { body: { name: 'Bad', ...body } });
      const patched = await suite.request('PATCH', `/api/v1/app/${app.id}`, { body });
      expect([created.status, patched.status]).toEqual([422, 422]);
    }
    expect(await suite.count('applications')).toBe(before);
    expect(await suite.svix.application.get(app.id)).toMatchObject({ throttleRate: 9, rateLimit: 9 });
  });

  it('creates an application on PUT to an unknown uid, and refuses a uid that is taken with 409', async () => {
    const raw = await suite.request('PUT', '/api/v1/app/made-by-put', { body: { name: 'Made by PUT' } });
    expect(raw.status).toBe(201);
    expect(raw.body).toMatchObject({ uid: 'made-by-put', name: 'Made by PUT' });

    await suite.svix.application.create({ name: 'Taken', uid: 'taken-uid' });
    const conflict = await svixError(suite.svix.application.patch('made-by-put', { uid: 'taken-uid' }));
    expect(conflict.code).toBe(409);
    expect(conflict.body.code).toBe('conflict');
  });

  it('deletes an application with its endpoints and messages; afterwards it is a 404', async () => {
    const app = await suite.svix.application.create({ name: 'Doomed' });
    await suite.svix.endpoint.create(app.id, { url: 'http://127.0.0.1:9/hook' });
    await suite.svix.message.create(app.id, { eventType: 'user.created', payload: { id: 1 }, eventId: 'doomed-1' });

    await suite.svix.application.delete(app.id);

    expect(await svixError(suite.svix.application.get(app.id))).toEqual({ code: 404, body: { code: 'not_found', detail: expect.any(String) } });
    expect(await suite.count('endpoints', 'app_id = $1', [app.id])).toBe(0);
    expect(await suite.count('messages', 'app_id = $1', [app.id])).toBe(0);
    expect(await suite.count('message_event_ids', 'app_id = $1', [app.id])).toBe(0);
  });

  it('answers an unknown application with 404 in Svix shape', async () => {
    expect(await svixError(suite.svix.application.get('no-such-app'))).toEqual({ code: 404, body: { code: 'not_found', detail: expect.any(String) } });
  });

  it('lists every application exactly once across pages, in creation order, while others are being created', async () => {
    const before = await listAll(suite, 1000);
    const mine: string[] = [];
    for (let i = 0; i < 12; i++) mine.push((await suite.svix.application.create({ name: `page-${i}` })).id);

    const seen: string[] = [];
    let iterator: string | null | undefined;
    let pages = 0;
    let done = false;
    while (!done) {
      const page = await suite.svix.application.list({ limit: 5, iterator });
      seen.push(...page.data.map((app) => app.id));
      // Concurrent inserts while paging must neither repeat nor hide what existed when paging began.
      await Promise.all([1, 2].map((n) => suite.svix.application.create({ name: `concurrent-${pages}-${n}` })));
      iterator = page.iterator;
      done = page.done;
      pages++;
      if (pages > 100) throw new Error('pagination did not end');
    }

    expect(new Set(seen).size).toBe(seen.length);
    for (const id of [...before, ...mine]) expect(seen).toContain(id);
    expect(seen).toEqual([...seen].sort());
  });

  it('walks back with prevIterator to the page before', async () => {
    const first = await suite.svix.application.list({ limit: 3 });
    const second = await suite.svix.application.list({ limit: 3, iterator: first.iterator });
    const back = await suite.svix.application.list({ limit: 3, iterator: second.prevIterator });

    expect(back.data.map((app) => app.id)).toEqual(first.data.map((app) => app.id));
  });

  it('lists newest first with order=descending', async () => {
    const page = await suite.svix.application.list({ limit: 10, order: 'descending' as never });
    const ids = page.data.map((app) => app.id);
    expect(ids).toEqual([...ids].sort().reverse());
  });

  it('refuses a limit above 250 and a malformed iterator with 422 naming the query field', async () => {
    const tooMany = await svixError(suite.svix.application.list({ limit: 251 }));
    expect(tooMany.code).toBe(422);
    expect(tooMany.body.detail[0].loc).toEqual(['query', 'limit']);

    const malformed = await svixError(suite.svix.application.list({ iterator: 'not-an-iterator' }));
    expect(malformed.code).toBe(422);
    expect(malformed.body.detail[0].loc).toEqual(['query', 'iterator']);
  });

  it('defaults to 50 items a page', async () => {
    while ((await listAll(suite, 1000)).length <= 50) await suite.svix.application.create({ name: 'filler' });
    const page = await suite.svix.application.list();
    expect(page.data).toHaveLength(50);
    expect(page.done).toBe(false);
  });

  it('answers routes with and without a trailing slash', async () => {
    const app = await suite.svix.application.create({ name: 'Slash', uid: 'slash' });
    for (const path of ['/api/v1/app/slash', '/api/v1/app/slash/']) {
      const response = await suite.request('GET', path);
      expect(response.status).toBe(200);
      expect(response.body.id).toBe(app.id);
    }
    const created = await suite.request('POST', '/api/v1/app/', { body: { name: 'Slash create' } });
    expect(created.status).toBe(201);
  });
});

async function listAll(suite: ApiSuite, max: number): Promise<string[]> {
  const page = await suite.svix.application.list({ limit: 250 });
  const ids = page.data.map((app) => app.id);
  let iterator = page.iterator;
  let done = page.done;
  while (!done && ids.length < max) {
    const next = await suite.svix.application.list({ limit: 250, iterator });
    ids.push(...next.data.map((app) => app.id));
    iterator = next.iterator;
    done = next.done;
  }
  return ids;
}
