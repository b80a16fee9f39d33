/**
 * Output formatters: pure functions from an engine report to the text printed on stdout, so every
 * format is tested without AWS. Credentials are counts in the reports; nothing here can print a secret.
 */
import Table from 'cli-table3';

import {
  ACCOUNT_STATUSES,
  type AccountAction,
  type AccountReport,
  type CredentialsFound,
  type PreflightReport,
  type RunReport,
  type RunSummary,
  type TaskResult,
} from '../engine/types';

export const OUTPUT_FORMATS = ['table', 'json', 'csv', 'markdown'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

// ---------------------------------------------------------------------------------------------
// Run reports (audit, enforce)

export interface FormatOptions {
  /** Table width in characters; the widest columns wrap to fit. @default 160 */
  readonly width?: number;
}

const DEFAULT_WIDTH = 160;

export function formatRunReport(
  report: RunReport,
  format: OutputFormat,
  options: FormatOptions = {},
): string {
  switch (format) {
    case 'json':
      return `${JSON.stringify(runReportJson(report), null, 2)}\n`;
    case 'csv':
      return runReportCsv(report);
    case 'markdown':
      return runReportMarkdown(report);
    case 'table':
      return runReportTable(report, options.width ?? DEFAULT_WIDTH);
  }
}

/** The report as documented for scripts: totals, then one entry per account, every key always present. */
export function runReportJson(report: RunReport): Record<string, unknown> {
  return {
    mode: report.mode,
    dryRun: report.dryRun,
    startedAt: report.startedAt,
    finishedAt: report.finishedAt,
    summary: orderedSummary(report.summary),
    accounts: report.accounts.map((account) => ({
      accountId: account.accountId,
      ...(account.accountName !== undefined ? { accountName: account.accountName } : {}),
      status: account.status,
      // null rather than absent: the account was not audited (excluded, skipped), which differs from "none found".
      credentials:
        account.credentials === undefined
          ? null
          : {
              password: account.credentials.password,
              accessKeys: account.credentials.accessKeys,
              signingCertificates: account.credentials.signingCertificates,
              mfaDevices: account.credentials.mfaDevices,
            },
      actions: account.actions.map((action) => ({
        kind: action.kind,
        ...(action.target !== undefined ? { target: action.target } : {}),
        outcome: action.outcome,
        ...(action.detail !== undefined ? { detail: action.detail } : {}),
      })),
      ...(account.reason !== undefined ? { reason: account.reason } : {}),
      ...(account.error !== undefined ? { error: account.error } : {}),
      ...(account.warnings !== undefined && account.warnings.length > 0
        ? { warnings: account.warnings }
        : {}),
    })),
    warnings: report.warnings,
  };
}

const CSV_HEADER = [
  'accountId',
  'accountName',
  'status',
  'password',
  'accessKeys',
  'signingCertificates',
  'mfaDevices',
  'actions',
  'reason',
  'error',
  'warnings',
];

function runReportCsv(report: RunReport): string {
  const rows = report.accounts.map((account) => [
    account.accountId,
    account.accountName ?? '',
    account.status,
    account.credentials === undefined ? '' : String(account.credentials.password),
    account.credentials === undefined ? '' : String(account.credentials.accessKeys),
    account.credentials === undefined ? '' : String(account.credentials.signingCertificates),
    account.credentials === undefined ? '' : String(account.credentials.mfaDevices),
    account.actions.map(describeAction).join('; '),
    account.reason ?? '',
    account.error ?? '',
    (account.warnings ?? []).join('; '),
  ]);
  return toCsv([CSV_HEADER, ...rows]);
}

function runReportMarkdown(report: RunReport): string {
  const lines = [
    '| Account | Status | Credentials | Actions | Reason / error |',
    '| --- | --- | --- | --- | --- |',
    ...report.accounts.map(
      (account) =>
        `| ${[
          accountLabel(account, ' '),
          account.status,
          describeCredentials(account.credentials),
          account.actions.length === 0 ? '' : account.actions.map(describeAction).join('\n'),
          notes(account).join('\n'),
        ]
          .map(escapeMarkdownCell)
          .join(' | ')} |`,
    ),
    '',
    `**${summaryLine(report)}**`,
  ];
  if (report.warnings.length > 0) {
    lines.push('', ...report.warnings.map((warning) => `- warning: ${escapeMarkdownText(warning)}`));
  }
  return `${lines.join('\n')}\n`;
}

function runReportTable(report: RunReport, width: number): string {
  const rows = report.accounts.map((account) => [
    accountLabel(account, '\n'),
    account.status,
    describeCredentials(account.credentials),
    account.actions.map(describeAction).join('\n'),
    notes(account).join('\n'),
  ]);
  const body =
    rows.length > 0
      ? `${renderTable(['Account', 'Status', 'Credentials', 'Actions', 'Reason / error'], rows, width, [2, 3, 4])}\n`
      : '';
  return `${body}${summaryLine(report)}\n`;
}

/** "5 accounts: 2 compliant, 1 remediated (dry run: nothing was changed)": the line a human reads first. */
export function summaryLine(report: RunReport): string {
  const summary = orderedSummary(report.summary);
  const parts = ACCOUNT_STATUSES.filter((status) => summary[status] > 0).map(
    (status) => `${summary[status]} ${status}`,
  );
  const head = `${summary.total} account${summary.total === 1 ? '' : 's'}${parts.length > 0 ? `: ${parts.join(', ')}` : ''}`;
  return report.dryRun ? `${head} (dry run: nothing was changed)` : head;
}

function orderedSummary(summary: RunSummary): RunSummary {
  const counts = Object.fromEntries(ACCOUNT_STATUSES.map((status) => [status, summary[status] ?? 0]));
  return { ...(counts as Record<(typeof ACCOUNT_STATUSES)[number], number>), total: summary.total };
}

function accountLabel(account: AccountReport, separator: string): string {
  return account.accountName ? `${account.accountId}${separator}(${account.accountName})` : account.accountId;
}

function notes(account: AccountReport): string[] {
  return [
    ...(account.reason !== undefined ? [account.reason] : []),
    ...(account.error !== undefined ? [`error: ${account.error}`] : []),
    ...(account.warnings ?? []).map((warning) => `warning: ${warning}`),
  ];
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

function counted(count: number, noun: string): string[] {
  return count > 0 ? [`${count} ${noun}${count === 1 ? '' : 's'}`] : [];
}

export function describeAction(action: AccountAction): string {
  const target = action.target !== undefined ? ` ${action.target}` : '';
  const detail = action.detail !== undefined ? ` (${action.detail})` : '';
  return `${action.kind}${target}: ${action.outcome}${detail}`;
}

// ---------------------------------------------------------------------------------------------
// Preflight

export function formatPreflight(
  report: PreflightReport,
  format: OutputFormat,
  options: FormatOptions = {},
): string {
  const failed = report.checks.filter((check) => !check.ok).length;
  const verdict = report.ok
    ? `preflight passed: ${report.checks.length} check${report.checks.length === 1 ? '' : 's'} ok`
    : `preflight failed: ${failed} of ${report.checks.length} checks failed`;
  switch (format) {
    case 'json':
      return `${JSON.stringify(
        {
          ok: report.ok,
          checks: report.checks.map((check) => ({
            name: check.name,
            ok: check.ok,
            detail: check.detail,
            blockedAccountIds: check.blockedAccountIds ?? [],
          })),
        },
        null,
        2,
      )}\n`;
    case 'csv':
      return toCsv([
        ['check', 'result', 'detail', 'blockedAccountIds'],
        ...report.checks.map((check) => [
          check.name,
          check.ok ? 'ok' : 'FAIL',
          check.detail,
          (check.blockedAccountIds ?? []).join(' '),
        ]),
      ]);
    case 'markdown':
      return `${[
        '| Check | Result | Detail | Blocked accounts |',
        '| --- | --- | --- | --- |',
        ...report.checks.map(
          (check) =>
            `| ${[
              check.name,
              check.ok ? 'ok' : 'FAIL',
              check.detail,
              (check.blockedAccountIds ?? []).join(', '),
            ]
              .map(escapeMarkdownCell)
              .join(' | ')} |`,
        ),
        '',
        `**${verdict}**`,
      ].join('\n')}\n`;
    case 'table': {
      const rows = report.checks.map((check) => [
        check.name,
        check.ok ? 'ok' : 'FAIL',
        check.detail,
        (check.blockedAccountIds ?? []).join('\n'),
      ]);
      const table = renderTable(
        ['Check', 'Result', 'Detail', 'Blocked accounts'],
        rows,
        options.width ?? DEFAULT_WIDTH,
        [2],
      );
      return `${table}\n${verdict}\n`;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// One-off root tasks (allow-recovery, unlock-s3-bucket-policy, unlock-sqs-queue-policy)

export function formatTaskResult(
  task: string,
  result: TaskResult,
  format: OutputFormat,
  options: FormatOptions = {},
): string {
  const verdict = `${task} on ${result.accountId}: ${result.ok ? 'done' : 'FAILED'}`;
  switch (format) {
    case 'json':
      return `${JSON.stringify(
        {
          task,
          accountId: result.accountId,
          ok: result.ok,
          actions: result.actions,
          ...(result.error !== undefined ? { error: result.error } : {}),
        },
        null,
        2,
      )}\n`;
    case 'csv':
      return toCsv([
        ['task', 'accountId', 'result', 'actions', 'error'],
        [
          task,
          result.accountId,
          result.ok ? 'ok' : 'FAIL',
          result.actions.map(describeAction).join('; '),
          result.error ?? '',
        ],
      ]);
    case 'markdown':
      return `${[
        '| Task | Account | Result | Actions | Error |',
        '| --- | --- | --- | --- | --- |',
        `| ${[
          task,
          result.accountId,
          result.ok ? 'ok' : 'FAIL',
          result.actions.map(describeAction).join('\n'),
          result.error ?? '',
        ]
          .map(escapeMarkdownCell)
          .join(' | ')} |`,
        '',
        `**${verdict}**`,
      ].join('\n')}\n`;
    case 'table': {
      const row = [
        task,
        result.accountId,
        result.ok ? 'ok' : 'FAIL',
        result.actions.map(describeAction).join('\n'),
        result.error ?? '',
      ];
      const table = renderTable(
        ['Task', 'Account', 'Result', 'Actions', 'Error'],
        [row],
        options.width ?? DEFAULT_WIDTH,
        [3, 4],
      );
      return `${table}\n${verdict}\n`;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Encodings

/** RFC 4180: CRLF between records; a field holding a comma, quote, CR or LF is quoted, quotes doubled. */
export function toCsv(rows: readonly (readonly string[])[]): string {
  return rows.map((row) => row.map(csvField).join(',')).join('\r\n') + '\r\n';
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** A table cell holds one line and ends at an unescaped `|`; line breaks become `<br>`. */
export function escapeMarkdownCell(value: string): string {
  return escapeMarkdownText(value).replace(/\r?\n/g, '<br>');
}

function escapeMarkdownText(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\|/g, '\\|');
}

function renderTable(head: string[], rows: string[][], width: number, flexible: readonly number[]): string {
  // No colours: output is often piped or pasted into tickets, and escape codes would corrupt both.
  const table = new Table({
    head,
    style: { head: [], border: [] },
    wordWrap: true,
    wrapOnWordBoundary: true,
    colWidths: fitColumns(head, rows, width, flexible),
  });
  table.push(...rows);
  return table.toString();
}

/**
 * Column widths (padding included) that fit `width`: fixed columns keep their natural width and the
 * flexible ones (free text: actions, errors) share the rest, the narrow ones first so no room is wasted.
 * A flexible column never gets narrower than its longest word, because cli-table3 cuts such a word
 * short, and an ARN or key id must be printed whole even if the table overflows.
 */
export function fitColumns(
  head: readonly string[],
  rows: readonly (readonly string[])[],
  width: number,
  flexible: readonly number[],
): number[] {
  const cells = (column: number): string[] => [head[column] ?? '', ...rows.map((row) => row[column] ?? '')];
  const longest = (texts: string[], separator: RegExp): number =>
    Math.max(0, ...texts.flatMap((text) => text.split(separator).map((part) => part.length)));
  const natural = head.map((_title, column) => longest(cells(column), /\n/) + 2);
  const borders = head.length + 1;
  if (natural.reduce((sum, w) => sum + w, 0) + borders <= width) {
    return natural;
  }
  const fixed = natural.reduce((sum, w, column) => (flexible.includes(column) ? sum : sum + w), 0);
  const widths = [...natural];
  for (const column of flexible) {
    widths[column] = Math.min(natural[column] ?? 0, Math.max(16, longest(cells(column), /\s+/) + 2));
  }
  // Water-fill what is left: the column that needs least is topped up first, the rest share evenly.
  let room = width - fixed - borders - flexible.reduce((sum, column) => sum + (widths[column] ?? 0), 0);
  const byDeficit = [...flexible].sort(
    (a, b) => (natural[a] ?? 0) - (widths[a] ?? 0) - ((natural[b] ?? 0) - (widths[b] ?? 0)),
  );
  byDeficit.forEach((column, index) => {
    const deficit = (natural[column] ?? 0) - (widths[column] ?? 0);
    const grant = Math.max(0, Math.min(deficit, Math.floor(room / (byDeficit.length - index))));
    widths[column] = (widths[column] ?? 0) + grant;
    room -= grant;
  });
  return widths;
}
