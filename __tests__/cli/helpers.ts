import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';

import type { RunningEmulator } from '../../emulator';
import type { CliIo } from '../../src/cli/io';

const execFileAsync = promisify(execFile);

/** The bundle an operator runs, built from the sources under test by jest's globalSetup. */
export const BIN = join(__dirname, '..', '..', 'bin', 'root-access.js');

export interface CapturedIo {
  readonly io: CliIo;
  stdout(): string;
  stderr(): string;
  /** Questions asked through the prompt, in order. */
  readonly questions: string[];
}

/** A terminal for runCli in-process: captures both streams; `tty` makes it look interactive. */
export function captureIo(options: { tty?: boolean; answers?: string[] } = {}): CapturedIo {
  let out = '';
  let err = '';
  const stderr = new PassThrough() as PassThrough & { isTTY?: boolean };
  stderr.isTTY = options.tty === true;
  stderr.on('data', (chunk: Buffer) => {
    err += chunk.toString('utf8');
  });
  // The progress line asks a TTY stream for its width; a PassThrough needs one to stand in.
  Object.assign(stderr, { columns: 100 });
  const answers = [...(options.answers ?? [])];
  const questions: string[] = [];
  return {
    io: {
      stdout: {
        isTTY: options.tty === true,
        write: (text: string) => {
          out += text;
          return true;
        },
      },
      stderr,
      stdinIsTTY: options.tty === true,
      prompt: async (question) => {
        questions.push(question);
        return answers.shift() ?? '';
      },
    },
    stdout: () => out,
    stderr: () => err,
    questions,
  };
}

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment the built tool gets against an emulator: its endpoint and keys, nothing from this machine. */
export function toolEnv(emulator: RunningEmulator): Record<string, string> {
  return {
    PATH: process.env['PATH'] ?? '',
    AWS_ENDPOINT_URL: emulator.endpoint,
    AWS_REGION: emulator.region,
    AWS_ACCESS_KEY_ID: emulator.managementCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: emulator.managementCredentials.secretAccessKey,
    // No shared config from the machine running the tests.
    AWS_CONFIG_FILE: '/nonexistent',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
  };
}

/** Runs the built `root-access` (bin/root-access.js) as an operator would, against `emulator`. */
export async function runTool(
  emulator: RunningEmulator,
  args: readonly string[],
  extraEnv: Record<string, string> = {},
): Promise<ToolResult> {
  return runToolWithEnv({ ...toolEnv(emulator), ...extraEnv }, args);
}

/** Runs the built `root-access` with exactly `env`. */
export async function runToolWithEnv(
  env: Record<string, string>,
  args: readonly string[],
): Promise<ToolResult> {
  try {
    const { stdout, stderr } = await execFileAsync(process.execPath, [BIN, ...args], {
      env,
      maxBuffer: 64 << 20,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') {
      throw error;
    }
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}
