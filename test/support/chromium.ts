import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** Debian's `chromium` package (elsewhere, TEST_CHROMIUM_PATH); Playwright's own browser downloads are not used. */
export const CHROMIUM_PATH = process.env.TEST_CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Set by `.ci/run`, which installs Chromium first: there a missing browser is a broken CI machine, and
 * the console suite must fail rather than be skipped.
 */
const REQUIRED = process.env.TEST_REQUIRE_CHROMIUM === 'true';

/** Why the console cannot be tested here, or undefined when it can. */
export const chromiumMissing: string | undefined = existsSync(CHROMIUM_PATH)
  ? undefined
  : `${CHROMIUM_PATH} is missing (apt-get install -y chromium; .ci/run installs it)`;

if (chromiumMissing !== undefined && REQUIRED) {
  throw new Error(`TEST_REQUIRE_CHROMIUM=true, but ${chromiumMissing}`);
}

export const chromiumAvailable = chromiumMissing === undefined;

/**
 * `describe` for suites that drive Chromium. Without it the suite is skipped, and says why: in its
 * name, which jest's summary shows, and in a warning.
 */
export function describeInChromium(name: string, suite: () => void): void {
  if (chromiumMissing === undefined) return describe(name, suite);
  console.warn(`Skipping "${name}": ${chromiumMissing}.`);
  describe.skip(`${name} (skipped: ${chromiumMissing})`, suite);
}

/**
 * Headless Chromium for end-to-end tests of the console. The flags keep it from talking to
 * anything but the page under test (no updates, sync or background fetches).
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
