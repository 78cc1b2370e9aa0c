import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { RequestWithWebhook } from './idem-webhook.interceptor';

/**
 * The verified `WebhookDelivery`, in a route behind `IdemWebhookInterceptor`.
 *
 * @example
 * async receive(@IdemDelivery() delivery: WebhookDelivery<OrderPaid>) { ... }
 */
export const IdemDelivery = createParamDecorator(
  (_: unknown, context: ExecutionContext) => context.switchToHttp().getRequest<RequestWithWebhook<unknown>>().idemWebhook?.delivery,
);

/**
 * The `PostgresInbox` transaction (a `pg` PoolClient or TypeORM EntityManager) the route's writes must
 * use to commit with the dedup record, in a route behind `IdemWebhookInterceptor`.
 *
 * @example
 * async receive(@IdemDelivery() delivery: WebhookDelivery, @IdemTransaction() manager: EntityManager) { ... }
 */
export const IdemTransaction = createParamDecorator(
  (_: unknown, context: ExecutionContext) => context.switchToHttp().getRequest<RequestWithWebhook<unknown>>().idemWebhook?.transaction,
);
