import { IdKind, smallestIdAt } from '@app/core';
import { ObjectLiteral, SelectQueryBuilder } from 'typeorm';

/**
 * How far the time in a row's id may be from its `created_at`. A message's id is minted just before the
 * statement that inserts it; an attempt's just after its response came, within the delivery timeout.
 */
export const ID_TIME_SLACK_MS = 60 * 60 * 1000;

export interface CreatedWindow {
  /** Only rows created before this instant. */
  before?: Date;
  /** Only rows created after this instant. */
  after?: Date;
}

/**
 * Keeps the rows of `alias` created strictly inside the window. Lists walk the id index newest first,
 * so the same bounds are also put on the id (ids begin with the time they were minted, give or take
 * `ID_TIME_SLACK_MS`): the walk then starts and stops near the window instead of crossing every newer
 * or older row of the application to find it.
 */
export function whereCreatedIn<T extends ObjectLiteral>(query: SelectQueryBuilder<T>, alias: string, kind: IdKind, window: CreatedWindow): SelectQueryBuilder<T> {
  if (window.before !== undefined) {
    query.andWhere(`${alias}.createdAt < :createdBefore`, { createdBefore: window.before });
    query.andWhere(`${alias}.id < :idBefore`, { idBefore: smallestIdAt(kind, window.before.getTime() + ID_TIME_SLACK_MS) });
  }
  if (window.after !== undefined) {
    query.andWhere(`${alias}.createdAt > :createdAfter`, { createdAfter: window.after });
    query.andWhere(`${alias}.id >= :idAfter`, { idAfter: smallestIdAt(kind, window.after.getTime() - ID_TIME_SLACK_MS) });
  }
  return query;
}
