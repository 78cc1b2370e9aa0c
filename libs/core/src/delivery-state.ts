/**
 * The life of one delivery: one message to one endpoint. Every change of a delivery's status in
 * the database goes through a transition named here, so adding an outcome (for example "superseded"
 * when a newer version of an entity makes a message pointless) means adding it here first.
 *
 *   pending ──claim──▶ sending ──succeed──▶ succeeded
 *    │ ▲                 │ │ │
 *    │ │◀──retry─────────┘ │ └──exhaust──▶ failed
 *    │ │                   └──cancel───▶ canceled   (endpoint disabled or gone)
 *    │ │◀──leaseExpire── sending whose lease ran out (its worker died)
 *    │ │◀──throttle───── sending whose endpoint's rate limit says "not yet" (nothing was sent)
 *    ├──expungePending──▶ canceled   (its message's payload was expunged; `cancelExpunged` from sending)
 *    └──supersede───────▶ superseded (a newer state of its entity was accepted for the same endpoint)
 *   sending ──supersedeInFlight──▶ superseded (the same, found when its attempt failed or its worker died)
 *   sending ──resolveStale──▶ stale  (the receiver answered `webhook-outcome: stale`)
 *
 * Ordered lanes (event types with `ordering: "entity"`): one delivery per (endpoint, entity) is in flight,
 * the lane's head; the others wait their turn.
 *
 *   pending ──hold──▶ queued ──promote──▶ pending   (claimed behind its lane's head; due again when the head finishes)
 *   sending ──block──▶ blocked ──resendSucceed──▶ succeeded   (`onExhausted: "block"`: the lane waits for a resend)
 *
 * `hold`: a claim found an earlier unfinished delivery of the same entity to the same endpoint; nothing
 * was sent and no job waits for it. `promote`: the head before it reached a final status (or was
 * superseded), so it is due now and enqueued; the sweeper promotes lanes whose promotion was lost.
 * `block`: the head of a lane whose event type says `onExhausted: "block"` ran out of attempts; unlike
 * `failed` it still holds its lane, until a manual resend (or a recovery) delivers it. With
 * `onExhausted: "skip"` the head takes `exhaust` and the lane moves on.
 *
 * `reclaim` is claim and leaseExpire in one step: a worker may take over a delivery whose lease expired.
 * `throttle` hands a claimed delivery back, due when the endpoint's rate limit has room for it: no
 * attempt was made, so none is recorded and the attempt number stays; it is the same wait as a job
 * arriving early, not a failure.
 * `expungePending` and `cancelExpunged`: the message's payload was expunged on request (Svix's "delete
 * message payload") while the delivery still had attempts to make, so nothing is left to send. The API
 * applies `expungePending` to the message's pending deliveries as it expunges; a worker applies
 * `cancelExpunged` to a delivery it claims afterwards (one whose attempt was in flight then and is now
 * due for a retry).
 * `supersede`: the message is the state of an entity (an event type with `semantics: "state"`) and a
 * newer version of that entity was accepted with a delivery to the same endpoint: sending the older one
 * would only be overwritten, so it is never sent.
 * `supersedeInFlight`: the same for a delivery that was in flight when the newer state was accepted. Its
 * attempt finishes; if it failed, the record supersedes it instead of scheduling a retry, and if its
 * worker died (its lease ran out) the claim that would take it over (`reclaim`) supersedes it instead.
 * `resolveStale`: the receiver answered (2xx or 409) with `webhook-outcome: stale`: it holds a newer
 * version of the entity than the message carries. Resolved, never retried, and not a failure.
 * `resendSucceed`: a manual resend that succeeded delivers a delivery that was waiting for a retry, had
 * failed or was canceled; one that fails changes nothing, and scheduled retries go on as planned.
 */
