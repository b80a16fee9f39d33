import type { PreflightReport, RunReport } from '../../src/engine/types';
import {
  escapeMarkdownCell,
  formatPreflight,
  formatRunReport,
  formatTaskResult,
  summaryLine,
  toCsv,
} from '../../src/cli/format';
import { renderTable } from '../../src/cli/table';

const NASTY_ERROR = 'AccessDenied by "p-abc", on ou-ex12-prod0001\nsecond line | piped';

function report(overrides: Partial<RunReport> = {}): RunReport {
  return {
    mode: 'enforce',
    dryRun: false,
    startedAt: '2026-01-01T00:00:00.000Z',
    finishedAt: '2026-01-01T00:00:05.000Z',
    summary: {
      compliant: 1,
      remediated: 1,
      'non-compliant': 0,
      excluded: 1,
      'break-glass': 0,
      skipped: 0,
      failed: 1,
      deferred: 0,
      total: 4,
    },
    accounts: [
      {
        accountId: '222222222222',
        accountName: 'Prod',
        status: 'remediated',
        credentials: { password: true, accessKeys: 2, signingCertificates: 0, mfaDevices: 1 },
        actions: [
          { kind: 'delete-login-profile', outcome: 'done' },
          { kind: 'delete-access-key', target: 'AKIAEXAMPLE1', outcome: 'done' },
          { kind: 'delete-access-key', target: 'AKIAEXAMPLE2', outcome: 'already-gone' },
          { kind: 'deactivate-mfa-device', target: 'arn:aws:iam::222222222222:mfa/root', outcome: 'done' },
        ],
      },
      {
        accountId: '333333333333',
        status: 'compliant',
        credentials: { password: false, accessKeys: 0, signingCertificates: 0, mfaDevices: 0 },
        actions: [],
      },
      { accountId: '444444444444', status: 'excluded', actions: [], reason: 'excluded by --exclude' },
      {
        accountId: '555555555555',
        status: 'failed',
        credentials: { password: false, accessKeys: 1, signingCertificates: 0, mfaDevices: 0 },
        actions: [
          { kind: 'delete-access-key', target: 'AKIAEXAMPLE3', outcome: 'failed', detail: 'AccessDenied' },
        ],
        error: NASTY_ERROR,
        warnings: ['virtual MFA device could not be deleted'],
      },
    ],
    warnings: ['organizational unit ou-ex12-gone0001 is not in the organization'],
    ...overrides,
  };
}

