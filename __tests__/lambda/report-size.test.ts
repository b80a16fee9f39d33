/**
 * The report stays compact at 10,000 accounts: what the function answers (which Terraform keeps
 * in state and shows as `enforcement_report`) stays under its budget and lists the accounts that
 * need attention, failed first; the `run report` log line fits one CloudWatch Logs event.
 *
 * The lambda-tier half runs the built bundle over 10,000 generated accounts against the emulator,
 * with an SCP that denies the audit's read in one OU so that real failures exist beside real
 * findings. The pure half checks the same shaping on a fabricated report (no AWS behaviour in it).
 */
import { startEmulator, type RunningEmulator } from '../../emulator/index';
import { generateScenario } from '../../emulator/scenario/generate';
import type { AccountReport, RunReport } from '../../src/engine/types';
import { summarize } from '../../src/engine/report';
import {
  CONTINUATION_IDS_LISTED,
  FAILED_ACCOUNTS_NAMED,
  LOG_REPORT_MAX_BYTES,
  RESULT_REPORT_MAX_BYTES,
  enforcementResult,
  nonComplianceMessage,
} from '../../src/lambda/result';
import { startBundledLambda, type BundledLambda } from './helpers';

const ACCOUNTS = 10_000;
/** One of the generated tree's child OUs (`ou-<root>-u<top>c<child>00`): about 1/12 of the accounts. */
const DENIED_OU = 'ou-gen0-u0000c100';
const AUDIT_ALL = { targets: { allAccounts: true }, mode: 'audit', concurrency: 64 };

const bytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value), 'utf8');

interface CompactAnswer {
  listing: 'full' | 'attention';
  summary: Record<string, number>;
  accounts: Array<{ accountId: string; status: string; error?: string }>;
  omitted: { accounts: number; needingAttention: number };
}

describe('the report at 10,000 accounts, through the bundled function', () => {
  let emulator: RunningEmulator;
  let lambda: BundledLambda;

  beforeAll(async () => {
    const scenario = generateScenario({ accounts: ACCOUNTS, seed: 10_000, nonCompliantShare: 0.3 }) as Record<
      string,
      unknown
    >;
    scenario['policies'] = [
      {
        id: 'p-denyaudit0001',
        name: 'deny-root-audit-in-one-ou',
        content: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Deny', Action: 'iam:GetAccountSummary', Resource: '*' }],
        },
        targets: [DENIED_OU],
      },
    ];
    emulator = await startEmulator({ scenario });
    lambda = await startBundledLambda(emulator, { DESIRED_STATE: JSON.stringify(AUDIT_ALL) });
  }, 60_000);
  afterAll(async () => {
    await lambda?.stop();
    await emulator?.stop();
  });

  it('answers a compact report under its budget, failed accounts first, and logs one bounded line', async () => {
    // WHEN: the scheduled run (the deployed desired state, audit mode)
    const { result, error, lines } = await lambda.invoke({ source: 'root-access.schedule' });

    // THEN
    expect(error).toBeUndefined();
    const answer = result as unknown as CompactAnswer;
    expect(answer.summary['total']).toBeGreaterThanOrEqual(ACCOUNTS);
    expect(answer.summary['failed']).toBeGreaterThan(100);
    expect(answer.summary['non-compliant']).toBeGreaterThan(1_000);
    expect(answer.listing).toBe('attention');
    expect(bytes(answer)).toBeLessThanOrEqual(RESULT_REPORT_MAX_BYTES + 1_024);
    // Failed accounts come first, before any account that merely holds credentials; here more
    // failed than fit, so the listing is failed accounts only and the rest are counted.
    const failed = answer.summary['failed'];
    const statuses = answer.accounts.map((account) => account.status);
    expect(answer.accounts.length).toBeGreaterThan(50);
    expect(answer.accounts.length).toBeLessThan(failed);
    expect(new Set(statuses)).toEqual(new Set(['failed']));
    expect(answer.accounts[0]?.error).toMatch(/service control policy|SCP/i);
    expect(answer.omitted).toEqual({
      accounts: answer.summary['total'] - answer.accounts.length,
      needingAttention: failed + answer.summary['non-compliant'] - answer.accounts.length,
    });

    const finished = lines.find((line) => line.includes('"run report"'));
    expect(finished).toBeDefined();
    // One CloudWatch Logs event holds 256 KiB; the line keeps far under it.
    expect(Buffer.byteLength(finished!, 'utf8')).toBeLessThanOrEqual(LOG_REPORT_MAX_BYTES + 2_048);
    const logged = (JSON.parse(finished!) as { report: CompactAnswer }).report;
    expect(logged.summary).toEqual(answer.summary);
    expect(logged.accounts[0]?.status).toBe('failed');
  }, 600_000);
});

