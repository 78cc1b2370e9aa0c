import { ObjectLiteral, SelectQueryBuilder } from 'typeorm';

export type ListOrder = 'ascending' | 'descending';

/** One page of a list walked by a unique, ordered key (an id or a name), never by OFFSET. */
export interface PageQuery {
  limit: number;
  order: ListOrder;
  /** The key of the last item seen; the page starts just after it (or ends just before it when `backward`). */
  cursor?: string;
  /** Walk towards the start of the list: the page that ends just before `cursor`. */
  backward?: boolean;
}

export interface Page<T> {
  /** In list order, whichever way the page was walked. */
  items: T[];
  /** More items lie beyond this page in the direction walked. */
  hasMore: boolean;
}

/**
 * Applies a keyset page to `query`. Because the key is unique and every page is bounded by the key
 * of an item already seen, rows inserted or deleted meanwhile never shift an item onto a second
 * page or off every page, as OFFSET would.
 */
export async function fetchPage<T extends ObjectLiteral>(query: SelectQueryBuilder<T>, keyColumn: string, page: PageQuery): Promise<Page<T>> {
  const ascending = (page.order === 'ascending') !== (page.backward ?? false);
  if (page.cursor !== undefined) {
    query.andWhere(`${keyColumn} ${ascending ? '>' : '<'} :pageCursor`, { pageCursor: page.cursor });
  }
  const rows = await query
    .orderBy(keyColumn, ascending ? 'ASC' : 'DESC')
    .limit(page.limit + 1)
    .getMany();
  const items = rows.slice(0, page.limit);
  if (page.backward) items.reverse();
  return { items, hasMore: rows.length > page.limit };
}
