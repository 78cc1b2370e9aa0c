import { operationsOf, openApiProblems } from '../../scripts/openapi-rules';
import { startApi } from '../support/api-server';
import { createTestEnvironment, TestEnvironment } from '../support/test-environment';

/**
 * The document served at /docs-json, as the API built from source serves it (without the build
 * plugin, which `scripts/smoke.js` checks on the built API with the same rules).
 */
describe('OpenAPI document', () => {
  let environment: TestEnvironment;
  let api: Awaited<ReturnType<typeof startApi>>;
  let document: any;

  beforeAll(async () => {
    environment = await createTestEnvironment();
    api = await startApi(environment.env);
    const response = await fetch(`${api.url}/docs-json`);
    expect(response.status).toBe(200);
    document = await response.json();
  });

  afterAll(async () => {
    await api?.close();
    await environment?.dispose();
  });

  it('says of every operation its id, summary, tags, security, errors and, for lists, limit and iterator', () => {
    const publicOperationIds = operationsOf(document)
      .filter(({ operation }) => operation.security?.length === 0)
      .map(({ operation }) => operation.operationId);
    expect(openApiProblems(document, { publicOperationIds })).toEqual([]);
    expect(operationsOf(document).length).toBeGreaterThan(35);
  });

  it('asks for a token exactly where the API refuses a request without one', async () => {
    for (const { method, path, operation } of operationsOf(document)) {
      const response = await fetch(api.url + path.replace(/\{(\w+)\}/g, 'x'), { method: method.toUpperCase() });
      const asksForToken = (operation.security ?? document.security).some((requirement: object) => 'bearer' in requirement);
      expect({ operation: operation.operationId, unauthorized: response.status === 401 }).toEqual({ operation: operation.operationId, unauthorized: asksForToken });
    }
  });

  it('uses Svix operation names, so generated clients and links match Svix', () => {
    const byId = new Map(operationsOf(document).map(({ method, path, operation }) => [operation.operationId, `${method.toUpperCase()} ${path} ${operation.summary}`]));
    expect(byId.get('v1.message.create')).toBe('POST /api/v1/app/{app_id}/msg Create Message');
    expect(byId.get('v1.message-attempt.list-attempted-destinations')).toBe('GET /api/v1/app/{app_id}/msg/{msg_id}/endpoint List Attempted Destinations');
    expect(byId.get('v1.health.get')).toBe('GET /api/v1/health Health');
  });

  it('fails a document that leaves something out', () => {
    const broken = structuredClone(document);
    const list = broken.paths['/api/v1/app'].get;
    delete list.summary;
    delete list.responses['401'];
    list.security = [];
    list.parameters = list.parameters.filter((parameter: { name: string }) => parameter.name !== 'limit');
    broken.paths['/api/v1/app/{app_id}/msg'].post.parameters = [];
    expect(openApiProblems(broken, { publicOperationIds: ['v1.health.get'] })).toEqual([
      'GET /api/v1/app: has no summary',
      'GET /api/v1/app: does not carry the bearer security requirement',
      'GET /api/v1/app: does not document its 401 (every authenticated operation)',
      'GET /api/v1/app: is a list without `limit`',
      'POST /api/v1/app/{app_id}/msg: does not document the Idempotency-Key header',
    ]);
  });
});
