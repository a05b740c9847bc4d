export * from './embedded';
export * from './migrate';
export * from './pool';
export * from './roles';
export * from './transaction';
