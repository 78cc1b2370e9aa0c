import { ApiSuite, startApiSuite } from './support/api-suite';

const TABLES = ['applications', 'endpoints', 'endpoint_secrets', 'event_types', 'messages', 'message_event_ids', 'deliveries', 'idempotency_records', 'idempotency_findings', 'payload_fingerprints'];

interface BadRequestCase {
  name: string;
  method: string;
  path: (appId: string) => string;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
  status: number;
  /** The Svix `code`, or for 422 the `loc` of the first problem. */
  code?: string;
  loc?: string[];
}

const CASES: BadRequestCase[] = [
  { name: 'malformed JSON', method: 'POST', path: (app) => `/api/v1/app/${app}/msg`, rawBody: '{"eventType": "x", "payload": {', status: 400, code: 'bad_request' },
  { name: 'missing eventType', method: 'POST', path: (app) => `/api/v1/app/${app}/msg`, body: { payload: {} }, status: 422, loc: ['body', 'eventType'] },
  { name: 'missing payload', method: 'POST', path: (app) => `/api/v1/app/${app}/msg`, body: { eventType: 'x' }, status: 422, loc: ['body', 'payload'] },
  { name: 'wrong-typed eventType', method: 'POST', path: (app) => `/api/v1/app/${app}/msg`, body: { eventType: 5, payload: {} }, status: 422, loc: ['body', 'eventType'] },
  { name: 'bad event type name', method: 'POST', path: (app) => `/api/v1/app/${app}/msg`, body: { eventType: 'a b', payload: {} }, status: 422, loc: ['body', 'eventType'] },
  { name: 'channels not a list', method: 'POST', path: (app) => `/api/v1/app/${app}/msg`, body: { eventType: 'x', payload: {}, channels: 'eu' }, status: 422, loc: ['body', 'channels'] },
  { name: 'eventId not a string', method: 'POST', path: (app) => `/api/v1/app/${app}/msg`, body: { eventType: 'x', payload: {}, eventId: 12 }, status: 422, loc: ['body', 'eventId'] },
  { name: 'deliverAt (unsupported)', method: 'POST', path: (app) => `/api/v1/app/${app}/msg`, body: { eventType: 'x', payload: {}, deliverAt: '2030-01-01T00:00:00Z' }, status: 422, loc: ['body', 'deliverAt'] },
  { name: 'message to an unknown application', method: 'POST', path: () => '/api/v1/app/app_00000000000000000000000000/msg', body: { eventType: 'x', payload: {} }, status: 404, code: 'not_found' },
  { name: 'message without a token', method: 'POST', path: (app) => `/api/v1/app/${app}/msg`, body: { eventType: 'x', payload: {} }, headers: { authorization: '' }, status: 401, code: 'authentication_failed' },
  { name: 'message with a wrong token', method: 'POST', path: (app) => `/api/v1/app/${app}/msg`, body: { eventType: 'x', payload: {} }, headers: { authorization: 'Bearer wrong-token-wrong-token' }, status: 401, code: 'authentication_failed' },
  { name: 'application without a name', method: 'POST', path: () => '/api/v1/app', body: { uid: 'nameless' }, status: 422, loc: ['body', 'name'] },
  { name: 'application with a bad uid', method: 'POST', path: () => '/api/v1/app', body: { name: 'x', uid: 'has space' }, status: 422, loc: ['body', 'uid'] },
  { name: 'application metadata with a non-string value', method: 'POST', path: () => '/api/v1/app', body: { name: 'x', metadata: { n: 1 } }, status: 422, loc: ['body', 'metadata'] },
  { name: 'application with an unknown idempotencyMode', method: 'POST', path: () => '/api/v1/app', body: { name: 'x', idempotencyMode: 'lenient' }, status: 422, loc: ['body', 'idempotencyMode'] },
  { name: 'application patched to an unknown idempotencyMode', method: 'PATCH', path: (app) => `/api/v1/app/${app}`, body: { idempotencyMode: 'off' }, status: 422, loc: ['body', 'idempotencyMode'] },
  { name: 'application with malformed JSON', method: 'POST', path: () => '/api/v1/app', rawBody: '{name', status: 400, code: 'bad_request' },
  { name: 'endpoint without a url', method: 'POST', path: (app) => `/api/v1/app/${app}/endpoint`, body: { description: 'x' }, status: 422, loc: ['body', 'url'] },
  { name: 'endpoint with a non-http url', method: 'POST', path: (app) => `/api/v1/app/${app}/endpoint`, body: { url: 'ftp://example.com' }, status: 422, loc: ['body', 'url'] },
  { name: 'endpoint with a bad filter type', method: 'POST', path: (app) => `/api/v1/app/${app}/endpoint`, body: { url: 'https://example.com', filterTypes: ['a b'] }, status: 422, loc: ['body', 'filterTypes'] },
  { name: 'endpoint on an unknown application', method: 'POST', path: () => '/api/v1/app/unknown-app/endpoint', body: { url: 'https://example.com' }, status: 404, code: 'not_found' },
  { name: 'event type without a description', method: 'POST', path: () => '/api/v1/event-type', body: { name: 'ok.name' }, status: 422, loc: ['body', 'description'] },
  { name: 'list with a limit of 0', method: 'GET', path: (app) => `/api/v1/app/${app}/msg?limit=0`, status: 422, loc: ['query', 'limit'] },
  { name: 'list with a non-numeric limit', method: 'GET', path: () => '/api/v1/app?limit=ten', status: 422, loc: ['query', 'limit'] },
  { name: 'list with an iterator of another kind', method: 'GET', path: (app) => `/api/v1/app/${app}/msg?iterator=${app}`, status: 422, loc: ['query', 'iterator'] },
  { name: 'list with an unknown order', method: 'GET', path: () => '/api/v1/app?order=sideways', status: 422, loc: ['query', 'order'] },
];

describe('Bad input', () => {
  let suite: ApiSuite;
  let appId: string;
  let rowsBefore: Record<string, number>;

  beforeAll(async () => {
    suite = await startApiSuite();
    appId = (await suite.svix.application.create({ name: 'Bad input' })).id;
    rowsBefore = await countRows(suite);
  });

  afterAll(async () => {
    await suite?.close();
  });

  it.each(CASES)('answers $name with $status in Svix shape', async (testCase) => {
    const response = await suite.request(testCase.method, testCase.path(appId), {
      body: testCase.body,
      rawBody: testCase.rawBody,
      headers: { 'idempotency-key': `bad-${testCase.name}`, ...testCase.headers },
    });

    expect(response.status).toBe(testCase.status);
    if (testCase.code) expect(response.body).toEqual({ code: testCase.code, detail: expect.any(String) });
    if (testCase.loc) {
      expect(response.body.detail).toEqual(expect.arrayContaining([{ loc: testCase.loc, msg: expect.any(String), type: expect.any(String) }]));
    }
  });

  it('wrote no row for any of them', async () => {
    expect(await countRows(suite)).toEqual(rowsBefore);
  });
});

async function countRows(suite: ApiSuite): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of TABLES) counts[table] = await suite.count(table);
  return counts;
}
