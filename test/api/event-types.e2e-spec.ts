import { ApiSuite, startApiSuite, svixError } from './support/api-suite';

describe('Event types API (svix client)', () => {
  let suite: ApiSuite;

  beforeAll(async () => {
    suite = await startApiSuite();
  });

  afterAll(async () => {
    await suite?.close();
  });

  it('creates an event type and reads it back by name', async () => {
    const created = await suite.svix.eventType.create({
      name: 'invoice.paid',
      description: 'An invoice was paid',
      groupName: 'billing',
      schemas: { '1': { type: 'object' } },
    });

    expect(created).toMatchObject({ name: 'invoice.paid', description: 'An invoice was paid', groupName: 'billing', archived: false, deprecated: false });
    expect(created.schemas).toEqual({ '1': { type: 'object' } });
    expect(await suite.svix.eventType.get('invoice.paid')).toEqual(created);
  });

  it('answers a second create of a live name with 409, and brings an archived one back', async () => {
    await suite.svix.eventType.create({ name: 'user.created', description: 'v1' });
    expect((await svixError(suite.svix.eventType.create({ name: 'user.created', description: 'v2' }))).code).toBe(409);

    await suite.svix.eventType.delete('user.created');
    expect((await suite.svix.eventType.get('user.created')).archived).toBe(true);
    const revived = await suite.svix.eventType.create({ name: 'user.created', description: 'v3' });
    expect(revived).toMatchObject({ archived: false, description: 'v3' });
  });

  it('updates with PUT, creating when the name is new', async () => {
    await suite.svix.eventType.create({ name: 'order.shipped', description: 'before' });
    const updated = await suite.svix.eventType.update('order.shipped', { description: 'after', deprecated: true });
    expect(updated).toMatchObject({ name: 'order.shipped', description: 'after', deprecated: true });

    const raw = await suite.request('PUT', '/api/v1/event-type/order.returned', { body: { description: 'new' } });
    expect(raw.status).toBe(201);
    expect((await suite.svix.eventType.get('order.returned')).description).toBe('new');
  });

  it('refuses names outside ^[a-zA-Z0-9_.-]{1,256}$ with 422 and writes nothing', async () => {
    const before = await suite.count('event_types');
    for (const name of ['has space', 'slash/name', 'x'.repeat(257), '', 'ümlaut']) {
      const error = await svixError(suite.svix.eventType.create({ name, description: 'bad' }));
      expect(error.code).toBe(422);
      expect(error.body.detail[0].loc).toEqual(['body', 'name']);
    }
    expect(await suite.count('event_types')).toBe(before);
  });

  it('lists by name across pages, hiding archived ones unless asked, including names that start with "-"', async () => {
    const names = ['-leading.dash', 'list.a', 'list.b', 'list.c', 'list.d', 'list.e'];
    for (const name of names) await suite.svix.eventType.create({ name, description: name });
    await suite.svix.eventType.delete('list.c');

    const seen: string[] = [];
    let page = await suite.svix.eventType.list({ limit: 2 });
    seen.push(...page.data.map((eventType) => eventType.name));
    while (!page.done) {
      page = await suite.svix.eventType.list({ limit: 2, iterator: page.iterator });
      seen.push(...page.data.map((eventType) => eventType.name));
    }

    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining(['-leading.dash', 'list.a', 'list.b', 'list.d', 'list.e']));
    expect(seen).not.toContain('list.c');
    const withArchived = await suite.svix.eventType.list({ limit: 250, includeArchived: true });
    expect(withArchived.data.map((eventType) => eventType.name)).toContain('list.c');
  });

  it('lists by name, as Svix does, not in the order they were created; order=descending reverses', async () => {
    for (const name of ['sorted.c', 'sorted.a', 'sorted.b']) await suite.svix.eventType.create({ name, description: name });
    const sortedNames = (data: { name: string }[]) => data.map((eventType) => eventType.name).filter((name) => name.startsWith('sorted.'));

    expect(sortedNames((await suite.svix.eventType.list({ limit: 250 })).data)).toEqual(['sorted.a', 'sorted.b', 'sorted.c']);
    const descending = await suite.request('GET', '/api/v1/event-type?limit=250&order=descending');
    expect(sortedNames(descending.body.data)).toEqual(['sorted.c', 'sorted.b', 'sorted.a']);
  });

  it('answers an unknown event type with 404', async () => {
    expect(await svixError(suite.svix.eventType.get('no.such.type'))).toEqual({ code: 404, body: { code: 'not_found', detail: expect.any(String) } });
  });
});
