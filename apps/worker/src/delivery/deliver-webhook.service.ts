import { IdemConfig } from '@app/config';
import {
  AttemptOutcome,
  DeliveryTransition,
  ENTITY_HEADER,
  DeliveryStatus,
  nextDeliveryStatus,
  ENTITY_VERSION_HEADER,
  entityHeaderValue,
  LaneExhaustion,
  mayMoveSaga,
  MicroBatcher,
  OUTCOME_HEADER,
  REDACTED_HEADER_VALUE,
  redactSensitiveHeaders,
  REJECTED_OUTCOME,
  RetryPolicy,
  signWebhook,
  STALE_OUTCOME,
  UNRESENDABLE_DELIVERY_STATUSES,
} from '@app/core';
import {
  ClaimedDelivery,
  ClaimRefusal,
  ClaimRequest,
  ClaimResult,
  DeliveryClaimRepository,
  DeliveryLaneRepository,
  DeliveryOutcomeRepository,
  DeliveryResendRepository,
  DisabledEndpoint,
  DueDelivery,
  RecordedAttempt,
  ScheduledAttemptRecord,
  ThrottledDelivery,
  UnitOfWork,
} from '@app/persistence';
import { DeliveryJob, DeliveryQueue, ResendJob } from '@app/queue';
import { Injectable, Logger } from '@nestjs/common';
import { AttemptOutcomeLabel, WorkerMetrics } from '../metrics/worker-metrics';
import { AttemptEvent, FAILING_AFTER_ATTEMPT, OperationalEvent, OperationalEventType } from '../operational/operational-event';
import { OperationalWebhooks } from '../operational/operational-webhooks.service';
import { SagaProgress } from '../sagas/saga-progress.service';
import { EndpointThrottle } from './endpoint-throttle';
import { WebhookResponse, WebhookSender } from './webhook-sender';

/** Nothing was sent: the endpoint's rate limit has room for this job at `retryAt` (epoch ms). */
export type Throttled = { kind: 'throttled'; retryAt: number };

/** What became of one delivery job. Refusals and throttling tell the processor when the job is worth running again. */
export type DeliveryJobResult =
  | ClaimRefusal
  | Throttled
  | { kind: 'canceled' }
  | { kind: 'recorded'; transition: ScheduledAttemptRecord['transition'] }
  | { kind: 'superseded' };

/** What became of one resend job. */
export type ResendJobResult = Throttled | { kind: 'recorded' | 'answered' | 'gone' | 'expired' };

const USER_AGENT = 'Idem-Webhooks/0.1';

/**
 * One scheduled attempt of one delivery: claim it in Postgres, sign and send it, record the outcome and
 * move the delivery on, then enqueue the next attempt. Claims, records and throttled hand-backs from
 * concurrent jobs are batched, so many deliveries share a round trip and a commit.
 *
 * An endpoint with a rate limit is asked for room just before sending. A delivery it has no room for is
 * handed back unsent (the Throttle transition) and its job waits in the queue for the slot the throttle
 * named, so a throttled backlog holds no worker slot while it waits and other endpoints' jobs run.
 */
@Injectable()
export class DeliverWebhookService {
  private readonly logger = new Logger(DeliverWebhookService.name);
  private readonly retryPolicy: RetryPolicy;
  private readonly retryAfterStatuses: ReadonlySet<number>;
  private readonly claimBatch: MicroBatcher<ClaimRequest, ClaimResult>;
  private readonly records: MicroBatcher<ScheduledAttemptRecord, boolean>;
  private readonly throttled: MicroBatcher<ThrottledDelivery, void>;

