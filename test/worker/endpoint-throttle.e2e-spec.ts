import { throttle, THROTTLE_RESERVATION_GRACE_MS, ThrottleDecision, throttleSchedule } from '@app/core';
import IORedis from 'ioredis';
import { RedisEndpointThrottle, THROTTLE_SCRIPT, throttleKey } from '../../apps/worker/src/delivery/endpoint-throttle';
import { createTestEnvironment, TestEnvironment } from '../support/test-environment';

/** The shared limiter against the real Redis: the Lua script, and the class the workers use. */
describe('The endpoint throttle in Redis', () => {
  let environment: TestEnvironment;
  const connections: IORedis[] = [];

  beforeAll(async () => {
    environment = await createTestEnvironment();
  });

  afterAll(async () => {
    for (const connection of connections) connection.disconnect();
    await environment?.dispose();
  });

  function connect(): IORedis {
    const connection = new IORedis(environment.redisUrl, { maxRetriesPerRequest: 1 });
    connections.push(connection);
    return connection;
  }

  it('runs the same arithmetic as libs/core, ask by ask, with deliveries coming back early, on time and late, and the rate changing', async () => {
    const redis = connect();
    const key = throttleKey(environment.queuePrefix, 'ep_script');
    const model = { tat: null as number | null, queueEndsAt: null as number | null, slots: new Map<string, number>() };
    let seed = 7;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    let now = 1_900_000_000_000.25;
    const outstanding: { holder: string; at: number }[] = [];
    let next = 0;
    // How often a delivery came back late for its slot, and how often one was let through only by the
    // interval of tolerance a returning delivery gets, or turned away even with it.
    const seen = { late: 0, sentOnReturnTolerance: 0, requeuedAfterItsSlot: 0 };

    for (let ask = 0; ask < 700; ask++) {
      const rate = ask < 250 ? 7 : ask < 500 ? 1 : 3;
      // Newcomers, and deliveries coming back for the slot they were given: mostly the next in line, a few
      // ms early to a few tens late, as BullMQ returns them; sometimes any of them, up to seconds late.
      let holder: string;
      if (outstanding.length > 0 && random() < 0.6) {
        outstanding.sort((a, b) => a.at - b.at);
        const inLine = random() < 0.7;
        const back = outstanding.splice(inLine ? 0 : Math.floor(random() * outstanding.length), 1)[0];
        holder = back.holder;
        now = Math.max(now, back.at + (inLine ? random() * 40 - 5 : (random() - 0.2) * 1_500));
        if (now > back.at) seen.late += 1;
      } else {
        holder = `dlv_${next++}:1`;
        now += random() * 150;
      }

      const reservedSlot = model.slots.get(holder) ?? null;
      const step = throttle({ tat: model.tat, queueEndsAt: model.queueEndsAt, reservedSlot }, rate, now);
      if (reservedSlot !== null && reservedSlot <= now) {
        const conformsAsNewcomer = Math.max(model.tat ?? now, now) - throttleSchedule(rate).toleranceMs <= now;
        if (step.decision.kind === 'send' && !conformsAsNewcomer) seen.sentOnReturnTolerance += 1;
        if (step.decision.kind === 'wait') seen.requeuedAfterItsSlot += 1;
      }
      model.tat = step.state.tat;
      model.queueEndsAt = step.state.queueEndsAt;
      if (step.state.reservedSlot === null) model.slots.delete(holder);
      else model.slots.set(holder, step.state.reservedSlot);
      const expected: ThrottleDecision = step.decision.kind === 'send' ? step.decision : { kind: 'wait', waitMs: Math.ceil(step.decision.waitMs) };

      const [send, waitMs] = (await redis.eval(THROTTLE_SCRIPT, 1, key, holder, rate, THROTTLE_RESERVATION_GRACE_MS, now)) as [number, number];
      const actual: ThrottleDecision = send === 1 ? { kind: 'send' } : { kind: 'wait', waitMs };
      expect({ ask, holder, decision: actual }).toEqual({ ask, holder, decision: expected });
      if (actual.kind === 'wait') outstanding.push({ holder, at: now + actual.waitMs });
    }
    expect(seen.late).toBeGreaterThan(100);
    expect(seen.sentOnReturnTolerance).toBeGreaterThan(5);
    expect(seen.requeuedAfterItsSlot).toBeGreaterThan(5);
  });

  it('holds every worker to one limit: two connections asking at once share one burst and get distinct slots', async () => {
    const workers = [new RedisEndpointThrottle(connect(), environment.queuePrefix), new RedisEndpointThrottle(connect(), environment.queuePrefix)];

    const decisions = await Promise.all(Array.from({ length: 12 }, (_, n) => workers[n % 2].admit('ep_shared', 5, `dlv_${n}:1`)));

    expect(decisions.filter((decision) => decision.kind === 'send')).toHaveLength(5);
    const waits = decisions.flatMap((decision) => (decision.kind === 'wait' ? [decision.waitMs] : [])).sort((a, b) => a - b);
    expect(waits).toHaveLength(7);
    // One slot each, one interval (200 ms) apart, measured on Redis' clock while the asks were in flight.
    for (const [index, wait] of waits.entries()) {
      expect(wait).toBeGreaterThan(200 * (index + 1) - 100);
      expect(wait).toBeLessThanOrEqual(200 * (index + 1));
    }
  });

  it('keeps one key per endpoint under the queue prefix, expiring once the endpoint has been quiet for the grace period', async () => {
    const redis = connect();
    const sut = new RedisEndpointThrottle(redis, environment.queuePrefix);
    await sut.admit('ep_expiring', 1, 'dlv_a:1');
    await sut.admit('ep_expiring', 1, 'dlv_b:1');

    const key = `${environment.queuePrefix}:throttle:ep_expiring`;
    const ttl = await redis.pttl(key);
    expect(ttl).toBeGreaterThan(THROTTLE_RESERVATION_GRACE_MS);
    expect(ttl).toBeLessThanOrEqual(THROTTLE_RESERVATION_GRACE_MS + 2_000);
    expect(await redis.zrange(key, 0, -1)).toEqual(expect.arrayContaining(['tat', 'queue-end', 'dlv_b:1']));
  });

  it('starts again from a quiet endpoint when Redis loses the key: one more burst, and a waiting delivery is served as a newcomer', async () => {
    const redis = connect();
    const sut = new RedisEndpointThrottle(redis, environment.queuePrefix);
    for (let n = 0; n < 3; n++) expect(await sut.admit('ep_flushed', 3, `dlv_${n}:1`)).toEqual({ kind: 'send' });
    expect((await sut.admit('ep_flushed', 3, 'dlv_waiting:1')).kind).toBe('wait');

    expect(await environment.flushQueueKeys()).toBeGreaterThan(0);

    expect(await sut.admit('ep_flushed', 3, 'dlv_waiting:1')).toEqual({ kind: 'send' });
    expect(await sut.admit('ep_flushed', 3, 'dlv_new_1:1')).toEqual({ kind: 'send' });
    expect(await sut.admit('ep_flushed', 3, 'dlv_new_2:1')).toEqual({ kind: 'send' });
    expect((await sut.admit('ep_flushed', 3, 'dlv_new_3:1')).kind).toBe('wait');
  });
});
