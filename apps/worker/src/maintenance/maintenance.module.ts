import { Module } from '@nestjs/common';
import { MetricsModule } from '../metrics/metrics.module';
import { DeliverySweeper } from './delivery-sweeper.service';
import { RecoveryProgress } from './recovery-progress.service';
import { RetentionCleanup } from './retention-cleanup.service';

@Module({
  imports: [MetricsModule],
  providers: [DeliverySweeper, RetentionCleanup, RecoveryProgress],
})
export class MaintenanceModule {}
