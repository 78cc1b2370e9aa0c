import { Module } from '@nestjs/common';
import { DeliverySweeper } from './delivery-sweeper.service';
import { RetentionCleanup } from './retention-cleanup.service';

@Module({
  providers: [DeliverySweeper, RetentionCleanup],
})
export class MaintenanceModule {}
