import { SvixMessageStatus } from '@app/core';
import { Type } from 'class-transformer';
import { IsEnum, IsOptional } from 'class-validator';
import { MessageListQuery } from '../../messages/dto/message-queries.dto';

/** Svix's query for the messages sent to an endpoint: the message list's (with `with_content`) and the delivery's status. */
export class EndpointMessageListQuery extends MessageListQuery {
  /** Only messages whose delivery to the endpoint is in this Svix `MessageStatus`: 0 success, 1 pending, 2 fail, 3 sending. */
  @IsOptional()
  @Type(() => Number)
  @IsEnum(SvixMessageStatus)
  status?: SvixMessageStatus;
}
