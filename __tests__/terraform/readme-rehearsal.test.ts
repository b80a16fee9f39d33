/**
 * The README's "Rehearse the deployment against it", run as written: the shell blocks marked
 * `<!-- rehearsal:NAME -->` in README.md are read from the file (so they cannot drift from what
 * readers paste) and run with bash, in order, on a copy of the repository, as a reader on a fresh
 * clone would after `npm ci`: the emulator block in the background (terminal 1), then deploy,
 * drift and destroy (terminal 2).
 *
 * Two substitutions, both what a reader's machine provides: the emulator's port 4566 becomes a
 * free port (tests never take fixed ports), and `TF_PROVIDER_MIRROR` is set to the mirror this
 * machine has. The copy holds the repository's files (tracked and new, not ignored), its
 * `dist/` bundles with their timestamps (so synth does not rebuild them) and a link to its
 * `node_modules`.
 *
 * Needs Terraform, the provider mirror and python3 with moto[server]; locally a missing tool
 * skips the tier loudly, under CI=true it fails.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { findMotoPython } from '../../emulator/index';
import {
  findProviderMirror,
  findTerraform,
  isCi,
  requireTerraformTier,
  terraformTier,
} from '../support/terraform';

const REPO = path.resolve(__dirname, '..', '..');
const README_PORT = '4566';

/** The shell blocks of README.md that follow a `<!-- rehearsal:NAME -->` marker, by name. */
export function rehearsalBlocks(readme: string): Map<string, string> {
  const blocks = new Map<string, string>();
  const pattern = /<!-- rehearsal:([a-z-]+) -->\s*```sh\n([\s\S]*?)\n```/g;
  for (const match of readme.matchAll(pattern)) {
    const [, name, code] = match;
    if (name === undefined || code === undefined) continue;
    if (blocks.has(name)) throw new Error(`README.md has two rehearsal blocks named "${name}"`);
    blocks.set(name, code);
  }
  return blocks;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

/** A reader's shell: their PATH and HOME, no AWS settings of their own, no npm_* of a parent npm. */
function readerEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (name.startsWith('AWS_') || name.startsWith('npm_') || name.startsWith('TF_')) continue;
    env[name] = value;
  }
  const terraform = findTerraform();
  if (terraform !== undefined)
    env['PATH'] = `${path.dirname(terraform)}${path.delimiter}${env['PATH'] ?? ''}`;
  env['TF_PROVIDER_MIRROR'] = findProviderMirror();
  env['TF_IN_AUTOMATION'] = '1';
  // Terraform's CLI configuration comes from the block (TF_CLI_CONFIG_FILE); no plugin cache hides a gap.
  delete env['TF_PLUGIN_CACHE_DIR'];
  return env;
}

interface Run {
  readonly status: number | null;
  readonly output: string;
}

function bash(code: string, cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-euo', 'pipefail', '-c', code], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    const timer = setTimeout(() => {
      output += `\n[killed after ${timeoutMs} ms]`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    });
  });
}

function expectRan(name: string, run: Run): void {
  if (run.status !== 0) {
    throw new Error(
      `README rehearsal block "${name}" exited ${String(run.status)}:\n${run.output.split('\n').slice(-80).join('\n')}`,
    );
  }
}

