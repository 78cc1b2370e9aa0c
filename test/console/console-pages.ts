import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { until } from '../support/until';

// The console's content security policy forbids the string evaluation behind Playwright's
// `waitForFunction`, so waits poll locator reads instead.
export { until };

/** Where screenshots go; the folder is git-ignored. */
export const SCREENSHOT_DIR = join(__dirname, '..', '..', 'test-artifacts', 'console');

export const LAPTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };

/**
 * The console as a user drives it, one object per page. Selectors are the console's
 * `data-testid`s only, so a restyle does not break the suite.
 */
export class ConsoleBrowser {
  constructor(
    readonly page: Page,
    readonly baseUrl: string,
  ) {}

  /** Opens a console route such as `/apps` or `/app/app_x/messages?status=2`. */
  async open(route = '/apps'): Promise<void> {
    await this.page.goto(`${this.baseUrl}/console/#${route}`);
  }

  /** Follows an in-console link by changing the hash, as a click would. */
  async go(route: string): Promise<void> {
    await this.page.evaluate(`location.hash = ${JSON.stringify(`#${route}`)}`);
  }

  testId(id: string): Locator {
    return this.page.getByTestId(id);
  }

  async signOut(): Promise<void> {
    await this.testId('sign-out').click();
    await this.testId('sign-in-form').waitFor();
  }

  /** Screenshots whose page was wider than the window at that width; the suite expects none. */
  readonly overflowing: string[] = [];

  /** Full-page screenshots at laptop and phone widths: `<name>-1280.png`, `<name>-390.png`. */
  async screenshots(name: string): Promise<string[]> {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const paths: string[] = [];
    const original = this.page.viewportSize();
    for (const size of [LAPTOP, PHONE]) {
      await this.page.setViewportSize(size);
      await this.settle();
      const path = join(SCREENSHOT_DIR, `${name}-${size.width}.png`);
      await this.page.screenshot({ path, fullPage: true, animations: 'disabled' });
      if ((await this.horizontalOverflow()) > 0) this.overflowing.push(`${name}-${size.width}`);
      paths.push(path);
    }
    if (original) await this.page.setViewportSize(original);
    return paths;
  }

  /** One element at laptop and phone widths, for what a full page shows too small: `<name>-1280.png`, `<name>-390.png`. */
  async elementScreenshots(element: Locator, name: string): Promise<void> {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    const original = this.page.viewportSize();
    for (const size of [LAPTOP, PHONE]) {
      await this.page.setViewportSize(size);
      await this.settle();
      await element.screenshot({ path: join(SCREENSHOT_DIR, `${name}-${size.width}.png`), animations: 'disabled' });
    }
    if (original) await this.page.setViewportSize(original);
  }

  /** Reloads the page at phone width, so it is drawn as a phone first sees it, and takes `<name>-390.png`. */
  async phoneScreenshot(name: string): Promise<string> {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await this.page.setViewportSize(PHONE);
    await this.page.reload();
    await this.page.getByTestId('view').locator('section').first().waitFor();
    await this.settle();
    const path = join(SCREENSHOT_DIR, `${name}-${PHONE.width}.png`);
    await this.page.screenshot({ path, fullPage: true, animations: 'disabled' });
    return path;
  }

  /** Waits until no loading state is left on the page. */
  async settle(): Promise<void> {
    await until(async () => (await this.testId('loading-state').count()) === 0);
  }

  /** The page must not overflow sideways (the phone layout's first promise). */
  async horizontalOverflow(): Promise<number> {
    return this.page.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');
  }

  /** Whether any hostile markup in the fixtures ran (it sets `window.__xss`). */
  async injectedScriptRan(): Promise<boolean> {
    return this.page.evaluate<boolean>('window.__xss !== undefined');
  }

  async sessionStorageSize(): Promise<number> {
    return this.page.evaluate<number>('sessionStorage.length');
  }

  get signIn(): SignInPage {
    return new SignInPage(this);
  }
  get applications(): ApplicationsPage {
    return new ApplicationsPage(this);
  }
  get endpoints(): EndpointsPage {
    return new EndpointsPage(this);
  }
  get messages(): MessagesPage {
    return new MessagesPage(this);
  }
  get message(): MessageDetailPage {
    return new MessageDetailPage(this);
  }
  get endpoint(): EndpointDetailPage {
    return new EndpointDetailPage(this);
  }
  get forms(): Forms {
    return new Forms(this);
  }
  get eventTypes(): EventTypesPage {
    return new EventTypesPage(this);
  }
  get tokens(): TokensPage {
    return new TokensPage(this);
  }
  get attempt(): AttemptPage {
    return new AttemptPage(this);
  }

  /** Makes the tab look hidden (or shown again) to the page, as switching tabs does. */
  async setTabHidden(hidden: boolean): Promise<void> {
    await this.page.evaluate(
      `Object.defineProperty(document, 'hidden', { configurable: true, get: () => ${hidden} }); document.dispatchEvent(new Event('visibilitychange'))`,
    );
  }

  /** The live refresh indicator's state: `live`, `paused` or `failing`. */
  async liveState(): Promise<string | null> {
    return this.testId('live-status').getAttribute('data-state');
  }
}

/** The console's forms: fields are `field-<name>` (the API's name for them), errors `field-error-<name>`. */
export class Forms {
  constructor(private readonly console: ConsoleBrowser) {}

