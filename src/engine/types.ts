/**
 * The engine's public contract: what the reconciler Lambda and the `root-access` command-line
 * tool call, and the report they both return. No cdktf here, and no SDK types leak out.
 */
import type { CredentialKind, EngineDesiredState } from '../shared/desired-state';

export const ACCOUNT_STATUSES = [
  'compliant',
  'remediated',
  'non-compliant',
  'excluded',
  'break-glass',
  'skipped',
  'failed',
  'deferred',
] as const;
/**
 * - `compliant`: no root credential of the kinds looked for.
 * - `remediated`: credentials were found and removed (or, in dry-run, would be: see `planned`).
 * - `non-compliant`: credentials found and left in place (audit mode, or dry-run).
 * - `excluded`: selected by a target but excluded; never called.
 * - `break-glass`: inside a declared break-glass window; audited, never changed.
 * - `skipped`: not attempted: the management account, a suspended/closed account, an id not in the organization.
 * - `failed`: attempted and could not be made compliant; `error` says why.
 * - `deferred`: not reached before the deadline; the caller continues it in a further run.
 */
export type AccountStatus = (typeof ACCOUNT_STATUSES)[number];

/** What was found on the root user. Counts, never secrets or ids of secrets. */
export interface CredentialsFound {
  readonly password: boolean;
  readonly accessKeys: number;
  readonly signingCertificates: number;
  readonly mfaDevices: number;
}

/** One change made (or planned, in dry-run) to an account's root user. */
export interface AccountAction {
  readonly kind:
    | 'delete-login-profile'
    | 'delete-access-key'
    | 'delete-signing-certificate'
    | 'deactivate-mfa-device'
    | 'delete-virtual-mfa-device'
    | 'create-login-profile'
    | 'delete-bucket-policy'
    | 'remove-queue-policy';
  /** The credential acted on: access key id, certificate id or MFA serial (identifiers, not secrets). */
  readonly target?: string;
  /** `done`, `planned` (dry-run), `already-gone` (idempotent success), `warning` (tolerated denial), `failed`. */
  readonly outcome: 'done' | 'planned' | 'already-gone' | 'warning' | 'failed';
  readonly detail?: string;
}

export interface AccountReport {
  readonly accountId: string;
  readonly accountName?: string;
  readonly status: AccountStatus;
  /** Absent when the account was not audited (excluded, skipped, deferred, or failed before the audit). */
  readonly credentials?: CredentialsFound;
  readonly actions: readonly AccountAction[];
  /** Why a skipped/excluded/break-glass account was treated so (e.g. "suspended", "break-glass until ... (INC-42)"). */
  readonly reason?: string;
  /** A human diagnosis, e.g. "AccessDenied by service control policy p-abc (AWS-GR_RESTRICT_ROOT_USER) on ou-...: it denies arn:aws:iam::*:root without exempting aws:AssumedRoot". */
  readonly error?: string;
  readonly warnings?: readonly string[];
  /**
   * Root id, then OU ids down to the account's parent, where the run read them (a walk of the tree
   * always does; a run over a few account ids only when OU targets or exclusions needed them).
   */
  readonly organizationalUnitPath?: readonly string[];
}

export type StatusCounts = Record<AccountStatus, number>;

export interface RunSummary extends StatusCounts {
  readonly total: number;
}

export interface RunReport {
  readonly mode: 'audit' | 'enforce';
  readonly dryRun: boolean;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly summary: RunSummary;
  readonly accounts: readonly AccountReport[];
  /** Problems with the desired state against the live organization (unknown OU, expired break-glass window, ...). */
  readonly warnings: readonly string[];
}

export interface RunOptions {
  /** Epoch milliseconds; no account is started after `deadline - safetyMarginMs`. Remaining ones are `deferred`. */
  readonly deadline?: number;
  /** Time kept in reserve for an account in flight to finish. @default 60_000 */
  readonly safetyMarginMs?: number;
  /** Restrict the run to these accounts (a continuation, or an organization event for one account). */
  readonly onlyAccountIds?: readonly string[];
  /**
   * Called after each account finishes (progress bars, metrics). `total` is the number of accounts
   * known so far: accounts stream in while Organizations is still being listed, so it can grow.
   */
  readonly onAccountDone?: (report: AccountReport, done: number, total: number) => void;
  /** Clock, for break-glass expiry. @default - now */
  readonly now?: () => Date;
  /**
   * Once aborted, no further account is started: the ones in flight finish and the rest are reported
   * `deferred` (the command-line tool aborts it on SIGINT/SIGTERM).
   */
  readonly signal?: AbortSignal;
}

export interface PreflightCheck {
  readonly name: string;
  readonly ok: boolean;
  /** What was found, and for a failure, how to fix it. */
  readonly detail: string;
  /** Accounts this check blocks (e.g. the accounts under an OU whose SCP denies root sessions). */
  readonly blockedAccountIds?: readonly string[];
}

export interface PreflightReport {
  readonly ok: boolean;
  readonly checks: readonly PreflightCheck[];
}

/** The result of a one-off root task (allow recovery, unlock a bucket or queue policy). */
export interface TaskResult {
  readonly accountId: string;
  readonly ok: boolean;
  readonly actions: readonly AccountAction[];
  readonly error?: string;
}

/** Structured log sink; the Lambda passes Powertools' Logger, the CLI a stderr logger. Never given secrets. */
export interface EngineLogger {
  debug(message: string, attributes?: Record<string, unknown>): void;
  info(message: string, attributes?: Record<string, unknown>): void;
  warn(message: string, attributes?: Record<string, unknown>): void;
  error(message: string, attributes?: Record<string, unknown>): void;
}

export interface EngineOptions {
  /** @default - from the SDK's standard configuration (AWS_REGION, profile), else us-east-1 */
  readonly region?: string;
  /** Caller credentials; @default - the SDK's default provider chain (env, profile, role). */
  readonly credentials?: import('@smithy/types').AwsCredentialIdentityProvider;
  /** SDK attempts per call (adaptive retry). @default 8 */
  readonly maxAttempts?: number;
  readonly logger?: EngineLogger;
  /**
   * The organization's management account, when the caller knows it, so that root tasks refuse it
   * without a call to Organizations.
   * @default - read once with DescribeOrganization
   */
  readonly managementAccountId?: string;
}

export interface Engine {
  /** Audit or enforce the desired state over the organization; every targeted account ends in the report. */
  run(desired: EngineDesiredState, options?: RunOptions): Promise<RunReport>;
  /** Organization prerequisites and the SCPs on every targeted account's path, before anything runs. */
  preflight(desired: EngineDesiredState): Promise<PreflightReport>;
  /** Opens an IAMCreateRootUserPassword session and calls CreateLoginProfile, so the root email holder can reset the password. */
  allowRecovery(accountId: string): Promise<TaskResult>;
  unlockS3BucketPolicy(accountId: string, bucketName: string): Promise<TaskResult>;
  unlockSqsQueuePolicy(accountId: string, queueUrl: string): Promise<TaskResult>;
}

export type { CredentialKind };
