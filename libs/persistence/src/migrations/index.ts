import { InitialSchema1795739045979 } from './1795739045979-initial-schema';
import { ManualResend1795743447945 } from './1795743447945-manual-resend';

/** Every migration, oldest first. A new one is generated with `npm run migration:generate --name=<name>` and added here. */
export const MIGRATIONS = [InitialSchema1795739045979, ManualResend1795743447945];
