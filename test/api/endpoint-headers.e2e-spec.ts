import { ApiSuite, startApiSuite, svixError } from './support/api-suite';

describe('Endpoint headers API (svix client)', () => {
  let suite: ApiSuite;
  let appId: string;

  beforeAll(async () => {
    suite = await startApiSuite();
    appId = (await suite.svix.application.create({ name: 'Endpoint headers' })).id;
  });

  afterAll(async () => {
    await suite?.close();
  });

  it('reads an endpoint without headers as an empty set', async () => {
    const endpoint = await suite.svix.endpoint.create(appId, { url: 'https://example.com/none' });
    expect(await suite.svix.endpoint.getHeaders(appId, endpoint.id)).toEqual({ headers: {}, sensitive: [] });
  });

  it('replaces with updateHeaders and answers sensitive headers by name only', async () => {
    const endpoint = await suite.svix.endpoint.create(appId, { url: 'https://example.com/replace', uid: 'replace' });
    await suite.svix.endpoint.updateHeaders(appId, 'replace', { headers: { 'X-Tenant': 'acme', Authorization: 'Bearer s3cret' } });
    expect(await suite.svix.endpoint.getHeaders(appId, endpoint.id)).toEqual({ headers: { 'X-Tenant': 'acme' }, sensitive: ['Authorization'] });

    await suite.svix.endpoint.updateHeaders(appId, endpoint.id, { headers: { 'X-Other': '1' } });
    expect(await suite.svix.endpoint.getHeaders(appId, endpoint.id)).toEqual({ headers: { 'X-Other': '1' }, sensitive: [] });
    // No other answer carries them either.
    const stored = await suite.request('GET', `/api/v1/app/${appId}/endpoint/${endpoint.id}`);
    expect(stored.body).not.toHaveProperty('headers');
  });

  it('patches: sets, replaces whatever the case, removes by null and by deleteHeaders, keeps the rest', async () => {
    const endpoint = await suite.svix.endpoint.create(appId, { url: 'https://example.com/patch', headers: { 'x-a': '1', 'x-b': '2', 'x-c': '3', 'X-Api-Key': 'k' } });
    await suite.svix.endpoint.patchHeaders(appId, endpoint.id, { headers: { 'X-A': 'one', 'x-d': '4' }, deleteHeaders: ['X-B'] });
    const { status } = await suite.request('PATCH', `/api/v1/app/${appId}/endpoint/${endpoint.id}/headers`, { body: { headers: { 'x-c': null } } });
    expect(status).toBe(204);
    expect(await suite.svix.endpoint.getHeaders(appId, endpoint.id)).toEqual({ headers: { 'X-Api-Key': 'k', 'X-A': 'one', 'x-d': '4' }, sensitive: [] });
  });

  it('keeps the headers through PUT and PATCH of the endpoint, which do not take them', async () => {
    const endpoint = await suite.svix.endpoint.create(appId, { url: 'https://example.com/kept', headers: { 'x-kept': 'yes' } });
    await suite.svix.endpoint.update(appId, endpoint.id, { url: 'https://example.com/kept-2' });
    await suite.svix.endpoint.patch(appId, endpoint.id, { description: 'patched' });
    expect((await suite.svix.endpoint.getHeaders(appId, endpoint.id)).headers).toEqual({ 'x-kept': 'yes' });
  });

  it('applies concurrent patches one after the other', async () => {
    const endpoint = await suite.svix.endpoint.create(appId, { url: 'https://example.com/race' });
    await Promise.all(Array.from({ length: 10 }, (_, i) => suite.svix.endpoint.patchHeaders(appId, endpoint.id, { headers: { [`x-${i}`]: String(i) } })));
    expect(Object.keys((await suite.svix.endpoint.getHeaders(appId, endpoint.id)).headers)).toHaveLength(10);
  });

  it('refuses reserved names and bad values with 422 naming each header, changing nothing', async () => {
    const endpoint = await suite.svix.endpoint.create(appId, { url: 'https://example.com/refused', headers: { 'x-before': '1' } });
    const refused = await svixError(
      suite.svix.endpoint.updateHeaders(appId, endpoint.id, {
        headers: { 'webhook-id': 'x', 'Svix-Signature': 'x', 'Idem-Trace': 'x', 'Content-Type': 'text/plain', 'User-Agent': 'x', 'x-split': 'a\nb', 'bad name': 'x', 'x-fine': 'ok' },
      }),
    );
    expect(refused.code).toBe(422);
    expect(refused.body.detail.map((problem: { loc: string[] }) => problem.loc)).toEqual(
      ['webhook-id', 'Svix-Signature', 'Idem-Trace', 'Content-Type', 'User-Agent', 'x-split', 'bad name'].map((name) => ['body', 'headers', name]),
    );
    const patched = await svixError(suite.svix.endpoint.patchHeaders(appId, endpoint.id, { headers: { 'Transfer-Encoding': 'chunked' } }));
    expect(patched.body.detail[0].loc).toEqual(['body', 'headers', 'Transfer-Encoding']);
    const created = await svixError(suite.svix.endpoint.create(appId, { url: 'https://example.com/x', headers: { connection: 'close' } }));
    expect(created.body.detail[0].loc).toEqual(['body', 'headers', 'connection']);
    expect(await suite.svix.endpoint.getHeaders(appId, endpoint.id)).toEqual({ headers: { 'x-before': '1' }, sensitive: [] });
  });

  it('refuses a patch that would leave more than 50 headers', async () => {
    const endpoint = await suite.svix.endpoint.create(appId, { url: 'https://example.com/many' });
    const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`x-h${i}`, '1']));
    await suite.svix.endpoint.updateHeaders(appId, endpoint.id, { headers: fifty });
    const error = await svixError(suite.svix.endpoint.patchHeaders(appId, endpoint.id, { headers: { 'x-one-more': '1' } }));
    expect(error).toMatchObject({ code: 422, body: { detail: [{ loc: ['body', 'headers'] }] } });
  });

  it('answers 404 for an unknown endpoint', async () => {
    expect((await svixError(suite.svix.endpoint.getHeaders(appId, 'ep_00000000000000000000000000'))).code).toBe(404);
    expect((await svixError(suite.svix.endpoint.updateHeaders(appId, 'nope', { headers: {} }))).code).toBe(404);
  });
});
