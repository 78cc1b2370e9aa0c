import { generateApiToken, hashApiToken, IdemError, newId } from '@app/core';
import { ApiTokenRepository } from '@app/persistence';
import { Injectable } from '@nestjs/common';
import { ApplicationsService } from '../applications/applications.service';
import { ApiTokenLookup } from '../auth/api-token-lookup';
import { Principal } from '../auth/principal';
import { idCursor, ListResponse, toListResponse, toPageQuery } from '../http/list';
import { ApiTokenIn } from './dto/api-token-in.dto';
import { ApiTokenCreatedOut, ApiTokenOut, toApiTokenOut } from './dto/api-token-out.dto';
import { ApiTokenListQuery } from './dto/api-token-queries.dto';

const TOKEN_CURSOR = idCursor('apiToken');

/** API tokens: organisation-wide, or scoped to one application. Only organisation-wide callers manage them. */
@Injectable()
export class ApiTokensService {
  constructor(
    private readonly applications: ApplicationsService,
    private readonly tokens: ApiTokenRepository,
    private readonly lookup: ApiTokenLookup,
  ) {}

  /** Mints a token and stores its hash; the token itself is in this answer and nowhere else. */
  async create(principal: Principal, input: ApiTokenIn): Promise<ApiTokenCreatedOut> {
    const appId = input.appId == null ? null : (await this.applications.resolve(principal, input.appId)).id;
    const token = generateApiToken();
    const stored = await this.tokens.insert({ id: newId('apiToken'), name: input.name, appId, tokenHash: hashApiToken(token) });
    return { ...toApiTokenOut(stored), token };
  }

  async list(query: ApiTokenListQuery): Promise<ListResponse<ApiTokenOut>> {
    const page = toPageQuery(query, TOKEN_CURSOR, 'ascending');
    const result = await this.tokens.list(page);
    return toListResponse(result, page, TOKEN_CURSOR, (token) => token.id, toApiTokenOut);
  }

  /** Revokes the token: the next request that presents it here is a 401, and to any API process within `API_TOKEN_RECHECK_MS`. */
  async revoke(tokenId: string): Promise<void> {
    if (!(await this.tokens.delete(tokenId))) throw IdemError.notFound('API token');
    this.lookup.forgetToken(tokenId);
  }
}