/** A small RFC 4180 reader, so the test proves the CSV round-trips rather than matching our own escaping. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else {
      field += c;
    }
  }
  return rows;
}

describe('run report formatters', () => {
  describe('json', () => {
    it('has the documented shape: summary with every status and total, accounts, warnings', () => {
      // WHEN
      const json = JSON.parse(formatRunReport(report(), 'json'));

      // THEN
      expect(Object.keys(json)).toEqual([
        'mode',
        'dryRun',
        'startedAt',
        'finishedAt',
        'summary',
        'accounts',
        'warnings',
      ]);
      expect(json.summary).toEqual({
        compliant: 1,
        remediated: 1,
        'non-compliant': 0,
        excluded: 1,
        'break-glass': 0,
        skipped: 0,
        failed: 1,
        deferred: 0,
        total: 4,
      });
      expect(json.accounts[0]).toEqual({
        accountId: '222222222222',
        accountName: 'Prod',
        status: 'remediated',
        credentials: { password: true, accessKeys: 2, signingCertificates: 0, mfaDevices: 1 },
        actions: [
          { kind: 'delete-login-profile', outcome: 'done' },
          { kind: 'delete-access-key', target: 'AKIAEXAMPLE1', outcome: 'done' },
          { kind: 'delete-access-key', target: 'AKIAEXAMPLE2', outcome: 'already-gone' },
          { kind: 'deactivate-mfa-device', target: 'arn:aws:iam::222222222222:mfa/root', outcome: 'done' },
        ],
      });
      expect(json.warnings).toEqual(['organizational unit ou-ex12-gone0001 is not in the organization']);
    });

    it('gives an unaudited account null credentials and keeps reason and error', () => {
      const json = JSON.parse(formatRunReport(report(), 'json'));

      expect(json.accounts[2]).toEqual({
        accountId: '444444444444',
        status: 'excluded',
        credentials: null,
        actions: [],
        reason: 'excluded by --exclude',
      });
      expect(json.accounts[3].error).toBe(NASTY_ERROR);
      expect(json.accounts[3].warnings).toEqual(['virtual MFA device could not be deleted']);
    });
  });

  describe('csv', () => {
    it('writes a header and one record per account that a strict reader parses back', () => {
      // WHEN
      const csv = formatRunReport(report(), 'csv');
      const rows = parseCsv(csv);

      // THEN
      expect(rows[0]).toEqual([
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
      ]);
      expect(rows).toHaveLength(5);
      expect(rows.every((row) => row.length === 11)).toBe(true);
      expect(rows[4]?.[9]).toBe(NASTY_ERROR);
      expect(rows[3]?.slice(0, 4)).toEqual(['444444444444', '', 'excluded', '']);
    });

    it('quotes fields with commas, quotes and newlines, doubling the quotes, with CRLF records', () => {
      expect(toCsv([['a', 'b,c', 'say "hi"', 'x\ny', 'plain']])).toBe(
        'a,"b,c","say ""hi""","x\ny",plain\r\n',
      );
    });
  });

  describe('markdown', () => {
    it('escapes pipes and line breaks so each account stays one table row', () => {
      // WHEN
      const markdown = formatRunReport(report(), 'markdown');
      const tableRows = markdown.split('\n').filter((line) => line.startsWith('|'));

      // THEN
      expect(tableRows).toHaveLength(2 + 4);
      const failed = tableRows.find((line) => line.includes('555555555555')) ?? '';
      expect(failed).toContain('second line \\| piped');
      expect(failed.split(/(?<!\\)\|/)).toHaveLength(7);
      expect(escapeMarkdownCell('a|b\nc\\')).toBe('a\\|b<br>c\\\\');
    });

    it('ends with a totals line and lists the run warnings', () => {
      const markdown = formatRunReport(report(), 'markdown');

      expect(markdown).toContain('**4 accounts: 1 compliant, 1 remediated, 1 excluded, 1 failed**');
      expect(markdown).toContain(
        '- warning: organizational unit ou-ex12-gone0001 is not in the organization',
      );
    });
  });

  describe('table', () => {
    it('shows every account, its credentials in words, and the summary line', () => {
      const table = formatRunReport(report(), 'table', { width: 240, details: true });

      expect(table).toContain('222222222222');
      expect(table).toContain('password, 2 access keys, 1 MFA device');
      expect(table).toContain('delete-access-key AKIAEXAMPLE2: already-gone');
      expect(table).toContain('error: AccessDenied by "p-abc"');
      expect(table.trimEnd().split('\n').pop()).toBe(
        '4 accounts: 1 compliant, 1 remediated, 1 excluded, 1 failed',
      );
      // No colour codes: output is pasted into tickets.
      expect(table).not.toContain('\u001b[');
    });

    it('fits a narrow terminal by wrapping free text, account ids whole, long ARNs shortened in the middle', () => {
      // WHEN
      const table = formatRunReport(report(), 'table', { width: 110, details: true });
      const lines = table.trimEnd().split('\n');

      // THEN
      expect(Math.max(...lines.slice(0, -1).map((line) => line.length))).toBeLessThanOrEqual(110);
      expect(table).toContain('222222222222');
      expect(table).toContain('555555555555');
      // Changed with issue 11: an ARN longer than its column keeps its start and end, not its middle.
      expect(table).toMatch(/arn:aws:iam::\S*…\S*mfa\/root/);
    });

    it('keeps every line within 80 columns by default, summary first, only accounts needing attention', () => {
      const table = formatRunReport(report(), 'table');
      const lines = table.trimEnd().split('\n');

      expect(Math.max(...lines.map((line) => line.length))).toBeLessThanOrEqual(80);
      expect(lines[0]).toBe('4 accounts: 1 compliant, 1 remediated, 1 excluded, 1 failed');
      expect(table).toContain('555555555555');
      // Compliant, remediated and excluded accounts are counted, not listed.
      expect(table).not.toContain('333333333333');
      expect(table).toMatch(/Causes:\n1\. 555555555555: error: AccessDenied/);
    });

    it('lists the statuses asked for with --status', () => {
      const table = formatRunReport(report(), 'table', { statuses: ['excluded'] });

      expect(table).toContain('444444444444');
      expect(table).not.toContain('555555555555 ');
      expect(table).toContain('excluded by --exclude');
    });
  });

  it('says a dry run changed nothing', () => {
    expect(summaryLine(report({ dryRun: true }))).toMatch(/\(dry run: nothing was changed\)$/);
  });
});

describe('preflight formatter', () => {
  const preflight: PreflightReport = {
    ok: false,
    checks: [
      { name: 'trusted access for iam.amazonaws.com', ok: true, detail: 'enabled' },
      {
        name: 'service control policies',
        ok: false,
        detail:
          'p-ct01 (AWS-GR_RESTRICT_ROOT_USER) on ou-ex12-prod0001 denies root sessions; add the ExemptAssumeRoot parameter',
        blockedAccountIds: ['222222222222', '444444444444'],
      },
    ],
  };

  it.each(['table', 'markdown', 'csv'] as const)(
    'prints ok/FAIL, detail and blocked accounts as %s',
    (format) => {
      const text = formatPreflight(preflight, format);

      expect(text).toContain('FAIL');
      expect(text).toContain('ok');
      expect(text).toContain('ExemptAssumeRoot');
      expect(text).toContain('444444444444');
    },
  );

  it('prints checks as json with blocked accounts always a list', () => {
    const json = JSON.parse(formatPreflight(preflight, 'json'));

    expect(json.ok).toBe(false);
    expect(json.checks[0]).toEqual({
      name: 'trusted access for iam.amazonaws.com',
      ok: true,
      detail: 'enabled',
      blockedAccountIds: [],
    });
    expect(json.checks[1].blockedAccountIds).toEqual(['222222222222', '444444444444']);
  });

  it('ends the table with how many checks failed', () => {
    expect(formatPreflight(preflight, 'table').trimEnd().split('\n').pop()).toBe(
      'preflight failed: 1 of 2 checks failed',
    );
  });
});

describe('task formatter', () => {
  it('prints a failed task with its error in every format', () => {
    const result = {
      accountId: '222222222222',
      ok: false,
      actions: [],
      error: 'NoSuchBucket: locked, bucket',
    };

    expect(JSON.parse(formatTaskResult('unlock-s3-bucket-policy', result, 'json'))).toEqual({
      task: 'unlock-s3-bucket-policy',
      accountId: '222222222222',
      ok: false,
      actions: [],
      error: 'NoSuchBucket: locked, bucket',
    });
    expect(parseCsv(formatTaskResult('unlock-s3-bucket-policy', result, 'csv'))[1]).toEqual([
      'unlock-s3-bucket-policy',
      '222222222222',
      'FAIL',
      '',
      'NoSuchBucket: locked, bucket',
    ]);
    expect(formatTaskResult('unlock-s3-bucket-policy', result, 'table')).toContain(
      'unlock-s3-bucket-policy on 222222222222: FAILED',
    );
  });
});

describe('renderTable', () => {
  const columns = [
    { title: 'Account', whole: true },
    { title: 'Name', oneLine: true, yieldsFirst: true },
    { title: 'Credentials', oneLine: true },
  ];
  const rows = [['777777777777', 'sandbox-alice', 'password, 1 key, 1 cert, 1 MFA']];

  it('shortens a yieldsFirst column before the finding beside it, and fits the width', () => {
    // Natural width: 12 + 13 + 30 + 10 of borders and padding = 65; ask for 63.
    const table = renderTable(columns, rows, 63);

    expect(table.split('\n').every((line) => line.length <= 63)).toBe(true);
    expect(table).toContain('│ password, 1 key, 1 cert, 1 MFA │');
    expect(table).toContain('│ sandb…alice │');
  });

  it('then shortens the other columns once the yieldsFirst one is down to its minimum', () => {
    const table = renderTable(columns, rows, 50);

    expect(table.split('\n').every((line) => line.length <= 50)).toBe(true);
    expect(table).toContain('│ san…ce │ password, 1…ert, 1 MFA │');
  });
});
