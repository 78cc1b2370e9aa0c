import { DEFAULT_PAYLOAD_RETENTION_HOURS, examplePayloadOf, IdemError, isId, payloadRetentionHoursOf } from '@app/core';
import { IntakeMessage, IntakeOutcome, IntakeRequest, IntakeResult, MessageIntake } from '@app/intake';
import { DeliveryOutcomeRepository, EventTypeRepository, MessageEntity, MessageRepository, RetentionRepository, UnitOfWork } from '@app/persistence';
import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { ApplicationsService } from '../applications/applications.service';
import { EndpointsService } from '../endpoints/endpoints.service';
import { Principal } from '../auth/principal';
import { idCursor, ListResponse, toListResponse, toPageQuery } from '../http/list';
import { RequestValidationError } from '../http/request-validation.error';
import { svixErrorOf } from '../http/svix-error.filter';
import { validateBodyAlreadyPiped } from '../http/validation.pipe';
import { IdempotentRequest } from '../idempotency/idempotency.service';
import { EventExampleIn } from './dto/event-example-in.dto';
import { MessageBatchIn, MessageBatchItemOut, MessageBatchOut } from './dto/message-batch.dto';
import { MessageIn } from './dto/message-in.dto';
import { MessageOut, toMessageOut } from './dto/message-out.dto';
import { MessageContentQuery, MessageListQuery } from './dto/message-queries.dto';

const MESSAGE_CURSOR = idCursor('message');

/** An answer that may be the stored first response to a repeated Idempotency-Key. */
export interface Answer<T> {
  body: T;
  replayed: boolean;
}

@Injectable()
export class MessagesService {
  private readonly logger = new Logger(MessagesService.name);
  constructor(
    private readonly applications: ApplicationsService,
    private readonly endpoints: EndpointsService,
    private readonly eventTypes: EventTypeRepository,
    private readonly intake: MessageIntake,
    private readonly messages: MessageRepository,
    private readonly deliveries: DeliveryOutcomeRepository,
    private readonly retention: RetentionRepository,
    private readonly unitOfWork: UnitOfWork,
  ) {}

  /**
   * Accepts a message: the message, its eventId record and one pending delivery per enabled endpoint
   * whose filters match, written together; then the first attempts go on the queue. A repeat of an
   * eventId within the retention window with the same content returns the first message and writes
   * nothing; with different content it is a 409.
   */
  async create(principal: Principal, appIdOrUid: string, input: MessageIn, query: MessageContentQuery, idempotency?: IdempotentRequest): Promise<Answer<MessageOut>> {
    const withContent = query.with_content ?? true;
    const outcome = await this.intake.accept({
      ...requestOf(principal, appIdOrUid, [intakeMessageOf(input)]),
      idempotency: idempotency && {
        ...idempotency,
        respond: ([result]) => (result.kind === 'accepted' ? { status: HttpStatus.ACCEPTED, body: toMessageOut(result.message, withContent) } : null),
      },
    });
    return answerOf(outcome, ([result]) => {
      if (result.kind === 'refused') throw result.error;
      return toMessageOut(result.message, withContent);
    });
  }

  /**
   * Accepts up to 1,000 messages in one request, with one result per item in order: each as `create`
   * would have answered it. Items that fail validation or conflict are refused alone; the batch's own
   * Idempotency-Key replays the whole answer.
   */
  async createBatch(principal: Principal, appIdOrUid: string, input: MessageBatchIn, query: MessageContentQuery, idempotency?: IdempotentRequest): Promise<Answer<MessageBatchOut>> {
    const withContent = query.with_content ?? true;
    // Each item by the rules the single create's body goes through; the pipe has already looked at the whole batch for what Postgres cannot store.
    const items = await Promise.all(input.messages.map((item) => validateBodyAlreadyPiped(MessageIn, item)));
    const valid = items.filter((item): item is MessageIn => item instanceof MessageIn);
    const bodyOf = (results: readonly IntakeResult[]): MessageBatchOut => {
      let next = 0;
      return { data: items.map((item, index) => (item instanceof MessageIn ? batchItemOf(results[next++], withContent, index) : batchItemError(item, index))) };
    };
    const outcome = await this.intake.accept({
      ...requestOf(principal, appIdOrUid, valid.map(intakeMessageOf)),
      idempotency: idempotency && { ...idempotency, respond: (results) => ({ status: HttpStatus.ACCEPTED, body: bodyOf(results) }) },
    });
    return answerOf(outcome, bodyOf);
  }

