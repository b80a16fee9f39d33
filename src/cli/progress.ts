import { SingleBar } from 'cli-progress';

import type { AccountReport } from '../engine/types';

/** Below this many accounts a bar only flickers; the run is over before it is read. */
export const PROGRESS_MIN_ACCOUNTS = 5;

export interface Progress {
  readonly onAccountDone: (report: AccountReport, done: number, total: number) => void;
  stop(): void;
}

/**
 * A progress bar on stderr, fed by the engine's `onAccountDone`. Drawn only on a terminal, so piped
 * or captured stderr (CI logs) gets no control characters.
 */
export function createProgress(
  stream: NodeJS.WritableStream & { readonly isTTY?: boolean },
  label: string,
): Progress {
  if (stream.isTTY !== true) {
    return { onAccountDone: () => undefined, stop: () => undefined };
  }
  let bar: SingleBar | undefined;
  return {
    onAccountDone: (_report, done, total) => {
      if (total <= PROGRESS_MIN_ACCOUNTS) {
        return;
      }
      if (bar === undefined) {
        bar = new SingleBar({
          stream,
          format: `${label} {bar} {value}/{total} accounts | {eta_formatted} left`,
          hideCursor: true,
          clearOnComplete: true,
        });
        bar.start(total, 0);
      }
      bar.setTotal(total);
      bar.update(done);
    },
    stop: () => {
      bar?.stop();
      bar = undefined;
    },
  };
}
