import { Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Principal } from '../auth/principal';
import { ResendOut } from './dto/resend-out.dto';
import { ApiErrors } from '../http/api-errors.decorator';
import { ApiListResponse, ListQuery, ListResponse } from '../http/list';
import { Idempotent } from '../idempotency/idempotency.interceptor';
import { AttemptsService } from './attempts.service';
import { MessageAttemptOut } from './dto/message-attempt-out.dto';
import { MessageEndpointOut } from './dto/message-endpoint-out.dto';

/** Where one message went: its endpoints, one attempt in detail (and expunging its response), and manual resends. */
@ApiTags('Message Attempt')
@Controller('api/v1/app/:app_id/msg/:msg_id')
export class MessageDeliveriesController {
  constructor(private readonly attempts: AttemptsService) {}

  @Get('endpoint')
  @ApiOperation({ operationId: 'v1.message-attempt.list-attempted-destinations', summary: 'List Attempted Destinations' })
  @ApiListResponse(MessageEndpointOut)
  @ApiErrors(404)
  listEndpoints(
    @CurrentPrincipal() principal: Principal,
    @Param('app_id') appId: string,
    @Param('msg_id') messageId: string,
    @Query() query: ListQuery,
  ): Promise<ListResponse<MessageEndpointOut>> {
    return this.attempts.listMessageEndpoints(principal, appId, messageId, query);
  }

  @Get('attempt/:attempt_id')
  @ApiOperation({ operationId: 'v1.message-attempt.get', summary: 'Get Attempt' })
  @ApiErrors(404)
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
  @ApiOperation({ operationId: 'v1.message-attempt.expunge-content', summary: 'Delete Attempt Response Body' })
  @ApiErrors(404)
  expungeAttemptContent(
    @CurrentPrincipal() principal: Principal,
    @Param('app_id') appId: string,
    @Param('msg_id') messageId: string,
    @Param('attempt_id') attemptId: string,
  ): Promise<void> {
    return this.attempts.expungeResponse(principal, appId, messageId, attemptId);
  }

  /**
   * Svix's resend: 202 with an empty JSON object, and a manual attempt appears once the worker has made
   * it. Idem adds `idemStatus` and `detail` for a delivery blocking its ordered lane, and for a superseded
   * or stale state, which is not resent.
   */
  @Post('endpoint/:endpoint_id/resend')
  @Idempotent()
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ operationId: 'v1.message-attempt.resend', summary: 'Resend Webhook' })
  @ApiAcceptedResponse({
    schema: {
      type: 'object',
      description: '`{}` as in Svix; Idem extension: `idemStatus` and `detail` when the delivery blocks its ordered lane, or is a superseded or stale state (not resent)',
      properties: { idemStatus: { type: 'string' }, detail: { type: 'string' } },
    },
  })
  @ApiErrors(404, { status: 400, description: '`missing_payload`: the payload has expired or was deleted, so nothing is left to send' })
  async resend(
    @CurrentPrincipal() principal: Principal,
    @Param('app_id') appId: string,
    @Param('msg_id') messageId: string,
    @Param('endpoint_id') endpointId: string,
  ): Promise<ResendOut> {
    return this.attempts.resend(principal, appId, messageId, endpointId);
  }
}