  field(name: string): Locator {
    return this.console.testId(`field-${name}`);
  }

  async fill(values: Record<string, string>): Promise<void> {
    for (const [name, value] of Object.entries(values)) await this.field(name).fill(value);
  }

  fieldError(name: string): Locator {
    return this.console.testId(`field-error-${name}`);
  }

  /** Submits the form `testid` and waits for the page it leads to, or for an error at a field. */
  async submit(testid: string, { expectErrorAt }: { expectErrorAt?: string } = {}): Promise<void> {
    await this.console.testId(`${testid}-submit`).click();
    if (expectErrorAt) await this.fieldError(expectErrorAt).waitFor();
  }

  /** Presses a confirm button (`testid`) and its confirmation. */
  async confirm(testid: string): Promise<void> {
    await this.console.testId(testid).click();
    await this.console.testId(`${testid}-confirm`).click();
  }
}

export class EventTypesPage {
  constructor(private readonly console: ConsoleBrowser) {}

  async waitFor(): Promise<void> {
    await this.console.testId('event-types-page').waitFor();
    await this.console.settle();
  }

  row(name: string): Locator {
    return this.console.page.locator(`[data-testid="event-type-row"][data-name="${name}"]`);
  }

  async names(): Promise<string[]> {
    return Promise.all((await this.console.testId('event-type-row').all()).map(async (row) => (await row.getAttribute('data-name')) ?? ''));
  }
}

export class TokensPage {
  constructor(private readonly console: ConsoleBrowser) {}

  async waitFor(): Promise<void> {
    await this.console.testId('tokens-page').waitFor();
    await this.console.settle();
  }

  row(tokenId: string): Locator {
    return this.console.page.locator(`[data-testid="token-row"][data-token-id="${tokenId}"]`);
  }

  async rowIds(): Promise<string[]> {
    return Promise.all((await this.console.testId('token-row').all()).map(async (row) => (await row.getAttribute('data-token-id')) ?? ''));
  }
}

export class AttemptPage {
  constructor(private readonly console: ConsoleBrowser) {}

  async waitFor(): Promise<void> {
    await this.console.testId('attempt-page').waitFor();
    await this.console.settle();
  }

  async fact(testid: string): Promise<string> {
    return (await this.console.testId(testid).textContent()) ?? '';
  }

  /** The request headers table as name → value. */
  requestHeaders(): Promise<Record<string, string>> {
    return this.headersIn('attempt-request-headers');
  }

  responseHeaders(): Promise<Record<string, string>> {
    return this.headersIn('attempt-response-headers');
  }

  private async headersIn(testid: string): Promise<Record<string, string>> {
    const rows = await this.console.testId(testid).locator('tr').all();
    const headers: Record<string, string> = {};
    for (const row of rows) headers[(await row.locator('th').textContent()) ?? ''] = (await row.locator('td').textContent()) ?? '';
    return headers;
  }
}

export class SignInPage {
  constructor(private readonly console: ConsoleBrowser) {}

  async signIn(token: string): Promise<void> {
    await this.console.testId('token-input').fill(token);
    await this.console.testId('sign-in-submit').click();
  }

  /** Signs in and waits for the page behind the form. */
  async signInAs(token: string): Promise<void> {
    await this.signIn(token);
    await this.console.testId('sign-out').waitFor();
  }

  error(): Locator {
    return this.console.testId('sign-in-error');
  }
}

export class ApplicationsPage {
  constructor(private readonly console: ConsoleBrowser) {}

  async waitFor(): Promise<void> {
    await this.console.testId('applications-page').waitFor();
    await this.console.settle();
  }

  rows(): Locator {
    return this.console.testId('application-row');
  }

  row(appId: string): Locator {
    return this.console.page.locator(`[data-testid="application-row"][data-app-id="${appId}"]`);
  }