/** The repository as a fresh clone after `npm ci` would have it, in `target`. */
function copyRepository(target: string): void {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: REPO,
    encoding: 'utf8',
  })
    .split('\0')
    .filter((file) => file !== '');
  for (const file of files) {
    const from = path.join(REPO, file);
    mkdirSync(path.dirname(path.join(target, file)), { recursive: true });
    try {
      cpSync(from, path.join(target, file), { preserveTimestamps: true });
    } catch (error) {
      // A file deleted in the work tree but still in the index is not in a fresh checkout either.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
  cpSync(path.join(REPO, 'dist'), path.join(target, 'dist'), { recursive: true, preserveTimestamps: true });
  symlinkSync(path.join(REPO, 'node_modules'), path.join(target, 'node_modules'), 'dir');
}

function tierDescribe(): jest.Describe {
  const moto = findMotoPython();
  if (moto.ok || isCi()) return terraformTier('README rehearsal');
  console.warn(`\n!! SKIPPING the README rehearsal: ${moto.message}. Under CI=true it fails instead.\n`);
  return describe.skip;
}

describe('the README rehearsal blocks', () => {
  it('are all there, in the order the README gives them', () => {
    const blocks = rehearsalBlocks(readFileSync(path.join(REPO, 'README.md'), 'utf8'));
    expect([...blocks.keys()]).toEqual(['emulator', 'deploy', 'drift', 'destroy']);
    // The deploy block carries the Terraform CLI configuration for a provider mirror.
    expect(blocks.get('deploy')).toMatch(/TF_CLI_CONFIG_FILE=/);
    expect(blocks.get('deploy')).toMatch(/CHECKPOINT_DISABLE=1/);
    expect(blocks.get('deploy')).toMatch(/filesystem_mirror/);
  });
});

tierDescribe()('the README rehearsal, pasted in order on a copy of the repository', () => {
  let work: string;
  let blocks: Map<string, string>;
  let env: NodeJS.ProcessEnv;
  let emulator: ChildProcess | undefined;
  let printed = '';
  let port = '';

  const block = (name: string): string => {
    const code = blocks.get(name);
    if (code === undefined) throw new Error(`README.md has no <!-- rehearsal:${name} --> block`);
    return code.replaceAll(README_PORT, port);
  };
  /** Later blocks run in terminal 2 after deploy: the same shell, so its exports still hold. */
  const inTerminal2 = (name: string): string =>
    [
      ...block('deploy')
        .split('\n')
        .filter((line) => line.startsWith('export ')),
      block(name),
    ].join('\n');

  beforeAll(async () => {
    requireTerraformTier();
    work = mkdtempSync(path.join(tmpdir(), 'root-access-readme-'));
    copyRepository(work);
    blocks = rehearsalBlocks(readFileSync(path.join(work, 'README.md'), 'utf8'));
    port = String(await freePort());
    env = readerEnv();
    // Terminal 1. Its own process group, so Ctrl-C (SIGINT) reaches npm, tsx, node and moto alike.
    const child = spawn('bash', ['-c', block('emulator')], {
      cwd: work,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    emulator = child;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the emulator block printed no credentials:\n${printed}`)),
        60_000,
      );
      const onData = (chunk: string): void => {
        printed += chunk;
        if (/export AWS_SECRET_ACCESS_KEY=\S+\n/.test(printed)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout.setEncoding('utf8').on('data', onData);
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (printed += chunk));
      child.on('exit', (status) => {
        clearTimeout(timer);
        reject(new Error(`the emulator block exited ${String(status)}:\n${printed}`));
      });
    });
  }, 120_000);

  afterAll(async () => {
    const child = emulator;
    if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(-child.pid, 'SIGINT');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
    }
    if (child?.pid !== undefined) {
      try {
        // Whatever of the group outlived Ctrl-C (moto, a stuck child).
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // ESRCH: the whole group is gone, as it should be.
      }
      child.stdout?.destroy();
      child.stderr?.destroy();
    }
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  }, 30_000);

  it('terminal 1 prints the credentials the README shows', () => {
    const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8');
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION']) {
      const line = new RegExp(`^export ${name}=(\\S+)$`, 'm').exec(printed)?.[0];
      expect(line).toBeDefined();
      expect(readme).toContain(line ?? '');
      // The deploy block exports the same value.
      expect(block('deploy')).toContain(line?.replace(/^export /, '') ?? '');
    }
  });

  it('deploys the shipped config: synth, init, apply, and the report lists the accounts', async () => {
    const run = await bash(block('deploy'), work, env, 420_000);
    expectRan('deploy', run);
    expect(run.output).toMatch(/Apply complete!/);
    expect(run.output).toContain('333333333333');
    expect(run.output).toMatch(/non-compliant/);
  }, 450_000);

  it('shows drift: the PUT gives an account credentials and the next plan warns about it', async () => {
    const run = await bash(inTerminal2('drift'), work, env, 240_000);
    expectRan('drift', run);
    expect(run.output).toMatch(/Warning/);
    expect(run.output).toContain('666666666666');
  }, 250_000);

  it('destroys the stack', async () => {
    const run = await bash(inTerminal2('destroy'), work, env, 240_000);
    expectRan('destroy', run);
    expect(run.output).toMatch(/Destroy complete!/);
  }, 250_000);
});
