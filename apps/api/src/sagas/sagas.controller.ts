import { Body, Controller, Get, HttpStatus, Param, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Principal } from '../auth/principal';
import { ApiErrors } from '../http/api-errors.decorator';
import { ApiListResponse, ListResponse } from '../http/list';
import { Idempotent } from '../idempotency/idempotency.interceptor';
import { SagaIn } from './dto/saga-in.dto';
import { SagaOut, SagaSummaryOut } from './dto/saga-out.dto';
import { SagaListQuery } from './dto/saga-queries.dto';
import { SagasService } from './sagas.service';

@ApiTags('Saga')
@Controller('api/v1/app/:app_id/saga')
export class SagasController {
  constructor(private readonly sagas: SagasService) {}

  /** 201 when created; 200 when the application already has a saga with this `sagaId` and these steps. */
  @Post()
  @Idempotent()
  @ApiOperation({ operationId: 'v1.saga.create', summary: 'Create Saga', description: 'Idem extension: steps across endpoints, compensated newest first if one fails.' })
  @ApiCreatedResponse({ type: SagaOut, description: 'Created; its first step is on its way' })
  @ApiOkResponse({ type: SagaOut, description: 'The saga this `sagaId` already names, with the same steps' })
  @ApiErrors(404, { status: 409, description: '`conflict`: a saga with this `sagaId` and other steps exists' })
  async create(
    @CurrentPrincipal() principal: Principal,
    @Param('app_id') appId: string,
    @Body() body: SagaIn,
    @Res({ passthrough: true }) response: Response,
  ): Promise<SagaOut> {
    const { saga, created } = await this.sagas.create(principal, appId, body);
    response.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return saga;
  }

  @Get()
  @ApiOperation({ operationId: 'v1.saga.list', summary: 'List Sagas', description: 'Idem extension: newest first, by status if asked.' })
  @ApiListResponse(SagaSummaryOut)
  @ApiErrors(404)
  list(@CurrentPrincipal() principal: Principal, @Param('app_id') appId: string, @Query() query: SagaListQuery): Promise<ListResponse<SagaSummaryOut>> {
    return this.sagas.list(principal, appId, query);
  }

  @Get(':saga_id')
  @ApiOperation({ operationId: 'v1.saga.get', summary: 'Get Saga', description: "Idem extension: by Idem's id or the producer's `sagaId`, with each step's messages and their deliveries." })
  @ApiErrors(404)
  get(@CurrentPrincipal() principal: Principal, @Param('app_id') appId: string, @Param('saga_id') sagaId: string): Promise<SagaOut> {
    return this.sagas.get(principal, appId, sagaId);
  }
}