export enum DeliveryStatus {
  /** Waiting for its next attempt, due at `nextAttemptAt`. */
  Pending = 'pending',
  /** Claimed by a worker that holds a lease until `leaseExpiresAt`. */
  Sending = 'sending',
  Succeeded = 'succeeded',
  /** Every scheduled attempt failed. */
  Failed = 'failed',
  /** Not sent because its endpoint was disabled when the attempt came due, or its message's payload was expunged. */
  Canceled = 'canceled',
  /** Not sent (again) because a newer state of its entity was accepted for the same endpoint. */
  Superseded = 'superseded',
  /** The receiver refused it as older than what it holds (`webhook-outcome: stale`): resolved, not a failure. */
  Stale = 'stale',
  /** Waiting behind the head of its ordered lane (same endpoint, same entity); due again when the head finishes. */
  Queued = 'queued',
  /** The head of an ordered lane that ran out of attempts with `onExhausted: "block"`: its lane waits for a resend. */
  Blocked = 'blocked',
}

export enum DeliveryTransition {
  Claim = 'claim',
  Reclaim = 'reclaim',
  Succeed = 'succeed',
  Retry = 'retry',
  Exhaust = 'exhaust',
  LeaseExpire = 'leaseExpire',
  Cancel = 'cancel',
  CancelExpunged = 'cancelExpunged',
  ExpungePending = 'expungePending',
  ResendSucceed = 'resendSucceed',
  Throttle = 'throttle',
  Supersede = 'supersede',
  SupersedeInFlight = 'supersedeInFlight',
  ResolveStale = 'resolveStale',
  Hold = 'hold',
  Promote = 'promote',
  Block = 'block',
}

export const DELIVERY_TRANSITIONS: Readonly<
  Record<DeliveryTransition, { from: readonly DeliveryStatus[]; to: DeliveryStatus }>
> = {
  [DeliveryTransition.Claim]: { from: [DeliveryStatus.Pending], to: DeliveryStatus.Sending },
  [DeliveryTransition.Reclaim]: { from: [DeliveryStatus.Sending], to: DeliveryStatus.Sending },
  [DeliveryTransition.Succeed]: { from: [DeliveryStatus.Sending], to: DeliveryStatus.Succeeded },
  [DeliveryTransition.Retry]: { from: [DeliveryStatus.Sending], to: DeliveryStatus.Pending },
  [DeliveryTransition.Exhaust]: { from: [DeliveryStatus.Sending], to: DeliveryStatus.Failed },
  [DeliveryTransition.LeaseExpire]: { from: [DeliveryStatus.Sending], to: DeliveryStatus.Pending },
  [DeliveryTransition.Cancel]: { from: [DeliveryStatus.Sending], to: DeliveryStatus.Canceled },
  [DeliveryTransition.CancelExpunged]: { from: [DeliveryStatus.Sending], to: DeliveryStatus.Canceled },
  [DeliveryTransition.ExpungePending]: { from: [DeliveryStatus.Pending, DeliveryStatus.Queued, DeliveryStatus.Blocked], to: DeliveryStatus.Canceled },
  [DeliveryTransition.Throttle]: { from: [DeliveryStatus.Sending], to: DeliveryStatus.Pending },
  [DeliveryTransition.Supersede]: { from: [DeliveryStatus.Pending, DeliveryStatus.Queued], to: DeliveryStatus.Superseded },
  [DeliveryTransition.SupersedeInFlight]: { from: [DeliveryStatus.Sending], to: DeliveryStatus.Superseded },
  [DeliveryTransition.ResolveStale]: { from: [DeliveryStatus.Sending], to: DeliveryStatus.Stale },
  [DeliveryTransition.ResendSucceed]: {
    from: [DeliveryStatus.Pending, DeliveryStatus.Failed, DeliveryStatus.Canceled, DeliveryStatus.Blocked],
    to: DeliveryStatus.Succeeded,
  },
  [DeliveryTransition.Hold]: { from: [DeliveryStatus.Pending], to: DeliveryStatus.Queued },
  [DeliveryTransition.Promote]: { from: [DeliveryStatus.Queued], to: DeliveryStatus.Pending },
  [DeliveryTransition.Block]: { from: [DeliveryStatus.Sending], to: DeliveryStatus.Blocked },
};

/**
 * The response header, and its value, with which a receiver refuses a delivery as stale (see `ResolveStale`).
 * The wire protocol Idem shares with receivers: `libs/sdk` (published on its own) declares the same names.
 */
