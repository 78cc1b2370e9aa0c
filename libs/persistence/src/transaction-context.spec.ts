import { DynamicModule, Provider } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { ClsModule } from 'nestjs-cls';
import { transactionContextModule } from './transaction-context';

/** Every provider a dynamic module and the dynamic modules it imports declare. */
function providersIn(module: DynamicModule): Provider[] {
  const imported = (module.imports ?? []).filter((entry): entry is DynamicModule => typeof entry === 'object' && entry !== null && 'module' in entry);
  return [...(module.providers ?? []), ...imported.flatMap(providersIn)];
}

const provides = (token: unknown) => (provider: Provider) => typeof provider === 'object' && 'provide' in provider && provider.provide === token;

describe(transactionContextModule.name, () => {
  it('registers no guard or interceptor that would run on every request', () => {
    const sut = providersIn(transactionContextModule());

    expect(sut.filter(provides(APP_GUARD))).toEqual([]);
    expect(sut.filter(provides(APP_INTERCEPTOR))).toEqual([]);
  });

  it('is needed: nestjs-cls on its own registers both, although told to mount neither', () => {
    const library = providersIn(ClsModule.forRoot({ global: true }));

    // If this fails, nestjs-cls no longer adds them and `transactionContextModule` can stop removing them.
    expect(library.some(provides(APP_GUARD)) && library.some(provides(APP_INTERCEPTOR))).toBe(true);
  });
});