describe('enforcementResult and the failure message (pure)', () => {
  function fabricated(count: number, failedEvery: number): RunReport {
    const accounts: AccountReport[] = [];
    for (let i = 0; i < count; i++) {
      const accountId = String(200_000_000_000 + i).padStart(12, '0');
      const failed = i % failedEvery === 0;
      accounts.push({
        accountId,
        accountName: `member-${i}`,
        status: failed ? 'failed' : i % 3 === 0 ? 'non-compliant' : 'compliant',
        credentials: {
          password: !failed && i % 3 === 0,
          accessKeys: 0,
          signingCertificates: 0,
          mfaDevices: 0,
        },
        actions: [],
        ...(failed ? { error: `AccessDenied on iam:DeleteLoginProfile in ${accountId}` } : {}),
        organizationalUnitPath: ['r-gen0', 'ou-gen0-u0000c100'],
      });
    }
    return {
      mode: 'enforce',
      dryRun: false,
      startedAt: '2026-12-03T00:00:00.000Z',
      finishedAt: '2026-12-03T00:10:00.000Z',
      summary: summarize(accounts),
      accounts,
      warnings: [],
    };
  }

  it('keeps every account when the report is small', () => {
    const result = enforcementResult(fabricated(20, 7), { runId: 'r', trigger: 'lifecycle' });
    expect(result.listing).toBe('full');
    expect(result.accounts).toHaveLength(20);
    expect(result).toMatchObject({ runId: 'r', trigger: 'lifecycle', omitted: { accounts: 0 } });
  });

  it('cuts a 10,000-account report to its budget with failed accounts first, and bounds the continuation', () => {
    const deferred = Array.from({ length: 5_000 }, (_, i) => String(300_000_000_000 + i));
    const result = enforcementResult(fabricated(10_000, 40), {
      runId: 'r',
      trigger: 'schedule',
      continuation: { runId: 'r', generation: 1, accountIds: deferred },
    });
    expect(bytes(result)).toBeLessThanOrEqual(RESULT_REPORT_MAX_BYTES + 8_192);
    expect(result.listing).toBe('attention');
    expect(result.accounts.slice(0, 250).every((account) => account.status === 'failed')).toBe(true);
    expect(result.accounts[250]?.status).toBe('non-compliant');
    expect(result.continuation).toEqual({
      runId: 'r',
      generation: 1,
      accountIds: deferred.slice(0, CONTINUATION_IDS_LISTED),
      omittedAccountIds: 5_000 - CONTINUATION_IDS_LISTED,
    });
  });

  it('clips a long diagnosis in the compact listing', () => {
    const report = fabricated(10_000, 40);
    const long = report.accounts.map((account) =>
      account.status === 'failed'
        ? { ...account, error: `${account.error ?? ''}: ${'x'.repeat(5_000)}` }
        : account,
    );
    const result = enforcementResult({ ...report, accounts: long }, { runId: 'r', trigger: 'schedule' });
    expect(bytes(result)).toBeLessThanOrEqual(RESULT_REPORT_MAX_BYTES);
    expect(result.accounts[0]?.error?.length).toBeLessThanOrEqual(600);
    expect(new Set(result.accounts.map((account) => account.status))).toEqual(new Set(['failed']));
  });

  it('names the first failed accounts and counts the rest in the failure message', () => {
    const failed = fabricated(10_000, 1).accounts;
    const message = nonComplianceMessage(failed);
    const lines = message.split('\n');
    expect(lines[0]).toBe('10000 account(s) could not be made compliant:');
    expect(lines).toHaveLength(FAILED_ACCOUNTS_NAMED + 2);
    expect(lines.at(-1)).toBe(
      `  ... and ${10_000 - FAILED_ACCOUNTS_NAMED} more (the function's logs list every account)`,
    );
    expect(Buffer.byteLength(message)).toBeLessThan(40_000);
  });
});
