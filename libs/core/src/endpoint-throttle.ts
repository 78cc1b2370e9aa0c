/** Svix types `throttleRate` as a uint16; 0 would stop delivery altogether, which is what disabling is for. */
export const THROTTLE_RATE_MIN = 1;
export const THROTTLE_RATE_MAX = 65_535;

/** A waiting delivery's place is kept this long past its slot; a delivery later than that queues afresh. */
export const THROTTLE_RESERVATION_GRACE_MS = 5 * 60_000;

/**
 * What the throttle of one endpoint knows when one delivery asks to be sent. Times are epoch ms.
 *
 * - `tat`: GCRA's theoretical arrival time of the sends so far; a send conforms while
 *   `tat - now <= tolerance` (one interval more for a delivery coming back for its slot). Null (or
 *   past) means the endpoint has been quiet.
 * - `queueEndsAt`: the first slot not yet handed to a waiting delivery. Null (or past) means none waits.
 * - `reservedSlot`: the slot this delivery was handed when it was told to wait, if it was.
 */
export interface ThrottleState {
  tat: number | null;
  queueEndsAt: number | null;
  reservedSlot: number | null;
}

export type ThrottleDecision = { kind: 'send' } | { kind: 'wait'; waitMs: number };

export interface ThrottleStep {
  decision: ThrottleDecision;
  /** The state to store; `reservedSlot` null means the delivery holds no slot any more. */
  state: ThrottleState;
}

/** The spacing of sends at `ratePerSecond`, and the burst allowance: one second's worth of sends at once. */
export function throttleSchedule(ratePerSecond: number): { intervalMs: number; toleranceMs: number } {
  const intervalMs = 1000 / ratePerSecond;
  return { intervalMs, toleranceMs: 1000 - intervalMs };
}

/**
 * Decides whether one delivery to a throttled endpoint may be sent now, and if not, when to come back.
 *
 * Sends are limited by GCRA (the generic cell rate algorithm): after a quiet spell `ratePerSecond`
 * deliveries may go at once, then one every `1000 / ratePerSecond` ms; over any t seconds at most
 * `ratePerSecond × (t + 1)` are sent (rounded up). Every send is checked against it, so the limit holds
 * however late or early deliveries come back.
 *
 * A delivery that may not go is handed the next free slot and told to wait until then, so a backlog
 * comes back one delivery per slot instead of all at once every time a slot frees up. A delivery that
 * comes back with a slot goes ahead of newcomers; one whose slot was taken meanwhile (a newcomer got
 * there first, or the rate was lowered) queues again at the end.
 *
 * A delivery coming back for its slot is allowed one interval more than the burst tolerance. Deliveries
 * come back a few ms late, each by a different few; at a rate of 1 the tolerance is 0, so without
 * that allowance one coming back less late than the one before it would not conform, lose its place and
 * leave its slot unused. With it, two sends can be closer than strict GCRA allows, which is why the
 * bound is "at most": GCRA lets fewer than (W + tolerance) / interval + 1 sends through in any W ms, and
 * one interval more of tolerance adds one send to that.
 *
 * The Lua script in the worker's RedisEndpointThrottle runs this same arithmetic atomically in Redis.
 */
export function throttle(state: ThrottleState, ratePerSecond: number, now: number): ThrottleStep {
  if (state.reservedSlot !== null && state.reservedSlot > now) {
    return { decision: { kind: 'wait', waitMs: state.reservedSlot - now }, state };
  }
  const { intervalMs, toleranceMs } = throttleSchedule(ratePerSecond);
  const tat = Math.max(state.tat ?? now, now);
  const slackMs = state.reservedSlot === null ? toleranceMs : toleranceMs + intervalMs;
  const conformsAt = tat - slackMs;
  const queueEndsAt = Math.max(state.queueEndsAt ?? now, now);
  const mayGo = conformsAt <= now && (state.reservedSlot !== null || queueEndsAt <= now);
  if (mayGo) {
    return { decision: { kind: 'send' }, state: { tat: tat + intervalMs, queueEndsAt: state.queueEndsAt, reservedSlot: null } };
  }
  const slot = Math.max(queueEndsAt, conformsAt);
  return { decision: { kind: 'wait', waitMs: slot - now }, state: { tat: state.tat, queueEndsAt: slot + intervalMs, reservedSlot: slot } };
}
