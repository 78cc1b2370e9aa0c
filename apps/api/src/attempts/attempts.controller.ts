import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Principal } from '../auth/principal';
import { ApiErrors } from '../http/api-errors.decorator';
import { ApiListResponse, ListResponse } from '../http/list';
import { AttemptsService } from './attempts.service';
import { MessageAttemptOut } from './dto/message-attempt-out.dto';
import { MessageAttemptListQuery } from './dto/message-attempt-queries.dto';

@ApiTags('Message Attempt')
@Controller('api/v1/app/:app_id/attempt')
export class AttemptsController {
  constructor(private readonly attempts: AttemptsService) {}

  @Get('msg/:msg_id')
  @ApiOperation({ operationId: 'v1.message-attempt.list-by-msg', summary: 'List Attempts By Msg' })
  @ApiListResponse(MessageAttemptOut)
  @ApiErrors(404)
  listByMessage(
    @CurrentPrincipal() principal: Principal,
    @Param('app_id') appId: string,
    @Param('msg_id') messageId: string,
    @Query() query: MessageAttemptListQuery,
  ): Promise<ListResponse<MessageAttemptOut>> {
    return this.attempts.listByMessage(principal, appId, messageId, query);
  }

  @Get('endpoint/:endpoint_id')
  @ApiOperation({ operationId: 'v1.message-attempt.list-by-endpoint', summary: 'List Attempts By Endpoint' })
  @ApiListResponse(MessageAttemptOut)
  @ApiErrors(404)
  listByEndpoint(
    @CurrentPrincipal() principal: Principal,
    @Param('app_id') appId: string,
    @Param('endpoint_id') endpointId: string,
    @Query() query: MessageAttemptListQuery,
  ): Promise<ListResponse<MessageAttemptOut>> {
    return this.attempts.listByEndpoint(principal, appId, endpointId, query);
  }
}
