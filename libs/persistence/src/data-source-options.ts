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
    extra: { max: 20, options: '-c jit=off' },
  };
}
