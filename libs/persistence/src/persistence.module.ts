import { IdemConfig } from '@app/config';
import { ClsPluginTransactional } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClsModule } from 'nestjs-cls';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source-options';
import { REPOSITORIES } from './repositories';
import { UnitOfWork } from './unit-of-work';

/**
 * TypeORM on Postgres plus a transaction host: repositories always use `txHost.tx`, so a service
 * that wraps several repository calls in `UnitOfWork.run` gets them in one transaction.
 */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [IdemConfig],
      useFactory: (config: IdemConfig) => dataSourceOptions(config.databaseUrl),
    }),
    ClsModule.forRoot({
      global: true,
      plugins: [
        new ClsPluginTransactional({
          imports: [TypeOrmModule],
          adapter: new TransactionalAdapterTypeOrm({ dataSourceToken: DataSource }),
        }),
      ],
    }),
  ],
  providers: [...REPOSITORIES, UnitOfWork],
  exports: [...REPOSITORIES, UnitOfWork],
})
export class PersistenceModule {}
