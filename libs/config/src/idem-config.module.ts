import { Global, Module } from '@nestjs/common';
import { IdemConfig, loadIdemConfig } from './idem-config';

/**
 * Provides the validated `IdemConfig`; injecting it is the only way code reads configuration.
 * The environment is read when the application is created, not when this file is imported, so a
 * process (or a test) can set it up first.
 */
@Global()
@Module({
  providers: [{ provide: IdemConfig, useFactory: () => loadIdemConfig(process.env) }],
  exports: [IdemConfig],
})
export class IdemConfigModule {}
