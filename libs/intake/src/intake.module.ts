import { PrometheusModule } from '@app/metrics';
import { Module } from '@nestjs/common';
import { IdempotencyFindings } from './idempotency-findings';
import { IntakeMetrics } from './intake-metrics';
import { MessageIntake } from './message-intake';
import { PayloadContracts } from './payload-contracts';
import { SagaMessages } from './saga-messages';

/** The one way messages enter Idem. Needs the persistence and queue modules (both global). */
@Module({
  imports: [PrometheusModule],
  providers: [MessageIntake, IntakeMetrics, PayloadContracts, IdempotencyFindings, SagaMessages],
  exports: [MessageIntake, SagaMessages],
})
export class IntakeModule {}
