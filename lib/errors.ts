import { formatIssue, type ValidationIssue } from './desired-state';

/**
 * Thrown at synth time when construct props or the example app's config file are invalid.
 *
 * It carries every problem at once (not just the first), so a user fixes the input in one pass;
 * `issues` is the machine-readable list and the message renders one line per issue.
 */
export class ConfigurationError extends Error {
  constructor(
    readonly issues: readonly ValidationIssue[],
    readonly source = 'configuration',
  ) {
    super(`invalid ${source}:\n${issues.map((issue) => `  - ${formatIssue(issue)}`).join('\n')}`);
    this.name = 'ConfigurationError';
  }
}
