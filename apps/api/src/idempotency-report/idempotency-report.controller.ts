import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import { Principal } from '../auth/principal';
import { ApiErrors } from '../http/api-errors.decorator';
import { IdempotencyReportOut, IdempotencyReportQuery } from './dto/idempotency-report.dto';
import { IdempotencyReportService } from './idempotency-report.service';

@ApiTags('Application')
@Controller('api/v1/app/:app_id/idempotency-report')
export class IdempotencyReportController {
  constructor(private readonly report: IdempotencyReportService) {}

  @Get()
  @ApiOperation({
    operationId: 'v1.application.get-idempotency-report',
    summary: 'Get Idempotency Report',
    description: 'Idem extension: repeated keys let through in observe mode, and probable send-time keys, over a window.',
  })
  @ApiErrors(404)
  get(@CurrentPrincipal() principal: Principal, @Param('app_id') appId: string, @Query() query: IdempotencyReportQuery): Promise<IdempotencyReportOut> {
    return this.report.get(principal, appId, query);
  }
}
