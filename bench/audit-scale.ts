/**
 * Audit at scale against the emulator, with the emulator in a child process so the memory figure
 * is the engine's own.
 *
 *   npx tsx bench/audit-scale.ts [--accounts N] [--latency MS] [--concurrency C] [--rate R] [--throttle-accounts M]
 *
 * Prints, for an audit of N generated accounts with MS of latency per call: the calls made, the
 * wall time, the bound set by concurrency (calls x latency / concurrency), their ratio (bar <= 1.25
 * at 10,000 accounts, 50 ms) and the peak RSS of this process (bar < 256 MB). Then a throttling
 * run over M accounts with AssumeRoot limited to R per second: the achieved AssumeRoot rate / R
 * (bar >= 0.9) and the failed accounts (bar 0). Figures only; nothing here asserts timings.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createEngine } from '../src/engine';
import { MANAGEMENT_CREDENTIALS, emulatorAdmin } from '../emulator/index';
import { generateScenario } from '../emulator/scenario/generate';
import { parseDesiredState } from '../src/shared/desired-state';

function option(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  if (index < 0) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} needs a non-negative number`);
  return value;
}

const accounts = option('accounts', 10_000);
const latencyMs = option('latency', 50);
const concurrency = option('concurrency', 100);
const rate = option('rate', 20);
const throttleAccounts = option('throttle-accounts', rate * 30);
const port = option('port', 45_000 + Math.floor(Math.random() * 10_000));

async function startChildEmulator(scenarioFile: string): Promise<{ child: ChildProcess; endpoint: string }> {
  const child = spawn(
    process.execPath,
    [
      join(__dirname, '../node_modules/tsx/dist/cli.mjs'),
      join(__dirname, '../emulator/cli.ts'),
      '--scenario',
      scenarioFile,
      '--port',
      String(port),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const endpoint = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/[^\s]+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`emulator exited with ${code}: ${output}`)));
  });
  return { child, endpoint };
}

function sampleRss(): { stop(): number } {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 50);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage.rss());
    },
  };
}

/** User + system CPU of the child and its descendants (tsx runs the emulator in a grandchild), from /proc; 0 elsewhere. */
function childCpuMs(child: ChildProcess): number {
  const cpuOf = (pid: number): number => {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      const own = ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
      const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
        .trim()
        .split(/\s+/)
        .filter(Boolean);
      return own + children.reduce((sum, c) => sum + cpuOf(Number(c)), 0);
    } catch {
      return 0;
    }
  };
  return child.pid === undefined ? 0 : cpuOf(child.pid);
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'audit-scale-'));
  const scenarioFile = join(dir, 'scenario.json');
  const scenario = generateScenario({ accounts, seed: 1, nonCompliantShare: 0.1 }) as {
    accounts: Array<{ id: string }>;
  };
  writeFileSync(scenarioFile, JSON.stringify(scenario));
  const { child, endpoint } = await startChildEmulator(scenarioFile);
  process.env['AWS_ENDPOINT_URL'] = endpoint;
  const admin = emulatorAdmin(endpoint);
  try {
    const engine = createEngine({ region: 'us-east-1', credentials: async () => MANAGEMENT_CREDENTIALS });
    const desired = parseDesiredState({ targets: { allAccounts: true }, mode: 'audit', concurrency });

    // Scale run.
    await admin.setFaults({ latencyMs, errorRate: 0, throttleRate: 0, rateLimits: {} });
    await admin.clearCalls();
    const rssBefore = process.memoryUsage.rss();
    const rss = sampleRss();
    const cpuBefore = process.cpuUsage();
    const childCpuBefore = childCpuMs(child);
    const started = performance.now();
    const report = await engine.run(desired);
    const wallMs = performance.now() - started;
    const peakRss = rss.stop();
    const cpu = process.cpuUsage(cpuBefore);
    const childCpu = childCpuMs(child) - childCpuBefore;
    const calls = await admin.calls();
    const boundMs = (calls.length * latencyMs) / concurrency;
    const perCompliant = callsPerCompliantAccount(calls, report.accounts);
    console.log(`audit of ${accounts} accounts, ${latencyMs} ms per call, concurrency ${concurrency}`);
    console.log(`  summary          ${JSON.stringify(report.summary)}`);
    console.log(`  calls            ${calls.length} (per compliant account: ${perCompliant})`);
    console.log(`  wall time        ${(wallMs / 1000).toFixed(2)} s`);
    console.log(`  bound            ${(boundMs / 1000).toFixed(2)} s  (calls x latency / concurrency)`);
    console.log(`  ratio            ${(wallMs / boundMs).toFixed(3)}  (bar <= 1.25)`);
    console.log(
      `  CPU              engine ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s, emulator ${(childCpu / 1000).toFixed(2)} s`,
    );
    console.log(
      `  peak RSS         ${mb(peakRss)}  (bar < 256 MB; engine process only; ${mb(rssBefore)} before the run)`,
    );

    // Throttling run: AssumeRoot limited to `rate` per second, no latency.
    const ids = scenario.accounts
      .map((a) => a.id)
      .filter((id) => id !== '111111111111')
      .slice(0, throttleAccounts);
    await admin.setFaults({ latencyMs: 0, rateLimits: { 'sts:AssumeRoot': rate } });
    await admin.clearCalls();
    const throttled = await engine.run(desired, { onlyAccountIds: ids });
    const assumes = (await admin.calls()).filter((c) => c.service === 'sts' && c.action === 'AssumeRoot');
    const granted = assumes.filter((c) => c.status === 200).map((c) => Date.parse(c.time));
    const spanS = (Math.max(...granted) - Math.min(...granted)) / 1000;
    const achieved = (granted.length - 1) / spanS;
    console.log(`throttling: AssumeRoot limited to ${rate}/s over ${ids.length} accounts`);
    console.log(
      `  AssumeRoot       ${granted.length} granted, ${assumes.length - granted.length} throttled, over ${spanS.toFixed(2)} s`,
    );
    console.log(
      `  achieved rate    ${achieved.toFixed(2)}/s = ${(achieved / rate).toFixed(3)} of the limit (bar >= 0.9)`,
    );
    console.log(`  failed accounts  ${throttled.summary.failed} (bar 0)`);
  } finally {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Member-account calls divided by compliant accounts, counting only those accounts' calls. */
function callsPerCompliantAccount(
  calls: ReadonlyArray<{ accountId?: string; service: string }>,
  reports: ReadonlyArray<{ accountId: string; status: string }>,
): string {
  const compliant = new Set(reports.filter((r) => r.status === 'compliant').map((r) => r.accountId));
  const count = calls.filter(
    (c) => c.service !== 'organizations' && c.accountId !== undefined && compliant.has(c.accountId),
  ).length;
  return compliant.size === 0 ? 'n/a' : (count / compliant.size).toFixed(3);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
  process.exitCode = 1;
});
