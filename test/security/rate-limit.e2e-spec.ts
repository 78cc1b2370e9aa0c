import { startApi } from '../support/api-server';
import { until } from '../support/until';
import { RawResponse, sendRequest, SecuritySuite, startSecuritySuite } from './support/security-suite';

const LIMIT = 5;

describe('API rate limit per token', () => {
  let suite: SecuritySuite;
  let second: Awaited<ReturnType<typeof startApi>>;

  beforeAll(async () => {
    suite = await startSecuritySuite({ IDEM_API_RATE_LIMIT: String(LIMIT) });
    second = await startApi(suite.environment.env);
  });

  afterAll(async () => {
    await second?.close();
    await suite?.close();
  });

  /** A burst of requests, all sent at once so that they fall in one one-second window. */
  function burst(count: number, token: string, port?: number): Promise<RawResponse[]> {
    const request = { method: 'GET', path: '/api/v1/app', token };
    return Promise.all(
      Array.from({ length: count }, () => (port === undefined ? suite.send(request) : sendRequest(port, suite.environment.adminToken, request))),
    );
  }

  it('answers 429 in Svix shape with Retry-After past the limit, for that token only', async () => {
    const { token } = await suite.createToken('busy');
    const { token: other } = await suite.createToken('quiet');

    const answers = await burst(LIMIT * 3, token);

    const refused = answers.filter((answer) => answer.status === 429);
    expect(answers.filter((answer) => answer.status === 200).length).toBeLessThanOrEqual(LIMIT * 2);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0].body).toEqual({ code: 'rate_limited', detail: expect.stringContaining(`${LIMIT} requests per second`) });
    expect(Number(refused[0].headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect((await suite.send({ method: 'GET', path: '/api/v1/app', token: other })).status).toBe(200);
    expect((await suite.send({ method: 'GET', path: '/api/v1/health', token: null })).status).toBe(204);
  });

  it('lets the token through again once the window is over', async () => {
    const { token } = await suite.createToken('patient');
    await burst(LIMIT * 2, token);

    await new Promise((resolve) => setTimeout(resolve, 1_100));

    expect((await suite.send({ method: 'GET', path: '/api/v1/app', token })).status).toBe(200);
  });

  it('counts one token across API processes: a process refuses what another used up, once it has heard', async () => {
    const { token } = await suite.createToken('everywhere');
    const secondPort = Number(new URL(second.url).port);
    // Early in a window, so that both bursts fall in it.
    await new Promise((resolve) => setTimeout(resolve, 1_050 - (Date.now() % 1_000)));

    const first = await burst(LIMIT, token);
    // A process learns the others' count when it reports its own, at most 50 ms after it admitted a
    // request: what it admits before that is the overshoot the README states.
    await until(async () => (await burst(1, token, secondPort))[0].status === 429, 'the second process to refuse', 500, 20);
    const fromSecond = await burst(LIMIT, token, secondPort);

    expect(first.every((answer) => answer.status === 200)).toBe(true);
    // The second process alone would have let all of its requests through.
    expect(fromSecond.map((answer) => answer.status)).toEqual(Array(LIMIT).fill(429));
  });

  it('does not count a request that failed authentication', async () => {
    const answers = await burst(LIMIT * 2, 'idem_not-a-real-token-not-a-real-token-not-a-rea');
    expect(answers.every((answer) => answer.status === 401)).toBe(true);
  });
});

describe('API rate limit with Redis down', () => {
  let suite: SecuritySuite;

  beforeAll(async () => {
    // Nothing listens on port 1: Redis is unreachable for the whole suite.
    suite = await startSecuritySuite({ REDIS_URL: 'redis://127.0.0.1:1', IDEM_API_RATE_LIMIT: '1' });
  });

  afterAll(async () => {
    await suite?.close();
  });

  it('fails open: every request is served, promptly, although the limit is 1 per second', async () => {
    const started = Date.now();
    const answers: number[] = [];
    for (let i = 0; i < 10; i++) answers.push((await suite.send({ method: 'GET', path: '/api/v1/app' })).status);
    const created = await suite.send({ method: 'POST', path: '/api/v1/app', body: { name: 'Without Redis' } });

    expect(answers).toEqual(Array(10).fill(200));
    expect(created.status).toBe(201);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
