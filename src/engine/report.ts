import {
  ACCOUNT_STATUSES,
  type AccountReport,
  type AccountStatus,
  type RunReport,
  type RunSummary,
  type StatusCounts,
} from './types';

/** Totals by status; every status is present, zero or not, so consumers can index without guards. */
export function summarize(accounts: readonly AccountReport[]): RunSummary {
  const counts = Object.fromEntries(ACCOUNT_STATUSES.map((status) => [status, 0])) as StatusCounts;
  for (const account of accounts) counts[account.status] += 1;
  return { ...counts, total: accounts.length };
}

/** Stable order: by account id, so two reports of the same organization diff cleanly. */
export function byAccountId(a: AccountReport, b: AccountReport): number {
  return a.accountId < b.accountId ? -1 : a.accountId > b.accountId ? 1 : 0;
}

/** Statuses a reader must act on: credentials left in place, work that failed or was not reached. */
export const ATTENTION_STATUSES: readonly AccountStatus[] = ['non-compliant', 'failed', 'deferred'];

/**
 * 128 KiB: half of CloudWatch Logs' 256 KiB limit on one log event, so a report logged as one
 * structured line keeps room for the logger's envelope; far under Lambda's 6 MB response, which is
 * what `aws_lambda_invocation.result` (and so Terraform state and output) holds. A full report of
 * 10,000 accounts is about 1.5 MB; its compact form is its totals and the accounts that need attention.
 */
export const COMPACT_REPORT_MAX_BYTES = 128 * 1024;

// A diagnosis can quote a whole SCP; in a compact report one paragraph per account is enough.
const COMPACT_TEXT_MAX = 600;

export interface CredentialTotals {
  /** Accounts holding at least one root credential, as found (before any removal). */
  readonly accounts: number;
  readonly passwords: number;
  readonly accessKeys: number;
  readonly signingCertificates: number;
  readonly mfaDevices: number;
}

export interface CompactReport {
  readonly mode: RunReport['mode'];
  readonly dryRun: boolean;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly summary: RunSummary;
  readonly credentials: CredentialTotals;
  /** `full`: every account is listed; `attention`: only those needing attention (and maybe not all). */
  readonly listing: 'full' | 'attention';
  readonly accounts: readonly AccountReport[];
  /** Accounts left out of `accounts` because the report had to stay under its size. */
  readonly omitted: { readonly accounts: number; readonly needingAttention: number };
  readonly warnings: readonly string[];
}

export function credentialTotals(accounts: readonly AccountReport[]): CredentialTotals {
  let holding = 0;
  let passwords = 0;
  let accessKeys = 0;
  let signingCertificates = 0;
  let mfaDevices = 0;
  for (const { credentials: c } of accounts) {
    if (c === undefined) continue;
    if (c.password || c.accessKeys + c.signingCertificates + c.mfaDevices > 0) holding += 1;
    passwords += c.password ? 1 : 0;
    accessKeys += c.accessKeys;
    signingCertificates += c.signingCertificates;
    mfaDevices += c.mfaDevices;
  }
  return { accounts: holding, passwords, accessKeys, signingCertificates, mfaDevices };
}

/** A diagnosis shortened to one paragraph (the compact report's and the Lambda's error message). */
export function clipDiagnosis(text: string): string {
  return text.length <= COMPACT_TEXT_MAX ? text : `${text.slice(0, COMPACT_TEXT_MAX - 1)}…`;
}

function slim(account: AccountReport): AccountReport {
  return {
    accountId: account.accountId,
    ...(account.accountName !== undefined ? { accountName: account.accountName } : {}),
    status: account.status,
    ...(account.credentials !== undefined ? { credentials: account.credentials } : {}),
    // Identifiers of what was removed stay in the full logs; here, what failed or is still planned.
    actions: account.actions.filter((action) => action.outcome === 'failed' || action.outcome === 'planned'),
    ...(account.reason !== undefined ? { reason: clipDiagnosis(account.reason) } : {}),
    ...(account.error !== undefined ? { error: clipDiagnosis(account.error) } : {}),
    ...(account.warnings !== undefined && account.warnings.length > 0
      ? { warnings: account.warnings.slice(0, 3).map(clipDiagnosis) }
      : {}),
  };
}

const bytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value), 'utf8');

/**
 * The report for places with a size limit (the Lambda's response, Terraform output, one log line):
 * the whole report when it fits in `maxBytes`, else the totals and the accounts that need attention,
 * failed first, as many as fit. Pure: the same report gives the same result.
 */
export function compactReport(report: RunReport, maxBytes: number = COMPACT_REPORT_MAX_BYTES): CompactReport {
  const base = {
    mode: report.mode,
    dryRun: report.dryRun,
    startedAt: report.startedAt,
    finishedAt: report.finishedAt,
    summary: report.summary,
    credentials: credentialTotals(report.accounts),
  };
  const warnings = report.warnings.slice(0, 20).map(clipDiagnosis);
  const full: CompactReport = {
    ...base,
    listing: 'full',
    accounts: report.accounts.map(({ organizationalUnitPath: _path, ...account }) => account),
    omitted: { accounts: 0, needingAttention: 0 },
    warnings,
  };
  if (bytes(full) <= maxBytes) return full;

  // What failed first (someone must fix it), then what was not reached, then what is merely found.
  const order: readonly AccountStatus[] = ['failed', 'deferred', 'non-compliant'];
  const attention = report.accounts
    .filter((account) => order.includes(account.status))
    .sort((a, b) => order.indexOf(a.status) - order.indexOf(b.status) || byAccountId(a, b));
  const empty: CompactReport = {
    ...base,
    listing: 'attention',
    accounts: [],
    omitted: { accounts: report.accounts.length, needingAttention: attention.length },
    warnings,
  };
  // Each entry's size is known up front, so the cut is one pass; a margin covers the omitted counts' digits.
  let budget = maxBytes - bytes(empty) - 32;
  const listed: AccountReport[] = [];
  for (const account of attention) {
    const entry = slim(account);
    const size = bytes(entry) + 1;
    if (size > budget) break;
    budget -= size;
    listed.push(entry);
  }
  return {
    ...empty,
    accounts: listed,
    omitted: {
      accounts: report.accounts.length - listed.length,
      needingAttention: attention.length - listed.length,
    },
  };
}

/**
 * Targets that do not exist: ids the run found not to be members, and OUs it could not find. The
 * engine reports them as `skipped` accounts and run warnings so a run goes on; a CI gate must not
 * read them as success, so callers turn these lines into a finding.
 */
export function missingTargets(report: RunReport): string[] {
  const accounts = report.accounts
    .filter(
      (account) =>
        account.status === 'skipped' && /is not a member of organization/.test(account.reason ?? ''),
    )
    .map(
      (account) =>
        `${account.reason ?? account.accountId}; check the id (root-access audit --all lists the members)`,
    );
  const ous = report.warnings
    .filter((warning) => /organizational unit \S+ was not found in organization/.test(warning))
    .map((warning) => `${warning}; check the OU id (aws organizations list-organizational-units-for-parent)`);
  return [...accounts, ...ous];
}
