import { Type } from 'class-transformer';
import { IsDate, IsOptional, Matches } from 'class-validator';
import { EventTypesQuery } from '../../http/event-types-query';
import { CHANNEL_PATTERN } from '../../http/field-rules';
import { ListQuery } from '../../http/list';

/** Svix's message list query. Newest first, as in Svix. */
export class MessageListQuery extends ListQuery {
  @IsOptional()
  @Matches(CHANNEL_PATTERN, { message: 'channel may only contain letters, digits, _ . : - (1 to 128)' })
  channel?: string;

  @EventTypesQuery()
  event_types?: string[];

  @IsOptional()
  @Type(() => Date)
  @IsDate()
  before?: Date;

  @IsOptional()
  @Type(() => Date)
  @IsDate()
  after?: Date;
}