  /**
   * Svix's "send event type example": a message of `eventType` whose payload is the example in its
   * newest schema (`{}` without one), sent to this endpoint alone, whatever its filters.
   */
  async sendExample(principal: Principal, appIdOrUid: string, endpointIdOrUid: string, input: EventExampleIn, idempotency?: IdempotentRequest): Promise<Answer<MessageOut>> {
    const endpoint = await this.endpoints.resolve(principal, appIdOrUid, endpointIdOrUid);
    const eventType = await this.eventTypes.findByName(input.eventType);
    if (!eventType) throw IdemError.notFound('Event type');
    const payload = examplePayloadOf(eventType.schemas, input.exampleIndex ?? 0);
    if (!payload) throw IdemError.validation(`Event type "${eventType.name}" has no example object at index ${input.exampleIndex}`, [{ loc: ['exampleIndex'], msg: 'no such example', type: 'value_error' }]);
    const outcome = await this.intake.accept({
      ...requestOf(principal, endpoint.appId, [{ eventType: eventType.name, eventId: null, payload, channels: null, payloadRetentionHours: DEFAULT_PAYLOAD_RETENTION_HOURS }]),
      onlyEndpointId: endpoint.id,
      idempotency: idempotency && {
        ...idempotency,
        respond: ([result]) => (result.kind === 'accepted' ? { status: HttpStatus.ACCEPTED, body: toMessageOut(result.message) } : null),
      },
    });
    return answerOf(outcome, ([result]) => {
      if (result.kind === 'refused') throw result.error;
      return toMessageOut(result.message);
    });
  }

  async get(principal: Principal, appIdOrUid: string, messageIdOrEventId: string, query: MessageContentQuery): Promise<MessageOut> {
    return toMessageOut(await this.resolve(principal, appIdOrUid, messageIdOrEventId), query.with_content ?? true);
  }

  /**
   * Svix's "delete message payload": expunges the payload now, with what expiry takes with it (its
   * attempts' response bodies, its `Idempotency-Key` replay). Nothing is left to send, so the message's
   * pending deliveries are canceled in the same transaction; one being sent finishes its attempt.
   * Expunging an expunged message changes nothing and is a 204 too.
   */
  async expungeContent(principal: Principal, appIdOrUid: string, messageIdOrEventId: string): Promise<void> {
    const message = await this.resolve(principal, appIdOrUid, messageIdOrEventId);
    const canceled = await this.unitOfWork.run(async () => {
      const pending = await this.deliveries.cancelPendingOfExpungedMessage(message.id);
      await this.retention.expungePayload(message.id);
      return pending;
    });
    if (canceled > 0) this.logger.log({ messageId: message.id, canceled }, 'payload expunged on request; its pending deliveries were canceled');
  }

  async list(principal: Principal, appIdOrUid: string, query: MessageListQuery): Promise<ListResponse<MessageOut>> {
    const application = await this.applications.resolve(principal, appIdOrUid);
    const page = toPageQuery(query, MESSAGE_CURSOR, 'descending');
    const filter = { eventTypes: query.event_types, channel: query.channel, before: query.before, after: query.after };
    const result = await this.messages.list(application.id, filter, page);
    const withContent = query.with_content ?? true;
    return toListResponse(result, page, MESSAGE_CURSOR, (message) => message.id, (message) => toMessageOut(message, withContent));
  }

  /** The message a path names by id, or by eventId while that is remembered. */
  async resolve(principal: Principal, appIdOrUid: string, messageIdOrEventId: string): Promise<MessageEntity> {
    const application = await this.applications.resolve(principal, appIdOrUid);
    const message = isId('message', messageIdOrEventId)
      ? await this.messages.findById(application.id, messageIdOrEventId)
      : await this.messages.findByEventId(application.id, messageIdOrEventId);
    if (!message) throw IdemError.notFound('Message');
    return message;
  }
}

/** The body a route answers, with `Idempotent-Replayed: true` when it is the stored first response. */
export function answer<T>(response: Response, { body, replayed }: Answer<T>): T {
  if (replayed) response.setHeader('Idempotent-Replayed', 'true');
  return body;
}

function requestOf(principal: Principal, appIdOrUid: string, messages: IntakeMessage[]): IntakeRequest {
  return { application: appIdOrUid, onlyApplicationId: principal.appId, messages };
}

function intakeMessageOf(input: MessageIn): IntakeMessage {
  return {
    eventType: input.eventType,
    eventId: input.eventId ?? null,
    payload: input.payload,
    channels: input.channels ?? null,
    payloadRetentionHours: payloadRetentionHoursOf(input),
  };
}

function answerOf<T>(outcome: IntakeOutcome, bodyOf: (results: IntakeResult[]) => T): Answer<T> {
  if (outcome.kind === 'refused') throw outcome.error;
  if (outcome.kind === 'replayed') return { body: outcome.body as T, replayed: true };
  return { body: bodyOf(outcome.results), replayed: false };
}

function batchItemOf(result: IntakeResult, withContent: boolean, index: number): MessageBatchItemOut {
  if (result.kind === 'refused') return batchItemError(result.error, index);
  return { status: HttpStatus.ACCEPTED, message: toMessageOut(result.message, withContent) };
}

/** The error a single create would answer, its fields located under the item: `['body', 'messages', index, ...]`. */
function batchItemError(error: IdemError | RequestValidationError, index: number): MessageBatchItemOut {
  const { status, body } = svixErrorOf(error);
  if (!Array.isArray(body.detail)) return { status, error: body };
  return { status, error: { detail: body.detail.map((problem) => ({ ...problem, loc: ['body', 'messages', String(index), ...problem.loc.slice(1)] })) } };
}
