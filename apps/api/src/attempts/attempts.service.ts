import { AttemptOutcome, deliveryStatusesOfSvix, IdemError, IdemErrorCode, isSensitiveHeader, REDACTED_HEADER_VALUE, SvixMessageStatus } from '@app/core';
import {
  AttemptEntity,
  AttemptListFilter,
  AttemptRepository,
  DeliveryResendRepository,
  EndpointRepository,
  MessageDestinationRepository,
  Page,
  PageQuery,
  UnitOfWork,
} from '@app/persistence';
import { DeliveryQueue } from '@app/queue';
import { Injectable, Logger } from '@nestjs/common';
import { Principal } from '../auth/principal';
import { idCursor, ListQuery, ListResponse, toListResponse, toPageQuery } from '../http/list';
import { ApplicationsService } from '../applications/applications.service';
import { MessagesService } from '../messages/messages.service';
import { MessageEndpointOut, toMessageEndpointOut } from './dto/message-endpoint-out.dto';
import { ResendOut, resendOut } from './dto/resend-out.dto';
import { MessageAttemptOut, toMessageAttemptOut } from './dto/message-attempt-out.dto';
import { MessageAttemptListQuery } from './dto/message-attempt-queries.dto';
import { EndpointMessageOut, toEndpointMessageOut } from './dto/endpoint-message-out.dto';
import { EndpointMessageListQuery } from './dto/endpoint-message-queries.dto';

const ATTEMPT_CURSOR = idCursor('attempt');
const ENDPOINT_CURSOR = idCursor('endpoint');
const MESSAGE_CURSOR = idCursor('message');

/** Attempts are written by the worker; the API reads them and asks for manual ones. */
@Injectable()
export class AttemptsService {
  private readonly logger = new Logger(AttemptsService.name);

  constructor(
    private readonly messages: MessagesService,
    private readonly applications: ApplicationsService,
    private readonly endpoints: EndpointRepository,
    private readonly attempts: AttemptRepository,
    private readonly deliveries: DeliveryResendRepository,
    private readonly destinations: MessageDestinationRepository,
    private readonly deliveryQueue: DeliveryQueue,
    private readonly unitOfWork: UnitOfWork,
  ) {}

  /**
   * Asks for a manual attempt of a message to an endpoint it was sent to. The request is marked on the
   * delivery in Postgres before it is queued, so it survives a lost job; scheduled retries are untouched.
   * A message whose payload has expired cannot be resent: 400 `missing_payload`, as in Svix.
   */
  async resend(principal: Principal, appIdOrUid: string, messageIdOrEventId: string, endpointIdOrUid: string): Promise<ResendOut> {
    const message = await this.messages.resolve(principal, appIdOrUid, messageIdOrEventId);
    if (message.payload === null) throw new IdemError(IdemErrorCode.MissingPayload, 'Unable to resend message: its payload has expired or was deleted');
    const endpoint = await this.endpoints.findByIdOrUid(message.appId, endpointIdOrUid);
    if (!endpoint) throw IdemError.notFound('Endpoint');
    return this.unitOfWork.run(async () => {
      const asked = await this.deliveries.requestResend(message.id, endpoint.id);
      if (!asked) throw IdemError.notFound('Delivery of this message to this endpoint');
      const request = asked.request;
      if (request === null) return resendOut(asked.status);
      // After the commit of the request (and of an Idempotency-Key's transaction around it): a worker taking the job must see the mark.
      this.unitOfWork.afterCommit(async () => {
        const job = { deliveryId: request.deliveryId, requestedAt: request.requestedAt.getTime() };
        if (!(await this.deliveryQueue.offer((queue) => queue.enqueueResends([job])))) {
          this.logger.warn(`Resend of delivery ${request.deliveryId} not enqueued; the sweeper will enqueue it`);
        }
      });
      return resendOut(asked.status);
    });
  }

  async listByMessage(
    principal: Principal,
    appIdOrUid: string,
    messageIdOrEventId: string,
    query: MessageAttemptListQuery,
  ): Promise<ListResponse<MessageAttemptOut>> {
    const message = await this.messages.resolve(principal, appIdOrUid, messageIdOrEventId);
    let endpointId: string | undefined;
    if (query.endpoint_id !== undefined) endpointId = (await this.endpointOf(message.appId, query.endpoint_id)).id;
    return this.list(query, (filter, page) => this.attempts.listByMessage(message.appId, message.id, { ...filter, endpointId }, page));
  }

  async listByEndpoint(principal: Principal, appIdOrUid: string, endpointIdOrUid: string, query: MessageAttemptListQuery): Promise<ListResponse<MessageAttemptOut>> {
    const application = await this.applications.resolve(principal, appIdOrUid);
    const endpoint = await this.endpointOf(application.id, endpointIdOrUid);
    return this.list(query, (filter, page) => this.attempts.listByEndpoint(application.id, endpoint.id, filter, page));
  }

