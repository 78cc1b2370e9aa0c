export * from './metrics-registry';
export * from './metrics-token.guard';
export * from './prometheus.module';
