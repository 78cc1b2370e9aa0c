// The DataSource the TypeORM CLI uses (migration:generate, migration:run): `npm run migration:generate`.
import { loadIdemConfig } from '@app/config';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source-options';

export default new DataSource(dataSourceOptions(loadIdemConfig(process.env).databaseUrl));
