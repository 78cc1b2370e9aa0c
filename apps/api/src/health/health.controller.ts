import { Controller, Get, HttpCode, HttpStatus } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Public } from '../auth/public.decorator';

@ApiTags('Health')
@Controller('api/v1/health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
  ) {}

  /**
   * 204 while Postgres answers, 503 otherwise. Redis is deliberately not checked: with Redis down the
   * API still accepts messages into Postgres, and the worker's sweeper enqueues them once it is back.
   */
  @Public()
  @Get()
  @HttpCode(HttpStatus.NO_CONTENT)
  @HealthCheck()
  @ApiOperation({ operationId: 'v1.health.get', summary: 'Health' })
  async check(): Promise<void> {
    await this.health.check([() => this.database.pingCheck('database', { timeout: 2000 })]);
  }
}
