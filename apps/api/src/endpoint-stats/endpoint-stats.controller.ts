import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Principal } from '../auth/principal';
import { ApiErrors } from '../http/api-errors.decorator';
import { EndpointStatsOut } from './dto/endpoint-stats-out.dto';
import { EndpointStatsQuery } from './dto/endpoint-stats-query.dto';
import { EndpointStatsService } from './endpoint-stats.service';

@ApiTags('Endpoint')
@Controller('api/v1/app/:app_id/endpoint/:endpoint_id/stats')
export class EndpointStatsController {
  constructor(private readonly stats: EndpointStatsService) {}

  @Get()
  @ApiOperation({ operationId: 'v1.endpoint.get-stats', summary: 'Endpoint Stats' })
  @ApiOkResponse({ type: EndpointStatsOut })
  @ApiErrors(404)
  get(
    @CurrentPrincipal() principal: Principal,
    @Param('app_id') appId: string,
    @Param('endpoint_id') endpointId: string,
    @Query() query: EndpointStatsQuery,
  ): Promise<EndpointStatsOut> {
    return this.stats.get(principal, appId, endpointId, query);
  }
}
