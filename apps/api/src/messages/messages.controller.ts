import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Principal } from '../auth/principal';
import { ListResponse } from '../http/list';
import { AcceptsMessages } from '../metrics/accepts-messages.decorator';
import { MessageIn } from './dto/message-in.dto';
import { MessageOut } from './dto/message-out.dto';
import { MessageContentQuery, MessageListQuery } from './dto/message-queries.dto';
import { MessagesService } from './messages.service';

@ApiTags('Message')
@Controller('api/v1/app/:app_id/msg')
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  @Get()
  list(@CurrentPrincipal() principal: Principal, @Param('app_id') appId: string, @Query() query: MessageListQuery): Promise<ListResponse<MessageOut>> {
    return this.messages.list(principal, appId, query);
  }

  /** 202: the message is stored and its deliveries are on their way. */
  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  @AcceptsMessages()
  create(
    @CurrentPrincipal() principal: Principal,
    @Param('app_id') appId: string,
    @Body() body: MessageIn,
    @Query() query: MessageContentQuery,
  ): Promise<MessageOut> {
    return this.messages.create(principal, appId, body, query);
  }

  @Get(':msg_id')
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
  expungeContent(@CurrentPrincipal() principal: Principal, @Param('app_id') appId: string, @Param('msg_id') messageId: string): Promise<void> {
    return this.messages.expungeContent(principal, appId, messageId);
  }
}
