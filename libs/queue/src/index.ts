export * from './delivery-job';
export * from './delivery-queue';
export * from './queue-epoch';
export * from './redis-connection';
export * from './queue.module';