  constructor(
    private readonly claiming: DeliveryClaimRepository,
    private readonly outcomes: DeliveryOutcomeRepository,
    private readonly resends: DeliveryResendRepository,
    private readonly lanes: DeliveryLaneRepository,
    private readonly sender: WebhookSender,
    private readonly throttle: EndpointThrottle,
    private readonly queue: DeliveryQueue,
    private readonly operationalWebhooks: OperationalWebhooks,
    private readonly sagaProgress: SagaProgress,
    private readonly unitOfWork: UnitOfWork,
    private readonly metrics: WorkerMetrics,
    config: IdemConfig,
  ) {
    const policy = config.deliveryPolicy;
    this.retryPolicy = new RetryPolicy(policy.retry);
    this.retryAfterStatuses = new Set(policy.retry.retryAfterStatuses);
    // Two batches at once at most: deliveries finishing while both are in flight go together in the next, so the busier the worker, the fewer statements and commits per delivery.
    const batching = { maxItems: 100, maxDelayMs: 2, maxInFlight: 2 };
    this.claimBatch = new MicroBatcher(batching, (requests) => this.claimAndRecheckHeld(requests, policy.leaseMs, policy.earlyToleranceMs));
    // An attempt, its endpoint's health, the operational events they cause, the saga they move and the
    // promotion of the next delivery of an ordered lane whose head is done commit together; the promoted
    // are enqueued after. A batch that can cause none of those is one statement, with no transaction.
    this.records = new MicroBatcher(batching, async (records) => {
      if (records.every((record) => this.movesOnlyItsDelivery(record))) {
        const { attempts } = await this.outcomes.recordScheduledAttempts(records, config.disableAfterMs);
        return records.map((record) => attempts.has(record.deliveryId));
      }
      const { outcome, heads, promoted } = await this.unitOfWork.run(async () => {
        const { attempts, disabled } = await this.outcomes.recordScheduledAttempts(records, config.disableAfterMs);
        const recorded = records.filter((record) => attempts.has(record.deliveryId));
        for (const endpoint of disabled) this.logger.warn({ endpointId: endpoint.endpointId, reason: endpoint.reason }, 'endpoint disabled');
        await this.reportOperationalEvents(recorded, attempts, disabled);
        await this.sagaProgress.onDeliveriesEnded(recorded.filter((record) => record.inSaga && mayMoveSaga(record.transition)).map((record) => record.messageId));
        const laneHeads = recorded.filter((record) => record.headsLane).map((record) => record.deliveryId);
        return { outcome: records.map((record) => attempts.has(record.deliveryId)), heads: laneHeads, promoted: await this.lanes.promoteNext(laneHeads) };
      });
      // Once more after the commit: a claim that held the next delivery while this transaction ran saw
      // the head in flight, and this transaction did not see it held. Of this check and the claim's own
      // check after its commit, the later one sees both commits, so no lane waits for the sweep.
      const late = heads.length > 0 ? await this.lanes.promoteNext(heads) : [];
      await this.enqueuePromoted([...promoted, ...late]);
      return outcome;
    });
    this.throttled = new MicroBatcher<ThrottledDelivery, void>(batching, async (deliveries) => {
      await this.claiming.throttle(deliveries);
      return deliveries.map(() => undefined);
    });
  }

