import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { CONSTRAINT } from '../constraint-names';
import { MessageEntity, MessageEventIdEntity } from '../entities';
import { whereCreatedIn } from './created-window';
import { fetchPage, Page, PageQuery } from './keyset-page';

export interface MessageEventIdClaim {
  appId: string;
  eventId: string;
  messageId: string;
  contentHash: string;
}

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

  /**
   * Records `claim.eventId` as belonging to `claim.messageId` and returns the record that holds the
   * eventId afterwards: ours, or the one of whoever claimed it first within the retention window
   * (a record older than `expiredBefore` is taken over). A concurrent claim of the same eventId waits
   * on the primary key until the first transaction ends, so exactly one claim wins.
   */
  async claimEventId(claim: MessageEventIdClaim, expiredBefore: Date): Promise<MessageEventIdEntity> {
    await this.eventIds.query(
      `INSERT INTO message_event_ids (app_id, event_id, message_id, content_hash) VALUES ($1, $2, $3, $4)
       ON CONFLICT ON CONSTRAINT ${CONSTRAINT.messageEventId} DO UPDATE
         SET message_id = EXCLUDED.message_id, content_hash = EXCLUDED.content_hash, created_at = now()
         WHERE message_event_ids.created_at < $5`,
      [claim.appId, claim.eventId, claim.messageId, claim.contentHash, expiredBefore],
    );
    return this.eventIds.findOneByOrFail({ appId: claim.appId, eventId: claim.eventId });
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
  if (filter.channel !== undefined) query.andWhere(`:channel = ANY(${alias}.channels)`, { channel: filter.channel });
  return whereCreatedIn(query, alias, 'message', filter);
}
