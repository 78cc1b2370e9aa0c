import { Transform, Type } from 'class-transformer';
import { IsArray, IsDate, IsOptional, IsString, Matches } from 'class-validator';
import { EVENT_TYPE_NAME_PATTERN } from '../../http/field-rules';
import { ListQuery } from '../../http/list';

/** Svix's message list query. Newest first, as in Svix. */
export class MessageListQuery extends ListQuery {
  @IsOptional()
  @IsString()
  channel?: string;

  /** Svix clients send a comma-separated list; repeated parameters work too. */
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.split(',').filter((name) => name.length > 0) : value))
  @IsArray()
  @Matches(EVENT_TYPE_NAME_PATTERN, { each: true, message: 'each event type must be an event type name' })
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
