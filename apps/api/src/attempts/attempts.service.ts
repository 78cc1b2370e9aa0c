import { AttemptOutcome, IdemError, SvixMessageStatus } from '@app/core';
import { AttemptRepository, EndpointRepository } from '@app/persistence';
import { Injectable } from '@nestjs/common';
import { Principal } from '../auth/principal';
import { idCursor, ListResponse, toListResponse, toPageQuery } from '../http/list';
import { MessagesService } from '../messages/messages.service';
import { MessageAttemptOut, toMessageAttemptOut } from './dto/message-attempt-out.dto';
import { MessageAttemptListQuery } from './dto/message-attempt-queries.dto';

const ATTEMPT_CURSOR = idCursor('attempt');

/** Attempts are written by the worker; the API only reads them. */
@Injectable()
export class AttemptsService {
  constructor(
    private readonly messages: MessagesService,
    private readonly endpoints: EndpointRepository,
    private readonly attempts: AttemptRepository,
  ) {}

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
