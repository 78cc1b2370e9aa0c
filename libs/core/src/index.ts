export * from './ids';
export * from './duration';
export * from './retry-policy';
export * from './retry-after';
export * from './signing';
export * from './subscription';
export * from './delivery-state';
export * from './idem-error';
