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
import { IdempotencyRecordEntity } from './idempotency-record.entity';
import { MessageEventIdEntity } from './message-event-id.entity';
import { MessageEntity } from './message.entity';

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
  IdempotencyRecordEntity,
  MessageEntity,
  MessageEventIdEntity,
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
  IdempotencyRecordEntity,
  MessageEntity,
  MessageEventIdEntity,
];
