/**
 * Output formatters: pure functions from an engine report to the text printed on stdout, so every
 * format is tested without AWS. Credentials are counts in the reports; nothing here can print a secret.
 */
import {
  ACCOUNT_STATUSES,
  type AccountReport,
  type AccountStatus,
  type PreflightReport,
  type RunReport,
  type RunSummary,
  type TaskResult,
} from '../engine/types';
import { htmlReport, htmlTablePage, type HtmlContext } from './html';
import {
  accountNotes,
  describeAction,
  describeCredentials,
  runReportTable,
  selectAccounts,
  summaryLine,
} from './run-table';
import { DEFAULT_WIDTH, renderTable } from './table';

export { describeAction, describeCredentials, summaryLine } from './run-table';

export const OUTPUT_FORMATS = ['table', 'json', 'csv', 'markdown', 'html'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

// ---------------------------------------------------------------------------------------------
// Run reports (audit, enforce)

export interface FormatOptions {
  /** Table width in characters: the terminal's. @default 80 */
  readonly width?: number;
  /** Table: every shown account with its actions, instead of the summary and the accounts needing attention. */
  readonly details?: boolean;
  /** Only accounts with these statuses are listed, in every format; totals still count every account. */
  readonly statuses?: readonly AccountStatus[];
  /** What the HTML page says about the run beyond the report (scope, tool version). */
  readonly html?: HtmlContext;
}

export function formatRunReport(
  report: RunReport,
  format: OutputFormat,
  options: FormatOptions = {},
): string {
  const listed: RunReport =
    options.statuses === undefined || format === 'table'
      ? report
      : { ...report, accounts: selectAccounts(report.accounts, options.statuses) };
  switch (format) {
    case 'json':
      return `${JSON.stringify(runReportJson(listed), null, 2)}\n`;
    case 'csv':
      return runReportCsv(listed);
    case 'markdown':
      return runReportMarkdown(listed);
    case 'html':
      return htmlReport(listed, options.html ?? {});
    case 'table':
      return runReportTable(report, {
        width: options.width ?? DEFAULT_WIDTH,
        ...(options.details === true ? { details: true } : {}),
        ...(options.statuses !== undefined ? { statuses: options.statuses } : {}),
      });
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

function orderedSummary(summary: RunSummary): RunSummary {
  const counts = Object.fromEntries(ACCOUNT_STATUSES.map((status) => [status, summary[status] ?? 0]));
  return { ...(counts as Record<(typeof ACCOUNT_STATUSES)[number], number>), total: summary.total };
}

function accountLabel(account: AccountReport, separator: string): string {
  return account.accountName ? `${account.accountId}${separator}(${account.accountName})` : account.accountId;
}

const notes = accountNotes;

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
    case 'html':
      return htmlTablePage(
        'Root access preflight',
        ['Check', 'Result', 'Detail', 'Blocked accounts'],
        report.checks.map((check) => [
          check.name,
          check.ok ? 'ok' : 'FAIL',
          check.detail,
          (check.blockedAccountIds ?? []).join(', '),
        ]),
        verdict,
      );
    case 'table': {
      const rows = report.checks.map((check) => [
        check.name,
        check.ok ? 'ok' : 'FAIL',
        check.detail,
        (check.blockedAccountIds ?? []).join('\n'),
      ]);
      const table = renderTable(
        [
          { title: 'Check' },
          { title: 'Result', whole: true },
          { title: 'Detail' },
          { title: 'Blocked accounts', min: 12 },
        ],
        rows,
        options.width ?? DEFAULT_WIDTH,
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
    case 'html':
      return htmlTablePage(
        `root-access ${task}`,
        ['Task', 'Account', 'Result', 'Actions', 'Error'],
        [
          [
            task,
            result.accountId,
            result.ok ? 'ok' : 'FAIL',
            result.actions.map(describeAction).join('\n'),
            result.error ?? '',
          ],
        ],
        verdict,
      );
    case 'table': {
      const row = [
        task,
        result.accountId,
        result.ok ? 'ok' : 'FAIL',
        result.actions.map(describeAction).join('\n'),
        result.error ?? '',
      ];
      const table = renderTable(
        [
          { title: 'Task' },
          { title: 'Account', whole: true },
          { title: 'Result', whole: true },
          { title: 'Actions' },
          { title: 'Error' },
        ],
        [row],
        options.width ?? DEFAULT_WIDTH,
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
