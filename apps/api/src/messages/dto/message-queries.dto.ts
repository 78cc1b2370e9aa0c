import { Type } from 'class-transformer';
import { IsDate, IsOptional, Matches } from 'class-validator';
import { BooleanQuery } from '../../http/boolean-query';
import { EventTypesQuery } from '../../http/event-types-query';
import { CHANNEL_PATTERN } from '../../http/field-rules';
import { ListQuery } from '../../http/list';

/** Svix's `with_content` on creating or getting one message. */
export class MessageContentQuery {
  /** `false` leaves the payload out of the answer (`payload` is then `{}`, as in Svix). */
  @BooleanQuery()
  with_content?: boolean;
}

/** Svix's message list query. Newest first, as in Svix. */
export class MessageListQuery extends ListQuery {
  /** `false` leaves content out: each message's payload is then `{}` (and each attempt's response, on attempt lists). */
  @BooleanQuery()
  with_content?: boolean;

  /** Only messages sent on this channel. */
  @IsOptional()
  @Matches(CHANNEL_PATTERN, { message: 'channel may only contain letters, digits, _ . : - (1 to 128)' })
  channel?: string;

  /** Only messages of these event types: a comma-separated list, or the parameter repeated. */
  @EventTypesQuery()
  event_types?: string[];

  /** Only those created strictly before this instant (ISO 8601). */
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  before?: Date;

  /** Only those created strictly after this instant (ISO 8601). */
  @IsOptional()
  @Type(() => Date)
  @IsDate()
  after?: Date;
}