  async open(appId: string): Promise<void> {
    await this.row(appId).getByTestId('application-link').click();
    await this.console.endpoints.waitFor();
  }
}

export class EndpointsPage {
  constructor(private readonly console: ConsoleBrowser) {}

  async waitFor(): Promise<void> {
    await this.console.testId('endpoints-page').waitFor();
    await this.console.settle();
    // Each card's health arrives separately from the list.
    await until(async () => (await this.console.testId('endpoint-health').filter({ hasText: 'Loading health' }).count()) === 0);
  }

  card(endpointId: string): Locator {
    return this.console.page.locator(`[data-testid="endpoint-row"][data-endpoint-id="${endpointId}"]`);
  }

  async open(endpointId: string): Promise<void> {
    await this.card(endpointId).getByTestId('endpoint-link').click();
    await this.console.endpoint.waitFor();
  }
}

export interface MessageFilters {
  eventTypes?: string[];
  channel?: string;
  /** The value of a `datetime-local` input: `2024-05-01T14:00`, in the browser's time zone. */
  after?: string;
  before?: string;
  /** Svix's MessageStatus: '0' success, '1' pending, '2' fail, '3' sending. */
  status?: string;
  endpointId?: string;
}

export class MessagesPage {
  constructor(private readonly console: ConsoleBrowser) {}

  async waitFor(): Promise<void> {
    await this.console.testId('messages-page').waitFor();
    await this.console.settle();
  }

  async filter(filters: MessageFilters): Promise<void> {
    const field = (id: string) => this.console.testId(id);
    // On a phone the filters start folded.
    const panel = this.console.testId('messages-filters');
    if ((await panel.getAttribute('open')) === null) await panel.locator('summary').click();
    if (filters.eventTypes) await field('filter-event-types').fill(filters.eventTypes.join(','));
    if (filters.channel !== undefined) await field('filter-channel').fill(filters.channel);
    if (filters.after !== undefined) await field('filter-after').fill(filters.after);
    if (filters.before !== undefined) await field('filter-before').fill(filters.before);
    if (filters.endpointId !== undefined) await field('filter-endpoint').selectOption(filters.endpointId);
    if (filters.status !== undefined) await field('filter-status').selectOption(filters.status);
    const shown = await this.console.testId('messages-page').elementHandle();
    await field('filter-apply').click();
    // Applying always draws a new page; wait for the old one to go before reading the new one.
    await shown?.waitForElementState('hidden');
    await this.waitFor();
  }

  /** Rows of the message list, or of an endpoint's attempts when filtering by endpoint or status. */
  messageRows(): Locator {
    return this.console.testId('message-row');
  }

  attemptRows(): Locator {
    return this.console.testId('attempt-row');
  }

  async openMessage(msgId: string): Promise<void> {
    await this.console.page.locator(`[data-msg-id="${msgId}"]`).first().getByTestId('message-link').click();
    await this.console.message.waitFor();
  }
}

export class MessageDetailPage {
  constructor(private readonly console: ConsoleBrowser) {}

  async waitFor(): Promise<void> {
    await this.console.testId('message-detail-page').waitFor();
    await this.console.settle();
  }

  payload(): Locator {
    return this.console.testId('message-payload');
  }

  endpointRow(endpointId: string): Locator {
    return this.console.page.locator(`[data-testid="message-endpoint-row"][data-endpoint-id="${endpointId}"]`);
  }

  attempts(): Locator {
    return this.console.testId('attempt-row');
  }

  attempt(attemptId: string): Locator {
    return this.console.page.locator(`[data-testid="attempt-row"][data-attempt-id="${attemptId}"]`);
  }

  /** What the page shows of one attempt. */
  async readAttempt(attempt: Locator): Promise<{ status: string | null; statusCode: string; response: string; duration: string }> {
    return {
      status: await attempt.getAttribute('data-status'),
      statusCode: (await attempt.getByTestId('attempt-status-code').textContent()) ?? '',
      response: (await attempt.getByTestId('attempt-response').textContent()) ?? '',
      duration: (await attempt.getByTestId('attempt-duration').textContent()) ?? '',
    };
  }

  /** The entity the message is a state of (or a change to), as its facts show it. */
  async entity(): Promise<{ name: string; id: string; version: string }> {
    const fact = async (testid: string) => (await this.console.testId(testid).textContent()) ?? '';
    return { name: await fact('message-entity-name'), id: await fact('message-entity-id'), version: await fact('message-entity-version') };
  }

  /** The note on a stale state: accepted, sent nowhere. */
  staleNotice(): Locator {
    return this.console.testId('entity-stale');
  }