  async deliver(job: DeliveryJob): Promise<DeliveryJobResult> {
    const claim = await this.claimBatch.submit({ deliveryId: job.deliveryId, attemptNumber: job.attemptNumber });
    // Fails this job alone; the delivery is tried again when its lease runs out, once a key can read the secret.
    if (claim.kind === 'unreadable-secret') throw claim.error;
    // Superseded at the claim while it headed its lane: the next state in the lane is due now.
    if (claim.kind === 'coalesced' && claim.lane) await this.moveLaneOn(job.deliveryId);
    if (claim.kind !== 'claimed') return claim;
    const delivery = claim.delivery;
    const payload = delivery.payload;
    // Expunged on request after this attempt was scheduled: the API cancels pending deliveries, not one in flight then.
    if (payload === null || delivery.endpointDisabled || delivery.secrets.length === 0) {
      await this.outcomes.cancel(delivery.deliveryId, delivery.attemptNumber, payload === null ? DeliveryTransition.CancelExpunged : DeliveryTransition.Cancel);
      if (delivery.lane) await this.moveLaneOn(delivery.deliveryId);
      return { kind: 'canceled' };
    }
    const waitMs = await this.waitForRoom(delivery, `${delivery.deliveryId}:${delivery.attemptNumber}`);
    if (waitMs > 0) {
      await this.throttled.submit({ deliveryId: delivery.deliveryId, attemptNumber: delivery.attemptNumber, waitMs });
      this.metrics.deliveryThrottled();
      return { kind: 'throttled', retryAt: Date.now() + waitMs };
    }

    const { attemptedAt, requestHeaders, response } = await this.sign({ ...delivery, payload });

    const stale = isStale(response);
    const succeeded = stale || isSuccess(response);
    const retryAfterMs = this.retryAfterStatuses.has(response.statusCode) ? response.retryAfterMs : undefined;
    // A receiver's refusal for good is a failure no retry can fix: the delivery ends failed at once.
    const delayMs = succeeded || isRejected(response) ? null : this.retryPolicy.delayAfterFailedAttempt(delivery.attemptNumber, retryAfterMs);
    const transition = stale
      ? DeliveryTransition.ResolveStale
      : succeeded
        ? DeliveryTransition.Succeed
        : delayMs === null
          ? delivery.lane?.onExhausted === LaneExhaustion.Block
            ? DeliveryTransition.Block
            : DeliveryTransition.Exhaust
          : DeliveryTransition.Retry;

    const recorded = await this.records.submit({
      deliveryId: delivery.deliveryId,
      attemptNumber: delivery.attemptNumber,
      messageId: delivery.messageId,
      endpointId: delivery.endpointId,
      appId: delivery.appId,
      url: delivery.url,
      outcome: succeeded ? AttemptOutcome.Succeeded : AttemptOutcome.Failed,
      transition,
      headsLane: delivery.lane !== null,
      inSaga: delivery.inSaga,
      responseStatusCode: response.statusCode,
      responseBody: response.body,
      responseHeaders: response.headers ?? null,
      responseDurationMs: response.durationMs,
      error: response.error,
      requestHeaders,
      nextAttemptAt: delayMs === null ? null : new Date(Date.now() + delayMs),
      attemptedAt,
    });
    // Another worker recorded this attempt first (our lease had run out): its record stands.
    if (!recorded) return { kind: 'superseded' };
    if (transition === DeliveryTransition.Exhaust || transition === DeliveryTransition.Block) this.metrics.deliveryExhausted();
    if (transition === DeliveryTransition.Retry && delayMs !== null) {
      await this.queue.enqueue([{ deliveryId: delivery.deliveryId, attemptNumber: delivery.attemptNumber + 1, delayMs }]);
    }
    return { kind: 'recorded', transition };
  }

  /**
   * A manual resend: sent whatever the delivery's status, recorded as a manual attempt, and leaving the
   * schedule alone (see ResendSucceed). A request already answered by another worker is not sent again.
   */
  async resend(job: ResendJob): Promise<ResendJobResult> {
    const delivery = await this.resends.findResendable(job.deliveryId);
    if (!delivery) return { kind: 'gone' };
    if (delivery.resendRequestedAt?.getTime() !== job.requestedAt) return { kind: 'answered' };
    // The API refuses a resend of an expunged payload; this is one asked for just as the payload was expunged.
    // A superseded or stale state is older than what the receiver has or will get: resending it would go back in time.
    if (delivery.payload === null || UNRESENDABLE_DELIVERY_STATUSES.includes(delivery.status)) {
      await this.resends.withdrawResend(delivery.deliveryId, new Date(job.requestedAt));
      return { kind: 'expired' };
    }
    // A resend needs no hand-back: it holds no lease, and its request stays marked until it is answered.
    const waitMs = await this.waitForRoom(delivery, `${delivery.deliveryId}:resend:${job.requestedAt}`);
    if (waitMs > 0) {
      this.metrics.deliveryThrottled();
      return { kind: 'throttled', retryAt: Date.now() + waitMs };
    }
    const { attemptedAt, requestHeaders, response } = await this.sign({ ...delivery, payload: delivery.payload, attemptNumber: delivery.scheduledAttempts });
    const recorded = await this.resends.recordManualAttempt({
      deliveryId: delivery.deliveryId,
      attemptNumber: delivery.scheduledAttempts,
      messageId: delivery.messageId,
      endpointId: delivery.endpointId,
      appId: delivery.appId,
      url: delivery.url,
      outcome: isSuccess(response) ? AttemptOutcome.Succeeded : AttemptOutcome.Failed,
      responseStatusCode: response.statusCode,
      responseBody: response.body,
      responseHeaders: response.headers ?? null,
      responseDurationMs: response.durationMs,
      error: response.error,
      requestHeaders,
      attemptedAt,
      requestedAt: new Date(job.requestedAt),
    });
    // A blocked head that a resend delivered lets its lane move on.
    if (recorded && delivery.status === DeliveryStatus.Blocked) await this.moveLaneOn(delivery.deliveryId);
    return { kind: recorded ? 'recorded' : 'answered' };
  }

