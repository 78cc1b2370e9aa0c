import { IdemError } from '@app/core';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { CONSTRAINT, isUniqueViolation } from '../constraint-names';
import { ApplicationEntity, MessageEventIdEntity } from '../entities';
import { fetchPage, Page, PageQuery } from './keyset-page';

export type ApplicationFields = Pick<ApplicationEntity, 'name' | 'uid' | 'rateLimit' | 'metadata' | 'idempotencyMode'>;

@Injectable()
export class ApplicationRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  private get repository() {
    return this.txHost.tx.getRepository(ApplicationEntity);
  }

  /**
   * Inserts the application unless its uid is taken; returns null then. ON CONFLICT rather than a
   * prior lookup, so two concurrent creates with one uid cannot both succeed.
   */
  async insertUnlessUidTaken(id: string, fields: ApplicationFields): Promise<ApplicationEntity | null> {
    const result = await this.repository
      .createQueryBuilder()
      .insert()
      .values({ id, ...fields })
      .orIgnore()
      .returning('id')
      .execute();
    if ((result.raw as unknown[]).length === 0) return null;
    return this.repository.findOneByOrFail({ id });
  }

  findById(id: string): Promise<ApplicationEntity | null> {
    return this.repository.findOneBy({ id });
  }

  findByUid(uid: string): Promise<ApplicationEntity | null> {
    return this.repository.findOneBy({ uid });
  }

  /** By id, else by uid: paths may name an application either way. */
  async findByIdOrUid(idOrUid: string): Promise<ApplicationEntity | null> {
    return (await this.findById(idOrUid)) ?? (await this.findByUid(idOrUid));
  }



  /** Holds the row until the transaction ends, so concurrent writes to one application queue up. */
  findByIdForUpdate(id: string): Promise<ApplicationEntity | null> {
    return this.repository.createQueryBuilder('application').setLock('pessimistic_write').where('application.id = :id', { id }).getOne();
  }

  list(page: PageQuery, onlyId: string | null): Promise<Page<ApplicationEntity>> {
    const query = this.repository.createQueryBuilder('application');
    if (onlyId !== null) query.where('application.id = :onlyId', { onlyId });
    return fetchPage(query, 'application.id', page);
  }

  async update(id: string, fields: ApplicationFields): Promise<ApplicationEntity> {
    try {
      await this.repository.update({ id }, fields);
    } catch (error) {
      if (fields.uid !== null && isUniqueViolation(error, CONSTRAINT.applicationUid)) throw applicationUidTaken(fields.uid);
      throw error;
    }
    return this.repository.findOneByOrFail({ id });
  }

  /** Deletes the application; endpoints, messages, deliveries and attempts go with it by cascade. */
  async delete(id: string): Promise<void> {
    await this.txHost.tx.getRepository(MessageEventIdEntity).delete({ appId: id });
    await this.repository.delete({ id });
  }
}

export function applicationUidTaken(uid: string): IdemError {
  return IdemError.conflict(`An application with uid "${uid}" already exists`);
}
