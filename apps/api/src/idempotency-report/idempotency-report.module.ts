import { Module } from '@nestjs/common';
import { ApplicationsModule } from '../applications/applications.module';
import { IdempotencyReportController } from './idempotency-report.controller';
import { IdempotencyReportService } from './idempotency-report.service';

@Module({
  imports: [ApplicationsModule],
  controllers: [IdempotencyReportController],
  providers: [IdempotencyReportService],
})
export class IdempotencyReportModule {}
