import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Principal } from '../auth/principal';
import { ApiErrors } from '../http/api-errors.decorator';
import { ApiListResponse, ListResponse } from '../http/list';
import { IdempotentInIntake, idempotentRequestOf } from '../idempotency/idempotent-request';
import { MessageBatchIn, MessageBatchOut } from './dto/message-batch.dto';
import { MessageIn } from './dto/message-in.dto';
import { MessageOut } from './dto/message-out.dto';
import { MessageContentQuery, MessageListQuery } from './dto/message-queries.dto';
import { answer, MessagesService } from './messages.service';

@ApiTags('Message')
@Controller('api/v1/app/:app_id/msg')
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  @Get()
  @ApiOperation({ operationId: 'v1.message.list', summary: 'List Messages' })
  @ApiListResponse(MessageOut)
  @ApiErrors(404)
  list(@CurrentPrincipal() principal: Principal, @Param('app_id') appId: string, @Query() query: MessageListQuery): Promise<ListResponse<MessageOut>> {
    return this.messages.list(principal, appId, query);
  }

  /** 202: the message is stored and its deliveries are on their way. */
  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @IdempotentInIntake()
  @ApiOperation({ operationId: 'v1.message.create', summary: 'Create Message' })
  @ApiErrors(404, { status: 409, description: '`conflict`: a message with this `eventId` and different content was accepted, or was deleted' })
  async create(
    @CurrentPrincipal() principal: Principal,
    @Param('app_id') appId: string,
    @Body() body: MessageIn,
    @Query() query: MessageContentQuery,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<MessageOut> {
    return answer(response, await this.messages.create(principal, appId, body, query, idempotentRequestOf(request, principal)));
  }

  /**
   * Idem's batch create: 202 with one result per message, in order: `{status: 202, message}`, or the
   * status and error a single create would have answered. The batch's Idempotency-Key replays it whole.
   */
  @Post('batch')
  @HttpCode(HttpStatus.ACCEPTED)
  @IdempotentInIntake()
  @ApiOperation({ operationId: 'v1.message.create-batch', summary: 'Create Message Batch' })
  @ApiErrors(404)
  async createBatch(
    @CurrentPrincipal() principal: Principal,
    @Param('app_id') appId: string,
    @Body() body: MessageBatchIn,
    @Query() query: MessageContentQuery,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<MessageBatchOut> {
    return answer(response, await this.messages.createBatch(principal, appId, body, query, idempotentRequestOf(request, principal)));
  }

  @Get(':msg_id')
  @ApiOperation({ operationId: 'v1.message.get', summary: 'Get Message' })
  @ApiErrors(404)
  get(
    @CurrentPrincipal() principal: Principal,
    @Param('app_id') appId: string,
    @Param('msg_id') messageId: string,
    @Query() query: MessageContentQuery,
  ): Promise<MessageOut> {
    return this.messages.get(principal, appId, messageId, query);
  }

  /** Svix's "delete message payload": 204, and the message can no longer be resent. */
  @Delete(':msg_id/content')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ operationId: 'v1.message.expunge-content', summary: 'Delete Message Payload' })
  @ApiErrors(404)
  expungeContent(@CurrentPrincipal() principal: Principal, @Param('app_id') appId: string, @Param('msg_id') messageId: string): Promise<void> {
    return this.messages.expungeContent(principal, appId, messageId);
  }
}
