import { IdemConfig } from '@app/config';
import {
  canonicalJson,
  entityOf,
  EventSemantics,
  FieldProblem,
  IdemError,
  IdempotencyFindingKind,
  IdempotencyMode,
  idempotencyKeyInFlight,
  idempotencyVerdict,
  MessageEntityRef,
  MicroBatcher,
  newId,
  ProducerKeyKind,
  SchemaEnforcement,
  SchemaViolation,
  segmentsOf,
  sha256Hex,
  subscriptionMatches,
} from '@app/core';
import {
  EntityState,
  EventIdClaim,
  IdempotencyRecordFields,
  IdempotencyRecordRepository,
  IntakeApplication,
  IntakeRepository,
  KeySighting,
  MessageEntity,
  NewDelivery,
  NewIdempotencyFinding,
  NewMessage,
  UnitOfWork,
} from '@app/persistence';
import { DeliveryQueue } from '@app/queue';
import { Injectable, Logger } from '@nestjs/common';
import { BatchFindings, IdempotencyFindings } from './idempotency-findings';
import { IntakeMetrics } from './intake-metrics';
import { IntakeMessage, IntakeOutcome, IntakeRequest, IntakeResult } from './intake-request';
import { PayloadContracts } from './payload-contracts';

/** What a batch wrote: each request's outcome, and what to do once it is durable. */
interface Written {
  outcomes: IntakeOutcome[];
  deliveryIds: string[];
  accepted: { written: number; replayed: number };
  /** Payloads that broke their event type's schema, by how it is applied. */
  violations: { observed: number; refused: number };
  findings: BatchFindings;
}

/** A message of the batch on its way to being written, or to being answered with the one its eventId names. */
interface Candidate {
  request: number;
  position: number;
  message: NewMessage;
  /** What makes a repeated eventId the same event, and the send-time-key detector's fingerprint; only a message under a producer key has one. */
  contentHash: string | null;
  endpointIds: string[];
  /** Its event type's semantics is "state": only the newest version of its entity is sent. */
  isState: boolean;
  /** Its application observes idempotency: a repeated eventId is written as new, and reported. */
  observe: boolean;
}

/** A repeated Idempotency-Key that a request of an application in observe mode went on with. */
interface KeyRepeat {
  request: number;
  kind: IdempotencyFindingKind;
  /** The message the first response named, or the request of this batch that used the key first. */
  earlier: { messageId: string | null } | { request: number };
}

type BatchResult = { ok: true; outcome: IntakeOutcome } | { ok: false; error: unknown };

/**
 * The one way messages enter Idem, for the API's routes and Idem's own operational webhooks alike. It
 * owns subscription matching, `eventId` claims, `Idempotency-Key` records, the message and delivery
 * writes, the after-commit enqueue and the accepted-messages count.
 *
 * Concurrent requests share one transaction (a group commit): each statement is written once for the
 * whole batch with arrays, so a batch of a hundred requests costs the round trips of one. Every request
 * still gets its own answer, and a request that breaks a rule never fails the others in its batch.
 */
@Injectable()
export class MessageIntake {
  private readonly logger = new Logger(MessageIntake.name);
  // Two batches at once (each holds one connection for its transaction); requests arriving meanwhile form the next, so the
  // busier the API, the fewer statements per request. Four let batches shrink to a few requests each.
  private readonly batcher = new MicroBatcher<IntakeRequest, BatchResult>({ maxItems: 256, maxDelayMs: 1, maxInFlight: 2 }, (requests) =>
    this.commitBatch(requests),
  );

  constructor(
    private readonly intake: IntakeRepository,
    private readonly payloadContracts: PayloadContracts,
    private readonly idempotencyRecords: IdempotencyRecordRepository,
    private readonly unitOfWork: UnitOfWork,
    private readonly deliveryQueue: DeliveryQueue,
    private readonly metrics: IntakeMetrics,
    private readonly findings: IdempotencyFindings,
    private readonly config: IdemConfig,
  ) {}

