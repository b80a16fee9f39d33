import { createInterface } from 'node:readline';

/** The terminal the tool talks to; injected so tests can run the whole tool in-process. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean; readonly columns?: number };
  /** A real stream: the progress bar draws on it. */
  readonly stderr: NodeJS.WritableStream & { readonly isTTY?: boolean };
  readonly stdinIsTTY: boolean;
  /** Asks one question on stderr and resolves with the line typed on stdin. */
  prompt(question: string): Promise<string>;
}

export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    stdinIsTTY: process.stdin.isTTY === true,
    prompt: (question) =>
      new Promise((resolve) => {
        // Prompt on stderr so stdout stays the report alone, safe to redirect.
        const readline = createInterface({ input: process.stdin, output: process.stderr });
        let answered = false;
        // Ctrl-C or Ctrl-D at the prompt is a "no", not a hang or a silent exit 0.
        readline.on('SIGINT', () => readline.close());
        readline.on('close', () => {
          if (!answered) {
            process.stderr.write('\n');
            resolve('');
          }
        });
        readline.question(question, (answer) => {
          answered = true;
          readline.close();
          resolve(answer);
        });
      }),
  };
}

/** True when a person is at the keyboard: answers can be typed and the question can be seen. */
export function isInteractive(io: CliIo): boolean {
  return io.stdinIsTTY && io.stderr.isTTY === true;
}
