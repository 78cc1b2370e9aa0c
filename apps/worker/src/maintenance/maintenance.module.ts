import { Module } from '@nestjs/common';
import { DeliverySweeper } from './delivery-sweeper.service';
import { RecoveryProgress } from './recovery-progress.service';
import { RetentionCleanup } from './retention-cleanup.service';

@Module({
  providers: [DeliverySweeper, RetentionCleanup, RecoveryProgress],
})
export class MaintenanceModule {}
