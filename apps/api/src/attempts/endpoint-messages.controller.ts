import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Principal } from '../auth/principal';
import { ApiErrors } from '../http/api-errors.decorator';
import { ApiListResponse, ListResponse } from '../http/list';
import { AttemptsService } from './attempts.service';
import { EndpointMessageOut } from './dto/endpoint-message-out.dto';
import { EndpointMessageListQuery } from './dto/endpoint-message-queries.dto';

/** What was sent to one endpoint: Svix's "list attempted messages". */
@ApiTags('Message Attempt')
@Controller('api/v1/app/:app_id/endpoint/:endpoint_id/msg')
export class EndpointMessagesController {
  constructor(private readonly attempts: AttemptsService) {}

  @Get()
  @ApiOperation({ operationId: 'v1.message-attempt.list-attempted-messages', summary: 'List Attempted Messages' })
  @ApiListResponse(EndpointMessageOut)
  @ApiErrors(404)
  list(
    @CurrentPrincipal() principal: Principal,
    @Param('app_id') appId: string,
    @Param('endpoint_id') endpointId: string,
    @Query() query: EndpointMessageListQuery,
  ): Promise<ListResponse<EndpointMessageOut>> {
    return this.attempts.listEndpointMessages(principal, appId, endpointId, query);
  }
}
