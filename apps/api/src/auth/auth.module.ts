import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ApiRateLimitGuard } from './api-rate-limit.guard';
import { ApiRateLimiter } from './api-rate-limiter';
import { ApiTokenLookup } from './api-token-lookup';
import { ApiTokenGuard } from './api-token.guard';
import { RequestRateCounter } from './request-rate-counter';

@Module({
  providers: [
    ApiTokenLookup,
    RequestRateCounter,
    ApiRateLimiter,
    // Global guards run in the order they are provided: authenticate first, then count the request
    // against the credential it was made with.
    { provide: APP_GUARD, useClass: ApiTokenGuard },
    { provide: APP_GUARD, useClass: ApiRateLimitGuard },
  ],
  exports: [ApiTokenLookup],
})
export class AuthModule {}
