import { DeliveryTransition } from '@app/core';
import { ScheduledAttemptRecord } from '@app/persistence';
import { DeliveryRepositories } from '../support/delivery-repositories';

const LEASE_MS = 20_000;
const DISABLE_AFTER_MS = 5 * 24 * 3_600_000;
const EARLY_MS = 1_000;

/** The delivery repositories' SQL against a real Postgres: claim, record, supersede. */
describe('Delivery repositories', () => {
  let repos: DeliveryRepositories;

  beforeAll(async () => {
    repos = await DeliveryRepositories.open();
  });

  afterAll(async () => {
    await repos?.close();
  });

  describe('claim', () => {
    it('claims a due delivery once, with what sending it needs, and refuses a second claim as leased', async () => {
      const endpoint = await repos.endpoint();
      const delivery = await repos.delivery(endpoint);

      const [first] = await repos.claim.claim([{ deliveryId: delivery.deliveryId, attemptNumber: 1 }], LEASE_MS, EARLY_MS);
      const [second] = await repos.claim.claim([{ deliveryId: delivery.deliveryId, attemptNumber: 1 }], LEASE_MS, EARLY_MS);

      expect(first).toMatchObject({ kind: 'claimed', delivery: { deliveryId: delivery.deliveryId, attemptNumber: 1, payload: '{}' } });
      expect(first.kind === 'claimed' && first.delivery.secrets).toHaveLength(1);
      expect(second).toMatchObject({ kind: 'leased' });
      expect((await repos.statusOf(delivery.deliveryId)).status).toBe('sending');
    });

    it('refuses an attempt not yet due as early, and one of another attempt number as stale', async () => {
      const endpoint = await repos.endpoint();
      const later = await repos.delivery(endpoint, { dueInS: 60 });
      const retried = await repos.delivery(endpoint, { scheduledAttempts: 1 });

      const [early, stale] = await repos.claim.claim(
        [{ deliveryId: later.deliveryId, attemptNumber: 1 }, { deliveryId: retried.deliveryId, attemptNumber: 1 }],
        LEASE_MS,
        EARLY_MS,
      );

      expect(early).toMatchObject({ kind: 'early' });
      expect(stale).toEqual({ kind: 'stale' });
    });

    it('reclaims a delivery whose lease ran out', async () => {
      const endpoint = await repos.endpoint();
      const abandoned = await repos.delivery(endpoint, { status: 'sending', leaseExpiresInS: -1 });

      const [result] = await repos.claim.claim([{ deliveryId: abandoned.deliveryId, attemptNumber: 1 }], LEASE_MS, EARLY_MS);

      expect(result.kind).toBe('claimed');
    });

    it('hands a throttled delivery back pending at the same attempt number', async () => {
      const endpoint = await repos.endpoint();
      const delivery = await repos.delivery(endpoint);
      await repos.claim.claim([{ deliveryId: delivery.deliveryId, attemptNumber: 1 }], LEASE_MS, EARLY_MS);

      await repos.claim.throttle([{ deliveryId: delivery.deliveryId, attemptNumber: 1, waitMs: 30_000 }]);

      const row = await repos.statusOf(delivery.deliveryId);
      expect(row).toMatchObject({ status: 'pending', scheduled_attempts: 0 });
      expect(row.next_attempt_at!.getTime()).toBeGreaterThan(Date.now() + 20_000);
    });
  });

  describe('record', () => {
    it('records each outcome of a batch once and moves its delivery by the transition table', async () => {
      const endpoint = await repos.endpoint();
      const [ok, retry, exhausted] = [await repos.delivery(endpoint), await repos.delivery(endpoint), await repos.delivery(endpoint)];
      await repos.claim.claim([ok, retry, exhausted].map((d) => ({ deliveryId: d.deliveryId, attemptNumber: 1 })), LEASE_MS, EARLY_MS);
      const records = [
        repos.attemptRecord(ok, endpoint, DeliveryTransition.Succeed),
        repos.attemptRecord(retry, endpoint, DeliveryTransition.Retry),
        repos.attemptRecord(exhausted, endpoint, DeliveryTransition.Exhaust),
      ];

      const recorded = await repos.outcome.recordScheduledAttempts(records, DISABLE_AFTER_MS);
      const again = await repos.outcome.recordScheduledAttempts(records, DISABLE_AFTER_MS);

      expect(recorded.attempts.size).toBe(3);
      expect(again.attempts.size).toBe(0);
      expect(await repos.statusOf(ok.deliveryId)).toMatchObject({ status: 'succeeded', scheduled_attempts: 1 });
      expect(await repos.statusOf(retry.deliveryId)).toMatchObject({ status: 'pending', scheduled_attempts: 1 });
      expect(await repos.statusOf(exhausted.deliveryId)).toMatchObject({ status: 'failed', scheduled_attempts: 1 });
      expect(await repos.sql(`SELECT count(*)::int AS n FROM attempts WHERE delivery_id = ANY($1)`, [[ok, retry, exhausted].map((d) => d.deliveryId)])).toEqual([{ n: 3 }]);
    });

    it("feeds the recorded outcomes into their endpoint's health in the same statement, each once", async () => {
      const endpoint = await repos.endpoint();
      const health = async () => (await repos.sql(`SELECT failing_since, disabled, disabled_reason FROM endpoints WHERE id = $1`, [endpoint.endpointId]))[0];
      const attempt = async (transition: ScheduledAttemptRecord['transition'], overrides: Partial<ScheduledAttemptRecord> = {}) => {
        const delivery = await repos.delivery(endpoint);
        await repos.claim.claim([{ deliveryId: delivery.deliveryId, attemptNumber: 1 }], LEASE_MS, EARLY_MS);
        return { ...repos.attemptRecord(delivery, endpoint, transition), ...overrides };
      };

      const failed = await attempt(DeliveryTransition.Retry, { attemptedAt: new Date(Date.now() - 60_000) });
      expect((await repos.outcome.recordScheduledAttempts([failed], DISABLE_AFTER_MS)).disabled).toEqual([]);
      expect(await health()).toMatchObject({ failing_since: failed.attemptedAt, disabled: false });
      // Recorded again (a second worker after the lease ran out): neither the attempt nor its failure counts twice.
      expect(await repos.outcome.recordScheduledAttempts([failed], 1)).toEqual({ attempts: new Map(), disabled: [] });
      expect(await health()).toMatchObject({ disabled: false });

      await repos.outcome.recordScheduledAttempts([await attempt(DeliveryTransition.Succeed)], DISABLE_AFTER_MS);
      expect(await health()).toMatchObject({ failing_since: null, disabled: false });

      const gone = await attempt(DeliveryTransition.Exhaust, { responseStatusCode: 410 });
      const { disabled } = await repos.outcome.recordScheduledAttempts([gone], DISABLE_AFTER_MS);
      expect(disabled).toEqual([{ endpointId: endpoint.endpointId, appId: endpoint.appId, reason: 'The endpoint answered 410 Gone', failingSince: gone.attemptedAt }]);
      expect(await health()).toMatchObject({ disabled: true, disabled_reason: 'The endpoint answered 410 Gone' });
    });

    it('refuses an outcome the table does not allow a sending delivery before writing anything', async () => {
      const endpoint = await repos.endpoint();
      const delivery = await repos.delivery(endpoint);
      const record = { ...repos.attemptRecord(delivery, endpoint, DeliveryTransition.Succeed), transition: DeliveryTransition.Claim as unknown as DeliveryTransition.Succeed };

      await expect(repos.outcome.recordScheduledAttempts([record], DISABLE_AFTER_MS)).rejects.toThrow('a sending delivery cannot claim');
    });
  });

  describe('supersede', () => {
    const account = (version: number) => ({ name: 'account', id: 'acc-1', version });

    it('supersedes, when claimed, an older state while a newer one goes to the same endpoint', async () => {
      const endpoint = await repos.endpoint();
      const older = await repos.delivery(endpoint, { entity: account(1) });
      const newer = await repos.delivery(endpoint, { entity: account(2) });

      const [result] = await repos.claim.claim([{ deliveryId: older.deliveryId, attemptNumber: 1 }], LEASE_MS, EARLY_MS);

      expect(result).toEqual({ kind: 'coalesced', lane: false });
      expect(await repos.statusOf(older.deliveryId)).toMatchObject({ status: 'superseded', superseded_by: newer.messageId });
    });

    it('does not supersede a state for a newer one that goes to another endpoint, nor a delta', async () => {
      const endpoint = await repos.endpoint();
      const other = { ...endpoint, endpointId: (await repos.endpoint()).endpointId };
      const state = await repos.delivery(endpoint, { entity: { name: 'account', id: 'acc-2', version: 1 } });
      await repos.delivery(other, { entity: { name: 'account', id: 'acc-2', version: 2 } });
      const delta = await repos.delivery(endpoint, { entity: { name: 'account', id: 'acc-3', version: 1, semantics: 'delta' } });
      await repos.delivery(endpoint, { entity: { name: 'account', id: 'acc-3', version: 2, semantics: 'delta' } });

      const results = await repos.claim.claim([state, delta].map((d) => ({ deliveryId: d.deliveryId, attemptNumber: 1 })), LEASE_MS, EARLY_MS);

      expect(results.map((r) => r.kind)).toEqual(['claimed', 'claimed']);
    });

    it('supersedes, instead of retrying, an older state whose attempt failed after a newer one was accepted', async () => {
      const endpoint = await repos.endpoint();
      const older = await repos.delivery(endpoint, { entity: account(10) });
      await repos.claim.claim([{ deliveryId: older.deliveryId, attemptNumber: 1 }], LEASE_MS, EARLY_MS);
      const newer = await repos.delivery(endpoint, { entity: account(11) });

      await repos.outcome.recordScheduledAttempts([repos.attemptRecord(older, endpoint, DeliveryTransition.Retry)], DISABLE_AFTER_MS);

      expect(await repos.statusOf(older.deliveryId)).toMatchObject({ status: 'superseded', superseded_by: newer.messageId, next_attempt_at: null });
    });

    it('supersedes, instead of reclaiming and sending it, an older state whose worker died while a newer one was accepted', async () => {
      const endpoint = await repos.endpoint();
      const abandoned = await repos.delivery(endpoint, { entity: account(20), status: 'sending', leaseExpiresInS: -1 });
      const newer = await repos.delivery(endpoint, { entity: account(21) });

      const [result] = await repos.claim.claim([{ deliveryId: abandoned.deliveryId, attemptNumber: 1 }], LEASE_MS, EARLY_MS);

      expect(result).toEqual({ kind: 'coalesced', lane: false });
      expect(await repos.statusOf(abandoned.deliveryId)).toMatchObject({ status: 'superseded', superseded_by: newer.messageId, scheduled_attempts: 0 });
    });

    it('recovers the newest state of an entity, supersedes an older one waiting for its retry, and leaves a failed older one failed', async () => {
      const endpoint = await repos.endpoint();
      const waiting = await repos.delivery(endpoint, { entity: account(50), scheduledAttempts: 1, dueInS: 600 });
      const newest = await repos.delivery(endpoint, { entity: account(51), scheduledAttempts: 1, dueInS: 600 });
      const failedOlder = await repos.delivery(endpoint, { entity: { name: 'account', id: 'acc-4', version: 1 }, status: 'failed', scheduledAttempts: 3 });
      await repos.delivery(endpoint, { entity: { name: 'account', id: 'acc-4', version: 2 }, status: 'succeeded', scheduledAttempts: 1 });
      const command = await repos.delivery(endpoint, { status: 'failed', scheduledAttempts: 3 });

      const recovery = await repos.resend.requestRecovery(endpoint.endpointId, new Date(Date.now() - 60_000), null);

      expect(recovery.deliveryIds.sort()).toEqual([newest.deliveryId, command.deliveryId].sort());
      expect(await repos.statusOf(waiting.deliveryId)).toMatchObject({ status: 'superseded', superseded_by: newest.messageId, next_attempt_at: null });
      expect(await repos.statusOf(failedOlder.deliveryId)).toMatchObject({ status: 'failed', superseded_by: null });
      expect(await repos.sql(`SELECT count(*)::int AS n FROM deliveries WHERE id = $1 AND resend_requested_at IS NOT NULL`, [failedOlder.deliveryId])).toEqual([{ n: 0 }]);
    });

    it('leaves an older state alone while its worker still holds the lease', async () => {
      const endpoint = await repos.endpoint();
      const held = await repos.delivery(endpoint, { entity: account(30), status: 'sending', leaseExpiresInS: 30 });
      await repos.delivery(endpoint, { entity: account(31) });

      const [result] = await repos.claim.claim([{ deliveryId: held.deliveryId, attemptNumber: 1 }], LEASE_MS, EARLY_MS);

      expect(result).toMatchObject({ kind: 'leased' });
      expect(await repos.statusOf(held.deliveryId)).toMatchObject({ status: 'sending', superseded_by: null });
    });
  });

  describe('ordered lanes', () => {
    const ORDERED = { semantics: 'state', entity: 'order', entityIdPath: '/id', versionPath: '/version', ordering: 'entity', onExhausted: 'skip' };
    let lane = 0;
    /** `count` states of one new entity to `endpoint`, accepted in order one second apart. */
    const states = async (endpoint: { appId: string; endpointId: string }, count: number, semantics: 'state' | 'delta' = 'delta') => {
      lane += 1;
      const seeded = [];
      for (let index = 0; index < count; index++) {
        seeded.push(await repos.delivery(endpoint, { eventType: 'order.ordered', entity: { name: 'order', id: `ord-${lane}`, version: index + 1, semantics }, acceptedSecondsAgo: count - index }));
      }
      return seeded;
    };
    const claimAll = (deliveries: readonly { deliveryId: string }[]) =>
      repos.claim.claim(deliveries.map((d) => ({ deliveryId: d.deliveryId, attemptNumber: 1 })), LEASE_MS, EARLY_MS);

    beforeAll(async () => {
      await repos.eventType('order.ordered', ORDERED);
    });

    it("claims only a lane's head and holds the rest, while another entity's lane to the same endpoint is claimed beside it", async () => {
      const endpoint = await repos.endpoint();
      const [head, second, third] = await states(endpoint, 3);
      const [other] = await states(endpoint, 1);

      const results = await claimAll([third, second, head, other]);

      expect(results.map((r) => r.kind)).toEqual(['queued', 'queued', 'claimed', 'claimed']);
      expect(results[2]).toMatchObject({ delivery: { lane: { onExhausted: 'skip' } } });
      expect((await repos.statusOf(second.deliveryId)).status).toBe('queued');
    });

    it('refuses, by its unique index, a second delivery of a lane in flight', async () => {
      const endpoint = await repos.endpoint();
      const [head, second] = await states(endpoint, 2);
      await claimAll([head]);
      await repos.sql(`UPDATE deliveries SET lane = (SELECT lane FROM deliveries WHERE id = $1) WHERE id = $2`, [head.deliveryId, second.deliveryId]);

      await expect(repos.sql(`UPDATE deliveries SET status = 'sending' WHERE id = $1`, [second.deliveryId])).rejects.toThrow(/uq_deliveries_lane_in_flight/);
    });

    it('promotes the next delivery, due now, when the head is recorded done, and not while the head waits for a retry', async () => {
      const endpoint = await repos.endpoint();
      const [head, second, third] = await states(endpoint, 3);
      await claimAll([head, second, third]);

      await repos.outcome.recordScheduledAttempts([repos.attemptRecord(head, endpoint, DeliveryTransition.Retry)], DISABLE_AFTER_MS);
      expect(await repos.lanes.promoteNext([head.deliveryId])).toEqual([]);

      await claimAll([head]).catch(() => undefined);
      await repos.sql(`UPDATE deliveries SET status = 'sending', scheduled_attempts = 1, lease_expires_at = now() + interval '1 minute' WHERE id = $1`, [head.deliveryId]);
      await repos.outcome.recordScheduledAttempts([repos.attemptRecord(head, endpoint, DeliveryTransition.Succeed, 2)], DISABLE_AFTER_MS);
      const promoted = await repos.lanes.promoteNext([head.deliveryId]);

      expect(promoted).toEqual([{ deliveryId: second.deliveryId, attemptNumber: 1 }]);
      expect((await repos.statusOf(second.deliveryId)).status).toBe('pending');
      expect((await repos.statusOf(third.deliveryId)).status).toBe('queued');
      expect((await claimAll([second]))[0].kind).toBe('claimed');
    });

    it('leaves a blocked head holding its lane', async () => {
      const endpoint = await repos.endpoint();
      const [head, second] = await states(endpoint, 2);
      await claimAll([head, second]);

      await repos.outcome.recordScheduledAttempts([repos.attemptRecord(head, endpoint, DeliveryTransition.Block)], DISABLE_AFTER_MS);

      expect((await repos.statusOf(head.deliveryId)).status).toBe('blocked');
      expect(await repos.lanes.promoteNext([head.deliveryId])).toEqual([]);
      expect(await repos.lanes.promoteStranded(1000)).not.toContainEqual(expect.objectContaining({ deliveryId: second.deliveryId }));
    });

    it('promotes, from the sweep, a queued delivery whose head ended outside an attempt', async () => {
      const endpoint = await repos.endpoint();
      const [head, second, third] = await states(endpoint, 3);
      await claimAll([head, second, third]);
      await repos.outcome.cancel(head.deliveryId, 1, DeliveryTransition.Cancel);

      const promoted = await repos.lanes.promoteStranded(1000);

      expect(promoted).toContainEqual({ deliveryId: second.deliveryId, attemptNumber: 1 });
      expect(promoted).not.toContainEqual(expect.objectContaining({ deliveryId: third.deliveryId }));
    });

    it('coalesces a lane of states to its newest: older states are superseded at the claim, and the newest heads the lane', async () => {
      const endpoint = await repos.endpoint();
      const [head, older, newer] = await states(endpoint, 3, 'state');

      const results = await claimAll([head, older]);
      const [newest] = await claimAll([newer]);

      expect(results).toEqual([{ kind: 'coalesced', lane: true }, { kind: 'coalesced', lane: true }]);
      expect(newest.kind).toBe('claimed');
    });
  });
});
