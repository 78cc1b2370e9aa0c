export * from './intake-request';
export * from './intake.module';
export * from './message-intake';
export * from './saga-messages';
