/**
 * Idem's SDK. `@idem/sdk/emitter` is the producer's side (idempotency keys, outbox, relay, ingest
 * client); `@idem/sdk/receiver` the consumer's (verification, dedup stores, inbox, version guard,
 * Express middleware); `@idem/sdk/nestjs` the NestJS interceptor. This entry point re-exports the first two.
 */
export * from './emitter';
export * from './receiver';
