/**
 * The emulator in a child process of its own (`emulator/cli.ts`, as `npm run emulator` starts
 * it), so it never competes with the engine for an event loop and the engine's CPU and memory
 * figures are the engine's alone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ChildEmulator {
  readonly endpoint: string;
  readonly pid: number;
  /** User + system CPU of the emulator process so far, from /proc (0 where there is none). */
  cpuMs(): number;
  stop(): Promise<void>;
}

export async function startChildEmulator(scenario: object): Promise<ChildEmulator> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-emulator-'));
  const scenarioFile = join(dir, 'scenario.json');
  writeFileSync(scenarioFile, JSON.stringify(scenario));
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', join(__dirname, '../../emulator/cli.ts'), '--scenario', scenarioFile, '--port', '0'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let endpoint: string;
  try {
    endpoint = await new Promise<string>((resolve, reject) => {
      let output = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /export AWS_ENDPOINT_URL=(\S+)/.exec(output);
        if (match?.[1]) resolve(match[1]);
      });
      child.once('exit', (code) => reject(new Error(`emulator exited with ${code}: ${output}`)));
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const pid = child.pid ?? 0;
  return {
    endpoint,
    pid,
    cpuMs: () => processCpuMs(pid),
    stop: async () => {
      const exited = new Promise<void>((resolve) => {
        if (child.exitCode !== null) resolve();
        else child.once('exit', () => resolve());
      });
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const CLOCK_TICKS_PER_SECOND = 100;

/** utime + stime of a process from /proc/PID/stat (fields 14 and 15), in ms. */
export function processCpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}
