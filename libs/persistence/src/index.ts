export * from './constraint-names';
export * from './entities';
export * from './repositories';
export * from './data-source-options';
export * from './database-setup';
export * from './persistence.module';
export * from './unit-of-work';
export * from './migrations';
