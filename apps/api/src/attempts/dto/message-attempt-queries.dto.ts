import { SvixMessageStatus } from '@app/core';
import { Type } from 'class-transformer';
import { IsDate, IsIn, IsInt, IsOptional, IsString, Matches } from 'class-validator';
import { EventTypesQuery } from '../../http/event-types-query';
import { CHANNEL_PATTERN } from '../../http/field-rules';
import { ListQuery } from '../../http/list';

/** Svix's attempt list query (filters Idem does not keep, such as tags, are ignored). Newest first. */
export class MessageAttemptListQuery extends ListQuery {
  /** Svix's `MessageStatus`: attempts are only ever 0 (success) or 2 (fail). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @IsIn([0, 1, 2, 3, 4])
  status?: SvixMessageStatus | 4;

  @IsOptional()
  @IsString()
  endpoint_id?: string;

  /** Svix's `StatusCodeClass`: 0 (no response), 100, 200, 300, 400 or 500. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @IsIn([0, 100, 200, 300, 400, 500])
  status_code_class?: number;

  @EventTypesQuery()
  event_types?: string[];

  /** Attempts of messages sent on this channel. */
  @IsOptional()
  @Matches(CHANNEL_PATTERN, { message: 'channel may only contain letters, digits, _ . : - (1 to 128)' })
  channel?: string;

  @IsOptional()
  @Type(() => Date)
  @IsDate()
  before?: Date;

  @IsOptional()
  @Type(() => Date)
  @IsDate()
  after?: Date;
}
