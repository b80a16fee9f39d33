/**
 * The run report for a person at a terminal. The default view is a summary a 300-account run fits
 * on one screen with: totals by status and by credential kind, then one line per account that
 * needs attention, then each distinct cause (a diagnosis, a reason) written once in full with the
 * accounts it applies to. `--details` is the full table: every shown account with its actions.
 */
import {
  ACCOUNT_STATUSES,
  type AccountReport,
  type AccountStatus,
  type CredentialsFound,
  type RunReport,
} from '../engine/types';
import { renderTable, wrapText } from './table';

/** Accounts a person must act on: credentials left in place, work that failed or was not reached. */
const TABLE_MARK = '\u0000table\u0000';

export const ATTENTION_STATUSES: readonly AccountStatus[] = ['non-compliant', 'failed', 'deferred'];

export interface RunTableOptions {
  readonly width: number;
  readonly details?: boolean;
  /** Only accounts with these statuses are listed (the totals always count every account). */
  readonly statuses?: readonly AccountStatus[];
}

/** "5 accounts: 2 compliant, 1 remediated (dry run: nothing was changed)": the line a human reads first. */
export function summaryLine(report: RunReport): string {
  const parts = ACCOUNT_STATUSES.filter((status) => (report.summary[status] ?? 0) > 0).map(
    (status) => `${report.summary[status]} ${status}`,
  );
  const total = report.summary.total;
  const head = `${total} account${total === 1 ? '' : 's'}${parts.length > 0 ? `: ${parts.join(', ')}` : ''}`;
  return report.dryRun ? `${head} (dry run: nothing was changed)` : head;
}

/** "root credentials in 3 accounts: 2 passwords, 1 access key" over what the run found. */
export function credentialsLine(accounts: readonly AccountReport[]): string {
  const audited = accounts.filter((account) => account.credentials !== undefined);
  const holding = audited.filter((account) => holds(account.credentials));
  if (audited.length === 0) {
    return 'root credentials: no account was audited';
  }
  if (holding.length === 0) {
    return `root credentials: none found in ${audited.length} audited account${audited.length === 1 ? '' : 's'}`;
  }
  const sum = (pick: (credentials: CredentialsFound) => number): number =>
    holding.reduce((total, account) => total + (account.credentials ? pick(account.credentials) : 0), 0);
  const kinds = [
    ...counted(
      sum((c) => (c.password ? 1 : 0)),
      'password',
    ),
    ...counted(
      sum((c) => c.accessKeys),
      'access key',
    ),
    ...counted(
      sum((c) => c.signingCertificates),
      'signing certificate',
    ),
    ...counted(
      sum((c) => c.mfaDevices),
      'MFA device',
    ),
  ];
  return `root credentials found in ${holding.length} of ${audited.length} audited account${audited.length === 1 ? '' : 's'}: ${kinds.join(', ')}`;
}

/** "actions: 12 done, 1 failed" (enforce), "actions: 9 planned" (dry run); undefined when none. */
export function actionsLine(accounts: readonly AccountReport[]): string | undefined {
  const counts = new Map<string, number>();
  for (const account of accounts) {
    for (const action of account.actions) counts.set(action.outcome, (counts.get(action.outcome) ?? 0) + 1);
  }
  if (counts.size === 0) return undefined;
  const order = ['done', 'already-gone', 'planned', 'warning', 'failed'];
  return `actions: ${order
    .filter((outcome) => counts.has(outcome))
    .map((outcome) => `${counts.get(outcome)} ${outcome}`)
    .join(', ')}`;
}

function holds(credentials: CredentialsFound | undefined): boolean {
  return (
    credentials !== undefined &&
    (credentials.password ||
      credentials.accessKeys + credentials.signingCertificates + credentials.mfaDevices > 0)
  );
}

function counted(count: number, noun: string): string[] {
  return count > 0 ? [`${count} ${noun}${count === 1 ? '' : 's'}`] : [];
}

/** Compact credentials for one line: "password, 2 keys, 1 cert, 1 MFA". */
export function shortCredentials(credentials: CredentialsFound | undefined): string {
  if (credentials === undefined) return '-';
  const parts = [
    ...(credentials.password ? ['password'] : []),
    ...(credentials.accessKeys > 0
      ? [`${credentials.accessKeys} key${credentials.accessKeys === 1 ? '' : 's'}`]
      : []),
    ...(credentials.signingCertificates > 0
      ? [`${credentials.signingCertificates} cert${credentials.signingCertificates === 1 ? '' : 's'}`]
      : []),
    ...(credentials.mfaDevices > 0 ? [`${credentials.mfaDevices} MFA`] : []),
  ];
  return parts.length > 0 ? parts.join(', ') : 'none';
}

/** What explains an account's status: its error, reason and warnings, in that order. */
export function accountNotes(account: AccountReport): string[] {
  return [
    ...(account.reason !== undefined ? [account.reason] : []),
    ...(account.error !== undefined ? [`error: ${account.error}`] : []),
    ...(account.warnings ?? []).map((warning) => `warning: ${warning}`),
  ];
}

