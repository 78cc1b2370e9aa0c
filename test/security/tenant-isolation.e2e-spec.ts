import { SecuritySuite, startSecuritySuite } from './support/security-suite';

interface Route {
  method: string;
  path: string;
}

/** Public routes outside `/api/v1`: the OpenAPI pages and the console's static files. */
const STATIC_PREFIXES = ['/docs', '/console'];
/** Prometheus' scrape: outside the API, needs no API token, and must hold no tenant's data (see below). */
const OPERATIONS_ROUTES = ['GET /metrics'];
/** A browser's way in: `/` redirects to the console and the icon is empty; neither holds anything. */
const ENTRY_ROUTES = ['GET /', 'GET /favicon.ico'];
const PUBLIC_API_ROUTES = ['GET /api/v1/health'];

/**
 * Routes outside `/app/{app_id}` that a token scoped to one application may still use, and why.
 * Every other such route must refuse it: 404 for the ones below that find a resource through the
 * caller's scope, 403 for the rest.
 */
const READS_FOR_ANY_TOKEN: Readonly<Record<string, string>> = {
  'GET /api/v1/app': 'lists only the application the token is scoped to',
  'GET /api/v1/event-type': 'the event type catalogue is shared and holds no application data',
  'GET /api/v1/event-type/:event_type_name': 'the event type catalogue is shared and holds no application data',
  'GET /api/v1/background-task': "lists only the tasks of the token's application",
};
const SCOPED_LOOKUPS: readonly string[] = ['GET /api/v1/background-task/:task_id'];

/**
 * One body that every route's validation accepts, so that the request reaches the point where the
 * caller's scope is checked. A new route whose body needs another field gets it here.
 */
const ACCEPTABLE_BODY = {
  name: 'walk.name',
  description: 'walk',
  url: 'https://example.com/walk',
  eventType: 'walk.event',
  payload: { walk: true },
  since: '2020-01-01T00:00:00Z',
  messages: [{ eventType: 'walk.event', payload: { walk: true } }],
  headers: { 'x-walk': '1' },
  sagaId: 'walk-saga',
  steps: [{ name: 'walk', eventType: 'walk.event', payload: { walk: true }, compensation: { eventType: 'walk.event', payload: { walk: true } } }],
};

/** Every route Express will dispatch to, read from the running application's router. */
function registeredRoutes(suite: SecuritySuite): Route[] {
  const router = (suite.app.getHttpAdapter().getInstance() as { router: { stack: { route?: { path: string; methods: Record<string, boolean> } }[] } })
    .router;
  const routes: Route[] = [];
  for (const layer of router.stack) {
    // Middleware registered for every path (the request logger) is not a route.
    if (!layer.route || layer.route.path.includes('{*')) continue;
    for (const method of Object.keys(layer.route.methods)) routes.push({ method: method.toUpperCase(), path: layer.route.path });
  }
  return routes;
}

