import { IdemError, IdemErrorCode } from '@app/core';
import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { ApiRateLimiter } from './api-rate-limiter';
import { PRINCIPAL, Principal } from './principal';

/** Counts each authenticated request against its credential's rate limit; runs after `ApiTokenGuard`. */
@Injectable()
export class ApiRateLimitGuard implements CanActivate {
  constructor(private readonly limiter: ApiRateLimiter) {}

  canActivate(context: ExecutionContext): boolean {
    const principal = context.switchToHttp().getRequest<Request & { [PRINCIPAL]?: Principal }>()[PRINCIPAL];
    // Public routes have no credential to count against.
    if (!principal) return true;
    const verdict = this.limiter.take(principal.credentialId);
    if (verdict.allowed) return true;
    throw new IdemError(
      IdemErrorCode.RateLimited,
      `More than ${this.limiter.requestsPerSecond} requests per second with this token; retry in ${verdict.retryAfterSeconds} s`,
      verdict.retryAfterSeconds,
    );
  }
}
