import { InitialSchema1795739045979 } from './1795739045979-initial-schema';
import { ManualResend1795743447945 } from './1795743447945-manual-resend';
import { EndpointFailingSince1795744000000 } from './1795744000000-endpoint-failing-since';

/** Every migration, oldest first. A new one is generated with `npm run migration:generate --name=<name>` and added here. */
export const MIGRATIONS = [InitialSchema1795739045979, ManualResend1795743447945, EndpointFailingSince1795744000000];
