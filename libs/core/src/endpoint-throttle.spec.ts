import { throttle, ThrottleDecision, throttleSchedule } from './endpoint-throttle';

/** One endpoint's throttle as Redis keeps it: the shared times and each waiting delivery's slot. */
class Endpoint {
  tat: number | null = null;
  queueEndsAt: number | null = null;
  readonly slots = new Map<string, number>();

  constructor(public rate: number) {}

  ask(delivery: string, now: number): ThrottleDecision {
    const step = throttle({ tat: this.tat, queueEndsAt: this.queueEndsAt, reservedSlot: this.slots.get(delivery) ?? null }, this.rate, now);
    this.tat = step.state.tat;
    this.queueEndsAt = step.state.queueEndsAt;
    if (step.state.reservedSlot === null) this.slots.delete(delivery);
    else this.slots.set(delivery, step.state.reservedSlot);
    return step.decision;
  }
}

/**
 * Deliveries arriving at `arrivals` (ms), each coming back when told to wait, plus `lateness(n)` ms as a
 * busy worker would. Returns when each was sent and how many times each asked.
 */
function run(
  endpoint: Endpoint,
  arrivals: number[],
  lateness: (n: number) => number = () => 0,
  nameOf: (index: number) => string = (index) => `d${index}`,
): { sentAt: number[]; asks: number[] } {
  const sentAt: number[] = [];
  const asks = arrivals.map(() => 0);
  const pending = arrivals.map((at, index) => ({ at, index }));
  let n = 0;
  while (pending.length > 0) {
    pending.sort((a, b) => a.at - b.at || a.index - b.index);
    const { at, index } = pending.shift()!;
    asks[index] += 1;
    const decision = endpoint.ask(nameOf(index), at);
    if (decision.kind === 'send') sentAt.push(at);
    else pending.push({ at: at + decision.waitMs + lateness(n++), index });
  }
  return { sentAt, asks };
}

/** Lateness of 0 to `maxMs` ms, the same on every run: Park and Miller's minimal standard generator. */
function seededLateness(seed: number, maxMs: number): () => number {
  let state = seed;
  return () => {
    state = (state * 16_807) % 2_147_483_647;
    return (state / 2_147_483_647) * maxMs;
  };
}

/** The most sends in any half-open window [t, t + windowMs). */
function busiestWindow(sentAt: number[], windowMs: number): number {
  const times = [...sentAt].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[j] < times[i] - windowMs + 1e-9) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

