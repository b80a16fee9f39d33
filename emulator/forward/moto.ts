/**
 * A moto server that the emulator starts, owns and stops: the AWS services the emulator does
 * not model (Lambda function management, CloudWatch Logs and alarms, EventBridge, Scheduler,
 * SNS, SQS queues, IAM roles) are forwarded to it.
 *
 * moto runs in its own process group, so stopping it also stops anything it spawned (its
 * Werkzeug reloader is off, but a group kill does not depend on that). A process-exit hook
 * kills the group as a last resort when the owner dies without calling `stop()`.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

export interface MotoOptions {
  /** The Python interpreter; default `MOTO_PYTHON`, else `python3` on PATH. */
  python?: string;
  /**
   * The account moto files everything under (its `MOTO_ACCOUNT_ID`). The emulator passes the
   * management account, so role, function and queue ARNs agree with STS GetCallerIdentity.
   */
  accountId: string;
  /** Milliseconds to wait for moto to answer; default 30 s (a cold import of moto takes 2-5 s). */
  startTimeoutMs?: number;
}

export interface MotoServer {
  /** `http://127.0.0.1:PORT` */
  readonly endpoint: string;
  readonly pid: number;
  /** What moto wrote to stdout/stderr, newest last, at most ~64 KB (moto logs every request). */
  output(): string;
  stop(): Promise<void>;
}

export class MotoUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MotoUnavailableError';
  }
}

const OUTPUT_LIMIT = 64 * 1024;

/** The interpreter that can import moto's server, or a message saying what is missing and how to fix it. */
export function findMotoPython(
  env: NodeJS.ProcessEnv = process.env,
): { ok: true; python: string } | { ok: false; message: string } {
  const python =
    env['MOTO_PYTHON'] !== undefined && env['MOTO_PYTHON'] !== '' ? env['MOTO_PYTHON'] : 'python3';
  const probe = spawnSync(python, ['-c', 'import moto.server, flask_cors'], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (probe.error !== undefined) {
    return {
      ok: false,
      message: `cannot run ${python} (${probe.error.message}); install Python 3 or set MOTO_PYTHON to an interpreter with moto[server]`,
    };
  }
  if (probe.status !== 0) {
    const reason = probe.stderr.trim().split('\n').pop() ?? `exit code ${String(probe.status)}`;
    return {
      ok: false,
      message: `${python} cannot import moto's server (${reason}); install it with \`${python} -m pip install 'moto[server]'\` or set MOTO_PYTHON`,
    };
  }
  return { ok: true, python };
}

export async function startMoto(options: MotoOptions): Promise<MotoServer> {
  const found =
    options.python !== undefined ? { ok: true as const, python: options.python } : findMotoPython();
  if (!found.ok) throw new MotoUnavailableError(found.message);
  const deadline = Date.now() + (options.startTimeoutMs ?? 30_000);
  // A free port can be taken between probing and binding; moto then exits and we try another.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const server = launch(found.python, port, options.accountId);
    const ready = await waitUntilReady(server, deadline);
    if (ready === 'ready') return server;
    await server.stop();
    if (ready === 'timeout' || attempt >= 3) {
      throw new MotoUnavailableError(
        `moto did not answer on ${server.endpoint} (${ready === 'timeout' ? 'timed out' : 'exited'}): ${tail(server.output())}`,
      );
    }
  }
}

/**
 * moto's server, started through `python -c` so that moto's IAM policy validator can be
 * corrected first: it refuses `arn:aws:iam::*:root` as a resource ("IAM resource path must
 * either be "*" or start with user/, ..."), which IAM accepts and AWS's own AssumeRoot examples
 * use (`"Resource": "arn:aws:iam::*:root"` with an `sts:TaskPolicyArn` condition). Without this,
 * `PutRolePolicy` of the reconciler's least-privilege policy fails with MalformedPolicyDocument.
 */
const MOTO_BOOTSTRAP = [
  'import sys',
  'from moto.iam import policy_validation',
  "policy_validation.VALID_RESOURCE_PATH_STARTING_VALUES['iam']['values'].append('root')",
  'from moto.server import main',
  'main(sys.argv[1:])',
].join('\n');

function launch(python: string, port: number, accountId: string): MotoServer & { exited(): boolean } {
  const child: ChildProcess = spawn(python, ['-c', MOTO_BOOTSTRAP, '-H', '127.0.0.1', '-p', String(port)], {
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...pickEnv(process.env, ['PATH', 'HOME', 'LANG', 'LC_ALL', 'PYTHONPATH', 'VIRTUAL_ENV', 'TMPDIR']),
      MOTO_ACCOUNT_ID: accountId,
      // moto must never reach real AWS or docker; Lambda Invoke is served by the emulator instead.
      AWS_ACCESS_KEY_ID: 'moto-forwarded',
      AWS_SECRET_ACCESS_KEY: 'moto-forwarded',
      PYTHONUNBUFFERED: '1',
    },
  });
  let output = '';
  const collect = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    if (output.length > OUTPUT_LIMIT * 2) output = output.slice(-OUTPUT_LIMIT);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  let exited = false;
  const exit = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
    child.once('error', (error) => {
      output += `\n${error.message}`;
      exited = true;
      resolve();
    });
  });
  const pid = child.pid ?? -1;
  const killGroup = (signal: NodeJS.Signals): void => {
    if (pid <= 0 || exited) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // Already gone.
    }
  };
  const onProcessExit = (): void => killGroup('SIGKILL');
  process.once('exit', onProcessExit);

  let stopping: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    pid,
    output: () => output.slice(-OUTPUT_LIMIT),
    exited: () => exited,
    stop() {
      stopping ??= (async () => {
        process.off('exit', onProcessExit);
        killGroup('SIGTERM');
        const killed = await Promise.race([exit.then(() => true), delay(3_000).then(() => false)]);
        if (!killed) {
          killGroup('SIGKILL');
          await exit;
        }
        child.stdout?.destroy();
        child.stderr?.destroy();
      })();
      return stopping;
    },
  };
}

async function waitUntilReady(
  server: MotoServer & { exited(): boolean },
  deadline: number,
): Promise<'ready' | 'exited' | 'timeout'> {
  while (Date.now() < deadline) {
    if (server.exited()) return 'exited';
    try {
      const response = await fetch(`${server.endpoint}/moto-api/data.json`, {
        signal: AbortSignal.timeout(1_000),
      });
      await response.arrayBuffer();
      if (response.ok) return 'ready';
    } catch {
      // Not listening yet.
    }
    await delay(100);
  }
  return 'timeout';
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

function pickEnv(env: NodeJS.ProcessEnv, names: readonly string[]): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of names) {
    const value = env[name];
    if (value !== undefined) picked[name] = value;
  }
  return picked;
}

function tail(text: string): string {
  const lines = text.trim().split('\n');
  return lines.slice(-5).join(' | ') || '(no output)';
}

/** Unref'd: a pending grace-period timer must not keep the owner's process alive. */
function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
