import { DELIVERY_QUEUE } from '@app/queue';
import type { INestApplicationContext } from '@nestjs/common';
import { Queue } from 'bullmq';
import IORedis from 'ioredis';
import type { Client } from 'pg';
import type { Browser, BrowserContext } from 'playwright-core';
import type { RetentionCleanup } from '../../apps/worker/src/maintenance/retention-cleanup.service';
import { FakeReceiver } from '../support/fake-receiver';
import { startApi } from '../support/api-server';
import { describeInChromium, launchChromium } from '../support/chromium';
import { connectToDatabase, createTestEnvironment, TestEnvironment } from '../support/test-environment';
import { ConsoleBrowser, LAPTOP, until } from './console-pages';

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

  /** Set by a group of tests that share one signed-in page, in order, instead of a fresh one each. */
  let sharedPage = false;

  async function openContext(options: Parameters<Browser['newContext']>[0] = {}): Promise<void> {
    context = await browser.newContext({ viewport: LAPTOP, ...options });
    const page = await context.newPage();
    pageErrors = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error' && !/status of (401|404|409|422|500)/.test(message.text())) pageErrors.push(message.text());
    });
    ui = new ConsoleBrowser(page, api.url);
  }

  beforeEach(async () => {
    // A fresh context per test: its own sessionStorage, so every test starts signed out.
    if (!sharedPage) await openContext();
  });

  afterEach(async () => {
    if (!sharedPage) await context?.close();
    expect(pageErrors).toEqual([]);
    pageErrors.length = 0;
    // Nothing the suite photographs may need sideways scrolling, on a laptop or a phone.
    expect(ui.overflowing.splice(0)).toEqual([]);
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

  describe('operating Idem, in one signed-in page', () => {
    /** Unique names: the catalogue and uids are shared by the whole suite's database. */
    const suffix = Date.now().toString(36);
    /** The viewer is in India (UTC+05:30, no daylight saving), so a time shown in UTC would be caught. */
    const TIME_ZONE = 'Asia/Kolkata';
    const ZONE_SHOWN = /^Times in Asia\/(Kolkata|Calcutta) \(UTC\+05:30\)$/;

    beforeAll(async () => {
      sharedPage = true;
      await openContext({ timezoneId: TIME_ZONE });
      await ui.open('/apps');
      await ui.signIn.signInAs(environment.adminToken);
      await ui.applications.waitFor();
    });

    afterAll(async () => {
      sharedPage = false;
      await context?.close();
    });

    /** Follows an in-console route and waits for the page `testid` to be drawn and settled. */
    async function goTo(route: string, testid: string): Promise<void> {
      const shown = await ui.testId('view').locator('section').first().elementHandle();
      await ui.go(route);
      await shown?.waitForElementState('hidden');
      await ui.testId(testid).waitFor();
      await ui.settle();
    }

    function endpointAt(appId: string, endpointId: string) {
      return call<{ url: string; description: string; disabled: boolean; filterTypes: string[] | null; channels: string[] | null; throttleRate: number | null }>(
        'GET',
        `/api/v1/app/${appId}/endpoint/${endpointId}`,
        undefined,
        200,
      );
    }

    it('shows times in the viewer’s time zone and says which', async () => {
      // Chromium names the zone by its older alias.
      expect(await ui.testId('time-zone').textContent()).toMatch(ZONE_SHOWN);
    });

    it('creates an application, shows the API’s 422 at the field, renames it and deletes it after a confirmation', async () => {
      await ui.testId('application-new').click();
      await ui.testId('application-form').waitFor();
      await ui.forms.fill({ name: 'Acme', uid: 'not a uid!' });
      await ui.forms.submit('application-form', { expectErrorAt: 'uid' });
      expect(await ui.forms.fieldError('uid').textContent()).toContain('uid may only contain letters, digits');
      expect(await ui.forms.field('uid').getAttribute('aria-invalid')).toBe('true');
      expect(await ui.forms.fieldError('name').isVisible()).toBe(false);
      await ui.screenshots('application-form-error');

      const uid = `acme-${suffix}`;
      await ui.forms.fill({ uid, throttleRate: '20', metadata: 'plan=pro' });
      await ui.forms.submit('application-form');
      await ui.endpoints.waitFor();
      const app = await call<{ id: string; name: string; throttleRate: number; metadata: Record<string, string> }>('GET', `/api/v1/app/${uid}`, undefined, 200);
      expect(app).toMatchObject({ name: 'Acme', throttleRate: 20, metadata: { plan: 'pro' } });
      expect(ui.page.url()).toContain(`#/app/${app.id}/endpoints`);

      await ui.testId('tab-settings').click();
      await ui.testId('application-form').waitFor();
      expect(await ui.forms.field('name').inputValue()).toBe('Acme');
      await ui.forms.fill({ name: 'Acme Shop' });
      await ui.forms.submit('application-form');
      await ui.testId('application-saved').waitFor();
      expect((await call<{ name: string }>('GET', `/api/v1/app/${app.id}`, undefined, 200)).name).toBe('Acme Shop');
      await ui.screenshots('application-settings');

      await ui.testId('application-delete').click();
      await ui.testId('application-delete-confirm').waitFor();
      expect((await fetch(`${api.url}/api/v1/app/${app.id}`, { headers: { authorization: `Bearer ${environment.adminToken}` } })).status).toBe(200);
      await ui.testId('application-delete-confirm').click();
      await ui.applications.waitFor();
      expect(await ui.applications.row(app.id).count()).toBe(0);
      expect((await fetch(`${api.url}/api/v1/app/${app.id}`, { headers: { authorization: `Bearer ${environment.adminToken}` } })).status).toBe(404);
    });

    it('badges an application with probable send-time keys, shows its idempotency report and switches it to observe', async () => {
      const app = await post<{ id: string }>('/api/v1/app', { name: `Minting ${suffix}` }, 201);
      await post(`/api/v1/app/${app.id}/endpoint`, { url: 'http://127.0.0.1:9/hook' }, 201);
      for (const eventId of ['fresh-1', 'fresh-2']) await post(`/api/v1/app/${app.id}/msg`, { eventType: 'user.created', eventId, payload: { user: 1 } }, 202);

      await goTo(`/app/${app.id}/settings`, 'application-form-page');
      await ui.testId('send-time-key-badge').waitFor();
      await ui.testId('idempotency-samples').waitFor();
      expect(await ui.testId('idempotency-counts').textContent()).toContain('Probable send-time keys1');
      expect(await ui.page.locator('[data-testid="idempotency-sample"][data-kind="send_time_key"]').count()).toBe(1);
      expect(await ui.forms.field('idempotencyMode').inputValue()).toBe('enforce');

      await ui.forms.field('idempotencyMode').selectOption('observe');
      await ui.forms.submit('application-form');
      await ui.testId('application-saved').waitFor();
      expect((await call<{ idempotencyMode: string }>('GET', `/api/v1/app/${app.id}`, undefined, 200)).idempotencyMode).toBe('observe');
    });

    it('lists an application’s sagas and shows one as a timeline of its messages', async () => {
      const app = await post<{ id: string }>('/api/v1/app', { name: `Saga shop ${suffix}` }, 201);
      await post(`/api/v1/app/${app.id}/endpoint`, { url: 'http://127.0.0.1:9/hook' }, 201);
      for (const name of ['stock.reserve', 'stock.release']) await post('/api/v1/event-type', { name, description: name }, 201);
      const saga = await post<{ id: string }>(
        `/api/v1/app/${app.id}/saga`,
        { sagaId: 'order-7', steps: [{ name: 'reserve', eventType: 'stock.reserve', payload: {}, compensation: { eventType: 'stock.release', payload: {} } }] },
        201,
      );

      await goTo(`/app/${app.id}/sagas`, 'sagas-page');
      await ui.testId('sagas-table').waitFor();
      expect(await ui.page.locator(`[data-testid="saga-row"][data-saga-id="${saga.id}"]`).getByTestId('saga-status').getAttribute('data-status')).toMatch(/^(running|compensated)$/);
      await ui.page.locator(`[data-testid="saga-row"][data-saga-id="${saga.id}"]`).getByTestId('saga-link').click();
      await ui.testId('saga-timeline').waitFor();
      expect(await ui.page.locator('[data-testid="saga-timeline-entry"][data-kind="step"][data-step="reserve"]').count()).toBe(1);
      await ui.screenshots('saga-timeline');
    });

    it('creates an endpoint with its filters, channels and rate limit, edits it, disables and enables it, and deletes it', async () => {
      const app = await createApplication('Warehouse');
      const catalogued = `stock.moved.${suffix}`;
      await post('/api/v1/event-type', { name: catalogued, description: 'Stock moved between warehouses' }, 201);
      await goTo(`/app/${app.id}/endpoints`, 'endpoints-page');
      await ui.testId('endpoint-new').click();
      await ui.testId('endpoint-form').waitFor();

      // Two wrong fields at once: each gets the API's own message.
      await ui.forms.fill({ url: 'not a url', throttleRate: '0' });
      await ui.forms.submit('endpoint-form', { expectErrorAt: 'url' });
      expect(await ui.forms.fieldError('url').textContent()).toContain('url must be an http or https URL');
      expect(await ui.forms.fieldError('throttleRate').textContent()).toContain('throttleRate');
      await ui.screenshots('endpoint-form-error');

      // A type of the catalogue is ticked; one it does not hold is typed.
      await ui.page.locator(`[data-testid="filter-type-choice"][data-name="${catalogued}"]`).check();
      await ui.forms.fill({ url: 'http://127.0.0.1:9/hooks', description: 'Stock sync', filterTypes: 'stock.changed, stock.counted', channels: 'eu', throttleRate: '5' });
      await ui.forms.submit('endpoint-form');
      await ui.endpoint.waitFor();
      const endpointId = decodeURIComponent(ui.page.url().split('/endpoint/')[1]);
      expect(await endpointAt(app.id, endpointId)).toMatchObject({
        url: 'http://127.0.0.1:9/hooks',
        description: 'Stock sync',
        filterTypes: [catalogued, 'stock.changed', 'stock.counted'],
        channels: ['eu'],
        throttleRate: 5,
        disabled: false,
      });
      expect(await ui.testId('endpoint-url').textContent()).toBe('http://127.0.0.1:9/hooks');

      await ui.testId('endpoint-edit').click();
      await ui.testId('endpoint-form').waitFor();
      expect(await ui.forms.field('filterTypes').inputValue()).toBe('stock.changed, stock.counted');
      expect(await ui.page.locator(`[data-testid="filter-type-choice"][data-name="${catalogued}"]`).isChecked()).toBe(true);
      await ui.forms.fill({ description: 'Stock sync (EU)', channels: '' });
      await ui.forms.submit('endpoint-form');
      await ui.endpoint.waitFor();
      expect(await endpointAt(app.id, endpointId)).toMatchObject({ description: 'Stock sync (EU)', channels: null, throttleRate: 5 });

      // Disabled, it is refused a test event (the API's 409), and the test event section says so beforehand.
      expect(await ui.testId('test-event-disabled').isVisible()).toBe(false);
      await ui.testId('endpoint-disable').click();
      await ui.testId('endpoint-disabled').waitFor();
      expect((await endpointAt(app.id, endpointId)).disabled).toBe(true);
      expect(await ui.testId('test-event-disabled').isVisible()).toBe(true);
      await ui.forms.submit('test-event-form');
      const refused = ui.testId('test-event-form').getByTestId('form-error');
      await refused.waitFor();
      expect(await refused.getByTestId('error-title').textContent()).toContain('409');
      await ui.screenshots('endpoint-disabled');
      await ui.testId('endpoint-enable').click();
      await ui.testId('endpoint-enabled').waitFor();
      expect((await endpointAt(app.id, endpointId)).disabled).toBe(false);
      expect(await ui.testId('test-event-disabled').isVisible()).toBe(false);

      await ui.forms.confirm('endpoint-delete');
      await ui.endpoints.waitFor();
      expect(await ui.endpoints.card(endpointId).count()).toBe(0);
      expect((await fetch(`${api.url}/api/v1/app/${app.id}/endpoint/${endpointId}`, { headers: { authorization: `Bearer ${environment.adminToken}` } })).status).toBe(404);
    });

    it('edits an endpoint’s headers: sets them on create, keeps a sensitive value it never shows, shows the API’s 422 at the field, and changes and removes them', async () => {
      const app = await createApplication('Headers');
      const rows = ui.testId('endpoint-header-row');
      const addHeader = async (name: string, value: string) => {
        await ui.testId('endpoint-header-add').click();
        await rows.last().getByTestId('endpoint-header-name').fill(name);
        await rows.last().getByTestId('endpoint-header-value').fill(value);
      };
      const stored = async (endpointId: string) => (await db.query('SELECT headers FROM endpoints WHERE id = $1', [endpointId])).rows[0].headers;
      await goTo(`/app/${app.id}/endpoints`, 'endpoints-page');
      await ui.testId('endpoint-new').click();
      await ui.testId('endpoint-form').waitFor();
      await ui.forms.fill({ url: 'http://127.0.0.1:9/headers' });
      await addHeader('X-Tenant', 'acme');
      await addHeader('Authorization', 'Bearer s3cret');
      await ui.forms.submit('endpoint-form');
      await ui.endpoint.waitFor();
      const endpointId = decodeURIComponent(ui.page.url().split('/endpoint/')[1]);
      expect(await stored(endpointId)).toEqual({ 'X-Tenant': 'acme', Authorization: 'Bearer s3cret' });

      // The API answers the sensitive header by name only: its line is masked, and nothing on the page holds the value.
      await ui.testId('endpoint-edit').click();
      await ui.testId('endpoint-form').waitFor();
      expect(await rows.count()).toBe(2);
      const sensitive = ui.page.locator('[data-testid="endpoint-header-row"][data-sensitive="true"]');
      expect(await sensitive.getByTestId('endpoint-header-name').inputValue()).toBe('Authorization');
      expect(await sensitive.getByTestId('endpoint-header-value').inputValue()).toBe('');
      expect(await ui.page.content()).not.toContain('s3cret');
      await addHeader('webhook-id', 'forged');
      await ui.forms.submit('endpoint-form', { expectErrorAt: 'headers' });
      expect(await ui.forms.fieldError('headers').textContent()).toContain('webhook-id is set by Idem');
      expect(await rows.last().getByTestId('endpoint-header-name').getAttribute('aria-invalid')).toBe('true');
      await ui.screenshots('endpoint-form-headers');

      // Left blank, the sensitive value is kept; the other header is changed.
      await rows.last().getByTestId('endpoint-header-remove').click();
      await rows.first().getByTestId('endpoint-header-value').fill('acme-eu');
      await ui.forms.submit('endpoint-form');
      await ui.endpoint.waitFor();
      expect(await stored(endpointId)).toEqual({ 'X-Tenant': 'acme-eu', Authorization: 'Bearer s3cret' });

      // A value typed replaces it; a removed line removes its header.
      await ui.testId('endpoint-edit').click();
      await ui.testId('endpoint-form').waitFor();
      await sensitive.getByTestId('endpoint-header-value').fill('Bearer rotated');
      await rows.first().getByTestId('endpoint-header-remove').click();
      await ui.forms.submit('endpoint-form');
      await ui.endpoint.waitFor();
      expect(await stored(endpointId)).toEqual({ Authorization: 'Bearer rotated' });
      // The endpoint's page lists what is left, the sensitive header by name only.
      const listed = ui.testId('endpoint-header-item');
      expect(await listed.count()).toBe(1);
      expect(await listed.getAttribute('data-name')).toBe('Authorization');
      expect(await ui.page.content()).not.toContain('Bearer rotated');
    });

    it('keeps an event type catalogue: creates one with a schema and an example, edits, archives, unarchives and deletes it', async () => {
      const name = `invoice.paid.${suffix}`;
      await goTo('/event-types', 'event-types-page');
      await ui.testId('event-type-new').click();
      await ui.testId('event-type-form').waitFor();
      await ui.forms.fill({ name: 'invoice paid!', description: 'An invoice was paid' });
      await ui.forms.submit('event-type-form', { expectErrorAt: 'name' });
      expect(await ui.forms.fieldError('name').textContent()).toContain('name may only contain');

      // JSON the console cannot read is caught before anything is sent.
      await ui.forms.fill({ name, schemas: '{"type": "object",', example: '{"invoice": 42}' });
      await ui.forms.submit('event-type-form', { expectErrorAt: 'schemas' });
      expect(await ui.forms.fieldError('schemas').textContent()).toContain('Not valid JSON');
      await ui.screenshots('event-type-form-error');

      await ui.forms.fill({ schemas: '{"type": "object", "properties": {"invoice": {"type": "integer"}}}' });
      await ui.forms.submit('event-type-form');
      await ui.testId('event-type-facts').waitFor();
      await ui.settle();
      type EventType = { description: string; archived: boolean; schemas: unknown };
      expect(await call<EventType>('GET', `/api/v1/event-type/${name}`, undefined, 200)).toMatchObject({
        description: 'An invoice was paid',
        archived: false,
        schemas: { '1': { type: 'object', properties: { invoice: { type: 'integer' } }, examples: [{ invoice: 42 }] } },
      });
      expect(JSON.parse(await ui.forms.field('example').inputValue())).toEqual({ invoice: 42 });

      await ui.forms.fill({ description: 'An invoice was paid in full' });
      await ui.forms.submit('event-type-form');
      await ui.testId('event-type-saved').waitFor();
      expect((await call<EventType>('GET', `/api/v1/event-type/${name}`, undefined, 200)).description).toBe('An invoice was paid in full');
      await ui.screenshots('event-type');

      await ui.testId('event-type-archive').click();
      await ui.testId('event-type-unarchive').waitFor();
      expect((await call<EventType>('GET', `/api/v1/event-type/${name}`, undefined, 200)).archived).toBe(true);

      await goTo('/event-types', 'event-types-page');
      expect(await ui.eventTypes.names()).not.toContain(name);
      await goTo('/event-types?archived=true', 'event-types-page');
      expect(await ui.eventTypes.row(name).getAttribute('data-archived')).toBe('true');
      await ui.screenshots('event-types');

      await ui.eventTypes.row(name).getByTestId('event-type-link').click();
      await ui.testId('event-type-unarchive').click();
      await ui.testId('event-type-archive').waitFor();
      expect((await call<EventType>('GET', `/api/v1/event-type/${name}`, undefined, 200)).archived).toBe(false);

      await ui.forms.confirm('event-type-expunge');
      await ui.eventTypes.waitFor();
      expect(await ui.eventTypes.names()).not.toContain(name);
      expect((await fetch(`${api.url}/api/v1/event-type/${name}`, { headers: { authorization: `Bearer ${environment.adminToken}` } })).status).toBe(404);
    });

    it('creates an API token shown once, lists it, and revokes it', async () => {
      const asToken = (token: string) => fetch(`${api.url}/api/v1/app?limit=1`, { headers: { authorization: `Bearer ${token}` } });
      await goTo('/tokens', 'tokens-page');
      await ui.forms.submit('token-form', { expectErrorAt: 'name' });

      const name = `ci pipeline ${suffix}`;
      await ui.forms.fill({ name });
      await ui.forms.submit('token-form');
      await ui.testId('token-created').waitFor();
      const token = (await ui.testId('token-value').textContent()) ?? '';
      expect(token.length).toBeGreaterThan(20);
      expect((await asToken(token)).status).toBe(200);
      const listed = await call<{ data: { id: string; name: string }[] }>('GET', '/api/v1/auth/token?limit=250', undefined, 200);
      const created = listed.data.find((entry) => entry.name === name);
      expect(created).toBeDefined();
      await ui.settle();
      expect(await ui.tokens.rowIds()).toContain(created!.id);
      expect(await ui.tokens.row(created!.id).getByTestId('token-name').textContent()).toBe(name);
      await ui.screenshots('token-created');

      await ui.testId('token-done').click();
      expect(await ui.testId('token-value').count()).toBe(0);
      expect(await ui.page.content()).not.toContain(token);

      await ui.tokens.row(created!.id).getByTestId('token-revoke').click();
      await ui.tokens.row(created!.id).getByTestId('token-revoke-confirm').click();
      await until(async () => (await ui.tokens.row(created!.id).count()) === 0, 'the revoked token to leave the list');
      expect((await asToken(token)).status).toBe(401);
    });

    it('sends a test event of the type’s example to this endpoint alone, watches its attempt arrive and opens it; lists the endpoint’s headers', async () => {
      const receiver = await FakeReceiver.start(() => ({ status: 200, body: 'thanks', headers: { 'X-Receipt': 'r-7' } }));
      const neighbour = await FakeReceiver.start();
      try {
        const eventType = `order.shipped.${suffix}`;
        const withoutExample = `order.returned.${suffix}`;
        await post('/api/v1/event-type', { name: eventType, description: 'An order left the warehouse', schemas: { '1': { type: 'object', examples: [{ order: 7, carrier: 'post' }] } } }, 201);
        await post('/api/v1/event-type', { name: withoutExample, description: 'An order came back' }, 201);
        const app = await createApplication('Fulfilment');
        const token = 'Bearer fulfilment-t0ken';
        const endpoint = await post<{ id: string }>(`/api/v1/app/${app.id}/endpoint`, { url: receiver.url, filterTypes: [eventType], headers: { 'X-Tenant': 'fulfilment', Authorization: token } }, 201);
        // Subscribed to the same type: a test event sent from the first endpoint's page must not reach it.
        const other = await post<{ id: string }>(`/api/v1/app/${app.id}/endpoint`, { url: neighbour.url, filterTypes: [eventType] }, 201);

        await goTo(`/app/${app.id}/endpoint/${endpoint.id}`, 'endpoint-detail-page');
        // The headers: a sensitive one by name only, its value nowhere on the page.
        const header = (name: string) => ui.page.locator(`[data-testid="endpoint-header-item"][data-name="${name}"]`);
        expect(await header('X-Tenant').getByTestId('endpoint-header-item-value').textContent()).toBe('fulfilment');
        expect(await header('Authorization').getAttribute('data-sensitive')).toBe('true');
        expect(await header('Authorization').getByTestId('endpoint-header-item-value').textContent()).toBe('value hidden (sensitive)');
        expect(await ui.page.content()).not.toContain(token);

        // The endpoint's own type comes first, with its example; any other type of the catalogue may be sent.
        const preview = async () => JSON.parse((await ui.forms.field('payload').textContent()) ?? '');
        expect(await ui.forms.field('eventType').inputValue()).toBe(eventType);
        expect(await preview()).toEqual({ order: 7, carrier: 'post' });
        expect(await ui.forms.field('exampleIndex').isVisible()).toBe(false);
        await ui.forms.field('eventType').selectOption(withoutExample);
        expect(await preview()).toEqual({});
        expect(await ui.testId('test-event-example-note').textContent()).toContain('no example');
        await ui.forms.field('eventType').selectOption(eventType);
        await ui.forms.submit('test-event-form');
        const outcome = ui.testId('test-event-attempt');
        await outcome.waitFor({ timeout: 35_000 });
        expect(await outcome.getAttribute('data-status')).toBe('0');
        expect(receiver.received.map((webhook) => JSON.parse(webhook.body))).toEqual([{ order: 7, carrier: 'post' }]);
        const msgId = (await ui.testId('test-event-message-link').textContent()) ?? '';
        // Sent to this endpoint alone: the message has no delivery to the other one, which saw nothing.
        const deliveries = await call<{ data: { id: string }[] }>('GET', `/api/v1/app/${app.id}/msg/${msgId}/endpoint`, undefined, 200);
        expect(deliveries.data.map((delivery) => delivery.id)).toEqual([endpoint.id]);
        expect(deliveries.data.map((delivery) => delivery.id)).not.toContain(other.id);
        expect(neighbour.received).toEqual([]);
        await until(async () => (await ui.endpoint.messageIds()).includes(msgId), 'the endpoint’s messages to list it');
        await ui.testId('health-chart').waitFor();
        await ui.screenshots('endpoint-test-event');

        await ui.testId('test-event-attempt-link').click();
        await ui.attempt.waitFor();
        expect(await ui.attempt.fact('attempt-status-code')).toBe('200');
        expect(await ui.attempt.fact('attempt-trigger')).toBe('scheduled');
        expect(await ui.attempt.fact('attempt-next')).toBe('none: delivered');
        expect(await ui.attempt.fact('attempt-duration')).toMatch(/\d+ ms|\d\.\d+ s/);
        expect(await ui.testId('attempt-response').textContent()).toBe('thanks');
        expect(await ui.attempt.responseHeaders()).toMatchObject({ 'x-receipt': 'r-7' });
        const headers = await ui.attempt.requestHeaders();
        expect(headers['X-Tenant']).toBe('fulfilment');
        expect(headers['webhook-id']).toBe(msgId);
        expect(headers['webhook-signature']).toBe('[redacted]');
        expect(headers.Authorization).toBe('[redacted]');
        expect(await ui.page.content()).not.toMatch(/v1,[A-Za-z0-9+/=]{20,}/);
        expect(await ui.page.content()).not.toContain(token);
        await ui.screenshots('attempt');
      } finally {
        await receiver.close();
        await neighbour.close();
      }
    });

    it('applies an event type’s schema: sets its enforcement (the API’s 422 at the schema), lists it, refuses a test event of an example that breaks it at the payload, and shows what an observed one broke', async () => {
      const receiver = await FakeReceiver.start(() => ({ status: 200, body: 'ok' }));
      try {
        const name = `payment.captured.${suffix}`;
        type EventType = { schemaEnforcement: string; schemas: unknown };
        await goTo('/event-types/new', 'event-type-form-page');
        expect(await ui.testId('schema-enforcement-modes').locator('li').allTextContents()).toEqual([
          expect.stringMatching(/^Off: /),
          expect.stringMatching(/^Observe: /),
          expect.stringMatching(/^Enforce: /),
        ]);
        await ui.forms.fill({ name, description: 'A payment was captured' });
        await ui.forms.field('schemaEnforcement').selectOption('enforce');
        expect(await ui.page.locator('[data-testid="schema-enforcement-modes"] li.mode-chosen').getAttribute('data-mode')).toBe('enforce');

        // Enforcing needs a schema (the API's loc is ["body", "schemas"]), and one that compiles (["body", "schemas", "1"]).
        await ui.forms.submit('event-type-form', { expectErrorAt: 'schemas' });
        expect(await ui.forms.fieldError('schemas').textContent()).toContain('schemaEnforcement "enforce" needs a schema');
        await ui.forms.fill({ schemas: '{"type": "no-such-type"}' });
        await ui.forms.submit('event-type-form', { expectErrorAt: 'schemas' });
        expect(await ui.forms.fieldError('schemas').textContent()).toContain('not a valid JSON Schema');
        expect(await ui.forms.field('schemas').getAttribute('aria-invalid')).toBe('true');
        expect(await ui.forms.fieldError('schemaEnforcement').isVisible()).toBe(false);
        await ui.screenshots('event-type-enforcement-error');
        expect((await fetch(`${api.url}/api/v1/event-type/${name}`, { headers: { authorization: `Bearer ${environment.adminToken}` } })).status).toBe(404);

        const schema = { type: 'object', required: ['amount', 'currency'], properties: { amount: { type: 'integer' }, currency: { type: 'string', pattern: '^[A-Z]{3}$' } } };
        await ui.forms.fill({ schemas: JSON.stringify(schema), example: '{"amount": 1250, "currency": "EUR"}' });
        await ui.forms.submit('event-type-form');
        await ui.testId('event-type-facts').waitFor();
        await ui.settle();
        expect(await call<EventType>('GET', `/api/v1/event-type/${name}`, undefined, 200)).toMatchObject({ schemaEnforcement: 'enforce', schemas: { '1': schema } });
        expect(await ui.forms.field('schemaEnforcement').inputValue()).toBe('enforce');

        await goTo('/event-types', 'event-types-page');
        expect(await ui.eventTypes.row(name).getByTestId('event-type-enforcement').getAttribute('data-enforcement')).toBe('enforce');
        await ui.screenshots('event-types-enforcement');

        // A second example, one that breaks the schema (the API stores examples as given), chosen for a
        // test event: the API's problems at the payload, nothing sent.
        const valid = { amount: 1250, currency: 'EUR' };
        const broken = { amount: '12.50', currency: 'euro' };
        await call('PATCH', `/api/v1/event-type/${name}`, { schemas: { '1': { ...schema, examples: [valid, broken] } } }, 200);
        const app = await createApplication('Payments desk');
        const endpoint = await post<{ id: string }>(`/api/v1/app/${app.id}/endpoint`, { url: receiver.url, filterTypes: [name] }, 201);
        const chooseBrokenExample = async () => {
          expect(await ui.forms.field('eventType').inputValue()).toBe(name);
          expect(await ui.forms.field('exampleIndex').locator('option').allTextContents()).toEqual(['Example 1 of 2', 'Example 2 of 2']);
          expect(JSON.parse((await ui.forms.field('payload').textContent()) ?? '')).toEqual(valid);
          await ui.forms.field('exampleIndex').selectOption('1');
          expect(JSON.parse((await ui.forms.field('payload').textContent()) ?? '')).toEqual(broken);
        };
        await goTo(`/app/${app.id}/endpoint/${endpoint.id}`, 'endpoint-detail-page');
        expect(await ui.testId('test-event-enforcement').textContent()).toContain('enforces its schema');
        await chooseBrokenExample();
        await ui.forms.submit('test-event-form', { expectErrorAt: 'payload' });
        const refusal = await ui.forms.fieldError('payload').locator('span').allTextContents();
        expect(refusal).toEqual([expect.stringContaining('(type at /amount)'), expect.stringContaining('(pattern at /currency)')]);
        expect(await ui.testId('test-event-result').textContent()).toBe('');
        expect((await call<{ data: unknown[] }>('GET', `/api/v1/app/${app.id}/msg`, undefined, 200)).data).toEqual([]);
        await ui.screenshots('endpoint-test-event-refused');

        // Observed instead (changed in the form, which keeps the second example): the same example is
        // sent, and its message says where it broke.
        await goTo(`/event-type/${name}`, 'event-type-form-page');
        await ui.forms.field('schemaEnforcement').selectOption('observe');
        await ui.forms.submit('event-type-form');
        await ui.testId('event-type-saved').waitFor();
        expect(await call<EventType>('GET', `/api/v1/event-type/${name}`, undefined, 200)).toMatchObject({ schemaEnforcement: 'observe', schemas: { '1': { examples: [valid, broken] } } });

        await goTo(`/app/${app.id}/endpoint/${endpoint.id}`, 'endpoint-detail-page');
        expect(await ui.testId('test-event-enforcement').textContent()).toContain('observes its schema');
        await chooseBrokenExample();
        await ui.forms.submit('test-event-form');
        const outcome = ui.testId('test-event-attempt');
        await outcome.waitFor({ timeout: 35_000 });
        expect(await outcome.getAttribute('data-status')).toBe('0');
        expect(receiver.received.map((webhook) => JSON.parse(webhook.body))).toEqual([broken]);

        await ui.testId('test-event-message-link').click();
        await ui.message.waitFor();
        const panel = ui.testId('schema-violations');
        expect(await panel.locator('p').first().textContent()).toBe('Payload broke its schema (observed)');
        const violations = await Promise.all(
          (await panel.getByTestId('schema-violation').all()).map(async (row) => ({
            pointer: await row.getByTestId('schema-violation-pointer').textContent(),
            rule: await row.getByTestId('schema-violation-rule').textContent(),
            message: await row.getByTestId('schema-violation-message').textContent(),
          })),
        );
        expect(violations).toEqual([
          { pointer: '/amount', rule: 'type', message: 'must be integer' },
          { pointer: '/currency', rule: 'pattern', message: expect.stringContaining('must match pattern') },
        ]);
        expect(JSON.parse((await ui.message.payload().textContent()) ?? '')).toEqual(broken);
        await ui.screenshots('message-schema-violations');
      } finally {
        await receiver.close();
      }
    });

    it('keeps an event type’s retry-safety contract (the API’s 422 at the field it names), lists its semantics, and shows a stale state and a superseded delivery on their messages', async () => {
      const receiver = await FakeReceiver.start(() => ({ status: 200, body: 'ok' }));
      const redis = new IORedis(environment.redisUrl, { maxRetriesPerRequest: null });
      const queue = new Queue(DELIVERY_QUEUE, { connection: redis, prefix: environment.queuePrefix });
      try {
        const name = `order.updated.${suffix}`;
        type EventType = { retrySafety: unknown };
        await goTo('/event-types/new', 'event-type-form-page');
        expect(await ui.testId('semantics-modes').locator('li').allTextContents()).toEqual([
          expect.stringMatching(/^Command: /),
          expect.stringMatching(/^State: /),
          expect.stringMatching(/^Delta: /),
        ]);
        // A command has no entity: its fields show only once the semantics need them.
        expect(await ui.forms.field('retrySafety.entity').isVisible()).toBe(false);
        await ui.forms.fill({ name, description: 'An order’s whole state' });
        await ui.forms.field('retrySafety.semantics').selectOption('state');
        expect(await ui.page.locator('[data-testid="semantics-modes"] li.mode-chosen').getAttribute('data-mode')).toBe('state');
        // What an exhausted message does matters only to ordered lanes.
        expect(await ui.forms.field('retrySafety.ordering').inputValue()).toBe('none');
        expect(await ui.forms.field('retrySafety.onExhausted').isVisible()).toBe(false);
        await ui.forms.field('retrySafety.ordering').selectOption('entity');
        expect(await ui.forms.field('retrySafety.onExhausted').isVisible()).toBe(true);
        await ui.forms.field('retrySafety.ordering').selectOption('none');

        // Two problems at once, each at the field its loc names (["body", "retrySafety", "versionPath"]).
        await ui.forms.fill({ 'retrySafety.entity': 'order', 'retrySafety.entityIdPath': 'id' });
        await ui.forms.submit('event-type-form', { expectErrorAt: 'retrySafety.versionPath' });
        expect(await ui.forms.fieldError('retrySafety.versionPath').textContent()).toContain('semantics "state" needs versionPath');
        expect(await ui.forms.fieldError('retrySafety.entityIdPath').textContent()).toContain('must be a JSON Pointer');
        expect(await ui.forms.field('retrySafety.versionPath').getAttribute('aria-invalid')).toBe('true');
        expect(await ui.forms.fieldError('retrySafety.entity').isVisible()).toBe(false);
        expect(await ui.testId('form-error').count()).toBe(0);
        await ui.screenshots('event-type-retry-safety-error');
        expect((await fetch(`${api.url}/api/v1/event-type/${name}`, { headers: { authorization: `Bearer ${environment.adminToken}` } })).status).toBe(404);

        await ui.forms.fill({ 'retrySafety.entityIdPath': '/id', 'retrySafety.versionPath': '/version' });
        await ui.forms.submit('event-type-form');
        await ui.testId('event-type-facts').waitFor();
        await ui.settle();
        const contract = { semantics: 'state', entity: 'order', entityIdPath: '/id', versionPath: '/version', ordering: 'none', onExhausted: 'skip' };
        expect((await call<EventType>('GET', `/api/v1/event-type/${name}`, undefined, 200)).retrySafety).toEqual(contract);
        expect(await ui.forms.field('retrySafety.semantics').inputValue()).toBe('state');
        expect(await ui.forms.field('retrySafety.versionPath').inputValue()).toBe('/version');
        await ui.screenshots('event-type-retry-safety');

        await goTo('/event-types', 'event-types-page');
        expect(await ui.eventTypes.row(name).getByTestId('event-type-semantics').getAttribute('data-semantics')).toBe('state');
        expect(await ui.eventTypes.row(name).getByTestId('event-type-semantics').textContent()).toBe('state of order');
        await ui.screenshots('event-types-semantics');

        // With the queue paused nothing is attempted, so version 2's delivery still waits when version 3 comes.
        const app = await createApplication('Order sync');
        const endpoint = await post<{ id: string }>(`/api/v1/app/${app.id}/endpoint`, { url: receiver.url, filterTypes: [name] }, 201);
        await queue.pause();
        const send = (version: number) =>
          post<{ id: string; entity: unknown }>(`/api/v1/app/${app.id}/msg`, { eventType: name, payload: { id: 'ord_42', version, total: 100 * version } }, 202);
        const v2 = await send(2);
        const v1 = await send(1);
        const v3 = await send(3);
        expect(v1.entity).toEqual({ name: 'order', id: 'ord_42', version: 1, stale: true });

        await goTo(`/app/${app.id}/msg/${v1.id}`, 'message-detail-page');
        await ui.message.waitFor();
        expect(await ui.message.entity()).toEqual({ name: 'order', id: 'ord_42', version: '1' });
        expect(await ui.message.staleNotice().locator('p').first().textContent()).toBe('Accepted but not sent: a newer version had been accepted');
        expect(await ui.message.staleNotice().textContent()).toContain('order ord_42 at version 1 or newer');
        await ui.testId('message-endpoints-stale').waitFor();
        await ui.testId('attempts-stale').waitFor();
        await ui.screenshots('message-entity-stale');

        await goTo(`/app/${app.id}/msg/${v2.id}`, 'message-detail-page');
        await ui.message.waitFor();
        expect(await ui.message.entity()).toEqual({ name: 'order', id: 'ord_42', version: '2' });
        expect(await ui.message.staleNotice().count()).toBe(0);
        expect(await ui.message.endpointRow(endpoint.id).getByTestId('status-badge').getAttribute('data-status')).toBe('4');
        expect(await ui.message.supersededBy(endpoint.id).textContent()).toBe(`superseded by ${v3.id}`);
        await ui.screenshots('message-entity-superseded');

        const shown = await ui.testId('message-detail-page').elementHandle();
        await ui.message.supersededBy(endpoint.id).getByTestId('superseded-by-link').click();
        await shown?.waitForElementState('hidden');
        await ui.message.waitFor();
        expect(await ui.testId('message-title').textContent()).toBe(v3.id);
        expect(await ui.message.entity()).toEqual({ name: 'order', id: 'ord_42', version: '3' });
        expect(await ui.message.supersededBy(endpoint.id).count()).toBe(0);

        // Let go, the worker sends the newest state only.
        await queue.resume();
        await deliveryReaches(app.id, v3.id, endpoint.id, 0);
        expect(receiver.received.map((webhook) => JSON.parse(webhook.body))).toEqual([{ id: 'ord_42', version: 3, total: 300 }]);

        // Back to a command: the entity's fields go, and the API stores no contract.
        await goTo(`/event-type/${name}`, 'event-type-form-page');
        await ui.forms.field('retrySafety.semantics').selectOption('command');
        expect(await ui.forms.field('retrySafety.entity').isVisible()).toBe(false);
        await ui.forms.submit('event-type-form');
        await ui.testId('event-type-saved').waitFor();
        expect((await call<EventType>('GET', `/api/v1/event-type/${name}`, undefined, 200)).retrySafety).toBeNull();
      } finally {
        await queue.resume();
        await queue.close();
        redis.disconnect();
        await receiver.close();
      }
    });

    /** Waits until the API reports Idem's own status for each message's delivery to the endpoint. */
    async function idemStatusesReach(appId: string, endpointId: string, expected: Record<string, string>): Promise<void> {
      await until(async () => {
        for (const [msgId, idemStatus] of Object.entries(expected)) {
          const list = await call<{ data: { id: string; idemStatus: string }[] }>('GET', `/api/v1/app/${appId}/msg/${msgId}/endpoint`, undefined, 200);
          if (!list.data.some((delivery) => delivery.id === endpointId && delivery.idemStatus === idemStatus)) return false;
        }
        return true;
      }, `the deliveries to reach ${JSON.stringify(expected)}`);
    }

    /** The badge of a message's delivery to the endpoint, as the message page shows it. */
    async function destinationBadge(endpointId: string): Promise<{ text: string | null; idemStatus: string | null; svixStatus: string | null; title: string | null }> {
      const badge = ui.message.endpointRow(endpointId).getByTestId('status-badge');
      return { text: await badge.textContent(), idemStatus: await badge.getAttribute('data-idem-status'), svixStatus: await badge.getAttribute('data-status'), title: await badge.getAttribute('title') };
    }

    it('badges a delivery its receiver answered stale as stale, not success, and shows why resending it sends nothing', async () => {
      const receiver = await FakeReceiver.start(() => ({ status: 200, body: '{"status":"stale"}', headers: { 'webhook-outcome': 'stale' } }));
      try {
        const name = `account.changed.${suffix}`;
        await post('/api/v1/event-type', { name, description: 'A change to an account', retrySafety: { semantics: 'delta', entity: 'account', entityIdPath: '/id', versionPath: '/version' } }, 201);
        const app = await createApplication('Account mirror');
        const endpoint = await post<{ id: string }>(`/api/v1/app/${app.id}/endpoint`, { url: receiver.url, filterTypes: [name] }, 201);
        const message = await post<{ id: string }>(`/api/v1/app/${app.id}/msg`, { eventType: name, payload: { id: 'acc_7', version: 3, add: 5 } }, 202);
        await idemStatusesReach(app.id, endpoint.id, { [message.id]: 'stale' });

        await goTo(`/app/${app.id}/msg/${message.id}`, 'message-detail-page');
        await ui.message.waitFor();
        expect(await destinationBadge(endpoint.id)).toEqual({ text: 'stale', idemStatus: 'stale', svixStatus: '0', title: 'Svix clients see it as success' });
        expect(await ui.message.endpointRow(endpoint.id).getByTestId('status-note').textContent()).toContain('holds this version of the entity or a newer one');
        await ui.screenshots('message-delivery-stale');

        await ui.message.resendButton(endpoint.id).click();
        const detail = ui.message.endpointRow(endpoint.id).getByTestId('resend-detail');
        await detail.waitFor();
        expect(await detail.textContent()).toBe('Not resent: the receiver holds, or is being sent, a newer state of this entity');
        expect(await ui.message.endpointRow(endpoint.id).getByTestId('resend-feedback').textContent()).toBe(await detail.textContent());
        expect(await ui.message.resendButton(endpoint.id).isEnabled()).toBe(true);
        await ui.screenshots('message-resend-not-resent');

        await goTo(`/app/${app.id}/endpoint/${endpoint.id}`, 'endpoint-detail-page');
        expect(await ui.endpoint.messageIds()).toEqual([message.id]);
        expect(await ui.endpoint.messageRows().first().getByTestId('status-badge').textContent()).toBe('stale');
        expect(receiver.received).toHaveLength(1);
      } finally {
        await receiver.close();
      }
    });

    it('badges a blocked head and the message queued behind it, and a recovery says how many lanes it unblocks', async () => {
      const receiver = await FakeReceiver.start(() => ({ status: 503, body: 'down' }));
      try {
        const name = `ledger.posted.${suffix}`;
        const retrySafety = { semantics: 'delta', entity: 'ledger', entityIdPath: '/id', versionPath: '/version', ordering: 'entity', onExhausted: 'block' };
        await post('/api/v1/event-type', { name, description: 'An entry in a ledger, in order', retrySafety }, 201);
        const app = await createApplication('Ledger mirror');
        const endpoint = await post<{ id: string }>(`/api/v1/app/${app.id}/endpoint`, { url: receiver.url, filterTypes: [name] }, 201);
        const send = (version: number) => post<{ id: string }>(`/api/v1/app/${app.id}/msg`, { eventType: name, payload: { id: 'ldg_1', version } }, 202);
        const head = await send(1);
        const behind = await send(2);
        await idemStatusesReach(app.id, endpoint.id, { [head.id]: 'blocked', [behind.id]: 'queued' });

        await goTo(`/app/${app.id}/msg/${head.id}`, 'message-detail-page');
        await ui.message.waitFor();
        expect(await destinationBadge(endpoint.id)).toEqual({ text: 'blocked', idemStatus: 'blocked', svixStatus: '2', title: 'Svix clients see it as fail' });
        await goTo(`/app/${app.id}/msg/${behind.id}`, 'message-detail-page');
        await ui.message.waitFor();
        expect(await destinationBadge(endpoint.id)).toEqual({ text: 'queued', idemStatus: 'queued', svixStatus: '1', title: 'Svix clients see it as pending' });
        await ui.screenshots('message-delivery-queued');

        receiver.behaviour = () => ({ status: 200, body: 'ok' });
        await goTo(`/app/${app.id}/endpoint/${endpoint.id}`, 'endpoint-detail-page');
        await ui.testId('recover-submit').click();
        expect(await ui.endpoint.recoveryOutcome()).toBe('finished');
        const blockedLanes = ui.testId('recover-blocked-lanes');
        expect(await blockedLanes.getAttribute('data-count')).toBe('1');
        expect(await blockedLanes.textContent()).toBe('Blocked lanes: 1. The later messages of each go out once its recovered message is delivered.');
        await ui.screenshots('endpoint-recover-blocked-lanes');
        await deliveryReaches(app.id, behind.id, endpoint.id, 0);
        expect(receiver.received.filter((request) => request.body.includes('"version":2'))).toHaveLength(1);
      } finally {
        await receiver.close();
      }
    });

    it('lists messages with their delivery status, finds one by event ID or message ID, narrows by date, and follows new ones live', async () => {
      const receiver = await FakeReceiver.start((request) => (request.body.includes('"fail":true') ? { status: 500, body: 'no' } : { status: 200, body: 'ok' }));
      try {
        const app = await createApplication('Invoices');
        const endpoint = await post<{ id: string }>(`/api/v1/app/${app.id}/endpoint`, { url: receiver.url }, 201);
        const failed = await post<{ id: string; timestamp: string }>(`/api/v1/app/${app.id}/msg`, { eventType: 'invoice.sent', eventId: `invoice-1-${suffix}`, payload: { fail: true } }, 202);
        const delivered = await post<{ id: string }>(`/api/v1/app/${app.id}/msg`, { eventType: 'invoice.sent', eventId: `invoice-2-${suffix}`, payload: { n: 2 } }, 202);
        await deliveryReaches(app.id, failed.id, endpoint.id, 2);
        await deliveryReaches(app.id, delivered.id, endpoint.id, 0);

        await goTo(`/app/${app.id}/messages`, 'messages-page');
        const delivery = (msgId: string) => ui.page.locator(`[data-testid="message-delivery"][data-msg-id="${msgId}"]`);
        await until(async () => (await delivery(failed.id).getAttribute('data-state')) === 'fail' && (await delivery(delivered.id).getAttribute('data-state')) === 'success', 'the delivery statuses');
        expect(await delivery(failed.id).textContent()).toBe('failed 1 of 1');
        // The viewer's time: 05:30 ahead of UTC.
        const shownTime = await ui.page.locator(`[data-testid="message-row"][data-msg-id="${failed.id}"] time`).textContent();
        expect(shownTime).toBe(new Date(Date.parse(failed.timestamp) + 5.5 * 3_600_000).toISOString().slice(0, 19).replace('T', ' '));
        await ui.screenshots('messages-status');

        const search = async (text: string) => {
          await ui.testId('message-search').fill(text);
          const shown = await ui.testId('messages-page').elementHandle();
          await ui.testId('message-search-submit').click();
          await shown?.waitForElementState('hidden');
          await ui.messages.waitFor();
        };
        const rowIds = async () => Promise.all((await ui.messages.messageRows().all()).map(async (row) => (await row.getAttribute('data-msg-id')) ?? ''));
        await search(`invoice-1-${suffix}`);
        expect(await rowIds()).toEqual([failed.id]);
        expect(ui.page.url()).toContain(`q=invoice-1-${suffix}`);
        await search(delivered.id);
        expect(await rowIds()).toEqual([delivered.id]);
        await search('no-such-event');
        await ui.testId('search-empty').waitFor();

        await goTo(`/app/${app.id}/messages?after=${new Date(Date.now() + 3_600_000).toISOString()}`, 'messages-page');
        expect(await ui.messages.messageRows().count()).toBe(0);
        const shown = await ui.testId('messages-page').elementHandle();
        await ui.testId('range-hour').click();
        await shown?.waitForElementState('hidden');
        await ui.messages.waitFor();
        expect(await rowIds()).toEqual([delivered.id, failed.id]);
        expect(ui.page.url()).toContain('after=');

        // New messages appear without a reload; a hidden tab stops asking and catches up when shown.
        expect(await ui.liveState()).toBe('live');
        const third = await post<{ id: string }>(`/api/v1/app/${app.id}/msg`, { eventType: 'invoice.sent', payload: { n: 3 } }, 202);
        await until(async () => (await rowIds()).includes(third.id), 'the new message to appear', 15_000);
        await until(async () => (await delivery(third.id).getAttribute('data-state')) === 'success', 'its delivery to show', 15_000);
        await ui.setTabHidden(true);
        await until(async () => (await ui.liveState()) === 'paused', 'the live refresh to pause');
        const fourth = await post<{ id: string }>(`/api/v1/app/${app.id}/msg`, { eventType: 'invoice.sent', payload: { n: 4 } }, 202);
        await ui.setTabHidden(false);
        await until(async () => (await rowIds()).includes(fourth.id), 'the tab to catch up', 15_000);
        expect(await ui.liveState()).toBe('live');

        // A message's page shows an attempt made elsewhere (here a resend through the API) by itself.
        await ui.messages.openMessage(failed.id);
        expect(await ui.message.attempts().count()).toBe(2);
        await post(`/api/v1/app/${app.id}/msg/${failed.id}/endpoint/${endpoint.id}/resend`, undefined, 202);
        await until(async () => (await ui.message.attempts().count()) === 3, 'the resent attempt to appear', 15_000);
        expect(await ui.message.attempts().first().getByTestId('attempt-link').getAttribute('href')).toContain(`/msg/${failed.id}/attempt/`);
      } finally {
        await receiver.close();
      }
    });

    it('retries every failed delivery from the endpoint’s failed list, watches the list empty live, and charts its health with a legend', async () => {
      const receiver = await FakeReceiver.start(() => ({ status: 503, body: 'maintenance' }));
      try {
        const app = await createApplication('Ledger');
        const endpoint = await post<{ id: string }>(`/api/v1/app/${app.id}/endpoint`, { url: receiver.url }, 201);
        const messages = [];
        for (let n = 0; n < 3; n += 1) messages.push(await post<{ id: string }>(`/api/v1/app/${app.id}/msg`, { eventType: 'entry.posted', payload: { n } }, 202));
        for (const message of messages) await deliveryReaches(app.id, message.id, endpoint.id, 2);

        await goTo(`/app/${app.id}/endpoint/${endpoint.id}?status=2`, 'endpoint-detail-page');
        expect(await ui.endpoint.messageRows().count()).toBe(3);
        receiver.behaviour = () => ({ status: 200, body: 'ok' });
        await ui.testId('retry-failed').click();
        expect(await ui.endpoint.recoveryOutcome()).toBe('finished');
        expect(await ui.testId('recover-counts').textContent()).toContain('3');
        await ui.testId('endpoint-messages-empty').waitFor({ timeout: 15_000 });
        for (const message of messages) await deliveryReaches(app.id, message.id, endpoint.id, 0);

        // Six failures and three successes this hour: a red bar, a third of the way up.
        await until(async () => (await ui.testId('stat-success').textContent())?.startsWith('3') ?? false, 'the stats to follow', 15_000);
        const chart = ui.testId('endpoint-stats').getByTestId('health-chart');
        expect(await chart.getByTestId('chart-legend').textContent()).toContain('below 90 % (red)');
        expect(await chart.getByTestId('chart-threshold').textContent()).toBe('90 %: below it a bar is red');
        expect(await chart.locator('[data-testid="chart-bar"]').last().getAttribute('data-health')).toBe('health-poor');
        expect(await chart.getByTestId('chart-time-zone').textContent()).toMatch(/^Hourly, in Asia\/(Kolkata|Calcutta) \(UTC\+05:30\)$/);
        expect(await chart.getByTestId('chart-x-axis').textContent()).toMatch(/[A-Z][a-z]{2} \d{1,2} \d{2}:30/);
        expect(await chart.getByTestId('chart-latency-axis').textContent()).toMatch(/ms|s/);
        await ui.screenshots('endpoint-retried');
        await ui.elementScreenshots(chart, 'endpoint-health-chart');
        await goTo(`/app/${app.id}/endpoints`, 'endpoints-page');
        await ui.endpoints.waitFor();
        expect(await ui.endpoints.card(endpoint.id).getByTestId('chart-legend').textContent()).toContain('< 90 %');
        await ui.screenshots('endpoints-health');
      } finally {
        await receiver.close();
      }
    });
  });
});
