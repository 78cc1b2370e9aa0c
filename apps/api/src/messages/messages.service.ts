import { IdemConfig } from '@app/config';
import { canonicalJson, IdemError, isId, newId, payloadRetentionHoursOf, subscriptionMatches } from '@app/core';
import { DeliveryRepository, EndpointEntity, MessageEntity, MessageRepository, RetentionRepository, UnitOfWork } from '@app/persistence';
import { DeliveryQueue } from '@app/queue';
import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { ApplicationsService } from '../applications/applications.service';
import { Principal } from '../auth/principal';
import { idCursor, ListResponse, toListResponse, toPageQuery } from '../http/list';
import { ApiMetrics } from '../metrics/api-metrics';
import { MessageIn } from './dto/message-in.dto';
import { MessageOut, toMessageOut } from './dto/message-out.dto';
import { MessageContentQuery, MessageListQuery } from './dto/message-queries.dto';

const MESSAGE_CURSOR = idCursor('message');

function channelsOf(input: MessageIn): string[] | null {
  return input.channels && input.channels.length > 0 ? input.channels : null;
}


@Injectable()
export class MessagesService {
  private readonly logger = new Logger(MessagesService.name);

  constructor(
    private readonly applications: ApplicationsService,
    private readonly messages: MessageRepository,
    private readonly deliveries: DeliveryRepository,
    private readonly retention: RetentionRepository,
    private readonly deliveryQueue: DeliveryQueue,
    private readonly unitOfWork: UnitOfWork,
    private readonly metrics: ApiMetrics,
    private readonly config: IdemConfig,
  ) {}

  /**
   * Accepts a message: in one transaction the message, its eventId record and one pending delivery
   * per enabled endpoint whose filters match; after commit, the first attempts go on the queue.
   * A repeat of an eventId within the retention window with the same content returns the first
   * message and writes nothing; with different content it is a 409.
   */
  async create(principal: Principal, appIdOrUid: string, input: MessageIn, query: MessageContentQuery): Promise<MessageOut> {
    return toMessageOut(await this.accept(principal, appIdOrUid, input), query.with_content ?? true);
  }

  /** The message written, or the earlier one with the same eventId; counted once it is durable. */
  private async accept(principal: Principal, appIdOrUid: string, input: MessageIn): Promise<MessageEntity> {
    const messageId = newId('message');
    // Without an eventId to record and no transaction around the request, the message and its deliveries
    // are one INSERT statement, atomic on its own: no BEGIN and COMMIT round trips on the hottest path.
    if (input.eventId == null && !this.unitOfWork.inTransaction) {
      const { application, enabledEndpoints } = await this.applications.resolveWithEnabledEndpoints(principal, appIdOrUid);
      const { message, deliveryIds } = await this.insert(application.id, enabledEndpoints, messageId, input);
      await this.enqueueFirstAttempts(deliveryIds);
      this.metrics.messageAccepted(false);
      return message;
    }
    return this.unitOfWork.run(async () => {
      const { application, enabledEndpoints } = await this.applications.resolveWithEnabledEndpoints(principal, appIdOrUid);
      if (input.eventId != null) {
        const earlier = await this.claimEventId(application.id, messageId, input, input.eventId);
        if (earlier) {
          this.unitOfWork.afterCommit(() => this.metrics.messageAccepted(true));
          return earlier;
        }
      }
      const { message, deliveryIds } = await this.insert(application.id, enabledEndpoints, messageId, input);
      this.unitOfWork.afterCommit(() => this.enqueueFirstAttempts(deliveryIds));
      this.unitOfWork.afterCommit(() => this.metrics.messageAccepted(false));
      return message;
    });
  }

  /**
   * Records `eventId` for the message about to be written, or returns the message that already holds it
   * with the same content; the same eventId with other content is a 409.
   */
  private async claimEventId(appId: string, messageId: string, input: MessageIn, eventId: string): Promise<MessageEntity | null> {
    const channels = channelsOf(input);
    const contentHash = sha256(canonicalJson({ eventType: input.eventType, payload: input.payload, channels: channels ? [...channels].sort() : null }));
    const holder = await this.messages.claimEventId(
      { appId, eventId, messageId, contentHash },
      new Date(Date.now() - this.config.idempotencyRetentionMs),
    );
    if (holder.messageId === messageId) return null;
    if (holder.contentHash !== contentHash) {
      throw IdemError.conflict(`A message with eventId "${eventId}" and different content was already accepted`);
    }
    const original = await this.messages.findById(appId, holder.messageId);
    if (!original) throw IdemError.conflict(`The message with eventId "${eventId}" was deleted`);
    return original;
  }

  /** The message and one pending delivery per enabled endpoint whose filters match it. */
  private async insert(
    appId: string,
    enabledEndpoints: readonly EndpointEntity[],
    messageId: string,
    input: MessageIn,
  ): Promise<{ message: MessageEntity; deliveryIds: string[] }> {
    const channels = channelsOf(input);
    const subscribed = enabledEndpoints.filter((endpoint) => subscriptionMatches(endpoint, { eventType: input.eventType, channels }));
    return this.deliveries.createMessageWithDeliveries(
      {
        id: messageId,
        appId,
        eventType: input.eventType,
        eventId: input.eventId ?? null,
        payload: JSON.stringify(input.payload),
        channels,
        payloadRetentionHours: payloadRetentionHoursOf(input),
      },
      subscribed.map((endpoint) => endpoint.id),
    );
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

  /** A Redis outage must not fail the request: the message is committed and the sweeper enqueues it later. */
  private async enqueueFirstAttempts(deliveryIds: string[]): Promise<void> {
    if (deliveryIds.length === 0) return;
    const enqueued = await this.deliveryQueue.offer((queue) => queue.enqueue(deliveryIds.map((deliveryId) => ({ deliveryId, attemptNumber: 1 }))));
    if (!enqueued) this.logger.warn(`Deliveries ${deliveryIds.join(', ')} not enqueued; the sweeper will enqueue them`);
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
