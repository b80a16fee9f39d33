/**
 * One bench run in a process of its own, so its CPU, its peak RSS and a CPU quota apply to the
 * engine alone. Waits for its {@link RunSpec}, one JSON line on stdin (the parent
 * moves it into a cgroup first when it runs under a quota), runs the engine, then the floor over
 * the same accounts at the same concurrency, and prints one JSON line.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { MANAGEMENT_CREDENTIALS } from '../../emulator/index';
import { createEngine } from '../../src/engine';
import { parseDesiredState } from '../../src/shared/desired-state';
import { measureFloor } from './floor';

export interface RunSpec {
  readonly endpoint: string;
  readonly mode: 'audit' | 'enforce';
  readonly concurrency: number;
  readonly accountIds: readonly string[];
  /** Accounts the floor runs over (a sample of the run's, enough for a stable CPU figure). */
  readonly floorAccountIds: readonly string[];
  /** Where to write a V8 CPU profile of the engine run alone (`--profile DIR`), if anywhere. */
  readonly profileDir?: string;
  /** Run only the floor, cold, in this fresh process (the symmetric floor, see floor.ts). */
  readonly floorOnly?: boolean;
}

export interface RunResult {
  readonly summary: Record<string, number>;
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly peakRssMb: number;
  /** The run report as JSON, against Lambda's 6 MB synchronous response limit. */
  readonly reportBytes: number;
  readonly floor: { calls: number; cpuMsPerCall: number; failures: number };
}

async function main(): Promise<void> {
  // On stdin, not argv: 10,000 account ids are past the kernel's limit for one argument (E2BIG).
  const lines = createInterface({ input: process.stdin });
  const spec = JSON.parse(await new Promise<string>((resolve) => lines.once('line', resolve))) as RunSpec;
  lines.close();
  process.env['AWS_ENDPOINT_URL'] = spec.endpoint;
  const credentials = { ...MANAGEMENT_CREDENTIALS };
  const floorOptions = {
    endpoint: spec.endpoint,
    region: 'us-east-1',
    credentials,
    accountIds: spec.floorAccountIds,
    concurrency: spec.concurrency,
  };
  if (spec.floorOnly === true) {
    const floor = await measureFloor(floorOptions);
    process.stdout.write(`${JSON.stringify({ floor })}\n`);
    return;
  }
  const engine = createEngine({ region: 'us-east-1', credentials: async () => credentials });
  const desired = parseDesiredState({
    targets: { allAccounts: true },
    mode: spec.mode,
    concurrency: spec.concurrency,
  });
  const profiler = spec.profileDir === undefined ? undefined : await startProfile();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const report = await engine.run(desired);
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  if (profiler !== undefined && spec.profileDir !== undefined) await profiler.stop(spec.profileDir);
  // The kernel's high-water mark (getrusage ru_maxrss, KiB): exact, and free, where sampling
  // rss() every 50 ms cost the engine's CPU figure ~1.5% and could miss a short peak.
  const peak = process.resourceUsage().maxRSS * 1024;
  const floorProfiler = spec.profileDir === undefined ? undefined : await startProfile();
  const floor = await measureFloor(floorOptions);
  if (floorProfiler !== undefined && spec.profileDir !== undefined) {
    await floorProfiler.stop(spec.profileDir, 'floor');
  }
  const result: RunResult = {
    summary: { ...report.summary },
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    peakRssMb: peak / 1024 / 1024,
    reportBytes: Buffer.byteLength(JSON.stringify(report)),
    floor: { calls: floor.calls, cpuMsPerCall: floor.cpuMsPerCall, failures: floor.failures },
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

/** A CPU profile of exactly the engine run (`--cpu-prof` would add start-up and the floor). */
async function startProfile(): Promise<{ stop(dir: string, name?: string): Promise<void> }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  return {
    async stop(dir, name = 'engine') {
      const { profile } = await session.post('Profiler.stop');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${name}-${process.pid}.cpuprofile`), JSON.stringify(profile));
      session.disconnect();
    },
  };
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
