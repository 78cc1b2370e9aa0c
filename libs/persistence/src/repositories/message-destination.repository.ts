import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { DeliveryStatus, sqlStatusIn } from '@app/core';
import { DeliveryEntity, EndpointEntity, MessageEntity } from '../entities';
import { fetchPage, Page, PageQuery } from './keyset-page';
import { MessageListFilter, whereMessageMatches } from './message.repository';

/** An endpoint a message was sent to, and the delivery that carries it there. */
export interface MessageDestination {
  delivery: DeliveryEntity;
  endpoint: EndpointEntity;
}

/** A message sent to an endpoint, and the delivery that carries it there. */
export interface AttemptedMessage {
  delivery: DeliveryEntity;
  message: MessageEntity;
}

export interface AttemptedMessageFilter extends MessageListFilter {
  statuses?: readonly DeliveryStatus[];
}

/** The read side of a message's deliveries: where it went and where each delivery stands. */
@Injectable()
export class MessageDestinationRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  /** One page of the message's destinations, walked by endpoint id (unique per message). */
  async list(appId: string, messageId: string, page: PageQuery): Promise<Page<MessageDestination>> {
    const query = this.txHost.tx
      .getRepository(DeliveryEntity)
      .createQueryBuilder('delivery')
      .innerJoinAndSelect('delivery.endpoint', 'endpoint')
      .where('delivery.messageId = :messageId', { messageId })
      .andWhere('delivery.appId = :appId', { appId });
    const result = await fetchPage(query, 'delivery.endpointId', page);
    return { items: result.items.map((delivery) => ({ delivery, endpoint: delivery.endpoint! })), hasMore: result.hasMore };
  }

  /** One page of the messages sent to an endpoint, walked by message id (unique per endpoint). */
  async listByEndpoint(appId: string, endpointId: string, filter: AttemptedMessageFilter, page: PageQuery): Promise<Page<AttemptedMessage>> {
    const query = this.txHost.tx
      .getRepository(DeliveryEntity)
      .createQueryBuilder('delivery')
      .innerJoinAndSelect('delivery.message', 'message')
      .where('delivery.endpointId = :endpointId', { endpointId })
      .andWhere('delivery.appId = :appId', { appId });
    if (filter.statuses !== undefined) query.andWhere(sqlStatusIn(filter.statuses, 'delivery.status'));
    const result = await fetchPage(whereMessageMatches(query, 'message', filter), 'delivery.messageId', page);
    return { items: result.items.map((delivery) => ({ delivery, message: delivery.message! })), hasMore: result.hasMore };
  }
}
