import { DeliveryStatus, newId } from '@app/core';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { DeliveryEntity } from '../entities';

@Injectable()
export class DeliveryRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  private get repository() {
    return this.txHost.tx.getRepository(DeliveryEntity);
  }

  /** One pending delivery per endpoint, due now. Call inside the transaction that writes the message. */
  async createPending(message: { id: string; appId: string }, endpointIds: readonly string[], now: Date): Promise<DeliveryEntity[]> {
    if (endpointIds.length === 0) return [];
    const rows = endpointIds.map((endpointId) =>
      this.repository.create({
        id: newId('delivery'),
        messageId: message.id,
        appId: message.appId,
        endpointId,
        status: DeliveryStatus.Pending,
        scheduledAttempts: 0,
        nextAttemptAt: now,
        enqueuedAt: now,
      }),
    );
    await this.repository.insert(rows);
    return rows;
  }
}
