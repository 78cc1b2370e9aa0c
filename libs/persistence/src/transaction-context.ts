import { ClsPluginTransactional } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { DynamicModule, Provider } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ClsModule } from 'nestjs-cls';
import { DataSource } from 'typeorm';

/**
 * The async context `UnitOfWork.run` opens for a transaction (`cls.run`), and nothing per request.
 *
 * nestjs-cls registers a global guard and a global interceptor even when it is told to mount neither:
 * no-ops, but Nest still runs them on every request, the interceptor through its rxjs and
 * `AsyncResource` machinery, a measurable share of a cheap request. Nothing in Idem reads a
 * request-wide context, so both are left out of the module.
 */
export function transactionContextModule(): DynamicModule {
  return withoutRequestEnhancers(
    ClsModule.forRoot({
      global: true,
      plugins: [
        new ClsPluginTransactional({
          imports: [TypeOrmModule],
          adapter: new TransactionalAdapterTypeOrm({ dataSourceToken: DataSource }),
        }),
      ],
    }),
  );
}

const REQUEST_ENHANCERS: unknown[] = [APP_GUARD, APP_INTERCEPTOR];

function withoutRequestEnhancers(module: DynamicModule): DynamicModule {
  return {
    ...module,
    providers: module.providers?.filter((provider: Provider) => !('provide' in provider && REQUEST_ENHANCERS.includes(provider.provide))),
    imports: module.imports?.map((imported) => (isDynamicModule(imported) ? withoutRequestEnhancers(imported) : imported)),
  };
}

function isDynamicModule(imported: unknown): imported is DynamicModule {
  return typeof imported === 'object' && imported !== null && 'module' in imported;
}
