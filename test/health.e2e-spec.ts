import { startApi } from './support/api-server';
import { createTestEnvironment, TestEnvironment } from './support/test-environment';

describe('The API without a token: health, and the way in from a browser', () => {
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

  it('answers GET /api/v1/health with 204, with and without a trailing slash', async () => {
    for (const path of ['/api/v1/health', '/api/v1/health/']) {
      const response = await fetch(api.url + path);
      expect(response.status).toBe(204);
    }
  });

  it('sends / to the console', async () => {
    const response = await fetch(api.url + '/', { redirect: 'manual' });

    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/console/');
  });

  it('answers the icon browsers ask for with nothing, not a 404', async () => {
    const response = await fetch(api.url + '/favicon.ico');

    expect(response.status).toBe(204);
    expect(response.headers.get('cache-control')).toMatch(/max-age=/);
  });
});
