import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { CONSTRAINT } from '../constraint-names';
import { EventTypeEntity } from '../entities';
import { fetchPage, Page, PageQuery } from './keyset-page';

export type EventTypeFields = Pick<EventTypeEntity, 'description' | 'schemas' | 'schemaEnforcement' | 'retrySafety' | 'archived' | 'deprecated' | 'featureFlag' | 'groupName'>;

@Injectable()
export class EventTypeRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  private get repository() {
    return this.txHost.tx.getRepository(EventTypeEntity);
  }

  /**
   * Creates the event type, or replaces an archived one of the same name (Svix's "unarchive");
   * returns null when a live one already has the name. One statement, so concurrent creates of
   * one name cannot both succeed.
   */
  async createOrUnarchive(name: string, fields: EventTypeFields): Promise<EventTypeEntity | null> {
    const rows = await this.write(name, fields, 'WHERE event_types.archived');
    return rows.length === 0 ? null : this.repository.findOneByOrFail({ name });
  }

  /** Creates or replaces the event type; `created` tells which. */
  async upsert(name: string, fields: EventTypeFields): Promise<{ eventType: EventTypeEntity; created: boolean }> {
    const [row] = await this.write(name, fields, '');
    return { eventType: await this.repository.findOneByOrFail({ name }), created: row.created };
  }

  private write(name: string, fields: EventTypeFields, updateCondition: string): Promise<{ created: boolean }[]> {
    // xmax is 0 only on a row version this statement inserted, which tells a create from an update.
    return this.repository.query(
      `INSERT INTO event_types (name, description, schemas, archived, deprecated, feature_flag, group_name, schema_enforcement, retry_safety)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT ON CONSTRAINT ${CONSTRAINT.eventTypeName} DO UPDATE SET description = EXCLUDED.description,
         schemas = EXCLUDED.schemas, schema_enforcement = EXCLUDED.schema_enforcement, retry_safety = EXCLUDED.retry_safety, archived = EXCLUDED.archived, deprecated = EXCLUDED.deprecated,
         feature_flag = EXCLUDED.feature_flag, group_name = EXCLUDED.group_name, updated_at = now()
       ${updateCondition}
       RETURNING (xmax = 0) AS created`,
      [
        name,
        fields.description,
        fields.schemas === null ? null : JSON.stringify(fields.schemas),
        fields.archived,
        fields.deprecated,
        fields.featureFlag,
        fields.groupName,
        fields.schemaEnforcement,
        fields.retrySafety === null ? null : JSON.stringify(fields.retrySafety),
      ],
    );
  }

  findByName(name: string): Promise<EventTypeEntity | null> {
    return this.repository.findOneBy({ name });
  }

  /** Which of `names` are in the catalog: event types that exist and are not archived. */
  async findListed(names: readonly string[]): Promise<Set<string>> {
    const rows = await this.txHost.tx.query<{ name: string }[]>(`SELECT name FROM event_types WHERE name = ANY($1::varchar[]) AND NOT archived`, [names]);
    return new Set(rows.map((row) => row.name));
  }

    list(page: PageQuery, includeArchived: boolean): Promise<Page<EventTypeEntity>> {
    const query = this.repository.createQueryBuilder('eventType');
    if (!includeArchived) query.where('eventType.archived = false');
    return fetchPage(query, 'eventType.name', page);
  }

  async update(name: string, fields: Partial<EventTypeFields>): Promise<EventTypeEntity> {
    await this.repository.update({ name }, fields as QueryDeepPartialEntity<EventTypeEntity>);
    return this.repository.findOneByOrFail({ name });
  }

  async delete(name: string): Promise<void> {
    await this.repository.delete({ name });
  }
}
