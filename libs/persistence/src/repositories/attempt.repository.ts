import { AttemptOutcome } from '@app/core';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { SelectQueryBuilder } from 'typeorm';
import { AttemptEntity } from '../entities';
import { fetchPage, Page, PageQuery } from './keyset-page';

export interface AttemptListFilter {
  outcome?: AttemptOutcome;
  endpointId?: string;
  /** Svix's status code class: 0 for no response, else the hundreds (200 for 2xx, ...). */
  statusCodeClass?: number;
  eventTypes?: string[];
  before?: Date;
  after?: Date;
}

/** The read side of attempts; the worker writes them (see DeliveryRepository). */
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

  private filtered(query: SelectQueryBuilder<AttemptEntity>, filter: AttemptListFilter): SelectQueryBuilder<AttemptEntity> {
    if (filter.outcome !== undefined) query.andWhere('attempt.outcome = :outcome', { outcome: filter.outcome });
    if (filter.endpointId !== undefined) query.andWhere('attempt.endpointId = :endpointId', { endpointId: filter.endpointId });
    if (filter.statusCodeClass !== undefined) {
      if (filter.statusCodeClass === 0) query.andWhere('attempt.responseStatusCode = 0');
      else query.andWhere('attempt.responseStatusCode / 100 = :statusHundreds', { statusHundreds: filter.statusCodeClass / 100 });
    }
    if (filter.before !== undefined) query.andWhere('attempt.createdAt < :before', { before: filter.before });
    if (filter.after !== undefined) query.andWhere('attempt.createdAt > :after', { after: filter.after });
    if (filter.eventTypes && filter.eventTypes.length > 0) {
      query.andWhere('attempt.messageId IN (SELECT m.id FROM messages m WHERE m.id = attempt.message_id AND m.event_type IN (:...eventTypes))', {
        eventTypes: filter.eventTypes,
      });
    }
    return query;
  }
}