describe('Tenant isolation: a token scoped to application A, on every route', () => {
  let suite: SecuritySuite;
  let routes: Route[];
  /** What each path parameter is replaced with: always something of application B. */
  let ofB: Record<string, Record<string, string>>;
  let tokenA: string;
  let appA: string;
  /** Every id and uid of B's: none may appear in what a token scoped to A reads. */
  let identifiersOfB: string[];

  beforeAll(async () => {
    suite = await startSecuritySuite();
    appA = (await suite.send({ method: 'POST', path: '/api/v1/app', body: { name: 'Tenant A', uid: 'tenant-a' } })).body.id;
    const appB = (await suite.send({ method: 'POST', path: '/api/v1/app', body: { name: 'Tenant B', uid: 'tenant-b' } })).body.id;
    const endpointB = (await suite.send({ method: 'POST', path: `/api/v1/app/${appB}/endpoint`, body: { url: 'https://b.example.com/hook', uid: 'b-endpoint' } })).body
      .id;
    const messageB = (
      await suite.send({ method: 'POST', path: `/api/v1/app/${appB}/msg`, body: { eventType: 'walk.event', eventId: 'b-event', payload: { b: 1 } } })
    ).body.id;
    await suite.send({ method: 'POST', path: '/api/v1/event-type', body: { name: 'walk.event', description: 'walk' } });
    const sagaB = (
      await suite.send({
        method: 'POST',
        path: `/api/v1/app/${appB}/saga`,
        body: { sagaId: 'b-saga', steps: [{ name: 'b', eventType: 'walk.event', payload: { b: 2 }, compensation: { eventType: 'walk.event', payload: { b: 3 } } }] },
      })
    ).body.id;
    const [{ id: deliveryB }] = (await suite.db.query<{ id: string }>('SELECT id FROM deliveries WHERE message_id = $1', [messageB])).rows;
    // The worker is not running: B's attempt is written the way the worker writes one.
    const attemptB = 'atmpt_01JB00000000000000000000B1';
    await suite.db.query(
      `INSERT INTO attempts (id, delivery_id, message_id, endpoint_id, app_id, attempt_number, trigger, outcome, url, response_status_code, response_duration_ms)
       VALUES ($1, $2, $3, $4, $5, 1, 'scheduled', 'failed', 'https://b.example.com/hook', 500, 12)`,
      [attemptB, deliveryB, messageB, endpointB, appB],
    );
    const taskB = 'task_01JB00000000000000000000B1';
    await suite.db.query(`INSERT INTO background_tasks (id, app_id, task, status) VALUES ($1, $2, 'endpoint.recover', 'finished')`, [taskB, appB]);
    const tokenOfB = await suite.createToken('B only', appB);
    tokenA = (await suite.createToken('A only', appA)).token;
    const shared = { event_type_name: 'walk.event', token_id: tokenOfB.id, attempt_id: attemptB, task_id: taskB };
    ofB = {
      'by id': { ...shared, app_id: appB, endpoint_id: endpointB, msg_id: messageB, saga_id: sagaB },
      'by uid': { ...shared, app_id: 'tenant-b', endpoint_id: 'b-endpoint', msg_id: 'b-event', saga_id: 'b-saga' },
    };
    identifiersOfB = [...new Set([...Object.values(ofB['by id']), ...Object.values(ofB['by uid'])])].filter((value) => value !== 'walk.event');
    routes = registeredRoutes(suite);
  });

  afterAll(async () => {
    await suite?.close();
  });

  function pathFor(route: Route, values: Record<string, string>): string {
    return route.path.replace(/:(\w+)/g, (_, name: string) => {
      const value = values[name];
      if (value === undefined) throw new Error(`${route.method} ${route.path}: teach this walk which of B's resources :${name} names`);
      return encodeURIComponent(value);
    });
  }

  it('finds the routes to walk: every one outside /api/v1 is static, /metrics or the way in, and the API has more than 25', () => {
    const outside = routes.filter((route) => !route.path.startsWith('/api/'));
    const unexpected = outside.filter(
      (route) =>
        !STATIC_PREFIXES.some((prefix) => route.path.startsWith(prefix)) &&
        ![...OPERATIONS_ROUTES, ...ENTRY_ROUTES].includes(`${route.method} ${route.path}`),
    );
    expect(unexpected).toEqual([]);
    expect(routes.filter((route) => route.path.startsWith('/api/')).length).toBeGreaterThan(25);
  });

  it('refuses every API route but health without a token (401)', async () => {
    for (const route of routes.filter((candidate) => candidate.path.startsWith('/api/'))) {
      const name = `${route.method} ${route.path}`;
      const response = await suite.send({ method: route.method, path: pathFor(route, ofB['by id']), token: null, body: ACCEPTABLE_BODY });
      if (PUBLIC_API_ROUTES.includes(name)) expect({ name, status: response.status }).toEqual({ name, status: 204 });
      else expect({ name, status: response.status, body: response.body }).toEqual({ name, status: 401, body: { code: 'authentication_failed', detail: expect.any(String) } });
    }
  });

  it("answers 404 for B's resources under /app/{app_id} and 403 for organisation-wide operations, and changes nothing", async () => {
    const before = await suite.contentDigests();
    const answers: string[] = [];
    for (const route of routes.filter((candidate) => candidate.path.startsWith('/api/'))) {
      const name = `${route.method} ${route.path}`;
      if (PUBLIC_API_ROUTES.includes(name)) continue;
      for (const [variant, values] of Object.entries(ofB)) {
        const response = await suite.send({ method: route.method, path: pathFor(route, values), token: tokenA, body: ACCEPTABLE_BODY });
        const seen = { name, variant, status: response.status, body: response.body };
        if (route.path.includes(':app_id') || SCOPED_LOOKUPS.includes(name)) {
          expect(seen).toEqual({ ...seen, status: 404, body: { code: 'not_found', detail: expect.any(String) } });
        } else if (READS_FOR_ANY_TOKEN[name]) {
          expect(seen).toEqual({ ...seen, status: 200 });
          const leaked = identifiersOfB.filter((identifier) => JSON.stringify(response.body).includes(identifier));
          expect({ name, leaked }).toEqual({ name, leaked: [] });
        } else {
          expect(seen).toEqual({ ...seen, status: 403, body: { code: 'forbidden', detail: expect.any(String) } });
        }
        answers.push(`${response.status} ${name} (${variant})`);
      }
    }
    expect(await suite.contentDigests()).toEqual(before);
    expect(answers.length).toBeGreaterThan(50);
  });

  it("serves /metrics without a token, naming no application's, endpoint's or message's id after the walk sent them all", async () => {
    const response = await suite.send({ method: 'GET', path: '/metrics', token: null });

    expect(response.status).toBe(200);
    expect(response.body).toContain('idem_http_requests_total');
    const leaked = [...identifiersOfB, appA].filter((identifier) => (response.body as string).includes(identifier));
    expect(leaked).toEqual([]);
  });

  it('still lets the scoped token use its own application', async () => {
    const own = await suite.send({ method: 'GET', path: '/api/v1/app', token: tokenA });
    expect(own.body.data.map((application: { id: string }) => application.id)).toEqual([appA]);
    expect((await suite.send({ method: 'GET', path: '/api/v1/app/tenant-a', token: tokenA })).status).toBe(200);
    const message = await suite.send({ method: 'POST', path: `/api/v1/app/${appA}/msg`, token: tokenA, body: { eventType: 'walk.event', payload: {} } });
    expect(message.status).toBe(202);
  });
});
