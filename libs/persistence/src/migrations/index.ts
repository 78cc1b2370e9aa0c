import { InitialSchema1795739045979 } from './1795739045979-initial-schema';

/** Every migration, oldest first. A new one is generated with `npm run migration:generate -- <name>` and added here. */
export const MIGRATIONS = [InitialSchema1795739045979];
