export * from './constructs/centralized-root-access';
export * from './shared/desired-state';
export * from './constructs/errors';
export * from './constructs/provider-versions';
export * from './constructs/root-restriction-policy';
export * from './constructs/enforcer/policy';
export * from './constructs/root-credentials-enforcer';
export * from './shared/root-tasks';
