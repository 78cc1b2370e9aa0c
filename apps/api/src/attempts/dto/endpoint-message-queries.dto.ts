import { SvixMessageStatus } from '@app/core';
import { Type } from 'class-transformer';
import { IsEnum, IsOptional } from 'class-validator';
import { MessageListQuery } from '../../messages/dto/message-queries.dto';

/** Svix's query for the messages sent to an endpoint: the message list's (with `with_content`) and the delivery's status. */
export class EndpointMessageListQuery extends MessageListQuery {
  @IsOptional()
  @Type(() => Number)
  @IsEnum(SvixMessageStatus)
  status?: SvixMessageStatus;
}
