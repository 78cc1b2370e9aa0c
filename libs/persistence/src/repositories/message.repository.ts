import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { MessageEntity, MessageEventIdEntity } from '../entities';
import { whereCreatedIn } from './created-window';
import { fetchPage, Page, PageQuery } from './keyset-page';

export interface MessageListFilter {
  eventTypes?: readonly string[];
  channel?: string;
  before?: Date;
  after?: Date;
}

/** Messages and the records that make a producer's `eventId` idempotent. */
@Injectable()
export class MessageRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  private get messages() {
    return this.txHost.tx.getRepository(MessageEntity);
  }

  private get eventIds() {
    return this.txHost.tx.getRepository(MessageEventIdEntity);
  }

  findById(appId: string, messageId: string): Promise<MessageEntity | null> {
    return this.messages.findOneBy({ appId, id: messageId });
  }

  /** The message currently holding `eventId` in the application, while its record is kept. */
  async findByEventId(appId: string, eventId: string): Promise<MessageEntity | null> {
    const record = await this.eventIds.findOneBy({ appId, eventId });
    return record ? this.findById(appId, record.messageId) : null;
  }

  list(appId: string, filter: MessageListFilter, page: PageQuery): Promise<Page<MessageEntity>> {
    const query = this.messages.createQueryBuilder('message').where('message.appId = :appId', { appId });
    return fetchPage(whereMessageMatches(query, 'message', filter), 'message.id', page);
  }
}

/** Keeps the rows whose message, joined as `alias`, passes `filter`. */
export function whereMessageMatches<T extends ObjectLiteral>(query: SelectQueryBuilder<T>, alias: string, filter: MessageListFilter): SelectQueryBuilder<T> {
  if (filter.eventTypes && filter.eventTypes.length > 0) query.andWhere(`${alias}.eventType IN (:...eventTypes)`, { eventTypes: filter.eventTypes });
  // `@>` rather than `= ANY(...)`: the form `ix_messages_channels` (GIN) serves.
  if (filter.channel !== undefined) query.andWhere(`${alias}.channels @> ARRAY[:channel]::text[]`, { channel: filter.channel });
  return whereCreatedIn(query, alias, 'message', filter);
}
