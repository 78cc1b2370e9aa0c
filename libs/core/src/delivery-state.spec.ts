import {
  DELIVERY_TRANSITIONS,
  DeliveryStatus,
  DeliveryTransition,
  FINAL_DELIVERY_STATUSES,
  nextDeliveryStatus,
  SETTLED_DELIVERY_STATUSES,
  sqlStatusAfter,
  sqlStatusAfterWhichever,
  sqlStatusIn,
  sqlStatusMayTake,
  sqlStatusMayTakeEach,
  svixStatusOfDelivery,
  UNFINISHED_DELIVERY_STATUSES,
} from './delivery-state';

describe('delivery state machine', () => {
  it('moves a delivery through claim, retry and success', () => {
    let status = DeliveryStatus.Pending;
    for (const transition of [DeliveryTransition.Claim, DeliveryTransition.Retry, DeliveryTransition.Claim, DeliveryTransition.Succeed]) {
      status = nextDeliveryStatus(status, transition);
    }
    expect(status).toBe(DeliveryStatus.Succeeded);
  });

  it("lets a worker take over a delivery whose lease ran out, or hands it back to pending", () => {
    expect(nextDeliveryStatus(DeliveryStatus.Sending, DeliveryTransition.Reclaim)).toBe(DeliveryStatus.Sending);
    expect(nextDeliveryStatus(DeliveryStatus.Sending, DeliveryTransition.LeaseExpire)).toBe(DeliveryStatus.Pending);
    expect(() => nextDeliveryStatus(DeliveryStatus.Pending, DeliveryTransition.Reclaim)).toThrow('a pending delivery cannot reclaim');
  });

  it('hands a claimed delivery back to pending when its endpoint is throttled, and only a claimed one', () => {
    expect(nextDeliveryStatus(DeliveryStatus.Sending, DeliveryTransition.Throttle)).toBe(DeliveryStatus.Pending);
    expect(() => nextDeliveryStatus(DeliveryStatus.Pending, DeliveryTransition.Throttle)).toThrow('a pending delivery cannot throttle');
  });

  it('ends a delivery being sent as succeeded, failed or canceled, and only then', () => {
    expect(nextDeliveryStatus(DeliveryStatus.Sending, DeliveryTransition.Exhaust)).toBe(DeliveryStatus.Failed);
    expect(nextDeliveryStatus(DeliveryStatus.Sending, DeliveryTransition.Cancel)).toBe(DeliveryStatus.Canceled);
    for (const transition of [DeliveryTransition.Succeed, DeliveryTransition.Retry, DeliveryTransition.Exhaust, DeliveryTransition.Cancel]) {
      expect(DELIVERY_TRANSITIONS[transition].from).toEqual([DeliveryStatus.Sending]);
    }
  });

  it('cancels a delivery waiting for, or claimed for, an attempt once its payload is expunged, and no other', () => {
    expect(nextDeliveryStatus(DeliveryStatus.Pending, DeliveryTransition.ExpungePending)).toBe(DeliveryStatus.Canceled);
    expect(nextDeliveryStatus(DeliveryStatus.Sending, DeliveryTransition.CancelExpunged)).toBe(DeliveryStatus.Canceled);
    for (const final of FINAL_DELIVERY_STATUSES) expect(() => nextDeliveryStatus(final, DeliveryTransition.CancelExpunged)).toThrow();
  });

  it('refuses a transition from a status it does not leave', () => {
    expect(() => nextDeliveryStatus(DeliveryStatus.Pending, DeliveryTransition.Succeed)).toThrow('a pending delivery cannot succeed');
    expect(() => nextDeliveryStatus(DeliveryStatus.Succeeded, DeliveryTransition.Claim)).toThrow();
  });

  it('leaves a final status only through a successful manual resend, and never leaves success or superseded', () => {
    for (const final of FINAL_DELIVERY_STATUSES) {
      const leaving = Object.entries(DELIVERY_TRANSITIONS).filter(([, rule]) => rule.from.includes(final));
      const neverLeft = final === DeliveryStatus.Succeeded || final === DeliveryStatus.Superseded || final === DeliveryStatus.Stale;
      expect(leaving.map(([transition]) => transition)).toEqual(neverLeft ? [] : [DeliveryTransition.ResendSucceed]);
    }
  });

  it('reads the settled statuses from the table: the final ones, and a blocked head that only a resend moves on', () => {
    expect([...SETTLED_DELIVERY_STATUSES].sort()).toEqual([...FINAL_DELIVERY_STATUSES, DeliveryStatus.Blocked].sort());
  });

  it('supersedes a delivery still waiting for its attempt; one in flight finishes it first, and only then is superseded', () => {
    expect(nextDeliveryStatus(DeliveryStatus.Pending, DeliveryTransition.Supersede)).toBe(DeliveryStatus.Superseded);
    expect(() => nextDeliveryStatus(DeliveryStatus.Sending, DeliveryTransition.Supersede)).toThrow();
    expect(sqlStatusMayTake(DeliveryTransition.Supersede, 'd.status')).toBe("d.status IN ('pending', 'queued')");
    expect(nextDeliveryStatus(DeliveryStatus.Sending, DeliveryTransition.SupersedeInFlight)).toBe(DeliveryStatus.Superseded);
    expect(() => nextDeliveryStatus(DeliveryStatus.Pending, DeliveryTransition.SupersedeInFlight)).toThrow('a pending delivery cannot supersedeInFlight');
  });

  it("maps every status to Svix's numeric status", () => {
    expect(Object.values(DeliveryStatus).map(svixStatusOfDelivery)).toEqual([1, 3, 0, 2, 4, 4, 0, 1, 2]);
  });
});

