import { DeliveryStatus, SagaMessageRole, SagaStatus, SETTLED_DELIVERY_STATUSES, sqlStatusIn, Subscription, UNFINISHED_SAGA_STATUSES } from '@app/core';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { SagaEntity } from '../entities';
import { fetchPage, Page, PageQuery } from './keyset-page';

export type NewSaga = Pick<SagaEntity, 'id' | 'appId' | 'sagaId' | 'requestHash' | 'steps'>;

/** One message of a saga, with how its deliveries stand. */
export interface SagaMessageState {
  role: SagaMessageRole;
  stepIndex: number;
  messageId: string;
  createdAt: Date;
  deliveries: { endpointId: string; status: DeliveryStatus; updatedAt: Date }[];
}

const UNFINISHED = UNFINISHED_SAGA_STATUSES.map((status) => `'${status}'`).join(', ');
/** The role of the message a saga waits for in each unfinished status. */
const CURRENT_ROLE = `CASE s.status WHEN '${SagaStatus.Running}' THEN '${SagaMessageRole.Step}' ELSE '${SagaMessageRole.Compensation}' END`;

@Injectable()
export class SagaRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  private get repository() {
    return this.txHost.tx.getRepository(SagaEntity);
  }

  /**
   * Inserts the saga, running at its first step, unless the application has one with its `sagaId`;
   * false then. ON CONFLICT, so two concurrent creates with one `sagaId` make one saga.
   */
  async insertUnlessTaken(saga: NewSaga): Promise<boolean> {
    const rows = await this.txHost.tx.query<unknown[]>(
      `INSERT INTO sagas (id, app_id, saga_id, request_hash, steps, status, step_index)
       VALUES ($1, $2, $3, $4, $5::jsonb, '${SagaStatus.Running}', 0)
       ON CONFLICT (app_id, saga_id) DO NOTHING RETURNING id`,
      [saga.id, saga.appId, saga.sagaId, saga.requestHash, JSON.stringify(saga.steps)],
    );
    return rows.length === 1;
  }

  findBySagaId(appId: string, sagaId: string): Promise<SagaEntity | null> {
    return this.repository.findOneBy({ appId, sagaId });
  }

  /** By Idem's id, else by the producer's `sagaId`. */
  async findByIdOrSagaId(appId: string, idOrSagaId: string): Promise<SagaEntity | null> {
    return (await this.repository.findOneBy({ appId, id: idOrSagaId })) ?? (await this.findBySagaId(appId, idOrSagaId));
  }

  list(appId: string, status: SagaStatus | undefined, page: PageQuery): Promise<Page<SagaEntity>> {
    const query = this.repository.createQueryBuilder('saga').where('saga.app_id = :appId', { appId });
    if (status) query.andWhere('saga.status = :status', { status });
    return fetchPage(query, 'saga.id', page);
  }

  /** The enabled endpoints of the application, with what they subscribe to. */
  findSubscriptions(appId: string): Promise<Subscription[]> {
    return this.txHost.tx.query(`SELECT filter_types AS "filterTypes", channels FROM endpoints WHERE app_id = $1 AND NOT disabled`, [appId]);
  }

  /** Records the message sent for a step or compensation; a second one for the same is not recorded. */
  async recordMessage(sagaPk: string, role: SagaMessageRole, stepIndex: number, messageId: string): Promise<void> {
    await this.txHost.tx.query(
      `INSERT INTO saga_messages (message_id, saga_pk, role, step_index) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING`,
      [messageId, sagaPk, role, stepIndex],
    );
  }

  /**
   * Locks, in id order, the unfinished sagas for which one of `messageIds` is the message they wait
   * for. One statement for a whole batch of delivery outcomes; the lock makes concurrent outcomes of
   * one saga's message advance it one after the other.
   */
  lockWaitingOn(messageIds: readonly string[]): Promise<SagaEntity[]> {
    if (messageIds.length === 0) return Promise.resolve([]);
    return this.lockWhere(
      `s.id IN (SELECT m.saga_pk FROM saga_messages m JOIN sagas w ON w.id = m.saga_pk
                 WHERE m.message_id = ANY($1::varchar[]) AND w.status IN (${UNFINISHED})
                   AND m.step_index = w.step_index AND m.role = ${CURRENT_ROLE.replace(/s\.status/g, 'w.status')})`,
      [messageIds],
      '',
    );
  }

  /**
   * Locks (skipping those another transaction holds) up to `limit` unfinished sagas that should have
   * moved: the message they wait for is missing, or all its deliveries are settled (as after a cancel or
   * a resend, which do not pass through the record batch, or an outcome recorded before a crash).
   */
  lockStuck(limit: number): Promise<SagaEntity[]> {
    return this.lockWhere(
      `s.status IN (${UNFINISHED}) AND s.updated_at < now() - interval '1 second' AND NOT EXISTS (
         SELECT 1 FROM saga_messages m JOIN deliveries d ON d.message_id = m.message_id
          WHERE m.saga_pk = s.id AND m.role = ${CURRENT_ROLE} AND m.step_index = s.step_index AND NOT (${sqlStatusIn(SETTLED_DELIVERY_STATUSES, 'd.status')}))`,
      [limit],
      'LIMIT $1 FOR UPDATE SKIP LOCKED',
    );
  }

  private async lockWhere(condition: string, parameters: unknown[], tail: string): Promise<SagaEntity[]> {
    const ids = await this.txHost.tx.query<{ id: string }[]>(
      `SELECT s.id FROM sagas s WHERE ${condition} ORDER BY s.id ${tail || 'FOR UPDATE'}`,
      parameters,
    );
    if (ids.length === 0) return [];
    const sagas = await this.repository.createQueryBuilder('saga').where('saga.id IN (:...ids)', { ids: ids.map((row) => row.id) }).orderBy('saga.id').getMany();
    return sagas;
  }

  /** The message a saga sent for a step or compensation, and its deliveries' statuses; null when none was sent. */
  async findMessage(sagaPk: string, role: SagaMessageRole, stepIndex: number): Promise<{ messageId: string; statuses: DeliveryStatus[] } | null> {
    const rows = await this.txHost.tx.query<{ message_id: string; statuses: DeliveryStatus[] }[]>(
      `SELECT m.message_id, COALESCE(array_agg(d.status) FILTER (WHERE d.id IS NOT NULL), '{}') AS statuses
         FROM saga_messages m LEFT JOIN deliveries d ON d.message_id = m.message_id
        WHERE m.saga_pk = $1 AND m.role = $2 AND m.step_index = $3
        GROUP BY m.message_id`,
      [sagaPk, role, stepIndex],
    );
    return rows[0] ? { messageId: rows[0].message_id, statuses: rows[0].statuses } : null;
  }

  async move(sagaPk: string, status: SagaStatus, stepIndex: number): Promise<void> {
    const finished = !UNFINISHED_SAGA_STATUSES.includes(status);
    await this.txHost.tx.query(
      `UPDATE sagas SET status = $2, step_index = $3, updated_at = now(), finished_at = CASE WHEN $4 THEN now() ELSE NULL END WHERE id = $1`,
      [sagaPk, status, stepIndex, finished],
    );
  }

  /** Every message the saga sent, with its deliveries, oldest first. */
  async findMessages(sagaPk: string): Promise<SagaMessageState[]> {
    const rows = await this.txHost.tx.query<{ role: SagaMessageRole; step_index: number; message_id: string; created_at: Date; deliveries: SagaMessageState['deliveries'] }[]>(
      `SELECT m.role, m.step_index, m.message_id, m.created_at,
              COALESCE(json_agg(json_build_object('endpointId', d.endpoint_id, 'status', d.status, 'updatedAt', d.updated_at) ORDER BY d.endpoint_id)
                         FILTER (WHERE d.id IS NOT NULL), '[]') AS deliveries
         FROM saga_messages m LEFT JOIN deliveries d ON d.message_id = m.message_id
        WHERE m.saga_pk = $1
        GROUP BY m.message_id, m.role, m.step_index, m.created_at
        ORDER BY m.created_at, m.message_id`,
      [sagaPk],
    );
    return rows.map((row) => ({
      role: row.role,
      stepIndex: row.step_index,
      messageId: row.message_id,
      createdAt: row.created_at,
      deliveries: row.deliveries.map((delivery) => ({ ...delivery, updatedAt: new Date(delivery.updatedAt) })),
    }));
  }
}
