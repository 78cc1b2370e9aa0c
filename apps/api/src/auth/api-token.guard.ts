import { IdemConfig } from '@app/config';
import { hashApiToken, IdemError, IdemErrorCode, isApiTokenShaped } from '@app/core';
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { ApiTokenLookup } from './api-token-lookup';
import { IS_ORGANISATION_WIDE } from './organisation-wide.decorator';
import { PRINCIPAL, Principal } from './principal';
import { IS_PUBLIC } from './public.decorator';

const ADMIN: Principal = { credentialId: 'admin', appId: null };

/**
 * Checks the bearer token on every route not marked `@Public()` and attaches the caller's
 * `Principal`: the admin token from the configuration, or an API token looked up by its hash
 * (`ApiTokenLookup`, which bounds how long a revoked token may still be accepted).
 */
@Injectable()
export class ApiTokenGuard implements CanActivate {
  private readonly adminTokenDigest: Buffer | null;

  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: ApiTokenLookup,
    config: IdemConfig,
  ) {
    this.adminTokenDigest = config.adminToken ? sha256(config.adminToken) : null;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<Request & { [PRINCIPAL]?: Principal }>();
    const principal = await this.authenticate(request.headers.authorization);
    if (principal.appId !== null && this.reflector.getAllAndOverride<boolean>(IS_ORGANISATION_WIDE, targets)) {
      throw IdemError.forbidden('This token is scoped to one application; this operation needs an organisation-wide token');
    }
    request[PRINCIPAL] = principal;
    return true;
  }

  private async authenticate(authorization: string | undefined): Promise<Principal> {
    const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
    if (!token) throw new IdemError(IdemErrorCode.Unauthorized, 'Missing bearer token in the Authorization header');
    // Comparing digests keeps the comparison constant-time whatever the token's length.
    if (this.adminTokenDigest && timingSafeEqual(sha256(token), this.adminTokenDigest)) return ADMIN;
    // Anything that cannot be one of our tokens is refused without a database round trip.
    if (isApiTokenShaped(token)) {
      const credential = await this.tokens.findByHash(hashApiToken(token));
      if (credential) return { credentialId: credential.id, appId: credential.appId };
    }
    throw new IdemError(IdemErrorCode.Unauthorized, 'Invalid token');
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
