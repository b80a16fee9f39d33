/**
 * The floor: what an audit's two hot calls cost with nothing but SigV4 signing and HTTP. Per
 * account, `sts:AssumeRoot` (IAMAuditRootUserCredentials) signed with the caller's key and
 * `iam:GetAccountSummary` signed with the session it returned, each signed by
 * `@smithy/signature-v4` and sent over one keep-alive `node:http` agent, the responses read with
 * a regular expression. No retries, no error types, no XML parser: the engine cannot do less work
 * per call than this, so its CPU per call is judged against it (issue 12).
 *
 * How the bench runs it (bench/run.ts): `floorCpuMsPerCall` is the floor run the way the engine's
 * run is, cold, in a fresh process of its own, over the same accounts at the same concurrency,
 * just before the engine's run. Both then pay their own start of JIT compilation and of Node's
 * HTTP machinery, which at 2,000 accounts is a large share of either (engine cold ~1.5-1.6 ms/call
 * vs ~0.9 warm in one process; the floor ~0.6-0.7 cold vs ~0.4 warm). Until 2026-12-03 the only
 * floor was this function run right after the engine in the engine's process over a sample of
 * 2,000 accounts: warm, on code the engine's run had already compiled (node:http, the SigV4
 * signer), so it set a warmed floor against a cold engine. That figure is still printed, as
 * `warmFloorCpuMsPerCall` and `cpuToWarmFloor`. The floor's work itself is unchanged.
 */
import { SignatureV4 } from '@smithy/signature-v4';
import type { Checksum, SourceData } from '@smithy/types';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { Agent, request } from 'node:http';

/** The `Sha256` constructor SignatureV4 wants, over node:crypto (what the SDK's node hash does). */
class NodeSha256 implements Checksum {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.make();
  }
  private make(): Hash | Hmac {
    return this.secret === undefined
      ? createHash('sha256')
      : createHmac(
          'sha256',
          typeof this.secret === 'string' ? this.secret : Buffer.from(this.secret as Uint8Array),
        );
  }
  update(data: Uint8Array | string): void {
    this.hash.update(
      typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength),
    );
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset(): void {
    this.hash = this.make();
  }
}

export interface FloorOptions {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
  readonly accountIds: readonly string[];
  readonly concurrency: number;
}

export interface FloorResult {
  readonly calls: number;
  readonly failures: number;
  readonly cpuMs: number;
  readonly wallMs: number;
  readonly cpuMsPerCall: number;
}

interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export async function measureFloor(options: FloorOptions): Promise<FloorResult> {
  const url = new URL(options.endpoint);
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency + 4 });
  const callerSigner = signerFor('sts', options.region, options.credentials);
  let calls = 0;
  let failures = 0;

  const send = async (signer: SignatureV4, body: string): Promise<string> => {
    const signed = await signer.sign({
      method: 'POST',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: '/',
      query: {},
      headers: {
        host: url.host,
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      },
      body,
    });
    calls += 1;
    return new Promise<string>((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path: '/',
          headers: signed.headers,
          agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (res.statusCode !== 200) reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`));
            else resolve(text);
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  };

  const audit = async (accountId: string): Promise<void> => {
    const assumed = await send(
      callerSigner,
      `Action=AssumeRoot&Version=2011-06-15&TargetPrincipal=${accountId}` +
        `&TaskPolicyArn.arn=${encodeURIComponent('arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials')}` +
        '&DurationSeconds=900',
    );
    const session: Creds = {
      accessKeyId: tag(assumed, 'AccessKeyId'),
      secretAccessKey: tag(assumed, 'SecretAccessKey'),
      sessionToken: tag(assumed, 'SessionToken'),
    };
    const summary = await send(
      signerFor('iam', options.region, session),
      'Action=GetAccountSummary&Version=2010-05-08',
    );
    if (!summary.includes('AccountMFAEnabled')) throw new Error('GetAccountSummary returned no summary');
  };

  let next = 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: options.concurrency }, async () => {
      while (next < options.accountIds.length) {
        const accountId = options.accountIds[next];
        next += 1;
        if (accountId === undefined) break;
        await audit(accountId).catch(() => {
          failures += 1;
        });
      }
    }),
  );
  const wallMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuBefore);
  agent.destroy();
  const cpuMs = (cpu.user + cpu.system) / 1000;
  return { calls, failures, cpuMs, wallMs, cpuMsPerCall: cpuMs / Math.max(1, calls) };
}

function signerFor(service: string, region: string, credentials: Creds): SignatureV4 {
  return new SignatureV4({ service, region, credentials, sha256: NodeSha256 });
}

function tag(xml: string, name: string): string {
  const value = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
  if (value === undefined) throw new Error(`response has no ${name}`);
  return value;
}
