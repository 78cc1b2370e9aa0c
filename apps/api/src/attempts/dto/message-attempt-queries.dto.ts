import { SvixMessageStatus } from '@app/core';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString } from 'class-validator';
import { MessageListQuery } from '../../messages/dto/message-queries.dto';

/**
 * Svix's attempt list query: the message filters (event types, channel, before, after) and those of
 * attempts. Filters Idem does not keep, such as tags, are ignored. Newest first.
 */
export class MessageAttemptListQuery extends MessageListQuery {
  /** Svix's `MessageStatus`: attempts are only ever 0 (success) or 2 (fail). */
  // The plugin cannot describe the union type; this says what `@IsIn` accepts.
  @ApiPropertyOptional({ type: 'integer', enum: [0, 1, 2, 3, 4] })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @IsIn([0, 1, 2, 3, 4])
  status?: SvixMessageStatus | 4;

  /** On the list by message: only attempts to this endpoint (id or uid). */
  @IsOptional()
  @IsString()
  endpoint_id?: string;

  /** Svix's `StatusCodeClass`: 0 (no response), 100, 200, 300, 400 or 500. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @IsIn([0, 100, 200, 300, 400, 500])
  status_code_class?: number;
}
