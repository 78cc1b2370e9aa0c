export * from './ip-address';
export * from './cidr';
export * from './address-classification';
export * from './target-resolver';
export * from './target-policy';
