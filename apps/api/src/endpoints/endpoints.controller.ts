import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, Put, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Principal } from '../auth/principal';
import { ApiErrors } from '../http/api-errors.decorator';
import { ApiListResponse, ListResponse } from '../http/list';
import { Idempotent } from '../idempotency/idempotency.interceptor';
import { EndpointHeadersIn, EndpointHeadersOut, EndpointHeadersPatchIn } from './dto/endpoint-headers.dto';
import { EndpointIn, EndpointPatch, EndpointUpdate } from './dto/endpoint-in.dto';
import { EndpointOut } from './dto/endpoint-out.dto';
import { EndpointListQuery } from './dto/endpoint-queries.dto';
import { EndpointSecretOut, EndpointSecretRotateIn } from './dto/endpoint-secret.dto';
import { EndpointsService } from './endpoints.service';

@ApiTags('Endpoint')
@Controller('api/v1/app/:app_id/endpoint')
export class EndpointsController {
  constructor(private readonly endpoints: EndpointsService) {}

  @Get()
  @ApiOperation({ operationId: 'v1.endpoint.list', summary: 'List Endpoints' })
  @ApiListResponse(EndpointOut)
  @ApiErrors(404)
  list(@CurrentPrincipal() principal: Principal, @Param('app_id') appId: string, @Query() query: EndpointListQuery): Promise<ListResponse<EndpointOut>> {
    return this.endpoints.list(principal, appId, query);
  }

  @Post()
  @Idempotent()
  @ApiOperation({ operationId: 'v1.endpoint.create', summary: 'Create Endpoint' })
  @ApiErrors(404, { status: 409, description: '`conflict`: an endpoint of this application already has this uid' })
  create(@CurrentPrincipal() principal: Principal, @Param('app_id') appId: string, @Body() body: EndpointIn): Promise<EndpointOut> {
    return this.endpoints.create(principal, appId, body);
  }

  @Get(':endpoint_id')
  @ApiOperation({ operationId: 'v1.endpoint.get', summary: 'Get Endpoint' })
  @ApiErrors(404)
  get(@CurrentPrincipal() principal: Principal, @Param('app_id') appId: string, @Param('endpoint_id') endpointId: string): Promise<EndpointOut> {
    return this.endpoints.get(principal, appId, endpointId);
  }

  /** 200 when updated; 201 when the path's uid named no endpoint and one was created. */
  @Put(':endpoint_id')
  @ApiOperation({ operationId: 'v1.endpoint.update', summary: 'Update Endpoint' })
  @ApiOkResponse({ type: EndpointOut, description: 'Updated' })
  @ApiCreatedResponse({ type: EndpointOut, description: 'No endpoint had the uid in the path: created with it' })
  @ApiErrors(404, { status: 409, description: '`conflict`: another endpoint of this application has this uid' })
  async update(
    @CurrentPrincipal() principal: Principal,
    @Param('app_id') appId: string,
    @Param('endpoint_id') endpointId: string,
    @Body() body: EndpointUpdate,
    @Res({ passthrough: true }) response: Response,
  ): Promise<EndpointOut> {
    const { endpoint, created } = await this.endpoints.update(principal, appId, endpointId, body);
    response.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return endpoint;
  }

  @Patch(':endpoint_id')
  @ApiOperation({ operationId: 'v1.endpoint.patch', summary: 'Patch Endpoint' })
  @ApiErrors(404, { status: 409, description: '`conflict`: another endpoint of this application has this uid' })
  patch(
    @CurrentPrincipal() principal: Principal,
    @Param('app_id') appId: string,
    @Param('endpoint_id') endpointId: string,
    @Body() body: EndpointPatch,
  ): Promise<EndpointOut> {
    return this.endpoints.patch(principal, appId, endpointId, body);
  }

  @Delete(':endpoint_id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ operationId: 'v1.endpoint.delete', summary: 'Delete Endpoint' })
  @ApiErrors(404)
  delete(@CurrentPrincipal() principal: Principal, @Param('app_id') appId: string, @Param('endpoint_id') endpointId: string): Promise<void> {
    return this.endpoints.delete(principal, appId, endpointId);
  }

  @Get(':endpoint_id/headers')
  @ApiOperation({ operationId: 'v1.endpoint.get-headers', summary: 'Get Endpoint Headers' })
  @ApiErrors(404)
  getHeaders(@CurrentPrincipal() principal: Principal, @Param('app_id') appId: string, @Param('endpoint_id') endpointId: string): Promise<EndpointHeadersOut> {
    return this.endpoints.getHeaders(principal, appId, endpointId);
  }

  @Put(':endpoint_id/headers')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ operationId: 'v1.endpoint.update-headers', summary: 'Update Endpoint Headers' })
  @ApiErrors(404)
  updateHeaders(
    @CurrentPrincipal() principal: Principal,
    @Param('app_id') appId: string,
    @Param('endpoint_id') endpointId: string,
    @Body() body: EndpointHeadersIn,
  ): Promise<void> {
    return this.endpoints.replaceHeaders(principal, appId, endpointId, body);
  }

  @Patch(':endpoint_id/headers')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ operationId: 'v1.endpoint.patch-headers', summary: 'Patch Endpoint Headers' })
  @ApiErrors(404)
  patchHeaders(
    @CurrentPrincipal() principal: Principal,
    @Param('app_id') appId: string,
    @Param('endpoint_id') endpointId: string,
    @Body() body: EndpointHeadersPatchIn,
  ): Promise<void> {
    return this.endpoints.patchHeaders(principal, appId, endpointId, body);
  }

  @Get(':endpoint_id/secret')
  @ApiOperation({ operationId: 'v1.endpoint.get-secret', summary: 'Get Endpoint Secret' })
  @ApiErrors(404)
  getSecret(@CurrentPrincipal() principal: Principal, @Param('app_id') appId: string, @Param('endpoint_id') endpointId: string): Promise<EndpointSecretOut> {
    return this.endpoints.getSecret(principal, appId, endpointId);
  }

  @Post(':endpoint_id/secret/rotate')
  @Idempotent()
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ operationId: 'v1.endpoint.rotate-secret', summary: 'Rotate Endpoint Secret' })
  @ApiErrors(404)
  rotateSecret(
    @CurrentPrincipal() principal: Principal,
    @Param('app_id') appId: string,
    @Param('endpoint_id') endpointId: string,
    @Body() body: EndpointSecretRotateIn,
  ): Promise<void> {
    return this.endpoints.rotateSecret(principal, appId, endpointId, body);
  }
}