describe('throttle', () => {
  it('lets one second’s worth through at once, then hands each further delivery its own slot, one interval apart', () => {
    const endpoint = new Endpoint(5);
    const decisions = Array.from({ length: 8 }, (_, n) => endpoint.ask(`d${n}`, 1_000));

    expect(decisions.slice(0, 5)).toEqual(Array(5).fill({ kind: 'send' }));
    expect(decisions.slice(5)).toEqual([
      { kind: 'wait', waitMs: 200 },
      { kind: 'wait', waitMs: 400 },
      { kind: 'wait', waitMs: 600 },
    ]);
  });

  it('sends a delivery that comes back at its slot, and keeps the place of one that comes back early', () => {
    const endpoint = new Endpoint(2);
    endpoint.ask('a', 0);
    endpoint.ask('b', 0);
    expect(endpoint.ask('c', 0)).toEqual({ kind: 'wait', waitMs: 500 });
    expect(endpoint.ask('d', 0)).toEqual({ kind: 'wait', waitMs: 1_000 });

    expect(endpoint.ask('d', 900)).toEqual({ kind: 'wait', waitMs: 100 });
    expect(endpoint.ask('c', 520)).toEqual({ kind: 'send' });
    expect(endpoint.ask('d', 1_000)).toEqual({ kind: 'send' });
  });

  it('makes a newcomer wait behind deliveries holding slots, even when a send would conform', () => {
    const endpoint = new Endpoint(1);
    endpoint.ask('a', 0);
    expect(endpoint.ask('b', 0)).toEqual({ kind: 'wait', waitMs: 1_000 });

    expect(endpoint.ask('late', 1_000)).toEqual({ kind: 'wait', waitMs: 1_000 });
    expect(endpoint.ask('b', 1_010)).toEqual({ kind: 'send' });
  });

  it('sends a delivery that comes back less late than the one before it, at a rate of 1 where there is no burst to absorb it', () => {
    const endpoint = new Endpoint(1);
    endpoint.ask('a', 0);
    expect(endpoint.ask('b', 0)).toEqual({ kind: 'wait', waitMs: 1_000 });
    expect(endpoint.ask('c', 0)).toEqual({ kind: 'wait', waitMs: 2_000 });

    expect(endpoint.ask('b', 1_030)).toEqual({ kind: 'send' });
    expect(endpoint.ask('c', 2_005)).toEqual({ kind: 'send' });
  });

  it('lets one delivery that comes back seconds late still go, but then queues the next late one again at the end: two sends at most in any second at a rate of 1', () => {
    const endpoint = new Endpoint(1);
    endpoint.ask('a', 0);
    for (const delivery of ['b', 'c', 'd']) endpoint.ask(delivery, 0);

    expect(endpoint.ask('d', 3_000)).toEqual({ kind: 'send' });
    expect(endpoint.ask('b', 3_100)).toEqual({ kind: 'send' });
    expect(endpoint.ask('c', 3_200)).toEqual({ kind: 'wait', waitMs: 800 });
    expect(endpoint.ask('c', 4_000)).toEqual({ kind: 'send' });
  });

  it('spaces sends evenly at one per second for a rate of 1: no burst', () => {
    const { sentAt } = run(new Endpoint(1), [0, 0, 0, 0]);
    expect(sentAt).toEqual([0, 1_000, 2_000, 3_000]);
  });

  it('gives the burst back after a quiet second', () => {
    const endpoint = new Endpoint(4);
    expect(run(endpoint, Array(4).fill(0)).sentAt).toEqual([0, 0, 0, 0]);
    expect(run(endpoint, Array(4).fill(1_000)).sentAt).toEqual([1_000, 1_000, 1_000, 1_000]);
  });

  it('never exceeds rate × (t + 1), rounded up, in any t seconds, however late deliveries come back', () => {
    for (const rate of [1, 3, 5, 50]) {
      const arrivals = Array.from({ length: rate * 12 }, (_, n) => (n % 7) * 130);
      for (const lateness of [(n: number) => (n * 7919) % 700, seededLateness(rate, 3_000)]) {
        const { sentAt } = run(new Endpoint(rate), arrivals, lateness);

        expect(sentAt).toHaveLength(arrivals.length);
        for (const seconds of [0.5, 1, 3]) {
          expect(busiestWindow(sentAt, seconds * 1000)).toBeLessThanOrEqual(Math.ceil(rate * (seconds + 1)));
        }
      }
    }
  });

  it('drains a backlog at the planned pace, each delivery coming back once, when every return is 0–30 ms late', () => {
    const backlog = 200;
    for (const rate of [1, 2, 5, 50]) {
      const { sentAt, asks } = run(new Endpoint(rate), Array(backlog).fill(0), seededLateness(rate, 30));

      // A burst of `rate` at once, then one slot per interval for the rest, each sent up to 30 ms after its slot.
      expect(sentAt).toHaveLength(backlog);
      expect(Math.max(...sentAt)).toBeLessThanOrEqual(((backlog - rate) * 1000) / rate + 30);
      // Asked once on arrival and once back at its slot: none was sent to the end of the queue.
      expect(Math.max(...asks)).toBeLessThanOrEqual(2);
      expect(busiestWindow(sentAt, 1_000)).toBeLessThanOrEqual(2 * rate);
    }
  });

  it('serves a backlog with one return per delivery when each comes back at its slot: no herd', () => {
    const { sentAt, asks } = run(new Endpoint(10), Array(200).fill(0));

    expect(asks.every((count) => count <= 2)).toBe(true);
    expect(Math.max(...sentAt)).toBeCloseTo(19_000);
  });

  it('queues again at the end, without a herd, deliveries whose slots were handed out at a higher rate', () => {
    const endpoint = new Endpoint(100);
    const told = Array.from({ length: 150 }, (_, n) => endpoint.ask(`d${n}`, 0));
    expect(told.filter((decision) => decision.kind === 'wait')).toHaveLength(50);

    endpoint.rate = 2;
    const waiting = told.flatMap((decision, n) => (decision.kind === 'wait' ? [{ name: `d${n}`, slot: decision.waitMs }] : []));
    const { asks, sentAt } = run(
      endpoint,
      waiting.map((delivery) => delivery.slot),
      undefined,
      (index) => waiting[index].name,
    );
    // Each comes back at its old slot and is told once more when to come: about two asks a delivery, not one per freed slot.
    expect(asks.reduce((sum, count) => sum + count, 0)).toBeLessThanOrEqual(2 * waiting.length);
    expect(Math.max(...asks)).toBeLessThanOrEqual(3);
    expect(sentAt).toHaveLength(50);
    expect(busiestWindow(sentAt, 1_000)).toBeLessThanOrEqual(2 * 2);
  });

  it('derives the spacing and the one-second burst from the rate', () => {
    expect(throttleSchedule(4)).toEqual({ intervalMs: 250, toleranceMs: 750 });
    expect(throttleSchedule(1)).toEqual({ intervalMs: 1_000, toleranceMs: 0 });
  });
});
