import { InitialSchema1795739045979 } from './1795739045979-initial-schema';
import { ManualResend1795743447945 } from './1795743447945-manual-resend';
import { ApiTokens1795743544976 } from './1795743544976-api-tokens';
import { EndpointFailingSince1795744000000 } from './1795744000000-endpoint-failing-since';
import { DeliveryLogReadSide1795744159392 } from './1795744159392-delivery-log-read-side';
import { AttemptsByDelivery1795746674514 } from './1795746674514-attempts-by-delivery';
import { EndpointMessages1795750983008 } from './1795750983008-endpoint-messages';
import { PayloadRetention1795751238899 } from './1795751238899-payload-retention';
import { EventTypeSchemaEnforcement1796166810213 } from './1796166810213-event-type-schema-enforcement';
import { EndpointHeaders1796167750499 } from './1796167750499-endpoint-headers';
import { EndpointDeliveryCounts1796200000000 } from './1796200000000-endpoint-delivery-counts';
import { EndpointAttemptCounts1796200000002 } from './1796200000002-endpoint-attempt-counts';
import { ReadSideIndexes1796200000001 } from './1796200000001-read-side-indexes';
import { EntityState1796168075960 } from './1796168075960-entity-state';
import { EntityLanes1796170000000 } from './1796170000000-entity-lanes';
import { IdempotencyObserve1796185557261 } from './1796185557261-idempotency-observe';
import { Sagas1796186611950 } from './1796186611950-sagas';
import { CounterShards1796200000003 } from './1796200000003-counter-shards';

/** Every migration, oldest first. A new one is generated with `npm run migration:generate --name=<name>` and added here. */
export const MIGRATIONS = [InitialSchema1795739045979, ManualResend1795743447945, ApiTokens1795743544976, EndpointFailingSince1795744000000, DeliveryLogReadSide1795744159392, AttemptsByDelivery1795746674514, EndpointMessages1795750983008, PayloadRetention1795751238899, EventTypeSchemaEnforcement1796166810213, EndpointHeaders1796167750499, EntityState1796168075960, EntityLanes1796170000000, IdempotencyObserve1796185557261, Sagas1796186611950, EndpointDeliveryCounts1796200000000, ReadSideIndexes1796200000001, EndpointAttemptCounts1796200000002, CounterShards1796200000003];
