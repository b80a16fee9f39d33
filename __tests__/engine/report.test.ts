import { compactReport, COMPACT_REPORT_MAX_BYTES, missingTargets, summarize } from '../../src/engine/report';
import type { AccountReport, RunReport } from '../../src/engine/types';

function organization(size: number): RunReport {
  const accounts: AccountReport[] = Array.from({ length: size }, (_unused, index) => {
    const accountId = String(200000000000 + index);
    if (index % 50 === 0) {
      return {
        accountId,
        status: 'failed',
        actions: [],
        error: `AccessDenied by service control policy p-x on ou-ab12-workload ${'detail '.repeat(200)}`,
      };
    }
    if (index % 10 === 0) {
      return {
        accountId,
        accountName: `team-${index}`,
        status: 'non-compliant',
        credentials: { password: true, accessKeys: 1, signingCertificates: 0, mfaDevices: 1 },
        actions: [],
      };
    }
    return {
      accountId,
      accountName: `team-${index}`,
      status: 'compliant',
      credentials: { password: false, accessKeys: 0, signingCertificates: 0, mfaDevices: 0 },
      actions: [],
      organizationalUnitPath: ['r-ab12', 'ou-ab12-workload'],
    };
  });
  return {
    mode: 'audit',
    dryRun: false,
    startedAt: '2026-12-01T00:00:00.000Z',
    finishedAt: '2026-12-01T00:10:00.000Z',
    summary: summarize(accounts),
    accounts,
    warnings: [],
  };
}

describe('compactReport', () => {
  it('returns every account when the report fits', () => {
    const compact = compactReport(organization(20));

    expect(compact.listing).toBe('full');
    expect(compact.accounts).toHaveLength(20);
    expect(compact.omitted).toEqual({ accounts: 0, needingAttention: 0 });
  });

  it('keeps 10,000 accounts under the limit with totals and the accounts needing attention, failed first', () => {
    const report = organization(10_000);

    const compact = compactReport(report);

    expect(Buffer.byteLength(JSON.stringify(compact))).toBeLessThanOrEqual(COMPACT_REPORT_MAX_BYTES);
    expect(Buffer.byteLength(JSON.stringify(report))).toBeGreaterThan(COMPACT_REPORT_MAX_BYTES);
    expect(compact.listing).toBe('attention');
    expect(compact.summary).toEqual(report.summary);
    expect(compact.credentials).toEqual({
      accounts: 800,
      passwords: 800,
      accessKeys: 800,
      signingCertificates: 0,
      mfaDevices: 800,
    });
    expect(compact.accounts.every((account) => account.status !== 'compliant')).toBe(true);
    expect(compact.accounts.slice(0, 200).every((account) => account.status === 'failed')).toBe(true);
    expect(compact.accounts.length + compact.omitted.accounts).toBe(10_000);
    expect(compact.omitted.needingAttention).toBe(1000 - compact.accounts.length);
  });

  it('cuts a long diagnosis, and lists nothing beyond a tiny limit but still counts', () => {
    const compact = compactReport(organization(100), 2_000);

    expect(Buffer.byteLength(JSON.stringify(compact))).toBeLessThanOrEqual(2_000);
    expect(compact.accounts.every((account) => (account.error ?? '').length <= 600)).toBe(true);
    expect(compact.summary.total).toBe(100);
  });
});

describe('missingTargets', () => {
  it('names accounts that are not members and OUs that were not found', () => {
    const report = organization(1);
    const lines = missingTargets({
      ...report,
      accounts: [
        {
          accountId: '333333333334',
          status: 'skipped',
          actions: [],
          reason: '333333333334 is not a member of organization o-ab12',
        },
      ],
      warnings: [
        'organizational unit ou-nope-12345678 was not found in organization o-ab12; nothing is selected from it',
      ],
    });

    expect(lines).toEqual([
      expect.stringMatching(/^333333333334 is not a member of organization o-ab12; check the id/),
      expect.stringMatching(/^organizational unit ou-nope-12345678 was not found/),
    ]);
  });
});
