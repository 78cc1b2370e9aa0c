import { IdemConfig } from '@app/config';
import { generateApiToken, hashApiToken, IdemError, IdemErrorCode } from '@app/core';
import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiTokenLookup } from './api-token-lookup';
import { FakeApiTokenRepository } from './api-token-repository.fake';
import { ApiTokenGuard } from './api-token.guard';
import { OrganisationWide } from './organisation-wide.decorator';
import { PRINCIPAL } from './principal';
import { Public } from './public.decorator';

const ADMIN_TOKEN = 'admin-token-0123456789';

class Routes {
  @Public()
  health(): void {}

  listMessages(): void {}

  @OrganisationWide()
  createApplication(): void {}
}

function contextFor(handler: keyof Routes, authorization?: string): { context: ExecutionContext; request: Record<string | symbol, unknown> } {
  const request: Record<string | symbol, unknown> = { headers: { authorization } };
  const context = {
    getHandler: () => Routes.prototype[handler],
    getClass: () => Routes,
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
  return { context, request };
}

async function failureOf(promise: Promise<unknown>): Promise<IdemErrorCode> {
  const error = await promise.catch((caught: unknown) => caught);
  if (!(error instanceof IdemError)) throw new Error(`expected an IdemError, got ${String(error)}`);
  return error.code;
}

describe(ApiTokenGuard.name, () => {
  let tokens: FakeApiTokenRepository;
  let sut: ApiTokenGuard;

  beforeEach(() => {
    tokens = new FakeApiTokenRepository();
    sut = new ApiTokenGuard(new Reflector(), new ApiTokenLookup(tokens.asRepository()), { adminToken: ADMIN_TOKEN } as IdemConfig);
  });

  it('lets public routes through without a token', async () => {
    expect(await sut.canActivate(contextFor('health').context)).toBe(true);
  });

  it('knows the admin token without asking the database', async () => {
    const { context, request } = contextFor('createApplication', `Bearer ${ADMIN_TOKEN}`);

    expect(await sut.canActivate(context)).toBe(true);
    expect(request[PRINCIPAL]).toEqual({ credentialId: 'admin', appId: null });
    expect(tokens.lookups).toBe(0);
  });

  it('finds an API token by its hash and takes its scope', async () => {
    const token = generateApiToken();
    tokens.byHash.set(hashApiToken(token), { id: 'tok_1', appId: 'app_1' });
    const { context, request } = contextFor('listMessages', `bearer ${token}`);

    expect(await sut.canActivate(context)).toBe(true);
    expect(request[PRINCIPAL]).toEqual({ credentialId: 'tok_1', appId: 'app_1' });
  });

  it('refuses a token scoped to an application on an organisation-wide route with 403', async () => {
    const token = generateApiToken();
    tokens.byHash.set(hashApiToken(token), { id: 'tok_1', appId: 'app_1' });

    expect(await failureOf(sut.canActivate(contextFor('createApplication', `Bearer ${token}`).context))).toBe(IdemErrorCode.Forbidden);
  });

  it('refuses missing, unknown and malformed tokens with 401, looking up only well-formed ones', async () => {
    for (const authorization of [undefined, 'Bearer', `Basic ${ADMIN_TOKEN}`, 'Bearer not-one-of-ours', `Bearer ${generateApiToken()}`]) {
      expect(await failureOf(sut.canActivate(contextFor('listMessages', authorization).context))).toBe(IdemErrorCode.Unauthorized);
    }
    expect(tokens.lookups).toBe(1);
  });
});
