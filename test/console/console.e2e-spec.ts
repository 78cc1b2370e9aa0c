import type { INestApplicationContext } from '@nestjs/common';
import type { Browser, BrowserContext } from 'playwright-core';
import { FakeReceiver } from '../support/fake-receiver';
import { startApi } from '../support/api-server';
import { CHROMIUM_PATH, chromiumAvailable, launchChromium } from '../support/chromium';
import { createTestEnvironment, TestEnvironment } from '../support/test-environment';
import { ConsoleBrowser, LAPTOP } from './console-pages';

const describeInChromium = chromiumAvailable ? describe : describe.skip;
if (!chromiumAvailable) {
  console.warn(`Skipping the web console suite: ${CHROMIUM_PATH} is missing (apt-get install -y chromium).`);
}

describeInChromium('web console', () => {
  let environment: TestEnvironment;
  let api: Awaited<ReturnType<typeof startApi>>;
  let worker: INestApplicationContext;
  let browser: Browser;
  let context: BrowserContext;
  let ui: ConsoleBrowser;
  /** Errors the page threw or logged; every test ends with none. */
  let pageErrors: string[];

  beforeAll(async () => {
    environment = await createTestEnvironment({ IDEM_RETRY_SCHEDULE: '100ms' });
    api = await startApi(environment.env);
    const { createWorkerApp } = await import('../../apps/worker/src/worker-app');
    worker = await createWorkerApp();
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await worker?.close();
    await api?.close();
    await environment?.dispose();
  });

  beforeEach(async () => {
    // A fresh context per test: its own sessionStorage, so every test starts signed out.
    context = await browser.newContext({ viewport: LAPTOP });
    const page = await context.newPage();
    pageErrors = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error' && !/status of (401|404|422|500)/.test(message.text())) pageErrors.push(message.text());
    });
    ui = new ConsoleBrowser(page, api.url);
  });

  afterEach(async () => {
    await context?.close();
    expect(pageErrors).toEqual([]);
  });

  async function post<T>(path: string, body: unknown, status: number): Promise<T> {
    const response = await fetch(`${api.url}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${environment.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(status);
    return (await response.json()) as T;
  }

  function createApplication(name: string): Promise<{ id: string; name: string }> {
    return post('/api/v1/app', { name }, 201);
  }

  describe('served by the API', () => {
    it('serves its files without a token, under a strict content security policy, while the API stays guarded', async () => {
      const bare = await fetch(`${api.url}/console`, { redirect: 'manual' });
      expect(bare.status).toBe(301);
      expect(bare.headers.get('location')).toBe('/console/');

      const index = await fetch(`${api.url}/console/`);
      expect(index.status).toBe(200);
      expect(index.headers.get('content-type')).toMatch(/^text\/html/);
      expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(await index.text()).toContain('<script type="module" src="main.js">');

      const script = await fetch(`${api.url}/console/pages/message.js`);
      expect(script.status).toBe(200);
      expect(script.headers.get('content-type')).toMatch(/javascript/);

      const missing = await fetch(`${api.url}/console/no-such-file.js`);
      expect(missing.status).toBe(404);
      expect(await missing.json()).toMatchObject({ code: 'not_found' });

      expect((await fetch(`${api.url}/api/v1/app`)).status).toBe(401);
    });
  });

  describe('against the running API', () => {
    it('refuses a wrong token and shows what the API answered', async () => {
      await ui.open('/apps');
      await ui.testId('sign-in-form').waitFor();
      expect(await ui.testId('sign-out').isVisible()).toBe(false);
      await ui.screenshots('sign-in');

      await ui.signIn.signIn('not-the-admin-token');
      const error = ui.signIn.error();
      await error.waitFor();
      expect(await error.getByTestId('error-title').textContent()).toBe('The API answered 401 authentication_failed');
      expect(await error.getByTestId('error-detail').textContent()).toBe('Invalid token');
      expect(await ui.sessionStorageSize()).toBe(0);
      await ui.screenshots('sign-in-error');
    });

    it('signs in with the admin token, lists the applications as text, and signs out', async () => {
      const app = await createApplication(`Shop <img src=x onerror="window.__xss=1"> & co`);
      const calls: { url: string; authorization: string | undefined }[] = [];
      ui.page.on('request', (request) => {
        if (new URL(request.url()).pathname.startsWith('/api/v1/')) calls.push({ url: request.url(), authorization: request.headers().authorization });
      });

      await ui.open('/apps');
      await ui.signIn.signInAs(environment.adminToken);
      await ui.applications.waitFor();

      const row = ui.applications.row(app.id);
      expect(await row.getByTestId('application-link').textContent()).toBe(app.name);
      expect(await ui.injectedScriptRan()).toBe(false);
      expect(await ui.page.locator('img').count()).toBe(0);
      expect(calls.length).toBeGreaterThan(0);
      expect(calls.every((call) => call.authorization === `Bearer ${environment.adminToken}`)).toBe(true);
      await ui.screenshots('applications');

      // A reload keeps the session (sessionStorage); signing out forgets it.
      await ui.page.reload();
      await ui.applications.waitFor();
      await ui.signOut();
      expect(await ui.sessionStorageSize()).toBe(0);
    });

    it('shows an empty page past the last application and an API error for a bad iterator', async () => {
      await ui.open('/apps?iterator=not-an-iterator');
      await ui.signIn.signInAs(environment.adminToken);
      await ui.testId('error-state').waitFor();
      expect(await ui.testId('error-title').textContent()).toBe('The API answered 422: some fields are not valid');
      expect(await ui.testId('error-problems').textContent()).toContain('query.iterator');
      await ui.screenshots('applications-error');
    });

    it('finds a failed message by filter, reads its attempt, resends it and sees the new successful attempt', async () => {
      const receiver = await FakeReceiver.start(() => ({ status: 500, body: 'receiver down' }));
      try {
        const app = await createApplication('Billing');
        const endpoint = await post<{ id: string }>(`/api/v1/app/${app.id}/endpoint`, { url: receiver.url }, 201);
        const failed = await post<{ id: string }>(`/api/v1/app/${app.id}/msg`, { eventType: 'invoice.failed', payload: { invoice: 7 } }, 202);
        await post(`/api/v1/app/${app.id}/msg`, { eventType: 'invoice.paid', payload: { invoice: 8 } }, 202);
        // Both messages exhaust their two attempts against the broken receiver.
        await receiver.waitFor((received) => received.length === 4);

        await ui.open(`/app/${app.id}/messages`);
        await ui.signIn.signInAs(environment.adminToken);
        await ui.messages.waitFor();
        await ui.messages.filter({ endpointId: endpoint.id, status: '2', eventTypes: ['invoice.failed'] });
        const rows = ui.messages.attemptRows();
        expect(await rows.count()).toBe(2);
        for (const row of await rows.all()) expect(await row.getAttribute('data-msg-id')).toBe(failed.id);
        await ui.screenshots('messages-failed-attempts');

        await ui.messages.openMessage(failed.id);
        const [latest] = await ui.message.attempts().all();
        expect(await ui.message.readAttempt(latest)).toMatchObject({ statusCode: '500', response: 'receiver down' });
        await ui.screenshots('message');

        receiver.behaviour = () => ({ status: 200, body: 'back up' });
        await ui.message.resend(endpoint.id);
        const [resent] = await ui.message.attempts().all();
        expect(await ui.message.readAttempt(resent)).toMatchObject({ statusCode: '200', response: 'back up' });
        expect(await ui.message.attempts().count()).toBe(3);
        await ui.screenshots('message-resent');
      } finally {
        await receiver.close();
      }
    });
  });
});
