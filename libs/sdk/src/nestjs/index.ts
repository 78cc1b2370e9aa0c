export { IdemDelivery, IdemTransaction } from './idem-webhook.decorators';
export { IdemWebhookInterceptor } from './idem-webhook.interceptor';
export type { IdemWebhookInterceptorOptions, ReceivedWebhook, RequestWithWebhook } from './idem-webhook.interceptor';
