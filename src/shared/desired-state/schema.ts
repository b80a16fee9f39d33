/**
 * The desired-state document: what the reconciler must make true in the organization.
 *
 * It is read by the cdktf app (synth time), by the reconciler Lambda (run time) and by the
 * `root-access` command-line tool, so this folder imports neither cdktf nor the AWS SDK.
 */

/** The four kinds of long-term root credential the reconciler can remove. */
export const CREDENTIAL_KINDS = ['password', 'accessKeys', 'signingCertificates', 'mfaDevices'] as const;
export type CredentialKind = (typeof CREDENTIAL_KINDS)[number];

export const MODES = ['audit', 'enforce'] as const;
export type Mode = (typeof MODES)[number];

export const ACCOUNT_ID_PATTERN = /^\d{12}$/;
/** Organizations' own pattern for OU ids (ListAccountsForParent `ParentId`). */
export const OU_ID_PATTERN = /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/;
/** Organizations' own pattern for root ids. */
export const ROOT_ID_PATTERN = /^r-[0-9a-z]{4,32}$/;

export const DEFAULT_CONCURRENCY = 10;
export const MAX_CONCURRENCY = 100;
/** How far ahead a break-glass window may end by default: an exemption is time-boxed, not permanent. */
export const DEFAULT_MAX_BREAK_GLASS_DAYS = 30;
/** The highest `maxBreakGlassDays` accepted; past a year an exemption is an exclusion. */
export const MAX_BREAK_GLASS_DAYS_LIMIT = 365;

/** Which member accounts the reconciler looks after. */
export interface Targets {
  /**
   * Every member account of the organization.
   * @default false
   */
  readonly allAccounts?: boolean;
  /**
   * Member accounts by 12-digit id.
   * @default - none
   */
  readonly accountIds?: readonly string[];
  /**
   * Organizational units (`ou-...`); every account in the OU and in all OUs below it is a target.
   * @default - none
   */
  readonly organizationalUnitIds?: readonly string[];
}

/** Accounts the reconciler must never touch, even when a target selects them. */
export interface Exclusions {
  /** @default - none */
  readonly accountIds?: readonly string[];
  /** Every account in these OUs and their descendants is excluded. @default - none */
  readonly organizationalUnitIds?: readonly string[];
}

/** A time-boxed exemption: the account may hold a root password until `until`. */
export interface BreakGlassWindow {
  readonly accountId: string;
  /** ISO 8601 date-time with a zone, e.g. `2026-12-01T18:00:00Z`. After it, the account is an ordinary target again. */
  readonly until: string;
  /** Why the window exists (a ticket, an incident); shown in every report line for the account. */
  readonly reason: string;
}

export interface DesiredState {
  readonly targets: Targets;
  /** @default - nothing excluded */
  readonly exclusions?: Exclusions;
  /** @default - no break-glass windows */
  readonly breakGlass?: readonly BreakGlassWindow[];
  /**
   * `audit` only reads and reports; `enforce` removes the credentials it finds.
   * @default 'audit'
   */
  readonly mode?: Mode;
  /**
   * With `enforce`: plan the removals and report them, change nothing.
   * @default false
   */
  readonly dryRun?: boolean;
  /**
   * Which credential kinds count as non-compliant and are removed.
   * @default - all four: password, accessKeys, signingCertificates, mfaDevices
   */
  readonly credentialKinds?: readonly CredentialKind[];
  /**
   * How many accounts are worked on at once.
   * @default 10
   */
  readonly concurrency?: number;
  /**
   * How many days ahead a break-glass window's `until` may be; a later one is an error.
   * @default 30
   */
  readonly maxBreakGlassDays?: number;
  /**
   * EventBridge Scheduler expression for drift reconciliation (`rate(12 hours)`, `cron(0 3 * * ? *)`).
   * Read by the enforcer construct; the engine ignores it.
   * @default - no schedule
   */
  readonly schedule?: string;
  /**
   * The organization's management account, when known at synth time, so that naming it as a
   * target is caught before deployment. The engine always learns it from Organizations.
   * @default - checked at run time only
   */
  readonly managementAccountId?: string;
}

/**
 * What the engine works from: a desired state with every default filled in, and nothing else.
 * The engine's signatures take this type, so it cannot read a deployment setting.
 */
export interface EngineDesiredState {
  readonly targets: Required<{ [K in keyof Targets]: NonNullable<Targets[K]> }>;
  readonly exclusions: Required<{ [K in keyof Exclusions]: NonNullable<Exclusions[K]> }>;
  readonly breakGlass: readonly BreakGlassWindow[];
  readonly mode: Mode;
  readonly dryRun: boolean;
  readonly credentialKinds: readonly CredentialKind[];
  readonly concurrency: number;
  readonly maxBreakGlassDays: number;
}

/**
 * The fields of the same document that configure the deployment, not the run: the enforcer's
 * schedule, and the management account for synth-time checks (and the Lambda's event filter).
 * The engine never reads them; it learns the management account from Organizations.
 */
export interface DeploymentSettings {
  readonly schedule?: string;
  readonly managementAccountId?: string;
}

export const DEPLOYMENT_SETTING_KEYS = [
  'schedule',
  'managementAccountId',
] as const satisfies readonly (keyof DeploymentSettings)[];

/** The validated document as a whole: the engine's part and the deployment settings. */
export interface ResolvedDesiredState extends EngineDesiredState, DeploymentSettings {}