  /** One attempt, with the request headers it was sent with (signatures and credentials redacted) and the response's headers. */
  async get(principal: Principal, appIdOrUid: string, messageIdOrEventId: string, attemptId: string): Promise<MessageAttemptOut> {
    const message = await this.messages.resolve(principal, appIdOrUid, messageIdOrEventId);
    const attempt = await this.attempts.findOne(message.appId, message.id, attemptId);
    if (!attempt) throw IdemError.notFound('Message attempt');
    return { ...toMessageAttemptOut(attempt), requestHeaders: redactSignatures(attempt.requestHeaders ?? {}), responseHeaders: attempt.responseHeaders };
  }

  /** Svix's "delete attempt response body": the attempt stays, its `response` becomes `EXPUNGED`. */
  async expungeResponse(principal: Principal, appIdOrUid: string, messageIdOrEventId: string, attemptId: string): Promise<void> {
    const message = await this.messages.resolve(principal, appIdOrUid, messageIdOrEventId);
    if (!(await this.attempts.expungeResponseBody(message.appId, message.id, attemptId))) throw IdemError.notFound('Message attempt');
  }

  /** The endpoints a message was sent to, each with where its delivery stands; by endpoint id, as Svix lists them. */
  async listMessageEndpoints(
    principal: Principal,
    appIdOrUid: string,
    messageIdOrEventId: string,
    query: ListQuery,
  ): Promise<ListResponse<MessageEndpointOut>> {
    const message = await this.messages.resolve(principal, appIdOrUid, messageIdOrEventId);
    const page = toPageQuery(query, ENDPOINT_CURSOR, 'ascending');
    const result = await this.destinations.list(message.appId, message.id, page);
    return toListResponse(
      result,
      page,
      ENDPOINT_CURSOR,
      ({ endpoint }) => endpoint.id,
      ({ delivery, endpoint }) => toMessageEndpointOut(delivery, endpoint),
    );
  }

  /** The messages sent to an endpoint, each with where its delivery stands; newest first, as Svix lists them. */
  async listEndpointMessages(
    principal: Principal,
    appIdOrUid: string,
    endpointIdOrUid: string,
    query: EndpointMessageListQuery,
  ): Promise<ListResponse<EndpointMessageOut>> {
    const application = await this.applications.resolve(principal, appIdOrUid);
    const endpoint = await this.endpointOf(application.id, endpointIdOrUid);
    const page = toPageQuery(query, MESSAGE_CURSOR, 'descending');
    const filter = {
      statuses: query.status === undefined ? undefined : deliveryStatusesOfSvix(query.status),
      eventTypes: query.event_types,
      channel: query.channel,
      before: query.before,
      after: query.after,
    };
    const result = await this.destinations.listByEndpoint(application.id, endpoint.id, filter, page);
    const withContent = query.with_content ?? true;
    return toListResponse(
      result,
      page,
      MESSAGE_CURSOR,
      ({ message }) => message.id,
      ({ delivery, message }) => toEndpointMessageOut(delivery, message, withContent),
    );
  }

  private async endpointOf(appId: string, endpointIdOrUid: string) {
    const endpoint = await this.endpoints.findByIdOrUid(appId, endpointIdOrUid);
    if (!endpoint) throw IdemError.notFound('Endpoint');
    return endpoint;
  }

  private async list(
    query: MessageAttemptListQuery,
    fetch: (filter: AttemptListFilter, page: PageQuery) => Promise<Page<AttemptEntity>>,
  ): Promise<ListResponse<MessageAttemptOut>> {
    const page = toPageQuery(query, ATTEMPT_CURSOR, 'descending');
    const withContent = query.with_content ?? true;
    const toOut = (attempt: AttemptEntity) => toMessageAttemptOut(attempt, withContent);
    const outcome = query.status === undefined ? undefined : OUTCOME_OF_STATUS[query.status];
    // A finished attempt is never pending, sending or canceled: such a filter matches nothing.
    if (outcome === null) return toListResponse({ items: [], hasMore: false }, page, ATTEMPT_CURSOR, (attempt) => attempt.id, toOut);
    const filter: AttemptListFilter = {
      outcome,
      statusCodeClass: query.status_code_class,
      eventTypes: query.event_types,
      channel: query.channel,
      before: query.before,
      after: query.after,
    };
    return toListResponse(await fetch(filter, page), page, ATTEMPT_CURSOR, (attempt) => attempt.id, toOut);
  }
}

const SIGNATURE_HEADERS = new Set(['webhook-signature', 'svix-signature']);

/** The worker records them redacted already; attempts recorded before it redacted endpoint headers are redacted here. */
function redactSignatures(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name, SIGNATURE_HEADERS.has(name.toLowerCase()) || isSensitiveHeader(name) ? REDACTED_HEADER_VALUE : value]),
  );
}

const OUTCOME_OF_STATUS: Readonly<Record<SvixMessageStatus, AttemptOutcome | null>> = {
  [SvixMessageStatus.Success]: AttemptOutcome.Succeeded,
  [SvixMessageStatus.Fail]: AttemptOutcome.Failed,
  [SvixMessageStatus.Pending]: null,
  [SvixMessageStatus.Sending]: null,
  [SvixMessageStatus.Canceled]: null,
};
