import { ApiTokenEntity } from './api-token.entity';
import { ApplicationEntity } from './application.entity';
import { AttemptEntity } from './attempt.entity';
import { BackgroundTaskEntity } from './background-task.entity';
import { DeliveryEntity } from './delivery.entity';
import { EndpointAttemptCountEntity } from './endpoint-attempt-count.entity';
import { EndpointDeliveryCountEntity } from './endpoint-delivery-count.entity';
import { EndpointSecretEntity } from './endpoint-secret.entity';
import { EndpointEntity } from './endpoint.entity';
import { EntityVersionEntity } from './entity-version.entity';
import { EventTypeEntity } from './event-type.entity';
import { IdempotencyFindingEntity } from './idempotency-finding.entity';
import { IdempotencyRecordEntity } from './idempotency-record.entity';
import { MessageEventIdEntity } from './message-event-id.entity';
import { MessageEntity } from './message.entity';
import { PayloadFingerprintEntity } from './payload-fingerprint.entity';
import { SagaMessageEntity } from './saga-message.entity';
import { SagaEntity } from './saga.entity';

export type { SagaMessageDefinition, SagaStepDefinition } from './saga.entity';
export {
  ApiTokenEntity,
  ApplicationEntity,
  AttemptEntity,
  BackgroundTaskEntity,
  DeliveryEntity,
  EndpointAttemptCountEntity,
  EndpointDeliveryCountEntity,
  EndpointEntity,
  EndpointSecretEntity,
  EntityVersionEntity,
  EventTypeEntity,
  IdempotencyFindingEntity,
  IdempotencyRecordEntity,
  MessageEntity,
  MessageEventIdEntity,
  PayloadFingerprintEntity,
  SagaEntity,
  SagaMessageEntity,
};

export const ENTITIES = [
  ApiTokenEntity,
  ApplicationEntity,
  AttemptEntity,
  BackgroundTaskEntity,
  DeliveryEntity,
  EndpointAttemptCountEntity,
  EndpointDeliveryCountEntity,
  EndpointEntity,
  EndpointSecretEntity,
  EntityVersionEntity,
  EventTypeEntity,
  IdempotencyFindingEntity,
  IdempotencyRecordEntity,
  MessageEntity,
  MessageEventIdEntity,
  PayloadFingerprintEntity,
  SagaEntity,
  SagaMessageEntity,
];
