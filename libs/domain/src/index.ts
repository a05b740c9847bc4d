export * from './events';
export * from './ids';
export * from './run.state';
export * from './run.decide';
export * from './run.reprice';
export * from './events.schema';
export * from './run.share';
