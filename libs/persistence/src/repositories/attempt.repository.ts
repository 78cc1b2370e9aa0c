import { AttemptOutcome, EXPUNGED_RESPONSE } from '@app/core';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { SelectQueryBuilder } from 'typeorm';
import { AttemptEntity } from '../entities';
import { whereCreatedIn } from './created-window';
import { fetchPage, Page, PageQuery } from './keyset-page';

export interface AttemptListFilter {
  outcome?: AttemptOutcome;
  endpointId?: string;
  /** Svix's status code class: 0 for no response, else the hundreds (200 for 2xx, ...). */
  statusCodeClass?: number;
  eventTypes?: readonly string[];
  /** Attempts of messages sent on this channel. */
  channel?: string;
  before?: Date;
  after?: Date;
}

/** The read side of attempts, and expunging a response; the worker writes them (see DeliveryOutcomeRepository and DeliveryResendRepository). */
@Injectable()
export class AttemptRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  private get repository() {
    return this.txHost.tx.getRepository(AttemptEntity);
  }

  listByMessage(appId: string, messageId: string, filter: AttemptListFilter, page: PageQuery): Promise<Page<AttemptEntity>> {
    const query = this.repository
      .createQueryBuilder('attempt')
      .where('attempt.messageId = :messageId', { messageId })
      .andWhere('attempt.appId = :appId', { appId });
    return fetchPage(this.filtered(query, filter), 'attempt.id', page);
  }

  listByEndpoint(appId: string, endpointId: string, filter: AttemptListFilter, page: PageQuery): Promise<Page<AttemptEntity>> {
    const query = this.repository
      .createQueryBuilder('attempt')
      .where('attempt.endpointId = :endpointId', { endpointId })
      .andWhere('attempt.appId = :appId', { appId });
    return fetchPage(this.filtered(query, filter), 'attempt.id', page);
  }

  findOne(appId: string, messageId: string, attemptId: string): Promise<AttemptEntity | null> {
    return this.repository.findOneBy({ appId, messageId, id: attemptId });
  }

  /** Replaces an attempt's response body with Svix's marker; false when the message has no such attempt. */
  async expungeResponseBody(appId: string, messageId: string, attemptId: string): Promise<boolean> {
    // The response's headers are the receiver's content as much as its body.
    const result = await this.repository.update({ appId, messageId, id: attemptId }, { responseBody: EXPUNGED_RESPONSE, responseHeaders: null });
    return (result.affected ?? 0) > 0;
  }

  private filtered(query: SelectQueryBuilder<AttemptEntity>, filter: AttemptListFilter): SelectQueryBuilder<AttemptEntity> {
    if (filter.outcome !== undefined) query.andWhere('attempt.outcome = :outcome', { outcome: filter.outcome });
    if (filter.endpointId !== undefined) query.andWhere('attempt.endpointId = :endpointId', { endpointId: filter.endpointId });
    if (filter.statusCodeClass !== undefined) {
      if (filter.statusCodeClass === 0) query.andWhere('attempt.responseStatusCode = 0');
      else {
        query.andWhere('attempt.responseStatusCode >= :classFrom AND attempt.responseStatusCode < :classTo', {
          classFrom: filter.statusCodeClass,
          classTo: filter.statusCodeClass + 100,
        });
      }
    }
    whereCreatedIn(query, 'attempt', 'attempt', filter);
    // Event type and channel live on the message. Postgres plans the EXISTS as a semi-join either way
    // round: walking the attempts in key order and looking each message up by its primary key (a common
    // type: the walk stops after `limit` rows), or starting from the application's messages of the type
    // or channel (`ix_messages_event_type`, `ix_messages_channels`: a rare one, which the walk would have
    // crossed every attempt to find).
    const messageConditions: string[] = [];
    if (filter.eventTypes && filter.eventTypes.length > 0) {
      messageConditions.push('m.event_type IN (:...eventTypes)');
      query.setParameter('eventTypes', filter.eventTypes);
    }
    if (filter.channel !== undefined) {
      messageConditions.push('m.channels @> ARRAY[:channel]::text[]');
      query.setParameter('channel', filter.channel);
    }
    if (messageConditions.length > 0) {
      query.andWhere(`EXISTS (SELECT 1 FROM messages m WHERE m.id = attempt.message_id AND m.app_id = attempt.app_id AND ${messageConditions.join(' AND ')})`);
    }
    return query;
  }
}
