import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Patch, Post, Put, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { OrganisationWide } from '../auth/organisation-wide.decorator';
import { Principal } from '../auth/principal';
import { ApiErrors } from '../http/api-errors.decorator';
import { ApiListResponse, ListResponse } from '../http/list';
import { Idempotent } from '../idempotency/idempotency.interceptor';
import { ApplicationsService } from './applications.service';
import { ApplicationIn } from './dto/application-in.dto';
import { ApplicationOut } from './dto/application-out.dto';
import { ApplicationPatch } from './dto/application-patch.dto';
import { ApplicationListQuery, CreateApplicationQuery } from './dto/application-queries.dto';

@ApiTags('Application')
@Controller('api/v1/app')
export class ApplicationsController {
  constructor(private readonly applications: ApplicationsService) {}

  @Get()
  @ApiOperation({ operationId: 'v1.application.list', summary: 'List Applications' })
  @ApiListResponse(ApplicationOut)
  list(@CurrentPrincipal() principal: Principal, @Query() query: ApplicationListQuery): Promise<ListResponse<ApplicationOut>> {
    return this.applications.list(principal, query);
  }

  /** 201 when created; 200 when `get_if_exists` found one with the same uid. */
  @Post()
  @Idempotent()
  @OrganisationWide()
  @ApiOperation({ operationId: 'v1.application.create', summary: 'Create Application' })
  @ApiCreatedResponse({ type: ApplicationOut, description: 'Created' })
  @ApiOkResponse({ type: ApplicationOut, description: 'With `get_if_exists=true`: the application that already has the uid' })
  @ApiErrors({ status: 409, description: '`conflict`: an application already has this uid (unless `get_if_exists=true`)' })
  async create(
    @Body() body: ApplicationIn,
    @Query() query: CreateApplicationQuery,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ApplicationOut> {
    const { application, created } = await this.applications.create(body, query.get_if_exists ?? false);
    response.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return application;
  }

  @Get(':app_id')
  @ApiOperation({ operationId: 'v1.application.get', summary: 'Get Application' })
  @ApiErrors(404)
  get(@CurrentPrincipal() principal: Principal, @Param('app_id') appId: string): Promise<ApplicationOut> {
    return this.applications.get(principal, appId);
  }

  /** 200 when updated; 201 when the path's uid named no application and one was created. */
  @Put(':app_id')
  @ApiOperation({ operationId: 'v1.application.update', summary: 'Update Application' })
  @ApiOkResponse({ type: ApplicationOut, description: 'Updated' })
  @ApiCreatedResponse({ type: ApplicationOut, description: 'No application had the uid in the path: created with it' })
  @ApiErrors(404, { status: 409, description: '`conflict`: another application has this uid' })
  async update(
    @CurrentPrincipal() principal: Principal,
    @Param('app_id') appId: string,
    @Body() body: ApplicationIn,
    @Res({ passthrough: true }) response: Response,
  ): Promise<ApplicationOut> {
    const { application, created } = await this.applications.update(principal, appId, body);
    response.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return application;
  }

  @Patch(':app_id')
  @ApiOperation({ operationId: 'v1.application.patch', summary: 'Patch Application' })
  @ApiErrors(404, { status: 409, description: '`conflict`: another application has this uid' })
  patch(@CurrentPrincipal() principal: Principal, @Param('app_id') appId: string, @Body() body: ApplicationPatch): Promise<ApplicationOut> {
    return this.applications.patch(principal, appId, body);
  }

  @Delete(':app_id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ operationId: 'v1.application.delete', summary: 'Delete Application' })
  @ApiErrors(404)
  delete(@CurrentPrincipal() principal: Principal, @Param('app_id') appId: string): Promise<void> {
    return this.applications.delete(principal, appId);
  }
}