  /**
   * Claims a batch. A delivery held behind its lane's head while that head's outcome was being committed
   * would wait for the sweep: the held are checked again once the claim has committed (the record checks
   * again after its commit too), and one that heads its lane by then is promoted and its job run again
   * at once (it is still this job's attempt).
   */
  private async claimAndRecheckHeld(requests: readonly ClaimRequest[], leaseMs: number, earlyToleranceMs: number): Promise<ClaimResult[]> {
    const results = await this.claiming.claim(requests, leaseMs, earlyToleranceMs);
    const held = requests.filter((_, index) => results[index].kind === 'queued').map((request) => request.deliveryId);
    if (held.length === 0) return results;
    const promoted = await this.lanes.promoteNext(held);
    const rerun = new Set(held);
    // Promoted earlier in a lane than the ones held here (a promotion lost before): they need a job of their own.
    await this.enqueuePromoted(promoted.filter((delivery) => !rerun.has(delivery.deliveryId)));
    const now = new Set(promoted.map((delivery) => delivery.deliveryId));
    return results.map((result, index) => (result.kind === 'queued' && now.has(requests[index].deliveryId) ? { kind: 'early', retryAt: Date.now() } : result));
  }

  /** Promotes the next delivery of the lane `deliveryId` headed, if it is done, and enqueues it. */
  private async moveLaneOn(deliveryId: string): Promise<void> {
    await this.enqueuePromoted(await this.lanes.promoteNext([deliveryId]));
  }

  /** Enqueued after the promotion committed; if Redis does not take them, the sweeper finds them due and unqueued. */
  private async enqueuePromoted(promoted: readonly DueDelivery[]): Promise<void> {
    if (promoted.length > 0) await this.queue.offer((queue) => queue.enqueuePromoted(promoted));
  }

  /** 0 when the delivery may be sent now; otherwise how long its endpoint's rate limit makes it wait. */
  private async waitForRoom(delivery: Pick<ClaimedDelivery, 'endpointId' | 'throttleRate'>, holder: string): Promise<number> {
    if (delivery.throttleRate === null) return 0;
    const decision = await this.throttle.admit(delivery.endpointId, delivery.throttleRate, holder);
    return decision.kind === 'send' ? 0 : Math.max(1, decision.waitMs);
  }

  /**
   * A success or stale answer outside sagas and lanes, raising no operational event: recording it moves
   * its delivery and no more (its endpoint's health, in the same statement, cannot disable an endpoint
   * on a success).
   */
  private movesOnlyItsDelivery(record: ScheduledAttemptRecord): boolean {
    if (record.transition !== DeliveryTransition.Succeed && record.transition !== DeliveryTransition.ResolveStale) return false;
    if (record.headsLane || record.inSaga) return false;
    return this.operationalWebhooks.isOperational(record.appId) || attemptEventOf(record, nextDeliveryStatus(DeliveryStatus.Sending, record.transition)) === null;
  }

  /** Svix's failing (after the fourth failed attempt), exhausted and recovered events, and endpoint.disabled. */
  private async reportOperationalEvents(
    records: readonly ScheduledAttemptRecord[],
    attempts: ReadonlyMap<string, RecordedAttempt>,
    disabled: readonly DisabledEndpoint[],
  ): Promise<void> {
    const events: OperationalEvent[] = [];
    for (const record of records) {
      if (this.operationalWebhooks.isOperational(record.appId)) continue;
      const recorded = attempts.get(record.deliveryId)!;
      const type = attemptEventOf(record, recorded.status);
      if (type === null) continue;
      events.push({
        type,
        appId: record.appId,
        messageId: record.messageId,
        endpointId: record.endpointId,
        attemptId: recorded.attemptId,
        responseStatusCode: record.responseStatusCode,
        attemptedAt: record.attemptedAt,
      });
    }
    for (const endpoint of disabled) {
      if (this.operationalWebhooks.isOperational(endpoint.appId)) continue;
      events.push({ type: OperationalEventType.EndpointDisabled, appId: endpoint.appId, endpointId: endpoint.endpointId, failSince: endpoint.failingSince });
    }
    if (events.length === 0) return;
    const names = await this.outcomes.findExternalNames(
      events.map((event) => event.appId),
      events.flatMap((event) => ('endpointId' in event ? [event.endpointId] : [])),
      events.flatMap((event) => ('messageId' in event ? [event.messageId] : [])),
    );
    await this.operationalWebhooks.emit(events, names);
  }

