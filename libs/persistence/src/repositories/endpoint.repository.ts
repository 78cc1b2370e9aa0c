import { IdemError } from '@app/core';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { IsNull, LessThanOrEqual } from 'typeorm';
import { CONSTRAINT, isUniqueViolation } from '../constraint-names';
import { EndpointEntity, EndpointSecretEntity } from '../entities';
import { fetchPage, Page, PageQuery } from './keyset-page';

export type EndpointFields = Pick<
  EndpointEntity,
  'uid' | 'url' | 'description' | 'version' | 'rateLimit' | 'disabled' | 'filterTypes' | 'channels' | 'metadata'
>;

/** Endpoints and their signing secrets. */
@Injectable()
export class EndpointRepository {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  private get endpoints() {
    return this.txHost.tx.getRepository(EndpointEntity);
  }

  private get secrets() {
    return this.txHost.tx.getRepository(EndpointSecretEntity);
  }

  /** Inserts the endpoint unless its uid is taken in the application; returns null then. */
  async insertUnlessUidTaken(id: string, appId: string, fields: EndpointFields): Promise<EndpointEntity | null> {
    const result = await this.endpoints.createQueryBuilder().insert().values({ id, appId, ...fields }).orIgnore().returning('id').execute();
    if ((result.raw as unknown[]).length === 0) return null;
    return this.endpoints.findOneByOrFail({ id });
  }

  /** By id, else by uid, within one application. */
  async findByIdOrUid(appId: string, idOrUid: string): Promise<EndpointEntity | null> {
    return (await this.endpoints.findOneBy({ appId, id: idOrUid })) ?? (await this.endpoints.findOneBy({ appId, uid: idOrUid }));
  }

  /** Holds the endpoint's row until the transaction ends, so concurrent secret rotations queue up. */
  async lock(endpointId: string): Promise<void> {
    await this.endpoints.createQueryBuilder('endpoint').setLock('pessimistic_write').where('endpoint.id = :endpointId', { endpointId }).getOne();
  }

  list(appId: string, page: PageQuery): Promise<Page<EndpointEntity>> {
    const query = this.endpoints.createQueryBuilder('endpoint').where('endpoint.appId = :appId', { appId });
    return fetchPage(query, 'endpoint.id', page);
  }

  /** Every enabled endpoint of the application: the candidates for a new message's fan-out. */
  findEnabled(appId: string): Promise<EndpointEntity[]> {
    return this.endpoints.find({ where: { appId, disabled: false }, order: { id: 'ASC' } });
  }

  async update(endpoint: EndpointEntity, fields: Partial<EndpointFields>): Promise<EndpointEntity> {
    try {
      await this.endpoints.update({ id: endpoint.id }, fields);
    } catch (error) {
      if (isUniqueViolation(error, CONSTRAINT.endpointUid)) throw endpointUidTaken(fields.uid ?? '');
      throw error;
    }
    return this.endpoints.findOneByOrFail({ id: endpoint.id });
  }

  async delete(endpointId: string): Promise<void> {
    await this.endpoints.delete({ id: endpointId });
  }

  async addSecret(id: string, endpointId: string, secret: string): Promise<void> {
    await this.secrets.insert({ id, endpointId, secret, expiresAt: null });
  }

  /** The secret new signatures are made with: the one without an expiry. */
  findCurrentSecret(endpointId: string): Promise<EndpointSecretEntity | null> {
    return this.secrets.findOne({ where: { endpointId, expiresAt: IsNull() }, order: { createdAt: 'DESC' } });
  }

  /** Gives the current secret an expiry, so it keeps signing beside its successor until then, and drops long-expired ones. */
  async retireCurrentSecret(endpointId: string, expiresAt: Date, now: Date): Promise<void> {
    await this.secrets.delete({ endpointId, expiresAt: LessThanOrEqual(now) });
    await this.secrets.update({ endpointId, expiresAt: IsNull() }, { expiresAt });
  }
}

export function endpointUidTaken(uid: string): IdemError {
  return IdemError.conflict(`An endpoint with uid "${uid}" already exists in this application`);
}
