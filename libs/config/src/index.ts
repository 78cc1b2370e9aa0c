export * from './idem-config';
export * from './idem-config.module';
export * from './log-redaction';
export * from './startup-quiet-logger';
export * from './redis-target';