  /**
   * Accepts the request's messages in a transaction shared with concurrent requests. Resolves once
   * they are durable and their first attempts are on the queue (or, with Redis down, left to the
   * sweeper).
   */
  async accept(request: IntakeRequest): Promise<IntakeOutcome> {
    const result = await this.batcher.submit(request);
    if (!result.ok) throw result.error;
    return result.outcome;
  }

  /**
   * Writes the requests in the caller's transaction, for a caller whose own writes must commit with the
   * messages; their deliveries are enqueued once that transaction commits.
   */
  async acceptInTransaction(requests: IntakeRequest[]): Promise<IntakeOutcome[]> {
    const written = await this.write(requests);
    this.unitOfWork.afterCommit(() => this.afterCommit(written));
    return written.outcomes;
  }

  private async commitBatch(requests: IntakeRequest[]): Promise<BatchResult[]> {
    let wrote = false;
    let written: Written;
    try {
      written = await this.unitOfWork.runApart(async () => {
        const result = await this.write(requests);
        wrote = true;
        return result;
      });
    } catch (error) {
      // Past the writes, the COMMIT itself failed: it may have taken effect, and writing again could duplicate it.
      if (requests.length === 1 || wrote) return requests.map(() => ({ ok: false, error }));
      // Something no rule foresaw failed the batch's transaction: each request is tried alone, so it fails only its own.
      const results: BatchResult[] = [];
      for (const request of requests) results.push(...(await this.commitBatch([request])));
      return results;
    }
    await this.afterCommit(written);
    return written.outcomes.map((outcome) => ({ ok: true, outcome }));
  }

