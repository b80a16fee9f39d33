import { ValidationError, type ValidationIssue } from '../shared/desired-state';

/**
 * Thrown at synth time when construct props or the example app's config file are invalid.
 */
export class ConfigurationError extends ValidationError {
  constructor(issues: readonly ValidationIssue[], source = 'configuration') {
    super(issues, source);
    this.name = 'ConfigurationError';
  }
}
