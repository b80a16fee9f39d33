/**
 * Real signals to the built `root-access enforce` (a child process, as an operator's terminal
 * sends them) while a run is in flight against the emulator (per-call latency keeps it going):
 * the first SIGINT stops new accounts from starting, lets those in flight finish, prints the
 * partial report with the rest `deferred` and exits 1, leaving no account half-done; a second
 * signal exits at once with 130.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { startEmulator, type RunningEmulator } from '../../emulator';
import { toolEnv } from './helpers';

const BIN = join(__dirname, '..', '..', 'bin', 'root-access.js');
const ACCOUNTS = Array.from({ length: 12 }, (_, i) => String(222_222_222_222 + i * 1_111));
/** Every kind of root credential, as in the half-done account. */
const FULL_ROOT = {
  password: true,
  accessKeys: 1,
  signingCertificates: 2,
  mfaDevices: [{ kind: 'virtual' }, { kind: 'fido' }],
};

const SCENARIO = {
  organization: {
    managementAccountId: '111111111111',
    rootId: 'r-ex12',
    featureSet: 'ALL',
    trustedAccess: ['iam.amazonaws.com'],
    rootFeatures: ['RootCredentialsManagement', 'RootSessions'],
  },
  organizationalUnits: [],
  accounts: ACCOUNTS.map((id) => ({ id, parentId: 'r-ex12', root: FULL_ROOT })),
  policies: [],
};

interface Child {
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  kill(signal: NodeJS.Signals): void;
  stderr(): string;
}

function enforce(emulator: RunningEmulator): Child {
  const child = spawn(
    process.execPath,
    [BIN, 'enforce', '--all', '--yes', '--output', 'json', '--concurrency', '2'],
    {
      env: toolEnv(emulator),
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return {
    done: new Promise((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    }),
    kill: (signal) => child.kill(signal),
    stderr: () => stderr,
  };
}

/** Resolves once some account's root password was deleted: the run is in flight. */
async function firstDelete(emulator: RunningEmulator): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < 60_000) {
    const calls = await emulator.calls();
    if (calls.some((call) => call.action === 'DeleteLoginProfile' && call.status === 200)) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('no account was being enforced within 60 s');
}

interface StateRoot {
  id: string;
  root: { password: boolean; accessKeys: string[]; signingCertificates: string[]; mfaDevices: unknown[] };
}

/** How much of FULL_ROOT an account still holds: 'none', 'all', or 'partial'. */
function holding(account: StateRoot): 'none' | 'all' | 'partial' {
  const { password, accessKeys, signingCertificates, mfaDevices } = account.root;
  const counts = [password ? 1 : 0, accessKeys.length, signingCertificates.length, mfaDevices.length];
  if (counts.every((count) => count === 0)) return 'none';
  if (counts.join() === '1,1,2,2') return 'all';
  return 'partial';
}

describe('root-access enforce under real signals', () => {
  let emulator: RunningEmulator;
  jest.setTimeout(120_000);

  beforeEach(async () => {
    emulator = await startEmulator({ scenario: SCENARIO });
    // About 15 calls per account at 80 ms each: the run takes many seconds at concurrency 2.
    await emulator.setFaults({ latencyMs: 80 });
  });
  afterEach(async () => {
    await emulator?.stop();
  });

  it('on SIGINT finishes the accounts in flight, prints the partial report with the rest deferred, and exits 1', async () => {
    // GIVEN
    const child = enforce(emulator);
    await firstDelete(emulator);

    // WHEN
    child.kill('SIGINT');
    const result = await child.done;

    // THEN
    expect({ code: result.code, signal: result.signal }).toEqual({ code: 1, signal: null });
    expect(result.stderr).toMatch(/SIGINT: finishing the accounts in flight, starting no more/);
    const report = JSON.parse(result.stdout) as {
      summary: Record<string, number>;
      accounts: Array<{ accountId: string; status: string }>;
    };
    expect(report.summary['remediated']).toBeGreaterThanOrEqual(1);
    expect(report.summary['deferred']).toBeGreaterThanOrEqual(1);
    expect(report.summary['remediated'] + report.summary['deferred']).toBe(ACCOUNTS.length);
    expect(result.stderr).toMatch(
      /^interrupted: \d+ accounts? (was|were) not started \(deferred\); run the same command again to finish them$/m,
    );
    // Deferred means never started: not even a root session was opened into those accounts.
    const deferred = new Set(
      report.accounts.filter((account) => account.status === 'deferred').map((account) => account.accountId),
    );
    const calls = await emulator.calls();
    expect(
      calls.filter((call) => call.action === 'AssumeRoot' && deferred.has(call.accountId ?? '')),
    ).toEqual([]);
    const state = (await emulator.state()) as { accounts: StateRoot[] };
    const statusOf = new Map(report.accounts.map((account) => [account.accountId, account.status]));
    for (const account of state.accounts.filter((candidate) => ACCOUNTS.includes(candidate.id))) {
      // No account is left half-done: a remediated one holds nothing, a deferred one all it had.
      const expected = statusOf.get(account.id) === 'remediated' ? 'none' : 'all';
      expect({ account: account.id, holds: holding(account) }).toEqual({
        account: account.id,
        holds: expected,
      });
    }
  });

  it('exits at once with 130 on a second signal', async () => {
    // GIVEN
    const child = enforce(emulator);
    await firstDelete(emulator);
    child.kill('SIGINT');
    const waitForNotice = Date.now();
    while (!/SIGINT: finishing/.test(child.stderr()) && Date.now() - waitForNotice < 10_000) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }

    // WHEN
    child.kill('SIGTERM');
    const result = await child.done;

    // THEN
    expect(result.code).toBe(130);
    expect(result.stderr).toMatch(/SIGTERM again: exiting now/);
  });
});
