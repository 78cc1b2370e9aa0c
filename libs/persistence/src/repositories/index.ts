import { ApiTokenRepository } from './api-token.repository';
import { ApplicationRepository } from './application.repository';
import { AttemptRepository } from './attempt.repository';
import { BackgroundTaskRepository } from './background-task.repository';
import { DeliveryClaimRepository, DeliveryLaneRepository, DeliveryOutcomeRepository, DeliveryResendRepository, DeliverySweepRepository } from './delivery';
import { EndpointStatsRepository } from './endpoint-stats.repository';
import { EndpointRepository } from './endpoint.repository';
import { EventTypeRepository } from './event-type.repository';
import { IdempotencyFindingRepository } from './idempotency-finding.repository';
import { IdempotencyRecordRepository } from './idempotency-record.repository';
import { IntakeRepository } from './intake.repository';
import { MessageDestinationRepository } from './message-destination.repository';
import { MessageRepository } from './message.repository';
import { RetentionRepository } from './retention.repository';
import { SagaRepository } from './saga.repository';

export * from './api-token.repository';
export * from './delivery';
export * from './application.repository';
export * from './attempt.repository';
export * from './background-task.repository';
export * from './endpoint.repository';
export * from './endpoint-stats.repository';
export * from './event-type.repository';
export * from './idempotency-finding.repository';
export * from './idempotency-record.repository';
export * from './intake.repository';
export * from './keyset-page';
export * from './message-destination.repository';
export * from './message.repository';
export * from './retention.repository';
export * from './saga.repository';

export const REPOSITORIES = [
  ApiTokenRepository,
  ApplicationRepository,
  AttemptRepository,
  BackgroundTaskRepository,
  EndpointRepository,
  EndpointStatsRepository,
  EventTypeRepository,
  IdempotencyFindingRepository,
  IdempotencyRecordRepository,
  IntakeRepository,
  MessageRepository,
  MessageDestinationRepository,
  DeliveryClaimRepository,
  DeliveryLaneRepository,
  DeliveryOutcomeRepository,
  DeliveryResendRepository,
  DeliverySweepRepository,
  RetentionRepository,
  SagaRepository,
];
