import { IdemConfig } from '@app/config';
import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Guards `/metrics` with `IDEM_METRICS_TOKEN` when it is set. A token of its own, rather than the admin
 * token, so that the credential kept in Prometheus' configuration can read counters and nothing else.
 */
@Injectable()
export class MetricsTokenGuard implements CanActivate {
  private readonly tokenDigest: Buffer | null;

  constructor(config: IdemConfig) {
    this.tokenDigest = config.metricsToken ? sha256(config.metricsToken) : null;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.tokenDigest) return true;
    const authorization = context.switchToHttp().getRequest<Request>().headers.authorization;
    const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
    // Comparing digests keeps the comparison constant-time whatever the token's length.
    if (token !== undefined && timingSafeEqual(sha256(token), this.tokenDigest)) return true;
    throw new UnauthorizedException('/metrics needs the IDEM_METRICS_TOKEN as a bearer token');
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