export const OUTCOME_HEADER = 'webhook-outcome';
export const STALE_OUTCOME = 'stale';

/** Request headers naming the entity of a message whose event type has a retry-safety contract. */
export const ENTITY_HEADER = 'idem-entity';
export const ENTITY_VERSION_HEADER = 'idem-entity-version';

/** The `idem-entity` header's value: `<entity>:<id, percent-encoded>`. */
export function entityHeaderValue(name: string, id: string): string {
  return `${name}:${encodeURIComponent(id)}`;
}

/*
 * The SQL the repositories run is written from the table above, never by hand: a condition "may take
 * this transition" and the status it leads to. Statuses are this enum's members, never input, so they
 * are safe as quoted literals (the planner then matches the partial indexes on `status = 'pending'`).
 */

/** `'pending', 'sending'`: statuses as a SQL list of literals. */
function sqlLiterals(statuses: readonly DeliveryStatus[]): string {
  return statuses.map((status) => `'${status}'`).join(', ');
}

/** SQL for "the status is one of `statuses`". */
export function sqlStatusIn(statuses: readonly DeliveryStatus[], column = 'status'): string {
  return statuses.length === 1 ? `${column} = '${statuses[0]}'` : `${column} IN (${sqlLiterals(statuses)})`;
}

/** SQL for "the delivery may take `transition`": its status is one the transition leaves. */
export function sqlStatusMayTake(transition: DeliveryTransition, column = 'status'): string {
  return sqlStatusIn(DELIVERY_TRANSITIONS[transition].from, column);
}

/**
 * SQL for "the delivery may take whichever of `transitions` its row names": the statuses every one of
 * them leaves, for one statement that applies several (recording a batch of outcomes).
 */
export function sqlStatusMayTakeEach(transitions: readonly DeliveryTransition[], column = 'status'): string {
  const [first, ...rest] = transitions.map((transition) => DELIVERY_TRANSITIONS[transition].from);
  const shared = first.filter((status) => rest.every((from) => from.includes(status)));
  if (shared.length === 0) throw new Error(`no status may take all of ${transitions.join(', ')}`);
  return sqlStatusIn(shared, column);
}

/**
 * SQL for the status after the first of `transitions` that the row's status may take (null if none), for
 * one statement that moves rows of several statuses: `CASE WHEN status = 'sending' THEN 'superseded' … END`.
 */
export function sqlStatusAfterWhichever(transitions: readonly DeliveryTransition[], column = 'status'): string {
  const branches = transitions.map((transition) => `WHEN ${sqlStatusMayTake(transition, column)} THEN ${sqlStatusAfter(transition)}`);
  return `CASE ${branches.join(' ')} END`;
}

/** The status `transition` leads to, as a SQL literal: `'sending'`. */
export function sqlStatusAfter(transition: DeliveryTransition): string {
  return `'${DELIVERY_TRANSITIONS[transition].to}'`;
}

/** The status a delivery moves to, after checking that `transition` may leave `from`. */
export function nextDeliveryStatus(from: DeliveryStatus, transition: DeliveryTransition): DeliveryStatus {
  const rule = DELIVERY_TRANSITIONS[transition];
  if (!rule.from.includes(from)) throw new Error(`a ${from} delivery cannot ${transition}`);
  return rule.to;
}

/** Statuses no scheduled attempt leaves; only a manual resend moves a failed or canceled delivery on. */
export const FINAL_DELIVERY_STATUSES: readonly DeliveryStatus[] = [
  DeliveryStatus.Succeeded,
  DeliveryStatus.Failed,
  DeliveryStatus.Canceled,
  DeliveryStatus.Superseded,
  DeliveryStatus.Stale,
];

/**
 * Statuses a manual resend leaves alone: a superseded or stale delivery carries an older state than the
 * receiver holds or is being sent, and resending it would take the receiver back in time.
 */
export const UNRESENDABLE_DELIVERY_STATUSES: readonly DeliveryStatus[] = [DeliveryStatus.Superseded, DeliveryStatus.Stale];

/** The status a delivery is created with. */
export const INITIAL_DELIVERY_STATUS = DeliveryStatus.Pending;