describe('the SQL written from the transition table', () => {
  it('conditions on the statuses a transition leaves, and names the one it leads to', () => {
    expect(sqlStatusMayTake(DeliveryTransition.Claim)).toBe("status = 'pending'");
    expect(sqlStatusIn([DeliveryStatus.Failed, DeliveryStatus.Canceled], 'd.status')).toBe("d.status IN ('failed', 'canceled')");
    expect(sqlStatusAfter(DeliveryTransition.LeaseExpire)).toBe("'pending'");
  });

  it('conditions a batch of outcomes on the statuses every one of them leaves, and refuses a batch no status could take', () => {
    expect(sqlStatusMayTakeEach([DeliveryTransition.Succeed, DeliveryTransition.Retry], 'd.status')).toBe("d.status = 'sending'");
    expect(() => sqlStatusMayTakeEach([DeliveryTransition.Claim, DeliveryTransition.Succeed])).toThrow('no status may take all of claim, succeed');
  });

  it('names, for a statement that moves rows of several statuses, the status after the transition each row may take', () => {
    const { Supersede, SupersedeInFlight } = DeliveryTransition;
    expect(sqlStatusAfterWhichever([Supersede, SupersedeInFlight], 'd.status')).toBe(
      "CASE WHEN d.status IN ('pending', 'queued') THEN 'superseded' WHEN d.status = 'sending' THEN 'superseded' END",
    );
  });

  it('counts as unfinished exactly the statuses that are not final', () => {
    expect(UNFINISHED_DELIVERY_STATUSES).toEqual([DeliveryStatus.Pending, DeliveryStatus.Sending, DeliveryStatus.Queued, DeliveryStatus.Blocked]);
  });
});

describe('ordered lanes in the state machine', () => {
  it('holds a delivery behind its lane and promotes it back to pending, due, when the head is done', () => {
    expect(nextDeliveryStatus(DeliveryStatus.Pending, DeliveryTransition.Hold)).toBe(DeliveryStatus.Queued);
    expect(nextDeliveryStatus(DeliveryStatus.Queued, DeliveryTransition.Promote)).toBe(DeliveryStatus.Pending);
    expect(() => nextDeliveryStatus(DeliveryStatus.Queued, DeliveryTransition.Claim)).toThrow('a queued delivery cannot claim');
  });

  it('blocks an exhausted head until a resend delivers it, and shows it to Svix clients as failed', () => {
    expect(nextDeliveryStatus(DeliveryStatus.Sending, DeliveryTransition.Block)).toBe(DeliveryStatus.Blocked);
    expect(nextDeliveryStatus(DeliveryStatus.Blocked, DeliveryTransition.ResendSucceed)).toBe(DeliveryStatus.Succeeded);
    expect(svixStatusOfDelivery(DeliveryStatus.Blocked)).toBe(svixStatusOfDelivery(DeliveryStatus.Failed));
    expect(svixStatusOfDelivery(DeliveryStatus.Queued)).toBe(svixStatusOfDelivery(DeliveryStatus.Pending));
  });
});
