import { IdemError } from '@app/core';
import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { IsNull, LessThanOrEqual } from 'typeorm';
import { CONSTRAINT, isUniqueViolation } from '../constraint-names';
import { EndpointSecretCipher } from '../endpoint-secret-cipher';
import { EndpointEntity, EndpointSecretEntity } from '../entities';
import { fetchPage, Page, PageQuery } from './keyset-page';

export type EndpointFields = Pick<
  EndpointEntity,
  'uid' | 'url' | 'description' | 'version' | 'rateLimit' | 'disabled' | 'filterTypes' | 'channels' | 'metadata'
> &
  // Svix's update and patch leave headers alone: they have routes of their own.
  Partial<Pick<EndpointEntity, 'headers'>>;

/** Endpoints and their signing secrets, which go in and come out in clear and are stored sealed. */
@Injectable()
export class EndpointRepository {
  constructor(
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly secretCipher: EndpointSecretCipher,
  ) {}

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

  async update(endpoint: EndpointEntity, fields: Partial<EndpointFields>): Promise<EndpointEntity> {
    // Re-enabling starts the endpoint's health afresh: the old reason and run of failures no longer apply.
    const reset = fields.disabled === false && endpoint.disabled ? { disabledReason: null, failingSince: null } : {};
    try {
      await this.endpoints.update({ id: endpoint.id }, { ...fields, ...reset });
    } catch (error) {
      if (isUniqueViolation(error, CONSTRAINT.endpointUid)) throw endpointUidTaken(fields.uid ?? '');
      throw error;
    }
    return this.endpoints.findOneByOrFail({ id: endpoint.id });
  }

  /**
   * The endpoint's headers, with its row held until the transaction ends, so that concurrent patches
   * of its headers apply one after the other rather than one undoing the other.
   */
  async lockHeaders(endpointId: string): Promise<Record<string, string>> {
    const endpoint = await this.endpoints
      .createQueryBuilder('endpoint')
      .select(['endpoint.id', 'endpoint.headers'])
      .setLock('pessimistic_write')
      .where('endpoint.id = :endpointId', { endpointId })
      .getOneOrFail();
    return endpoint.headers;
  }

  async setHeaders(endpointId: string, headers: Record<string, string>): Promise<void> {
    await this.endpoints.update({ id: endpointId }, { headers });
  }

  async delete(endpointId: string): Promise<void> {
    await this.endpoints.delete({ id: endpointId });
  }

  async addSecret(id: string, endpointId: string, secret: string): Promise<void> {
    await this.secrets.insert({ id, endpointId, sealedSecret: this.secretCipher.seal(endpointId, secret), expiresAt: null });
  }

  /** The secret new signatures are made with (the one without an expiry), in clear. */
  async findCurrentSecret(endpointId: string): Promise<string | null> {
    const current = await this.secrets.findOne({ where: { endpointId, expiresAt: IsNull() }, order: { createdAt: 'DESC' } });
    return current ? this.secretCipher.open(endpointId, current.sealedSecret) : null;
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

/**
 * SQL: the CTEs that feed attempt outcomes into endpoints' health, for the statement that records the
 * attempts: a success ends a run of failures; a 410 Gone, or failures without a single success for
 * `disableAfterMs` (ms), disable the endpoint with the reason. `outcomes` is a relation of (endpoint_id,
 * succeeded, gone, attempted_at); the CTE `endpoint_health` returns the endpoints it changed, as
 * `disabledEndpointsOf` reads them. An endpoint whose attempts all succeeded and that was not failing
 * is only read.
 */
export function endpointHealthSql(outcomes: string, disableAfterMs: string): string {
  return `health_outcome AS (
         SELECT o.endpoint_id, bool_or(o.succeeded) AS any_success, bool_or(o.gone) AS gone,
                min(o.attempted_at) FILTER (WHERE NOT o.succeeded) AS first_failure
           FROM ${outcomes} AS o
          GROUP BY o.endpoint_id
       ), health_verdict AS (
         SELECT e.id, e.disabled AS was_disabled, o.any_success,
                CASE WHEN o.any_success AND NOT o.gone THEN NULL ELSE COALESCE(e.failing_since, o.first_failure) END AS failing_since,
                CASE WHEN o.gone THEN 'The endpoint answered 410 Gone'
                     WHEN NOT o.any_success AND COALESCE(e.failing_since, o.first_failure) < now() - ${disableAfterMs} * interval '1 millisecond'
                       THEN 'Every attempt failed since ' || to_char(COALESCE(e.failing_since, o.first_failure) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                END AS disable_reason
           FROM health_outcome o JOIN endpoints e ON e.id = o.endpoint_id
          WHERE (o.any_success AND e.failing_since IS NOT NULL) OR NOT o.any_success OR o.gone
       ), endpoint_health AS (
         UPDATE endpoints e
            SET failing_since = v.failing_since,
                disabled = e.disabled OR v.disable_reason IS NOT NULL,
                disabled_reason = CASE WHEN NOT e.disabled AND v.disable_reason IS NOT NULL THEN v.disable_reason ELSE e.disabled_reason END,
                updated_at = now()
           FROM health_verdict v
          WHERE e.id = v.id
         RETURNING e.id, e.app_id, e.disabled_reason, v.failing_since, (NOT v.was_disabled AND v.disable_reason IS NOT NULL) AS newly_disabled
       )`;
}

/** A row of `endpoint_health` (see `endpointHealthSql`). */
export interface EndpointHealthRow {
  id: string;
  app_id: string;
  disabled_reason: string;
  failing_since: Date | null;
  newly_disabled: boolean;
}

/** The endpoints the health update disabled. */
export function disabledEndpointsOf(rows: readonly EndpointHealthRow[]): DisabledEndpoint[] {
  return rows
    .filter((row) => row.newly_disabled)
    .map((row) => ({ endpointId: row.id, appId: row.app_id, reason: row.disabled_reason, failingSince: row.failing_since }));
}

export interface DisabledEndpoint {
  endpointId: string;
  appId: string;
  reason: string;
  /** When its run of failures began, if it was disabled for failing. */
  failingSince: Date | null;
}
