import type { AccountReport } from '../engine/types';

export interface Progress {
  readonly onAccountDone: (report: AccountReport, done: number, total: number) => void;
  stop(): void;
}

export interface ProgressTiming {
  /** Silence kept before the first sign of progress: a run over by then shows none. @default 1000 */
  readonly quietMs?: number;
  /** Between two plain lines on a non-terminal (CI logs): often enough to show life, rarely enough to read. @default 5000 */
  readonly lineEveryMs?: number;
  /** Between two redraws of the terminal line. @default 200 */
  readonly redrawEveryMs?: number;
}

type Stream = NodeJS.WritableStream & { readonly isTTY?: boolean; readonly columns?: number };

/**
 * Progress on stderr, fed by the engine's `onAccountDone` and a clock, so that a slow start (listing
 * Organizations, a first AssumeRoot at high latency) is visible too. On a terminal: one line redrawn
 * in place; elsewhere: a plain line every few seconds, no control characters. Nothing at all for a
 * run that ends within `quietMs`.
 */
export function createProgress(stream: Stream, label: string, timing: ProgressTiming = {}): Progress {
  const started = Date.now();
  const tty = stream.isTTY === true;
  const quietMs = timing.quietMs ?? 1000;
  const every = tty ? (timing.redrawEveryMs ?? 200) : (timing.lineEveryMs ?? 5000);
  let done = 0;
  let total = 0;
  let shown = false;
  let lastPlain = '';
  let stopped = false;

  const text = (): string => {
    const seconds = Math.round((Date.now() - started) / 1000);
    if (total === 0) return `${label}: listing the organization's accounts (${seconds} s)`;
    return `${label}: ${done} of ${total} accounts done (${seconds} s)`;
  };
  const draw = (): void => {
    if (stopped || Date.now() - started < quietMs) return;
    if (tty) {
      const width = Math.max(20, (stream.columns ?? 80) - 1);
      const bar = total > 0 ? ` [${'#'.repeat(Math.round((done / total) * 20)).padEnd(20, '.')}]` : '';
      stream.write(`\r\u001b[K${`${text()}${bar}`.slice(0, width)}`);
    } else {
      const line = text();
      // A plain line only when something moved, so a stalled run does not flood a log.
      if (line.replace(/\(\d+ s\)$/, '') === lastPlain.replace(/\(\d+ s\)$/, '') && shown) return;
      stream.write(`${line}\n`);
      lastPlain = line;
    }
    shown = true;
  };
  const timer = setInterval(draw, every);
  const first = setTimeout(draw, quietMs);
  timer.unref();
  first.unref();

  return {
    onAccountDone: (_report, doneNow, totalNow) => {
      done = doneNow;
      total = Math.max(totalNow, doneNow);
    },
    stop: () => {
      if (stopped) return;
      clearInterval(timer);
      clearTimeout(first);
      if (shown) {
        if (tty) stream.write('\r\u001b[K');
        else if (done > 0)
          stream.write(
            `${label}: ${done} of ${total} accounts done in ${Math.round((Date.now() - started) / 1000)} s\n`,
          );
      }
      stopped = true;
    },
  };
}