  /** What the destination row says superseded the delivery: `superseded by msg_…`. */
  supersededBy(endpointId: string): Locator {
    return this.endpointRow(endpointId).getByTestId('superseded-by');
  }

  /** The notice shown instead of the payload once its retention ran out. */
  expiredNotice(): Locator {
    return this.console.testId('payload-expired');
  }

  resendButton(endpointId: string): Locator {
    return this.endpointRow(endpointId).getByTestId('resend-button');
  }

  /** Presses Resend for one endpoint and waits until the page reports the attempt it made. */
  async resend(endpointId: string): Promise<string> {
    const row = this.endpointRow(endpointId);
    const before = await this.attempts().count();
    await row.getByTestId('resend-button').click();
    const feedback = row.getByTestId('resend-feedback');
    await this.attempts().nth(before).waitFor({ timeout: 35_000 });
    await this.console.settle();
    return (await feedback.textContent()) ?? '';
  }
}

export class EndpointDetailPage {
  constructor(private readonly console: ConsoleBrowser) {}

  async waitFor(): Promise<void> {
    await this.console.testId('endpoint-detail-page').waitFor();
    await this.console.settle();
  }

  /** Presses Reveal and answers the secret the page then shows. */
  async revealSecret(): Promise<string> {
    await this.console.testId('secret-reveal').click();
    await this.console.testId('endpoint-secret').waitFor();
    return (await this.console.testId('endpoint-secret').textContent()) ?? '';
  }

  async hideSecret(): Promise<void> {
    await this.console.testId('secret-hide').click();
    await this.console.testId('secret-hidden').waitFor();
  }

  /** Presses Rotate; the rotation happens only once `confirmRotation` is called. */
  async askToRotateSecret(): Promise<void> {
    await this.console.testId('secret-rotate').click();
    await this.console.testId('secret-rotate-confirm').waitFor();
  }

  async confirmRotation(): Promise<void> {
    await this.console.testId('secret-rotate-confirm').click();
    await this.console.testId('secret-rotated').waitFor();
  }

  /** The rate limit as the page shows it, e.g. `5 messages/s` or `unlimited`. */
  async throttleRate(): Promise<string> {
    return (await this.console.testId('throttle-rate').textContent()) ?? '';
  }

  /** Edits the rate limit; `''` asks for no limit. Resolves once the page shows the saved value or an error. */
  async setThrottleRate(value: string): Promise<void> {
    if ((await this.console.testId('throttle-rate-form').count()) === 0) await this.console.testId('throttle-rate-edit').click();
    await this.console.testId('throttle-rate-input').fill(value);
    await this.console.testId('throttle-rate-save').click();
    await until(async () => (await this.console.testId('throttle-rate-form').count()) === 0 || (await this.console.testId('throttle-rate-error').count()) > 0);
  }

  /** Rows of "Messages sent to this endpoint". */
  messageRows(): Locator {
    return this.console.testId('endpoint-message-row');
  }

  async messageIds(): Promise<string[]> {
    return Promise.all((await this.messageRows().all()).map(async (row) => (await row.getAttribute('data-msg-id')) ?? ''));
  }

  /** Follows one of the list's links (pagination, filters) that draws the page anew, and waits for it. */
  async followAndWait(action: () => Promise<void>): Promise<void> {
    const shown = await this.console.testId('endpoint-detail-page').elementHandle();
    await action();
    await shown?.waitForElementState('hidden');
    await this.waitFor();
  }

  async filterMessagesByStatus(status: string): Promise<void> {
    await this.console.testId('endpoint-messages-status').selectOption(status);
    await this.followAndWait(() => this.console.testId('endpoint-messages-apply').click());
  }

  async openMessage(msgId: string): Promise<void> {
    await this.console.page.locator(`[data-testid="endpoint-message-row"][data-msg-id="${msgId}"]`).getByTestId('message-link').click();
    await this.console.message.waitFor();
  }

  /** Starts a recovery; `since` is a `datetime-local` value. */
  async recover(since: string, until?: string): Promise<void> {
    await this.console.testId('recover-since').fill(since);
    if (until) await this.console.testId('recover-until').fill(until);
    await this.console.testId('recover-submit').click();
    await this.console.testId('recover-status').waitFor();
  }

  /** Waits until the background task is no longer running and answers its final status. */
  async recoveryOutcome(timeout = 30_000): Promise<string> {
    const status = this.console.testId('recover-status');
    await until(async () => (await status.textContent()) !== 'running', 'the task to finish', timeout);
    return (await status.textContent()) ?? '';
  }
}