  /** Signs the stored payload for this attempt, sends it, and counts the attempt by its outcome. */
  private async sign(delivery: Omit<ClaimedDelivery, 'lane' | 'inSaga'> & { payload: string }): Promise<{ attemptedAt: Date; requestHeaders: Record<string, string>; response: WebhookResponse }> {
    const attemptedAt = new Date();
    const timestamp = Math.floor(attemptedAt.getTime() / 1000);
    const own: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      'webhook-id': delivery.messageId,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signWebhook(delivery.messageId, timestamp, delivery.payload, delivery.secrets),
      // Informational: the signed body holds both.
      ...(delivery.entity ? { [ENTITY_HEADER]: entityHeaderValue(delivery.entity.name, delivery.entity.id) } : {}),
      ...(delivery.entity?.version != null ? { [ENTITY_VERSION_HEADER]: String(delivery.entity.version) } : {}),
    };
    // The API refuses an endpoint header Idem sends itself; should one be stored anyway, Idem's wins.
    const custom = Object.entries(delivery.headers).filter(([name]) => !Object.hasOwn(own, name.toLowerCase()));
    const headers = { ...own, ...Object.fromEntries(custom) };
    const response = await this.sender.send({ url: delivery.url, headers, body: delivery.payload });
    this.metrics.attemptMade(outcomeOf(response), response.durationMs);
    return { attemptedAt, requestHeaders: { ...redactSensitiveHeaders(headers), 'webhook-signature': REDACTED_HEADER_VALUE }, response };
  }
}

/** The receiver holds a newer version than the message carries: a 2xx or 409 with `webhook-outcome: stale`. */
function isStale(response: WebhookResponse): boolean {
  const answered = response.error === null && ((response.statusCode >= 200 && response.statusCode < 300) || response.statusCode === 409);
  return answered && response.headers?.[OUTCOME_HEADER]?.trim().toLowerCase() === STALE_OUTCOME;
}

/** The receiver refused the message for good: a 4xx with `webhook-outcome: rejected` (the SDK's `PermanentRejection`). */
function isRejected(response: WebhookResponse): boolean {
  const refused = response.error === null && response.statusCode >= 400 && response.statusCode < 500;
  return refused && response.headers?.[OUTCOME_HEADER]?.trim().toLowerCase() === REJECTED_OUTCOME;
}

function isSuccess(response: WebhookResponse): boolean {
  return response.error === null && response.statusCode >= 200 && response.statusCode < 300;
}

/** As the attempt is recorded: a stale answer (a 409 too) is a success. */
function outcomeOf(response: WebhookResponse): AttemptOutcomeLabel {
  if (response.refused) return 'refused';
  return isSuccess(response) || isStale(response) ? 'succeeded' : 'failed';
}

/** Svix's attempt events an outcome raises, if any: exhausted, failing (after the fourth failed attempt) and recovered. */
function attemptEventOf(record: ScheduledAttemptRecord, recordedStatus: DeliveryStatus): AttemptEvent['type'] | null {
  // A retry superseded by a newer state is not failing: nothing is left to retry.
  const retried = record.transition === DeliveryTransition.Retry && recordedStatus !== DeliveryStatus.Superseded;
  if (record.transition === DeliveryTransition.Exhaust || record.transition === DeliveryTransition.Block) return OperationalEventType.AttemptExhausted;
  if (retried && record.attemptNumber === FAILING_AFTER_ATTEMPT) return OperationalEventType.AttemptFailing;
  if (record.transition === DeliveryTransition.Succeed && record.attemptNumber > FAILING_AFTER_ATTEMPT) return OperationalEventType.AttemptRecovered;
  return null;
}
