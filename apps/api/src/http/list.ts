import { IdKind, isId } from '@app/core';
import { ListOrder, Page, PageQuery } from '@app/persistence';
import { applyDecorators, Type as Class } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { EVENT_TYPE_NAME_PATTERN } from './field-rules';
import { RequestValidationError } from './request-validation.error';

export const DEFAULT_LIST_LIMIT = 50;
export const MAX_LIST_LIMIT = 250;

// The build plugin reads only `*.dto.ts` files, so these properties are described explicitly; the
// query DTOs that extend them inherit the description.

/** Svix's iterator pagination: `limit` and the `iterator` of the previous page. */
export class ListQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_LIST_LIMIT, default: DEFAULT_LIST_LIMIT, description: 'Items per page' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_LIST_LIMIT)
  limit?: number;

  @ApiPropertyOptional({
    description: 'The `iterator` of the previous page to go on, or its `prevIterator` to walk back; leave out for the first page',
  })
  @IsOptional()
  @IsString()
  iterator?: string;
}

/** A list the caller may walk either way. */
export class OrderedListQuery extends ListQuery {
  @ApiPropertyOptional({ enum: ['ascending', 'descending'], description: 'Which way to walk: by default oldest first, except background tasks (newest first)' })
  @IsOptional()
  @IsIn(['ascending', 'descending'])
  order?: ListOrder;
}

/** Svix's `ListResponse*Out`; `ApiListResponse` documents `data` for each list. */
export class ListResponse<T> {
  data: T[];
  @ApiProperty({ type: 'string', nullable: true, description: 'Pass as `iterator` for the next page; null only when the list is empty' })
  iterator: string | null;
  @ApiProperty({ type: 'string', nullable: true, description: 'Pass as `iterator` for the page before this one' })
  prevIterator: string | null;
  @ApiProperty({ description: 'No more items in the direction walked' })
  done: boolean;
}

/** The 200 of a list: Svix's `ListResponse<Model>Out`, a page of `model` items. */
export const ApiListResponse = (model: Class<unknown>) =>
  applyDecorators(
    ApiExtraModels(ListResponse, model),
    ApiOkResponse({
      schema: {
        allOf: [
          { $ref: getSchemaPath(ListResponse) },
          { type: 'object', required: ['data'], properties: { data: { type: 'array', items: { $ref: getSchemaPath(model) } } } },
        ],
      },
    }),
  );

/**
 * How a list's key (an id, or an event type's name) is written into an iterator. An iterator is
 * the key of the last item seen, or `-` and the key of the first one to walk back, so the key's
 * written form must never start with `-`.
 */
export interface CursorFormat {
  encode(key: string): string;
  /** The key, or null when `text` is not one this list could have issued. */
  decode(text: string): string | null;
}

export function idCursor(kind: IdKind): CursorFormat {
  return { encode: (key) => key, decode: (text) => (isId(kind, text) ? text : null) };
}

/** Event type names may start with `-`, so they travel hex-encoded. */
export const eventTypeNameCursor: CursorFormat = {
  encode: (name) => Buffer.from(name, 'utf8').toString('hex'),
  decode: (text) => {
    if (!/^(?:[0-9a-f]{2})+$/.test(text)) return null;
    const name = Buffer.from(text, 'hex').toString('utf8');
    return EVENT_TYPE_NAME_PATTERN.test(name) ? name : null;
  },
};

const BACKWARD = '-';

/** Reads `limit`, `iterator` and `order`; a malformed iterator is a 422 on `query.iterator`. */
export function toPageQuery(query: ListQuery & { order?: ListOrder }, format: CursorFormat, defaultOrder: ListOrder): PageQuery {
  const page: PageQuery = { limit: query.limit ?? DEFAULT_LIST_LIMIT, order: query.order ?? defaultOrder };
  if (query.iterator === undefined || query.iterator === '') return page;
  const backward = query.iterator.startsWith(BACKWARD);
  const cursor = format.decode(backward ? query.iterator.slice(BACKWARD.length) : query.iterator);
  if (cursor === null) {
    throw new RequestValidationError([{ loc: ['query', 'iterator'], msg: 'iterator is not one this list issued', type: 'value_error' }]);
  }
  return { ...page, cursor, backward };
}

/**
 * Builds the response for one page. `done` says whether the list goes on in the direction walked;
 * an empty page keeps the caller's iterator, so polling with it later picks up new items.
 */
export function toListResponse<E, T>(
  page: Page<E>,
  query: PageQuery,
  format: CursorFormat,
  keyOf: (item: E) => string,
  map: (item: E) => T,
): ListResponse<T> {
  const response = new ListResponse<T>();
  response.data = page.items.map(map);
  response.done = !page.hasMore;
  if (page.items.length === 0) {
    const here = query.cursor === undefined ? null : format.encode(query.cursor);
    response.iterator = here === null ? null : query.backward ? BACKWARD + here : here;
    response.prevIterator = null;
    return response;
  }
  response.iterator = format.encode(keyOf(page.items[page.items.length - 1]));
  response.prevIterator = BACKWARD + format.encode(keyOf(page.items[0]));
  return response;
}
