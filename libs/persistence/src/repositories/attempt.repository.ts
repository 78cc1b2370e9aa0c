import { AttemptOutcome } from '@app/core';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { AttemptEntity } from '../entities';
import { fetchPage, Page, PageQuery } from './keyset-page';

export interface AttemptListFilter {
  outcome?: AttemptOutcome;
  endpointId?: string;
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
    if (filter.outcome !== undefined) query.andWhere('attempt.outcome = :outcome', { outcome: filter.outcome });
    if (filter.endpointId !== undefined) query.andWhere('attempt.endpointId = :endpointId', { endpointId: filter.endpointId });
    return fetchPage(query, 'attempt.id', page);
  }
}
