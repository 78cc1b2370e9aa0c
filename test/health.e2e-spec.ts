import { startApi } from './support/api-server';
import { createTestEnvironment, TestEnvironment } from './support/test-environment';

describe('GET /api/v1/health', () => {
  let environment: TestEnvironment;
  let api: Awaited<ReturnType<typeof startApi>>;

  beforeAll(async () => {
    environment = await createTestEnvironment();
    api = await startApi(environment.env);
  });

  afterAll(async () => {
    await api?.close();
    await environment?.dispose();
  });

  it('answers 204 without a token, with and without a trailing slash', async () => {
    for (const path of ['/api/v1/health', '/api/v1/health/']) {
      const response = await fetch(api.url + path);
      expect(response.status).toBe(204);
    }
  });
});
