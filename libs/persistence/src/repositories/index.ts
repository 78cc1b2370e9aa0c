import { ApplicationRepository } from './application.repository';
import { AttemptRepository } from './attempt.repository';
import { DeliveryRepository } from './delivery.repository';
import { EndpointRepository } from './endpoint.repository';
import { EventTypeRepository } from './event-type.repository';
import { IdempotencyRecordRepository } from './idempotency-record.repository';
import { MessageRepository } from './message.repository';
import { RetentionRepository } from './retention.repository';

export * from './delivery.repository';
export * from './application.repository';
export * from './attempt.repository';
export * from './endpoint.repository';
export * from './event-type.repository';
export * from './idempotency-record.repository';
export * from './keyset-page';
export * from './message.repository';
export * from './retention.repository';

export const REPOSITORIES = [
  ApplicationRepository,
  AttemptRepository,
  EndpointRepository,
  EventTypeRepository,
  IdempotencyRecordRepository,
  MessageRepository,
  DeliveryRepository,
  RetentionRepository,
];