  private async write(requests: readonly IntakeRequest[]): Promise<Written> {
    const outcomes: (IntakeOutcome | undefined)[] = new Array(requests.length);
    const keptSince = new Date(Date.now() - this.config.idempotencyRetentionMs);
    const { keyed, repeatedInBatch } = distinctKeys(requests);
    const routing = await this.intake.findRouting(
      [...new Set(requests.map((request) => request.application))],
      [...new Set(requests.flatMap((request) => request.messages.map((message) => message.eventType)))],
      keyed.map((index) => requests[index].idempotency!),
    );
    const named = applicationNamed(routing.applications);
    const observing = (index: number) => named(requests[index].application)?.idempotencyMode === IdempotencyMode.Observe;
    const keyRepeats: KeyRepeat[] = [];
    for (const [index, first] of repeatedInBatch) {
      // A key twice in one batch: the second arrived while the first was running.
      if (!observing(index)) outcomes[index] = { kind: 'refused', error: idempotencyKeyInFlight() };
      else keyRepeats.push({ request: index, kind: sameRequest(requests[index], requests[first]), earlier: { request: first } });
    }
    await this.replayIdempotentRequests(requests, outcomes, keyed, routing.locked, keptSince, observing, keyRepeats);
    const applications = applicationsOf(requests, outcomes, named);
    const contracts = await this.payloadContracts.of(routing.contracts);

    const results: IntakeResult[][] = requests.map((request) => new Array(request.messages.length));
    const candidates: Candidate[] = [];
    const violations = { observed: 0, refused: 0 };
    requests.forEach((request, index) => {
      const application = applications.get(index);
      if (!application) return;
      request.messages.forEach((message, position) => {
        const contract = contracts.get(message.eventType);
        const broken = contract?.check(message.payload) ?? [];
        if (broken.length > 0 && contract!.schemaEnforcement === SchemaEnforcement.Enforce) {
          violations.refused++;
          results[index][position] = { kind: 'refused', error: schemaRefusal(message.eventType, broken) };
          return;
        }
        // A test event (to one endpoint) is an example, not a state of a real entity: it takes no part in versioning.
        const retrySafety = request.onlyEndpointId === undefined ? contract?.retrySafety : undefined;
        const read = retrySafety ? entityOf(retrySafety, message.payload) : { entity: null, problems: [] };
        if (read.problems.length > 0) {
          results[index][position] = { kind: 'refused', error: entityRefusal(message.eventType, read.problems) };
          return;
        }
        if (broken.length > 0) violations.observed++;
        const isState = retrySafety?.semantics === EventSemantics.State;
        candidates.push(candidateOf(application, request.onlyEndpointId, request.idempotency !== undefined, index, position, message, broken.length > 0 ? broken : null, read.entity, isState));
      });
    });

    const { toWrite, repeats, eventIdRepeats } = await this.settleEventIds(candidates, results, keptSince);
    const newestStates = await this.settleStates(toWrite);
    // Stamped as the insert stamps them (the transaction's now()), so the responses exist before the statement that stores them.
    const stored = new Map(toWrite.map(({ message }) => [message.id, storedMessageOf(message, routing.now)]));
    for (const { request, position, message } of toWrite) results[request][position] = { kind: 'accepted', message: stored.get(message.id)!, replayed: false };
    for (const { candidate, messageId } of repeats) results[candidate.request][candidate.position] = { kind: 'accepted', message: stored.get(messageId)!, replayed: true };

    const records: IdempotencyRecordFields[] = [];
    // An observed repeat of a key leaves the first record as it was: enforcing later replays the first response.
    const unrecorded = new Set([...keyRepeats.map((repeat) => repeat.request), ...repeatedInBatch.keys()]);
    requests.forEach((request, index) => {
      if (outcomes[index]) return;
      outcomes[index] = { kind: 'written', results: results[index] };
      const response = request.idempotency?.respond(results[index]);
      if (request.idempotency && response && !unrecorded.has(index)) {
        const { scope, key, requestHash } = request.idempotency;
        records.push({ scope, key, requestHash, responseStatus: response.status, responseBody: response.body });
      }
    });
    const deliveries: NewDelivery[] = toWrite.flatMap((candidate) =>
      candidate.endpointIds.map((endpointId) => ({ id: newId('delivery'), messageId: candidate.message.id, endpointId })),
    );
    await this.intake.insertMessages(
      toWrite.map((candidate) => candidate.message),
      deliveries,
      records,
      keptSince,
    );
    await this.intake.supersedeOlderStates(newestStates);
    const repeatedEventIds = new Set(eventIdRepeats.map(({ finding }) => finding.messageId));
    const findings = await this.findings.record(sightingsOf(toWrite, requests, repeatedEventIds), [
      ...keyRepeats.map((repeat) => keyRepeatFinding(repeat, requests, results, named)),
      // A repeated key and eventId in one request is one repeat, counted once (as the key's).
      ...eventIdRepeats.filter((finding) => !unrecorded.has(finding.request)).map((finding) => finding.finding),
    ]);

    const accepted = { written: toWrite.length, replayed: 0 };
    requests.forEach((request, index) => {
      const outcome = outcomes[index]!;
      if (outcome.kind === 'replayed') accepted.replayed += request.messages.length;
      if (outcome.kind === 'written') accepted.replayed += outcome.results.filter((result) => result.kind === 'accepted' && result.replayed).length;
    });
    return { outcomes: outcomes as IntakeOutcome[], deliveryIds: deliveries.map((delivery) => delivery.id), accepted, violations, findings };
  }

