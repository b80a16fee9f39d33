export * from './schema';
export * from './validate';
export * from './schedule';
export * from './unresolved';
