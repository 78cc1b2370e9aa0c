import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { OrganisationWide } from '../auth/organisation-wide.decorator';
import { Principal } from '../auth/principal';
import { ApiErrors } from '../http/api-errors.decorator';
import { ApiListResponse, ListResponse } from '../http/list';
import { Idempotent } from '../idempotency/idempotency.interceptor';
import { ShownOnce } from '../idempotency/shown-once.decorator';
import { ApiTokensService } from './api-tokens.service';
import { ApiTokenIn } from './dto/api-token-in.dto';
import { ApiTokenCreatedOut, ApiTokenOut } from './dto/api-token-out.dto';
import { ApiTokenListQuery } from './dto/api-token-queries.dto';

/** Idem's extension to the Svix API: API tokens besides the admin token. */
@ApiTags('Authentication')
@OrganisationWide()
@Controller('api/v1/auth/token')
export class ApiTokensController {
  constructor(private readonly tokens: ApiTokensService) {}

  @Post()
  @Idempotent()
  @ShownOnce('token')
  @ApiOperation({ operationId: 'v1.api-token.create', summary: 'Create API Token' })
  @ApiErrors({ status: 404, description: '`not_found`: no application has the `appId`' })
  create(@CurrentPrincipal() principal: Principal, @Body() body: ApiTokenIn): Promise<ApiTokenCreatedOut> {
    return this.tokens.create(principal, body);
  }

  @Get()
  @ApiOperation({ operationId: 'v1.api-token.list', summary: 'List API Tokens' })
  @ApiListResponse(ApiTokenOut)
  list(@Query() query: ApiTokenListQuery): Promise<ListResponse<ApiTokenOut>> {
    return this.tokens.list(query);
  }

  @Delete(':token_id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({ operationId: 'v1.api-token.revoke', summary: 'Revoke API Token' })
  @ApiErrors(404)
  revoke(@Param('token_id') tokenId: string): Promise<void> {
    return this.tokens.revoke(tokenId);
  }
}
