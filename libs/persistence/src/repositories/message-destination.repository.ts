import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { DeliveryEntity, EndpointEntity } from '../entities';
import { fetchPage, Page, PageQuery } from './keyset-page';

/** An endpoint a message was sent to, and the delivery that carries it there. */
export interface MessageDestination {
  delivery: DeliveryEntity;
  endpoint: EndpointEntity;
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
}
