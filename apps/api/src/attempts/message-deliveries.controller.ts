import { Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Principal } from '../auth/principal';
import { ListQuery, ListResponse } from '../http/list';
import { AttemptsService } from './attempts.service';
import { MessageAttemptOut } from './dto/message-attempt-out.dto';
import { MessageEndpointOut } from './dto/message-endpoint-out.dto';

/** Where one message went: its endpoints, one attempt in detail (and expunging its response), and manual resends. */
@ApiTags('Message Attempt')
@Controller('api/v1/app/:app_id/msg/:msg_id')
export class MessageDeliveriesController {
  constructor(private readonly attempts: AttemptsService) {}

  @Get('endpoint')
  listEndpoints(
    @CurrentPrincipal() principal: Principal,
    @Param('app_id') appId: string,
    @Param('msg_id') messageId: string,
    @Query() query: ListQuery,
  ): Promise<ListResponse<MessageEndpointOut>> {
    return this.attempts.listMessageEndpoints(principal, appId, messageId, query);
  }

  @Get('attempt/:attempt_id')
  getAttempt(
    @CurrentPrincipal() principal: Principal,
    @Param('app_id') appId: string,
    @Param('msg_id') messageId: string,
    @Param('attempt_id') attemptId: string,
  ): Promise<MessageAttemptOut> {
    return this.attempts.get(principal, appId, messageId, attemptId);
  }

  /** Svix's "delete attempt response body": 204. */
  @Delete('attempt/:attempt_id/content')
  @HttpCode(HttpStatus.NO_CONTENT)
  expungeAttemptContent(
    @CurrentPrincipal() principal: Principal,
    @Param('app_id') appId: string,
    @Param('msg_id') messageId: string,
    @Param('attempt_id') attemptId: string,
  ): Promise<void> {
    return this.attempts.expungeResponse(principal, appId, messageId, attemptId);
  }

  /** Svix's resend: 202 with an empty JSON object, and a manual attempt appears once the worker has made it. */
  @Post('endpoint/:endpoint_id/resend')
  @HttpCode(HttpStatus.ACCEPTED)
  async resend(
    @CurrentPrincipal() principal: Principal,
    @Param('app_id') appId: string,
    @Param('msg_id') messageId: string,
    @Param('endpoint_id') endpointId: string,
  ): Promise<Record<string, never>> {
    await this.attempts.resend(principal, appId, messageId, endpointId);
    return {};
  }
}
