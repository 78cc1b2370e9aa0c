import { IdemConfig } from '@app/config';
import { IdemError, IdemErrorCode } from '@app/core';
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request } from 'express';
import { PRINCIPAL, Principal } from './principal';
import { IS_PUBLIC } from './public.decorator';

/** Checks the bearer token on every route not marked `@Public()` and attaches the caller's `Principal`. */
@Injectable()
export class ApiTokenGuard implements CanActivate {
  private readonly adminTokenDigest: Buffer | null;

  constructor(
    private readonly reflector: Reflector,
    config: IdemConfig,
  ) {
    this.adminTokenDigest = config.adminToken ? sha256(config.adminToken) : null;
  }

  canActivate(context: ExecutionContext): boolean {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const request = context.switchToHttp().getRequest<Request & { [PRINCIPAL]?: Principal }>();
    const token = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '')?.[1];
    if (!token) throw new IdemError(IdemErrorCode.Unauthorized, 'Missing bearer token in the Authorization header');
    // Comparing digests keeps the comparison constant-time whatever the token's length.
    if (this.adminTokenDigest && timingSafeEqual(sha256(token), this.adminTokenDigest)) {
      request[PRINCIPAL] = { credentialId: 'admin', appId: null };
      return true;
    }
    throw new IdemError(IdemErrorCode.Unauthorized, 'Invalid token');
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