  /**
   * Applies the Idempotency-Key contract to the requests whose key the routing query locked (or found
   * held: a request still running with it, here or in another process, is a 409): those with a stored
   * response are answered with it (a replay, or a 422 for another body). The rest go on, their keys
   * locked until commit. The records are read after the locks, so their snapshot holds what a request
   * that held a lock committed. A request of an application in observe mode always goes on; a stored
   * response it would have been answered with (or refused for) is added to `keyRepeats`.
   */
  private async replayIdempotentRequests(
    requests: readonly IntakeRequest[],
    outcomes: (IntakeOutcome | undefined)[],
    keyed: readonly number[],
    locked: readonly boolean[],
    keptSince: Date,
    observing: (index: number) => boolean,
    keyRepeats: KeyRepeat[],
  ): Promise<void> {
    if (keyed.length === 0) return;
    const records = await this.idempotencyRecords.findLive(
      keyed.filter((_, n) => locked[n]).map((index) => requests[index].idempotency!),
      keptSince,
    );
    const recordOf = new Map(records.map((record) => [scopedKeyName(record), record]));
    keyed.forEach((index, n) => {
      const idempotency = requests[index].idempotency!;
      if (observing(index)) {
        const record = locked[n] ? recordOf.get(scopedKeyName(idempotency)) : undefined;
        if (!locked[n]) keyRepeats.push({ request: index, kind: IdempotencyFindingKind.Replay, earlier: { messageId: null } });
        else if (record) {
          const kind = record.requestHash === idempotency.requestHash ? IdempotencyFindingKind.Replay : IdempotencyFindingKind.Conflict;
          keyRepeats.push({ request: index, kind, earlier: { messageId: messageIdIn(record.responseBody) } });
        }
        return;
      }
      try {
        const verdict = idempotencyVerdict(locked[n], recordOf.get(scopedKeyName(idempotency)) ?? null, idempotency.requestHash);
        if (verdict.kind === 'replay') outcomes[index] = { kind: 'replayed', status: verdict.status, body: verdict.body };
      } catch (error) {
        outcomes[index] = { kind: 'refused', error: error as IdemError };
      }
    });
  }

  /**
   * Claims the candidates' eventIds in one statement and settles each candidate: written as new, the
   * message already accepted under its eventId (same content), or a 409 (other content). Returns the
   * candidates to write, and the repeats of an eventId that one of those claims; the others' results
   * are filled in. A candidate of an application in observe mode is written whatever holds its
   * eventId, and a repeat is returned as a finding.
   */
  private async settleEventIds(
    candidates: readonly Candidate[],
    results: IntakeResult[][],
    keptSince: Date,
  ): Promise<{ toWrite: Candidate[]; repeats: { candidate: Candidate; messageId: string }[]; eventIdRepeats: { request: number; finding: NewIdempotencyFinding }[] }> {
    const claimants = new Map<string, Candidate>();
    for (const candidate of candidates) {
      const { appId, eventId } = candidate.message;
      if (eventId !== null && !claimants.has(claimKey(appId, eventId))) claimants.set(claimKey(appId, eventId), candidate);
    }
    const claims: EventIdClaim[] = [...claimants.values()].map(({ message, contentHash }) => ({ appId: message.appId, eventId: message.eventId!, messageId: message.id, contentHash: contentHash! }));
    const holders = new Map((await this.intake.claimEventIds(claims, keptSince)).map((holder) => [claimKey(holder.appId, holder.eventId), holder]));

    const toWrite: Candidate[] = [];
    const earlier: { candidate: Candidate; messageId: string }[] = [];
    const eventIdRepeats: { request: number; finding: NewIdempotencyFinding }[] = [];
    for (const candidate of candidates) {
      const { appId, eventId } = candidate.message;
      if (eventId === null) {
        toWrite.push(candidate);
        continue;
      }
      const holder = holders.get(claimKey(appId, eventId))!;
      if (candidate.observe) {
        toWrite.push(candidate);
        if (holder.messageId === candidate.message.id) continue;
        const kind = holder.contentHash === candidate.contentHash ? IdempotencyFindingKind.Replay : IdempotencyFindingKind.Conflict;
        eventIdRepeats.push({
          request: candidate.request,
          finding: { appId, kind, keyKind: ProducerKeyKind.EventId, key: eventId, earlierKey: null, eventType: candidate.message.eventType, messageId: candidate.message.id, earlierMessageId: holder.messageId },
        });
      } else if (holder.contentHash !== candidate.contentHash) {
        results[candidate.request][candidate.position] = { kind: 'refused', error: IdemError.conflict(`A message with eventId "${eventId}" and different content was already accepted`) };
      } else if (holder.messageId === candidate.message.id) {
        toWrite.push(candidate);
      } else {
        earlier.push({ candidate, messageId: holder.messageId });
      }
    }

    const written = new Set(toWrite.map((candidate) => candidate.message.id));
    const repeats = earlier.filter(({ messageId }) => written.has(messageId));
    const olderIds = earlier.filter(({ messageId }) => !written.has(messageId)).map(({ messageId }) => messageId);
    const older = new Map((await this.intake.findMessages(olderIds)).map((message) => [message.id, message]));
    for (const { candidate, messageId } of earlier) {
      if (written.has(messageId)) continue;
      const { request, position, message } = candidate;
      const original = older.get(messageId);
      results[request][position] = original
        ? { kind: 'accepted', message: original, replayed: true }
        : { kind: 'refused', error: IdemError.conflict(`The message with eventId "${message.eventId}" was deleted`) };
    }
    return { toWrite, repeats, eventIdRepeats };
  }

