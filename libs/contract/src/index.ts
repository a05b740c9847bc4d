export * from './errors';
export * from './commands';
export * from './views';
export * from './budget.commands';
export * from './share.commands';
export * from './fields';
