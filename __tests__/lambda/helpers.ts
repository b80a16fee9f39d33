/**
 * Handler test helpers: the BUILT Lambda bundle (not the TypeScript) running in a plain Node
 * process (as the Lambda runtime runs it; jest's VM cannot execute its `import("node:http")`),
 * with the SDK's standard environment pointing it at an in-process emulator, a fake Lambda
 * context, and everything the function writes to stdout (Powertools logs, EMF metrics).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

import { locateBundle } from '../../src/constructs/enforcer/bundle';
import type { RunningEmulator } from '../../emulator/index';
import { MANAGEMENT_ACCOUNT } from '../support/emulator';
import type { CallRecord } from '../../emulator/model/state';

export const FUNCTION_NAME = 'root-credentials-enforcer';

export interface Invocation {
  readonly result?: Record<string, unknown>;
  readonly error?: { readonly name: string; readonly message: string };
  /** stdout lines written during the invocation. */
  readonly lines: string[];
  /** stderr lines written during the invocation: Powertools writes warnings and errors there. */
  readonly errorLines: string[];
}

export interface InvokeOptions {
  /** What `context.getRemainingTimeInMillis()` starts from. @default 600_000 */
  readonly remainingMs?: number;
  /** Environment changes for this and later invocations; null removes a variable. */
  readonly env?: Record<string, string | null>;
  readonly requestId?: string;
}

export interface BundledLambda {
  invoke(event: unknown, options?: InvokeOptions): Promise<Invocation>;
  stop(): Promise<void>;
}

/**
 * Builds the bundle when it is missing or older than its sources (the check `cdktf synth`
 * makes), then starts one warm "container" for it.
 */
export async function startBundledLambda(
  emulator: RunningEmulator,
  env: Record<string, string> = {},
): Promise<BundledLambda> {
  const { directory } = locateBundle();
  const childEnv: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    AWS_ENDPOINT_URL: emulator.endpoint,
    AWS_REGION: emulator.region,
    AWS_ACCESS_KEY_ID: emulator.managementCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: emulator.managementCredentials.secretAccessKey,
    POWERTOOLS_SERVICE_NAME: FUNCTION_NAME,
    NODE_OPTIONS: '--enable-source-maps',
    ...env,
  };
  const child: ChildProcess = fork(join(__dirname, 'lambda-runner.cjs'), [join(directory, 'index.js')], {
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let wake: (() => void) | undefined;
  /** One stream's lines since the last invocation started, and the invocations it has ended. */
  const collect = (stream: NodeJS.ReadableStream, onChunk?: (text: string) => void) => {
    let buffered = '';
    const collected = { lines: [] as string[], ended: new Set<string>() };
    stream.on('data', (chunk: Buffer) => {
      onChunk?.(chunk.toString());
      buffered += chunk.toString();
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      for (const line of parts) {
        const marker = /^@@end (\S+)$/.exec(line);
        if (marker) collected.ended.add(marker[1]);
        else if (line) collected.lines.push(line);
      }
      wake?.();
    });
    return collected;
  };
  const { lines, ended } = collect(child.stdout!);
  let stderr = '';
  const { lines: errorLines, ended: endedErr } = collect(child.stderr!, (text) => (stderr += text));
  type Reply = { id?: string; result?: Record<string, unknown>; error?: Invocation['error'] };
  const replies = new Map<string, Reply>();
  child.on('message', (message: Reply) => {
    if (message.id !== undefined) {
      replies.set(message.id, message);
      wake?.();
    }
  });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) =>
      reject(new Error(`the bundle exited with ${String(code)} on load:\n${stderr}`)),
    );
  });
  let sequence = 0;
  return {
    async invoke(event, options = {}) {
      const id = String(++sequence);
      lines.length = 0;
      errorLines.length = 0;
      child.send({
        id,
        event,
        remainingMs: options.remainingMs ?? 600_000,
        functionName: FUNCTION_NAME,
        // Lambda's context names the function's own ARN, in the account it runs in.
        invokedFunctionArn: `arn:aws:lambda:${emulator.region}:${MANAGEMENT_ACCOUNT}:function:${FUNCTION_NAME}`,
        requestId: options.requestId ?? `req-${id}`,
        env: options.env ?? {},
      });
      while (!(replies.has(id) && ended.has(id) && endedErr.has(id))) {
        if (child.exitCode !== null) throw new Error(`the bundle process died:\n${stderr}`);
        await new Promise<void>((resolve) => (wake = resolve));
      }
      const reply = replies.get(id)!;
      const captured = { lines: [...lines], errorLines: [...errorLines] };
      return reply.error !== undefined
        ? { error: reply.error, ...captured }
        : { result: reply.result ?? {}, ...captured };
    },
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill();
        await exited;
      }
    },
  };
}

export const mutating = (calls: readonly CallRecord[]): CallRecord[] => calls.filter((call) => call.mutating);
export const touching = (calls: readonly CallRecord[], accountId: string): CallRecord[] =>
  calls.filter((call) => call.accountId === accountId && call.service === 'iam');

/** The EMF metric values in captured stdout, by name (last value wins). */
export function emfMetrics(lines: readonly string[]): Record<string, number> {
  const values: Record<string, number> = {};
  for (const line of lines) {
    if (!line.includes('"_aws"')) continue;
    const doc = JSON.parse(line) as Record<string, unknown> & {
      _aws: { CloudWatchMetrics: { Metrics: { Name: string }[]; Namespace: string }[] };
    };
    for (const directive of doc._aws.CloudWatchMetrics) {
      for (const metric of directive.Metrics) {
        values[`${directive.Namespace}/${metric.Name}`] = doc[metric.Name] as number;
      }
    }
  }
  return values;
}