  /**
   * The version check of state messages: per entity, only the newest version of the batch is a
   * candidate, and only if it is newer than every version accepted before; every other one is accepted
   * as stale, with no delivery. Returns the states that became their entity's newest, whose older
   * pending deliveries are then superseded.
   */
  private async settleStates(toWrite: readonly Candidate[]): Promise<EntityState[]> {
    const newestOf = new Map<string, Candidate>();
    for (const candidate of toWrite) {
      if (!candidate.isState) continue;
      const key = entityKey(candidate.message);
      const newest = newestOf.get(key);
      // Two states of one version in one batch: the first accepted wins, as it would a moment apart.
      if (!newest || newest.message.entityVersion! < candidate.message.entityVersion!) newestOf.set(key, candidate);
    }
    const states = [...newestOf.values()].map(({ message }) => ({
      appId: message.appId,
      entityName: message.entityName!,
      entityId: message.entityId!,
      version: message.entityVersion!,
      messageId: message.id,
    }));
    const advanced = await this.intake.advanceEntityVersions(states);
    for (const candidate of toWrite) {
      if (candidate.isState && !advanced.has(candidate.message.id)) {
        candidate.message.entityStale = true;
        candidate.endpointIds = [];
      }
    }
    return states.filter((state) => advanced.has(state.messageId));
  }

  /** Redis only accelerates: if it does not take the jobs, the messages are committed and the sweeper enqueues them. */
  private async afterCommit({ deliveryIds, accepted, violations, findings }: Written): Promise<void> {
    this.metrics.messagesAccepted(accepted.written, accepted.replayed);
    this.findings.afterCommit(findings);
    this.metrics.schemaViolations(violations.observed, violations.refused);
    if (deliveryIds.length === 0) return;
    const enqueued = await this.deliveryQueue.offer((queue) => queue.enqueue(deliveryIds.map((deliveryId) => ({ deliveryId, attemptNumber: 1 }))));
    if (!enqueued) this.logger.warn(`${deliveryIds.length} deliveries not enqueued; the sweeper will enqueue them`);
  }
}

/** The requests with a key, each key once, and those whose key an earlier request of the batch carries (with that request). */
function distinctKeys(requests: readonly IntakeRequest[]): { keyed: number[]; repeatedInBatch: Map<number, number> } {
  const keyed: number[] = [];
  const firstWith = new Map<string, number>();
  const repeatedInBatch = new Map<number, number>();
  requests.forEach((request, index) => {
    if (!request.idempotency) return;
    const name = scopedKeyName(request.idempotency);
    const first = firstWith.get(name);
    if (first !== undefined) repeatedInBatch.set(index, first);
    else keyed.push(index);
    if (first === undefined) firstWith.set(name, index);
  });
  return { keyed, repeatedInBatch };
}

