export * from './errors';
export * from './commands';
export * from './views';
export * from './share.commands';
