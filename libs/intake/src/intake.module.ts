import { PrometheusModule } from '@app/metrics';
import { Module } from '@nestjs/common';
import { IntakeMetrics } from './intake-metrics';
import { MessageIntake } from './message-intake';

/** The one way messages enter Idem. Needs the persistence and queue modules (both global). */
@Module({
  imports: [PrometheusModule],
  providers: [MessageIntake, IntakeMetrics],
  exports: [MessageIntake],
})
export class IntakeModule {}
