import { Pool } from 'undici';
import { ApiProcess } from '../support/api-process';
import { TcpProxy } from '../support/tcp-proxy';
import { createTestEnvironment, TestEnvironment } from '../support/test-environment';
import { until } from '../support/until';

const LIMIT = 40;
/** Requests each process is sent per second: alone, each would admit the whole limit every window. */
const RATE_PER_PROCESS = 100;
/** The README's bound: what the other process admits in about two reconcile intervals and a round trip. */
const OVERSHOOT = RATE_PER_PROCESS * 0.2;

interface Answer {
  status: number;
  /** The server's clock second when it answered (its `Date` header): the window the request was counted in, as near as a client can tell. */
  second: string;
}

/** Two real API processes on one database, counting one token against one limit through a Redis that the test can cut. */
describe('API rate limit across API processes', () => {
  let environment: TestEnvironment;
  let redis: TcpProxy;
  let apis: ApiProcess[] = [];
  let pools: Pool[] = [];
  let token: string;

  beforeAll(async () => {
    environment = await createTestEnvironment({ IDEM_API_RATE_LIMIT: String(LIMIT) });
    redis = await TcpProxy.start(new URL(environment.redisUrl));
    const env = { ...environment.env, REDIS_URL: `redis://127.0.0.1:${redis.port}` };
    apis = await Promise.all([ApiProcess.start(env, 60_000), ApiProcess.start(env, 60_000)]);
    pools = apis.map((api) => new Pool(api.url, { connections: 8 }));
    const created = await fetch(`${apis[0].url}/api/v1/auth/token`, {
      method: 'POST',
      headers: { authorization: `Bearer ${environment.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'busy' }),
    });
    token = ((await created.json()) as { token: string }).token;
  });

  afterAll(async () => {
    await Promise.all(pools.map((pool) => pool.close()));
    await Promise.all(apis.map((api) => api.stop()));
    await redis?.close();
    await environment?.dispose();
  });

  async function get(pool: Pool): Promise<Answer> {
    const response = await pool.request({ path: '/api/v1/event-type', method: 'GET', headers: { authorization: `Bearer ${token}` } });
    await response.body.dump();
    return { status: response.statusCode, second: String(response.headers.date) };
  }

  /** `RATE_PER_PROCESS` requests a second to each process, evenly spaced, for `seconds`. */
  async function steadyLoad(seconds: number): Promise<Answer[]> {
    const started = Date.now();
    const answers: Promise<Answer>[] = [];
    for (let i = 0; i < seconds * RATE_PER_PROCESS; i++) {
      const wait = started + (i * 1000) / RATE_PER_PROCESS - Date.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      for (const pool of pools) answers.push(get(pool));
    }
    return Promise.all(answers);
  }

  function burst(pool: Pool, count: number): Promise<Answer[]> {
    return Promise.all(Array.from({ length: count }, () => get(pool)));
  }

  it('admits about the limit per second in total, within the stated overshoot, not the limit per process', async () => {
    const answers = await steadyLoad(4);
    // Had a batch failed or been late, the limit would have been lifted for a second, rightly.
    expect(apis.map((api) => api.log).join('')).not.toContain('API rate limit not enforced');

    const admittedByWindow = new Map<string, number>();
    for (const answer of answers) admittedByWindow.set(answer.second, (admittedByWindow.get(answer.second) ?? 0) + (answer.status === 200 ? 1 : 0));
    // The first and last windows were only partly loaded.
    const windows = [...admittedByWindow.keys()].slice(1, -1);
    expect(windows.length).toBeGreaterThanOrEqual(2);
    for (const window of windows) {
      // A few requests near a window's edge are told apart from the next window's only roughly.
      expect(admittedByWindow.get(window)).toBeGreaterThanOrEqual(LIMIT * 0.75);
      expect(admittedByWindow.get(window)).toBeLessThanOrEqual(LIMIT + OVERSHOOT);
    }
    expect(answers.every((answer) => answer.status === 200 || answer.status === 429)).toBe(true);
  });

  it('fails open while Redis is unreachable, promptly, and enforces the limit again once it is back', async () => {
    await redis.cut();

    // Requests admitted just before the cut may still be refused until a process has found Redis gone.
    const bothProcesses = async (count: number) => (await Promise.all(pools.map((pool) => burst(pool, count)))).flat();
    await until(async () => (await bothProcesses(LIMIT * 2)).every((answer) => answer.status === 200), 'the limit to be lifted while Redis is down', 10_000);
    const started = Date.now();
    const during = [...(await bothProcesses(LIMIT * 2)), ...(await bothProcesses(LIMIT * 2))];
    expect(during.filter((answer) => answer.status !== 200)).toEqual([]);
    expect(Date.now() - started).toBeLessThan(5_000);

    await redis.restore();
    await until(async () => (await burst(pools[1], LIMIT * 2)).some((answer) => answer.status === 429), 'the limit to be enforced again', 20_000, 200);
  });
});
