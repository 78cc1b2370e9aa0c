export * from './delivery-job';
export * from './delivery-queue';
export * from './redis-connection';
export * from './queue.module';
