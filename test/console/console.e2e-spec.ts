import type { INestApplicationContext } from '@nestjs/common';
import type { Client } from 'pg';
import type { Browser, BrowserContext } from 'playwright-core';
import type { RetentionCleanup } from '../../apps/worker/src/maintenance/retention-cleanup.service';
import { FakeReceiver } from '../support/fake-receiver';
import { startApi } from '../support/api-server';
import { CHROMIUM_PATH, chromiumAvailable, launchChromium } from '../support/chromium';
import { connectToDatabase, createTestEnvironment, TestEnvironment } from '../support/test-environment';
import { ConsoleBrowser, LAPTOP, until } from './console-pages';

const describeInChromium = chromiumAvailable ? describe : describe.skip;
if (!chromiumAvailable) {
  console.warn(`Skipping the web console suite: ${CHROMIUM_PATH} is missing (apt-get install -y chromium).`);
}

describeInChromium('web console', () => {
  let environment: TestEnvironment;
  let api: Awaited<ReturnType<typeof startApi>>;
  let worker: INestApplicationContext;
  let cleanup: RetentionCleanup;
  let db: Client;
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
    const { RetentionCleanup: Cleanup } = await import('../../apps/worker/src/maintenance/retention-cleanup.service');
    cleanup = worker.get(Cleanup);
    db = await connectToDatabase(environment.databaseUrl);
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await db?.end();
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

  /** Calls the API as the test's own client (not through the console), expecting `status`. */
  async function call<T>(method: string, path: string, body: unknown, status: number): Promise<T> {
    const response = await fetch(`${api.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${environment.adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(response.status).toBe(status);
    return (await response.json()) as T;
  }

  function post<T>(path: string, body: unknown, status: number): Promise<T> {
    return call<T>('POST', path, body, status);
  }

  /** Waits until the API reports the message's delivery to the endpoint at Svix status `status`. */
  async function deliveryReaches(appId: string, msgId: string, endpointId: string, status: number): Promise<void> {
    await until(async () => {
      const list = await call<{ data: { id: string; status: number }[] }>('GET', `/api/v1/app/${appId}/msg/${msgId}/endpoint`, undefined, 200);
      return list.data.some((delivery) => delivery.id === endpointId && delivery.status === status);
    }, `the delivery to reach status ${status}`);
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

  describe('on the endpoint page', () => {
    /** Every place outside the revealed value where a secret could linger in the page. */
    async function whereSecretShows(secret: string): Promise<string[]> {
      const places: Record<string, string> = {
        html: await ui.page.content(),
        url: ui.page.url(),
        title: await ui.page.title(),
        localStorage: await ui.page.evaluate<string>('JSON.stringify(Object.entries(localStorage))'),
        sessionStorage: await ui.page.evaluate<string>('JSON.stringify(Object.entries(sessionStorage))'),
      };
      return Object.entries(places)
        .filter(([, text]) => text.includes(secret))
        .map(([place]) => place);
    }

    it('asks for the signing secret only on Reveal, hides it again, and rotates it after a confirmation', async () => {
      const app = await createApplication('Payments');
      const endpoint = await post<{ id: string }>(`/api/v1/app/${app.id}/endpoint`, { url: 'http://127.0.0.1:9/hooks' }, 201);
      const currentSecret = async () => (await call<{ key: string }>('GET', `/api/v1/app/${app.id}/endpoint/${endpoint.id}/secret`, undefined, 200)).key;
      const original = await currentSecret();
      const logged: string[] = [];
      ui.page.on('console', (message) => logged.push(message.text()));
      const secretCalls: string[] = [];
      ui.page.on('request', (request) => {
        if (/\/secret(\/|$)/.test(new URL(request.url()).pathname)) secretCalls.push(request.method());
      });
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: api.url });

      await ui.open(`/app/${app.id}/endpoint/${endpoint.id}`);
      await ui.signIn.signInAs(environment.adminToken);
      await ui.endpoint.waitFor();
      await ui.testId('secret-hidden').waitFor();
      expect(secretCalls).toEqual([]);
      expect(await whereSecretShows(original)).toEqual([]);

      expect(await ui.endpoint.revealSecret()).toBe(original);
      expect(secretCalls).toEqual(['GET']);
      expect(await whereSecretShows(original)).toEqual(['html']);
      await ui.testId('secret-copy').click();
      await until(async () => (await ui.testId('secret-copy-feedback').textContent()) === 'Copied');
      expect(await ui.page.evaluate<string>('navigator.clipboard.readText()')).toBe(original);
      await ui.screenshots('endpoint-secret-revealed');

      await ui.endpoint.hideSecret();
      expect(await whereSecretShows(original)).toEqual([]);

      // Rotating asks first; only the confirmation rotates, and it takes away the value on show.
      expect(await ui.endpoint.revealSecret()).toBe(original);
      await ui.endpoint.askToRotateSecret();
      await ui.screenshots('endpoint-secret-rotate');
      expect(await currentSecret()).toBe(original);
      await ui.endpoint.confirmRotation();
      const rotated = await currentSecret();
      expect(rotated).not.toBe(original);
      expect(await ui.testId('endpoint-secret').count()).toBe(0);
      expect(await whereSecretShows(original)).toEqual([]);

      expect(await ui.endpoint.revealSecret()).toBe(rotated);
      await ui.endpoint.hideSecret();
      expect(await whereSecretShows(rotated)).toEqual([]);
      expect(secretCalls).toEqual(['GET', 'GET', 'POST', 'GET']);
      expect(logged.filter((text) => text.includes(original) || text.includes(rotated))).toEqual([]);
    });

    it("shows the endpoint's rate limit, changes it, shows the API's 422 for a bad one, and removes it", async () => {
      const app = await createApplication('Shipping');
      const endpoint = await post<{ id: string }>(`/api/v1/app/${app.id}/endpoint`, { url: 'http://127.0.0.1:9/hooks' }, 201);
      const storedRate = async () => (await call<{ throttleRate: number | null }>('GET', `/api/v1/app/${app.id}/endpoint/${endpoint.id}`, undefined, 200)).throttleRate;

      await ui.open(`/app/${app.id}/endpoint/${endpoint.id}`);
      await ui.signIn.signInAs(environment.adminToken);
      await ui.endpoint.waitFor();
      expect(await ui.endpoint.throttleRate()).toBe('unlimited');

      await ui.endpoint.setThrottleRate('0');
      const error = ui.testId('throttle-rate-error');
      expect(await error.getByTestId('error-title').textContent()).toBe('The API answered 422: some fields are not valid');
      expect(await error.getByTestId('error-problems').textContent()).toContain('body.throttleRate');
      expect(await storedRate()).toBeNull();
      await ui.screenshots('endpoint-rate-limit-error');

      await ui.endpoint.setThrottleRate('5');
      expect(await ui.endpoint.throttleRate()).toBe('5 messages/s');
      expect(await storedRate()).toBe(5);
      await ui.page.reload();
      await ui.endpoint.waitFor();
      expect(await ui.endpoint.throttleRate()).toBe('5 messages/s');
      await ui.screenshots('endpoint');

      await ui.endpoint.setThrottleRate('');
      expect(await ui.endpoint.throttleRate()).toBe('unlimited');
      expect(await storedRate()).toBeNull();

      // Without a limit of its own, the endpoint is held to its application's, and the page says so.
      await call('PATCH', `/api/v1/app/${app.id}`, { throttleRate: 10 }, 200);
      await ui.page.reload();
      await ui.endpoint.waitFor();
      expect(await ui.endpoint.throttleRate()).toBe('10 messages/s');
      expect(await ui.testId('throttle-rate').getAttribute('data-source')).toBe('application');
      expect(await ui.testId('throttle-rate-inherited').isVisible()).toBe(true);
    });

    it('lists the messages sent to the endpoint, newest first, a page at a time and by delivery status, each leading to its message', async () => {
      const receiver = await FakeReceiver.start((request) => (request.body.includes('"fail":true') ? { status: 500, body: 'no' } : { status: 200, body: 'ok' }));
      try {
        const app = await createApplication('Orders');
        const endpoint = await post<{ id: string }>(`/api/v1/app/${app.id}/endpoint`, { url: receiver.url, filterTypes: ['order.placed'] }, 201);
        await post(`/api/v1/app/${app.id}/endpoint`, { url: receiver.url, filterTypes: ['stock.changed'] }, 201);
        const failing = await post<{ id: string }>(`/api/v1/app/${app.id}/msg`, { eventType: 'order.placed', payload: { fail: true } }, 202);
        const delivered: string[] = [];
        for (let n = 0; n < 20; n += 1) {
          delivered.push((await post<{ id: string }>(`/api/v1/app/${app.id}/msg`, { eventType: 'order.placed', payload: { n } }, 202)).id);
        }
        // Sent to the other endpoint only: it must not be listed for this one.
        const elsewhere = await post<{ id: string }>(`/api/v1/app/${app.id}/msg`, { eventType: 'stock.changed', payload: { sku: 1 } }, 202);
        await deliveryReaches(app.id, failing.id, endpoint.id, 2);
        for (const id of delivered) await deliveryReaches(app.id, id, endpoint.id, 0);

        await ui.open(`/app/${app.id}/endpoint/${endpoint.id}`);
        await ui.signIn.signInAs(environment.adminToken);
        await ui.endpoint.waitFor();
        const newestFirst = [...delivered].reverse();
        expect(await ui.endpoint.messageIds()).toEqual(newestFirst);
        for (const row of await ui.endpoint.messageRows().all()) expect(await row.getAttribute('data-status')).toBe('0');
        await ui.screenshots('endpoint-messages');

        await ui.endpoint.followAndWait(() => ui.testId('pagination-next').click());
        expect(await ui.endpoint.messageIds()).toEqual([failing.id]);
        expect(await ui.endpoint.messageRows().first().getAttribute('data-status')).toBe('2');
        expect(await ui.endpoint.messageRows().first().getByTestId('status-badge').textContent()).toBe('fail');
        await ui.endpoint.followAndWait(() => ui.testId('pagination-prev').click());
        expect(await ui.endpoint.messageIds()).toEqual(newestFirst);

        await ui.endpoint.filterMessagesByStatus('2');
        expect(await ui.endpoint.messageIds()).toEqual([failing.id]);
        expect(ui.page.url()).toContain('status=2');
        expect(await ui.page.content()).not.toContain(elsewhere.id);

        await ui.endpoint.openMessage(failing.id);
        expect(await ui.testId('message-title').textContent()).toBe(failing.id);
      } finally {
        await receiver.close();
      }
    });
  });

  describe('a message whose payload expired', () => {
    it('shows that the payload expired instead of it, and offers no resend', async () => {
      const receiver = await FakeReceiver.start(() => ({ status: 200, body: 'stored order 4242' }));
      try {
        const app = await createApplication('Retention');
        const endpoint = await post<{ id: string }>(`/api/v1/app/${app.id}/endpoint`, { url: receiver.url }, 201);
        const expired = await post<{ id: string }>(`/api/v1/app/${app.id}/msg`, { eventType: 'order.placed', payload: { card: '4242' }, payloadRetentionHours: 1 }, 202);
        const kept = await post<{ id: string }>(`/api/v1/app/${app.id}/msg`, { eventType: 'order.placed', payload: { card: '1881' } }, 202);
        await deliveryReaches(app.id, expired.id, endpoint.id, 0);
        await deliveryReaches(app.id, kept.id, endpoint.id, 0);
        // Its retention is an hour away: age it, then run the worker's cleanup once.
        await db.query(`UPDATE messages SET payload_expires_at = now() - interval '1 second' WHERE id = $1`, [expired.id]);
        expect((await cleanup.cleanUp()).expungedPayloads).toBe(1);

        await ui.open(`/app/${app.id}/msg/${expired.id}`);
        await ui.signIn.signInAs(environment.adminToken);
        await ui.message.waitFor();
        expect(await ui.message.expiredNotice().textContent()).toContain('Payload expired (retention)');
        expect(await ui.message.payload().count()).toBe(0);
        const resend = ui.message.resendButton(endpoint.id);
        expect(await resend.isDisabled()).toBe(true);
        expect(await resend.getAttribute('title')).toContain('payload has expired');
        const [attempt] = await ui.message.attempts().all();
        expect(await ui.message.readAttempt(attempt)).toMatchObject({ statusCode: '200', response: 'Expunged with the payload (retention)' });
        expect(await ui.page.content()).not.toContain('4242');
        await ui.screenshots('message-payload-expired');

        // The same page for a message still within its retention shows the payload and offers a resend.
        await ui.go(`/app/${app.id}/msg/${kept.id}`);
        await ui.message.payload().waitFor();
        await ui.message.waitFor();
        expect(JSON.parse((await ui.message.payload().textContent()) ?? '')).toEqual({ card: '1881' });
        expect(await ui.message.expiredNotice().count()).toBe(0);
        expect(await ui.message.resendButton(endpoint.id).isDisabled()).toBe(false);
        expect(await ui.message.readAttempt((await ui.message.attempts().all())[0])).toMatchObject({ response: 'stored order 4242' });
      } finally {
        await receiver.close();
      }
    });
  });
});
