import type { EngineLogger } from '../engine/types';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };
const LABEL: Record<LogLevel, string> = { debug: 'debug', info: 'info', warn: 'warning', error: 'error' };

/**
 * The engine's log sink for an operator's shell: one line per record on stderr, so stdout carries the
 * report alone. Quiet by default (warnings and errors); the engine never hands it secrets.
 */
export function createStderrLogger(write: (text: string) => void, level: LogLevel): EngineLogger {
  const emit =
    (at: LogLevel) =>
    (message: string, attributes?: Record<string, unknown>): void => {
      if (RANK[at] < RANK[level]) {
        return;
      }
      const extra =
        attributes !== undefined && Object.keys(attributes).length > 0 ? ` ${safeJson(attributes)}` : '';
      write(`${LABEL[at]}: ${message}${extra}\n`);
    };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

function safeJson(attributes: Record<string, unknown>): string {
  try {
    return JSON.stringify(attributes, (_key, value: unknown) =>
      value instanceof Error ? { name: value.name, message: value.message } : value,
    );
  } catch {
    // A cyclic attribute must not turn a log line into a crash.
    return '[unserializable attributes]';
  }
}
