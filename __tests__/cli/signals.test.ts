/**
 * A real signal to the built tool mid-run (issue 9): the first SIGINT/SIGTERM lets the accounts in
 * flight finish, starts no more, prints the partial report with the rest `deferred` and exits 1;
 * a second exits at once with 130. The emulator answers slowly (latency) so the run is still going
 * when the signal arrives; the signal is sent once the first root session has been opened.
 */
import { spawn } from 'node:child_process';

import { startEmulator, type RunningEmulator } from '../../emulator';
import { generateScenario } from '../../emulator/scenario/generate';
import { BIN, toolEnv } from './helpers';

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Starts the tool; calls `interrupt(child)` once the emulator has seen `assumeRoots` root sessions. */
async function runAndInterrupt(
  emulator: RunningEmulator,
  args: readonly string[],
  interrupt: (send: (signal: NodeJS.Signals) => void) => Promise<void>,
  assumeRoots = 1,
): Promise<Finished> {
  const child = spawn(process.execPath, [BIN, ...args], { env: toolEnv(emulator), stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const finished = new Promise<Finished>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const sessions = (await emulator.calls()).filter((call) => call.action === 'AssumeRoot').length;
    if (sessions >= assumeRoots) break;
    if (Date.now() > deadline || child.exitCode !== null)
      throw new Error('the run never opened a root session');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  await interrupt((signal) => child.kill(signal));
  return finished;
}

describe('signals to root-access mid-run', () => {
  let emulator: RunningEmulator;
  beforeEach(async () => {
    emulator = await startEmulator({
      scenario: generateScenario({ accounts: 40, seed: 5, nonCompliantShare: 0.5 }),
      faults: { latencyMs: 40 },
    });
  });
  afterEach(async () => {
    await emulator.stop();
  });

  it('SIGINT during enforce: in-flight accounts finish, the rest are deferred and never changed, exit 1', async () => {
    const result = await runAndInterrupt(
      emulator,
      ['enforce', '--all', '--yes', '--concurrency', '2', '--output', 'json'],
      async (send) => send('SIGINT'),
    );

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('SIGINT: finishing the accounts in flight, starting no more');
    expect(result.stderr).toMatch(
      /^interrupted: \d+ accounts were not started \(deferred\); run the same command again/m,
    );
    const report = JSON.parse(result.stdout);
    expect(report.summary.total).toBe(41);
    expect(report.summary.deferred).toBeGreaterThan(20);
    const deferred = new Set(
      report.accounts
        .filter((account: { status: string }) => account.status === 'deferred')
        .map((account: { accountId: string }) => account.accountId),
    );
    const calls = await emulator.calls();
    expect(
      calls.filter((call) => call.accountId !== undefined && deferred.has(call.accountId) && call.mutating),
    ).toEqual([]);
    expect(
      calls.filter((call) => call.action === 'AssumeRoot' && deferred.has(call.accountId ?? '')),
    ).toEqual([]);
  });

  it('a second SIGTERM exits at once with 130', async () => {
    const started = Date.now();
    const result = await runAndInterrupt(
      emulator,
      ['audit', '--all', '--concurrency', '1', '--output', 'json'],
      async (send) => {
        send('SIGTERM');
        await new Promise((resolve) => setTimeout(resolve, 10));
        send('SIGTERM');
      },
    );

    expect(result.code).toBe(130);
    expect(result.stderr).toContain('SIGTERM again: exiting now');
    expect(result.stdout).toBe('');
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});
