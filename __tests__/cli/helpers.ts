import { PassThrough } from 'node:stream';

import type { CliIo } from '../../src/cli/io';

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