export function selectAccounts(
  accounts: readonly AccountReport[],
  statuses: readonly AccountStatus[] | undefined,
): AccountReport[] {
  return statuses === undefined
    ? [...accounts]
    : accounts.filter((account) => statuses.includes(account.status));
}

export function runReportTable(report: RunReport, options: RunTableOptions): string {
  const head = [summaryLine(report), credentialsLine(report.accounts)];
  const actions = actionsLine(report.accounts);
  if (actions !== undefined) head.push(actions);
  return options.details === true ? detailsView(report, head, options) : summaryView(report, head, options);
}

function summaryView(report: RunReport, head: string[], options: RunTableOptions): string {
  const statuses = options.statuses ?? ATTENTION_STATUSES;
  const shown = selectAccounts(report.accounts, statuses);
  const out = [...head, ''];
  if (shown.length === 0) {
    out.push(
      options.statuses === undefined
        ? 'No account needs attention.'
        : `No account is ${statuses.join(' or ')}.`,
    );
  } else {
    const title =
      options.statuses === undefined
        ? `Needs attention: ${shown.length} of ${report.summary.total} accounts`
        : `${statuses.join(', ')}: ${shown.length} of ${report.summary.total} accounts`;
    // The same diagnosis often fails a whole OU: write it once, numbered, and point at it.
    const causes = new Map<string, string[]>();
    for (const account of shown) {
      const note = accountNotes(account).join(' ');
      if (note !== '') causes.set(note, [...(causes.get(note) ?? []), account.accountId]);
    }
    const numbers = new Map([...causes.keys()].map((note, index) => [note, index + 1]));
    const rows = shown.map((account) => {
      const note = accountNotes(account).join(' ');
      const cause = note === '' ? '' : `cause ${numbers.get(note)}`;
      const credentials = account.credentials === undefined ? '' : shortCredentials(account.credentials);
      return [
        account.accountId,
        account.accountName ?? '',
        account.status,
        [credentials, cause].filter((part) => part !== '').join('; '),
      ];
    });
    out.push(
      title,
      TABLE_MARK +
        renderTable(
          [
            { title: 'Account', whole: true },
            { title: 'Name', oneLine: true, yieldsFirst: true },
            { title: 'Status', whole: true },
            { title: 'Credentials / cause', oneLine: true },
          ],
          rows,
          options.width,
        ),
    );
    if (causes.size > 0) {
      out.push('', 'Causes:');
      for (const [note, accounts] of causes) {
        const who =
          accounts.length === 1 ? accounts[0] : `${accounts.length} accounts (${listed(accounts, 3)})`;
        const lines = wrapText(`${numbers.get(note)}. ${who}: ${note}`, Math.max(20, options.width - 3));
        out.push(...lines.map((line, index) => (index === 0 ? line : `   ${line}`)));
      }
    }
  }
  const hidden = report.summary.total - shown.length;
  if (hidden > 0) {
    out.push(
      '',
      `${hidden} other account${hidden === 1 ? '' : 's'} not listed: --status STATUS,... to choose, --details for every account and action, --output json or html for everything`,
    );
  }
  // Text lines wrap to the width; the table is already fitted.
  const lines = out.flatMap((line) =>
    line.startsWith(TABLE_MARK) ? [line.slice(TABLE_MARK.length)] : wrapText(line, options.width),
  );
  return `${lines.join('\n')}\n`;
}

function detailsView(report: RunReport, head: string[], options: RunTableOptions): string {
  const shown = selectAccounts(report.accounts, options.statuses);
  const rows = shown.map((account) => [
    account.accountName ? `${account.accountId}\n(${account.accountName})` : account.accountId,
    account.status,
    describeCredentials(account.credentials),
    account.actions.map(describeAction).join('\n'),
    accountNotes(account).join('\n'),
  ]);
  const body =
    rows.length > 0
      ? renderTable(
          [
            { title: 'Account', min: 12 },
            { title: 'Status', whole: true },
            { title: 'Credentials' },
            { title: 'Actions' },
            { title: 'Reason / error' },
          ],
          rows,
          options.width,
        )
      : `No account is ${(options.statuses ?? []).join(' or ')}.`;
  // Totals first to read, and again under a table that may be longer than the screen.
  return `${[...head.flatMap((line) => wrapText(line, options.width)), body, summaryLine(report)].join('\n')}\n`;
}

function listed(ids: readonly string[], first: number): string {
  return ids.length <= first
    ? ids.join(', ')
    : `${ids.slice(0, first).join(', ')} and ${ids.length - first} more`;
}

export function describeCredentials(credentials: CredentialsFound | undefined): string {
  if (credentials === undefined) {
    return '-';
  }
  const parts = [
    ...(credentials.password ? ['password'] : []),
    ...counted(credentials.accessKeys, 'access key'),
    ...counted(credentials.signingCertificates, 'signing certificate'),
    ...counted(credentials.mfaDevices, 'MFA device'),
  ];
  return parts.length > 0 ? parts.join(', ') : 'none';
}

export function describeAction(action: AccountReport['actions'][number]): string {
  const target = action.target !== undefined ? ` ${action.target}` : '';
  const detail = action.detail !== undefined ? ` (${action.detail})` : '';
  return `${action.kind}${target}: ${action.outcome}${detail}`;
}
