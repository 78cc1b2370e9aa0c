export * from './ip-address';
export * from './cidr';
export * from './address-classification';
export * from './target-policy';
