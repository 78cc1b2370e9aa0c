import { RequestMethod } from '@nestjs/common';
import { INTERCEPTORS_METADATA, METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IDEMPOTENCY_APPLIED } from './idempotent-request';

/** Every controller class of the API, with its POST handlers. */
function postRoutes(): { route: string; handler: object }[] {
  const root = join(__dirname, '..');
  const files = readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.controller.ts'));
  const routes: { route: string; handler: object }[] = [];
  for (const file of files) {
    for (const exported of Object.values(require(join(root, file)) as Record<string, unknown>)) {
      if (typeof exported !== 'function' || !Reflect.hasMetadata(PATH_METADATA, exported)) continue;
      const prototype = exported.prototype as Record<string, object>;
      for (const name of Object.getOwnPropertyNames(prototype)) {
        const handler = prototype[name];
        if (typeof handler === 'function' && Reflect.getMetadata(METHOD_METADATA, handler) === RequestMethod.POST) {
          routes.push({ route: `${exported.name}.${name}`, handler });
        }
      }
    }
  }
  return routes;
}

describe('POST routes and the Idempotency-Key', () => {
  const routes = postRoutes();

  it('finds the POST routes', () => {
    expect(routes.map(({ route }) => route)).toEqual(expect.arrayContaining(['MessagesController.create', 'ApplicationsController.create', 'EndpointsController.rotateSecret']));
  });

  it('has every POST route say where its Idempotency-Key is applied: in the message intake, or by the interceptor', () => {
    const unmarked = routes.filter(({ handler }) => !['intake', 'interceptor'].includes(Reflect.getMetadata(IDEMPOTENCY_APPLIED, handler)));
    expect(unmarked.map(({ route }) => route)).toEqual([]);
  });

  it('puts the interceptor on exactly the routes that rely on it', () => {
    for (const { route, handler } of routes) {
      const intercepted = ((Reflect.getMetadata(INTERCEPTORS_METADATA, handler) ?? []) as unknown[]).includes(IdempotencyInterceptor);
      expect({ route, intercepted }).toEqual({ route, intercepted: Reflect.getMetadata(IDEMPOTENCY_APPLIED, handler) === 'interceptor' });
    }
  });
});