/** Finds the application a path names: by id or by uid, an id winning over another application's equal uid. */
function applicationNamed(applications: readonly IntakeApplication[]): (name: string) => IntakeApplication | undefined {
  const byId = new Map(applications.map((application) => [application.id, application]));
  const byUid = new Map(applications.filter((application) => application.uid !== null).map((application) => [application.uid!, application]));
  return (name) => byId.get(name) ?? byUid.get(name);
}

/** The application of each request still open; an unknown or forbidden one, or a disabled target endpoint, refuses its request. */
function applicationsOf(
  requests: readonly IntakeRequest[],
  outcomes: (IntakeOutcome | undefined)[],
  named: (name: string) => IntakeApplication | undefined,
): Map<number, IntakeApplication> {
  const found = new Map<number, IntakeApplication>();
  requests.forEach(({ application: name, onlyApplicationId, onlyEndpointId }, index) => {
    if (outcomes[index]) return;
    const application = named(name);
    if (!application || (onlyApplicationId !== null && onlyApplicationId !== application.id)) {
      outcomes[index] = { kind: 'refused', error: IdemError.notFound('Application') };
    } else if (onlyEndpointId !== undefined && !application.enabledEndpoints.some((endpoint) => endpoint.id === onlyEndpointId)) {
      outcomes[index] = { kind: 'refused', error: IdemError.conflict('The endpoint is disabled, or not in this application') };
    } else {
      found.set(index, application);
    }
  });
  return found;
}

/** The message as the insert stores it, stamped with the transaction's time. */
function storedMessageOf(message: NewMessage, now: Date): MessageEntity {
  const { payloadRetentionHours, ...fields } = message;
  return Object.assign(new MessageEntity(), { ...fields, createdAt: now, payloadExpiresAt: new Date(now.getTime() + payloadRetentionHours * 3_600_000) });
}

function candidateOf(
  application: IntakeApplication,
  onlyEndpointId: string | undefined,
  underIdempotencyKey: boolean,
  request: number,
  position: number,
  input: IntakeMessage,
  schemaViolations: SchemaViolation[] | null,
  entity: MessageEntityRef | null,
  isState: boolean,
): Candidate {
  const channels = input.channels && input.channels.length > 0 ? input.channels : null;
  const routing = { eventType: input.eventType, channels };
  return {
    request,
    position,
    message: {
      id: newId('message'),
      appId: application.id,
      eventType: input.eventType,
      eventId: input.eventId,
      payload: JSON.stringify(input.payload),
      channels,
      payloadRetentionHours: input.payloadRetentionHours,
      schemaViolations,
      entityName: entity?.name ?? null,
      entityId: entity?.id ?? null,
      entityVersion: entity?.version ?? null,
      entitySemantics: entity ? (isState ? EventSemantics.State : EventSemantics.Delta) : null,
      entityStale: false,
    },
    isState,
    observe: application.idempotencyMode === IdempotencyMode.Observe,
    // Key order in the payload and channel order do not count. Only a message under a producer key needs
    // it: an eventId claim compares it, and the send-time-key detector remembers it.
    contentHash: input.eventId === null && !underIdempotencyKey ? null : sha256Hex(canonicalJson({ eventType: input.eventType, payload: input.payload, channels: channels ? [...channels].sort() : null })),
    endpointIds:
      onlyEndpointId !== undefined ? [onlyEndpointId] : application.enabledEndpoints.filter((endpoint) => subscriptionMatches(endpoint, routing)).map((endpoint) => endpoint.id),
  };
}

/**
 * The messages written under a producer key, each named by its eventId or else by its request's
 * Idempotency-Key (a create that repeats an eventId is a retry done right, whatever key the client
 * minted for the call). Left out: a test event (an example, not an event); a message of an application
 * in observe mode that repeats an earlier eventId (`repeatedEventIds`: a retry done right, which the
 * detector would otherwise compare with whatever key came with that content since); and a message
 * under Idem's own derived eventIds (a saga's: two sagas may well send the same content).
 */
