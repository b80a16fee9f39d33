/**
 * Emulator throughput: simple AWS calls per second over raw signed HTTP with keep-alive.
 *
 *   npx tsx bench/emulator-throughput.ts [--seconds 5] [--concurrency 32]
 *
 * The emulator runs as its own process (`emulator/cli.ts`, as `npm run emulator` starts it) so
 * the load generator does not compete with it for the event loop. Each workload signs one request
 * once with a declared principal's secret (so the server verifies SigV4 on every call) and sends
 * it repeatedly; the bar is 2,000 calls/s (design section 4, issue 3).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  MEMBER_ACCOUNT,
  RECONCILER,
  baseScenario,
  signQuery,
  taskPolicy,
} from '../__tests__/support/emulator';

interface Options {
  seconds: number;
  concurrency: number;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { seconds: 5, concurrency: 32 };
  for (let i = 0; i < argv.length; i += 2) {
    const value = Number(argv[i + 1]);
    if (argv[i] === '--seconds' && value > 0) options.seconds = value;
    else if (argv[i] === '--concurrency' && Number.isInteger(value) && value > 0) options.concurrency = value;
    else throw new Error(`unknown or bad argument ${argv[i]} ${argv[i + 1]}`);
  }
  return options;
}

async function startChild(
  scenarioPath: string,
): Promise<{ child: ChildProcess; endpoint: string; startupMs: number; inProcessMs: number }> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'emulator/cli.ts', '--scenario', scenarioPath, '--port', '0'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const output = await new Promise<string>((resolve, reject) => {
    let text = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
      if (/export AWS_ENDPOINT_URL=\S+\n/.test(text)) resolve(text);
    });
    child.once('exit', (code) => reject(new Error(`emulator exited with ${code} before listening`)));
  });
  const startupMs = performance.now() - started;
  const endpoint = /export AWS_ENDPOINT_URL=(\S+)/.exec(output)?.[1] ?? '';
  // The CLI reports how long startEmulator itself took (scenario load + listen).
  const inProcessMs = Number(/started in (\d+) ms/.exec(output)?.[1] ?? NaN);
  return { child, endpoint, startupMs, inProcessMs };
}

interface Prepared {
  path: string;
  headers: Record<string, string>;
  body: string;
}

function send(endpoint: URL, agent: Agent, prepared: Prepared): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: endpoint.hostname,
        port: endpoint.port,
        method: 'POST',
        path: prepared.path,
        headers: prepared.headers,
        agent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
      },
    );
    req.on('error', reject);
    req.end(prepared.body);
  });
}

async function measure(name: string, endpoint: URL, prepared: Prepared, options: Options): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const latencies: number[] = [];
  let failures = 0;
  const deadline = performance.now() + options.seconds * 1000;
  const worker = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const started = performance.now();
      const response = await send(endpoint, agent, prepared);
      latencies.push(performance.now() - started);
      if (response.status !== 200) failures += 1;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: options.concurrency }, () => worker()));
  const elapsedSeconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const rate = latencies.length / elapsedSeconds;
  const pct = (p: number): string => (latencies[Math.floor((latencies.length - 1) * p)] ?? 0).toFixed(1);
  console.log(
    `${name.padEnd(34)} ${rate.toFixed(0).padStart(6)} calls/s  (${latencies.length} calls, ${failures} failed, p50 ${pct(0.5)} ms, p99 ${pct(0.99)} ms)`,
  );
  return rate;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'emulator-bench-'));
  const scenarioPath = join(dir, 'scenario.json');
  writeFileSync(scenarioPath, JSON.stringify(baseScenario()));
  const { child, endpoint, startupMs, inProcessMs } = await startChild(scenarioPath);
  try {
    const url = new URL(endpoint);
    console.log(
      `emulator process ready in ${startupMs.toFixed(0)} ms (spawn + tsx + imports + start); startEmulator ${inProcessMs} ms`,
    );
    console.log(
      `concurrency ${options.concurrency}, ${options.seconds} s per workload, keep-alive, SigV4 verified`,
    );

    const identity = await signQuery(
      endpoint,
      'sts',
      RECONCILER,
      'Action=GetCallerIdentity&Version=2011-06-15',
    );
    const identityRate = await measure('sts:GetCallerIdentity', url, identity, options);

    const assume = await signQuery(
      endpoint,
      'sts',
      RECONCILER,
      `Action=AssumeRoot&Version=2011-06-15&TargetPrincipal=${MEMBER_ACCOUNT}&TaskPolicyArn.arn=${encodeURIComponent(taskPolicy('IAMAuditRootUserCredentials'))}`,
    );
    const assumed = await send(url, new Agent(), assume);
    const field = (tag: string): string =>
      new RegExp(`<${tag}>([^<]+)</${tag}>`).exec(assumed.body)?.[1] ?? '';
    const session = {
      accessKeyId: field('AccessKeyId'),
      secretAccessKey: field('SecretAccessKey'),
      sessionToken: field('SessionToken'),
    };
    const summary = await signQuery(endpoint, 'iam', session, 'Action=GetAccountSummary&Version=2010-05-08');
    const summaryRate = await measure('iam:GetAccountSummary (root session)', url, summary, options);

    const worst = Math.min(identityRate, summaryRate);
    console.log(
      `bar 2000 calls/s: ${worst >= 2000 ? 'met' : 'NOT met'} (slowest workload ${worst.toFixed(0)} calls/s)`,
    );
  } finally {
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
