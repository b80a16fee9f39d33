/**
 * The tool's exit codes, so scripts and CI can branch on the outcome without parsing output.
 * 0: everything compliant or done. 1: the run found (or left) a problem. 2: the command line or an input file is
 * wrong. 3: the run could not complete (credentials, network, a bug), kept apart from 1 so that CI never
 * reads an outage as "non-compliant accounts found", or the reverse.
 */
export const ExitCode = {
  Ok: 0,
  Findings: 1,
  Usage: 2,
  Internal: 3,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * A problem with what the user typed or pointed at. Each line is printed as `error: <line>` and the
 * tool exits 2; never shown with a stack trace, because the fix is in the user's input, not the code.
 */
export class UsageError extends Error {
  readonly lines: readonly string[];

  constructor(lines: string | readonly string[]) {
    const all = typeof lines === 'string' ? [lines] : lines;
    super(all.join('\n'));
    this.name = 'UsageError';
    this.lines = all;
  }
}
