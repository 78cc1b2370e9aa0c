import { AttemptOutcome, IdemError, SvixMessageStatus } from '@app/core';
import { AttemptRepository, DeliveryRepository, EndpointRepository } from '@app/persistence';
import { DeliveryQueue } from '@app/queue';
import { Injectable, Logger } from '@nestjs/common';
import { Principal } from '../auth/principal';
import { idCursor, ListResponse, toListResponse, toPageQuery } from '../http/list';
import { MessagesService } from '../messages/messages.service';
import { MessageAttemptOut, toMessageAttemptOut } from './dto/message-attempt-out.dto';
import { MessageAttemptListQuery } from './dto/message-attempt-queries.dto';

const ATTEMPT_CURSOR = idCursor('attempt');

/** Attempts are written by the worker; the API reads them and asks for manual ones. */
@Injectable()
export class AttemptsService {
  private readonly logger = new Logger(AttemptsService.name);

  constructor(
    private readonly messages: MessagesService,
    private readonly endpoints: EndpointRepository,
    private readonly attempts: AttemptRepository,
    private readonly deliveries: DeliveryRepository,
    private readonly deliveryQueue: DeliveryQueue,
  ) {}

  /**
   * Asks for a manual attempt of a message to an endpoint it was sent to. The request is marked on the
   * delivery in Postgres before it is queued, so it survives a lost job; scheduled retries are untouched.
   */
  async resend(principal: Principal, appIdOrUid: string, messageIdOrEventId: string, endpointIdOrUid: string): Promise<void> {
    const message = await this.messages.resolve(principal, appIdOrUid, messageIdOrEventId);
    const endpoint = await this.endpoints.findByIdOrUid(message.appId, endpointIdOrUid);
    if (!endpoint) throw IdemError.notFound('Endpoint');
    const request = await this.deliveries.requestResend(message.id, endpoint.id);
    if (!request) throw IdemError.notFound('Delivery of this message to this endpoint');
    const job = { deliveryId: request.deliveryId, requestedAt: request.requestedAt.getTime() };
    if (!(await this.deliveryQueue.offer((queue) => queue.enqueueResends([job])))) {
      this.logger.warn(`Resend of delivery ${request.deliveryId} not enqueued; the sweeper will enqueue it`);
    }
  }

  async listByMessage(
    principal: Principal,
    appIdOrUid: string,
    messageIdOrEventId: string,
    query: MessageAttemptListQuery,
  ): Promise<ListResponse<MessageAttemptOut>> {
    const message = await this.messages.resolve(principal, appIdOrUid, messageIdOrEventId);
    const page = toPageQuery(query, ATTEMPT_CURSOR, 'descending');
    let endpointId: string | undefined;
    if (query.endpoint_id !== undefined) {
      const endpoint = await this.endpoints.findByIdOrUid(message.appId, query.endpoint_id);
      if (!endpoint) throw IdemError.notFound('Endpoint');
      endpointId = endpoint.id;
    }
    const outcome = query.status === undefined ? undefined : OUTCOME_OF_STATUS[query.status];
    // A finished attempt is never pending, sending or canceled: such a filter matches nothing.
    if (outcome === null) return toListResponse({ items: [], hasMore: false }, page, ATTEMPT_CURSOR, (attempt) => attempt.id, toMessageAttemptOut);
    const result = await this.attempts.listByMessage(message.appId, message.id, { outcome, endpointId }, page);
    return toListResponse(result, page, ATTEMPT_CURSOR, (attempt) => attempt.id, toMessageAttemptOut);
  }
}

const OUTCOME_OF_STATUS: Readonly<Record<SvixMessageStatus, AttemptOutcome | null>> = {
  [SvixMessageStatus.Success]: AttemptOutcome.Succeeded,
  [SvixMessageStatus.Fail]: AttemptOutcome.Failed,
  [SvixMessageStatus.Pending]: null,
  [SvixMessageStatus.Sending]: null,
  [SvixMessageStatus.Canceled]: null,
};
