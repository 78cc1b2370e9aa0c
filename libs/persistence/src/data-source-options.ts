import { DataSourceOptions } from 'typeorm';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';

export function dataSourceOptions(databaseUrl: string): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTransactionMode: 'each',
    synchronize: false,
    // Workers hold one connection per in-flight claim or record; 20 keeps a busy worker from queueing on the pool.
    // No JIT: Idem's statements are short, and the planner's estimates for a time range (or a set of
    // ids from unnest) can make a millisecond's query spend a hundred compiling itself.
    // Connections live a minute at most: a hot statement is prepared once per connection, and once
    // Postgres settles on a generic plan it keeps it for the connection's life, even one made when a
    // table was nearly empty (a scan of all deliveries per claim, once they number a hundred thousand).
    // A new connection prepares it again, planned for the tables as they are.
    extra: { max: 20, options: '-c jit=off', maxLifetimeSeconds: 60 },
  };
}