function sightingsOf(toWrite: readonly Candidate[], requests: readonly IntakeRequest[], repeatedEventIds: ReadonlySet<string | null>): Omit<KeySighting, 'compare'>[] {
  const sightings: Omit<KeySighting, 'compare'>[] = [];
  for (const { request, message, contentHash } of toWrite) {
    const { idempotency, onlyEndpointId, derivedEventIds } = requests[request];
    if (onlyEndpointId !== undefined || derivedEventIds || repeatedEventIds.has(message.id)) continue;
    const named = message.eventId !== null ? { keyKind: ProducerKeyKind.EventId, key: message.eventId } : idempotency ? { keyKind: ProducerKeyKind.IdempotencyKey, key: idempotency.key } : null;
    // A message under either key has its content hash (see candidateOf).
    if (named) sightings.push({ appId: message.appId, fingerprint: contentHash!, ...named, messageId: message.id, eventType: message.eventType });
  }
  return sightings;
}

function keyRepeatFinding(
  repeat: KeyRepeat,
  requests: readonly IntakeRequest[],
  results: readonly IntakeResult[][],
  named: (name: string) => IntakeApplication | undefined,
): NewIdempotencyFinding {
  const request = requests[repeat.request];
  const firstMessage = (index: number) => {
    const accepted = results[index].find((result) => result.kind === 'accepted');
    return accepted?.kind === 'accepted' ? accepted.message : undefined;
  };
  const message = firstMessage(repeat.request);
  return {
    // Only a request of an application found in observe mode repeats a key without being refused.
    appId: named(request.application)!.id,
    kind: repeat.kind,
    keyKind: ProducerKeyKind.IdempotencyKey,
    key: request.idempotency!.key,
    earlierKey: null,
    eventType: message?.eventType ?? request.messages[0]?.eventType ?? null,
    messageId: message?.id ?? null,
    earlierMessageId: 'request' in repeat.earlier ? (firstMessage(repeat.earlier.request)?.id ?? null) : repeat.earlier.messageId,
  };
}

/** Whether a request repeats another one with its key (the same fingerprint) or reuses the key for something else. */
function sameRequest(request: IntakeRequest, first: IntakeRequest): IdempotencyFindingKind {
  return request.idempotency!.requestHash === first.idempotency!.requestHash ? IdempotencyFindingKind.Replay : IdempotencyFindingKind.Conflict;
}

/** The message id in a stored response: a single create's body is the message. */
function messageIdIn(body: unknown): string | null {
  const id = (body as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id : null;
}

/** A 422 naming, for each broken rule, where in the payload it broke (as a location under `payload`). */
function schemaRefusal(eventType: string, violations: readonly SchemaViolation[]): IdemError {
  return IdemError.validation(
    `The payload does not match the schema of event type "${eventType}"`,
    violations.map((violation) => ({
      loc: ['payload', ...segmentsOf(violation.pointer)],
      msg: `${violation.message} (${violation.rule} at ${violation.pointer})`,
      type: `value_error.jsonschema.${violation.rule}`,
    })),
  );
}

/** A 422 for a payload its event type's retry-safety contract cannot read the entity or version from. */
function entityRefusal(eventType: string, problems: readonly FieldProblem[]): IdemError {
  return IdemError.validation(`The payload does not carry what event type "${eventType}" names as its entity and version`, problems);
}

function entityKey(message: Pick<NewMessage, 'appId' | 'entityName' | 'entityId'>): string {
  return `${message.appId}\n${message.entityName}\n${message.entityId}`;
}

function claimKey(appId: string, eventId: string): string {
  return `${appId}\n${eventId}`;
}

function scopedKeyName({ scope, key }: { scope: string; key: string }): string {
  return `${scope}\n${key}`;
}
