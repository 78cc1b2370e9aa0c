import { Type } from 'class-transformer';
import { IsDate, IsOptional, IsString } from 'class-validator';
import { EventTypesQuery } from '../../http/event-types-query';
import { ListQuery } from '../../http/list';

/** Svix's message list query. Newest first, as in Svix. */
export class MessageListQuery extends ListQuery {
  @IsOptional()
  @IsString()
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
