import { IdemConfig } from '@app/config';
import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { dataSourceOptions } from './data-source-options';
import { EndpointSecretCipher } from './endpoint-secret-cipher';
import { REPOSITORIES } from './repositories';
import { transactionContextModule } from './transaction-context';
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
    transactionContextModule(),
  ],
  providers: [
    ...REPOSITORIES,
    UnitOfWork,
    // Built at start-up, so an API or worker without IDEM_ENCRYPTION_KEY stops with the variable's name.
    { provide: EndpointSecretCipher, inject: [IdemConfig], useFactory: (config: IdemConfig) => EndpointSecretCipher.fromConfig(config) },
  ],
  exports: [...REPOSITORIES, UnitOfWork],
})
export class PersistenceModule {}
