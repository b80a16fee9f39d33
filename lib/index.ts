export * from './centralized-root-access';
export * from './desired-state';
export * from './errors';
export * from './provider-versions';
export * from './root-restriction-policy';
export * from './enforcer/policy';
export * from './root-credentials-enforcer';
export * from './root-tasks';