/** Statuses of a delivery that still has to arrive: waiting for an attempt, being sent, or holding its lane. */
export const UNFINISHED_DELIVERY_STATUSES: readonly DeliveryStatus[] = Object.values(DeliveryStatus).filter(
  (status) => !FINAL_DELIVERY_STATUSES.includes(status),
);

/** Transitions taken only when someone asks (a manual resend or a recovery, an expunge through the API); the others are the scheduled path's. */
const ON_REQUEST_TRANSITIONS: readonly DeliveryTransition[] = [DeliveryTransition.ResendSucceed, DeliveryTransition.ExpungePending];

/**
 * Statuses no transition of the scheduled path leaves, read from the table: the final ones, and
 * `blocked`, which holds its lane until someone resends it. Nothing will happen to such a delivery on
 * its own.
 */
export const SETTLED_DELIVERY_STATUSES: readonly DeliveryStatus[] = Object.values(DeliveryStatus).filter(
  (status) =>
    !(Object.keys(DELIVERY_TRANSITIONS) as DeliveryTransition[]).some(
      (transition) => !ON_REQUEST_TRANSITIONS.includes(transition) && DELIVERY_TRANSITIONS[transition].from.includes(status),
    ),
);

/**
 * Statuses a recovery (Svix's "recover failed messages") resends: those that failed to arrive. A pending
 * delivery counts only once an attempt has failed (the repository adds that condition).
 */
export const RECOVERABLE_DELIVERY_STATUSES: readonly DeliveryStatus[] = DELIVERY_TRANSITIONS[DeliveryTransition.ResendSucceed].from;

export enum AttemptOutcome {
  Succeeded = 'succeeded',
  Failed = 'failed',
}

export enum AttemptTrigger {
  Scheduled = 'scheduled',
  Manual = 'manual',
}

/** Svix's numeric `MessageStatus`, used on the wire for attempts and deliveries. */
export enum SvixMessageStatus {
  Success = 0,
  Pending = 1,
  Fail = 2,
  Sending = 3,
  Canceled = 4,
}

export function svixStatusOfDelivery(status: DeliveryStatus): SvixMessageStatus {
  switch (status) {
    case DeliveryStatus.Pending:
    // Svix has no lanes: waiting behind the head of its lane is waiting for an attempt.
    case DeliveryStatus.Queued:
      return SvixMessageStatus.Pending;
    case DeliveryStatus.Sending:
      return SvixMessageStatus.Sending;
    case DeliveryStatus.Succeeded:
    // Svix has no such state: the receiver answered, and nothing is left to do.
    case DeliveryStatus.Stale:
      return SvixMessageStatus.Success;
    case DeliveryStatus.Failed:
    // Its attempts ran out, as a failed one's did; it differs only in holding its lane.
    case DeliveryStatus.Blocked:
      return SvixMessageStatus.Fail;
    case DeliveryStatus.Canceled:
    // Svix has no such state; like a canceled delivery, it was resolved without being sent.
    case DeliveryStatus.Superseded:
      return SvixMessageStatus.Canceled;
  }
}

/** The delivery statuses Svix shows as `status`, for filtering deliveries by their Svix status. */
export function deliveryStatusesOfSvix(status: SvixMessageStatus): DeliveryStatus[] {
  return Object.values(DeliveryStatus).filter((candidate) => svixStatusOfDelivery(candidate) === status);
}

export function svixStatusOfAttempt(outcome: AttemptOutcome): SvixMessageStatus {
  switch (outcome) {
    case AttemptOutcome.Succeeded:
      return SvixMessageStatus.Success;
    case AttemptOutcome.Failed:
      return SvixMessageStatus.Fail;
  }
}

export const SVIX_STATUS_TEXT: Readonly<Record<SvixMessageStatus, string>> = {
  [SvixMessageStatus.Success]: 'success',
  [SvixMessageStatus.Pending]: 'pending',
  [SvixMessageStatus.Fail]: 'fail',
  [SvixMessageStatus.Sending]: 'sending',
  [SvixMessageStatus.Canceled]: 'canceled',
};
