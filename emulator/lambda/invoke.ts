/**
 * Lambda `Invoke`, served by the emulator and never forwarded: the function deployed through
 * moto runs for real, in a child Node process, as Lambda would run it.
 *
 * - Code: the `ZipFile` of `CreateFunction`/`UpdateFunctionCode`, captured as the request passes
 *   through to moto and keyed by its `CodeSha256` (moto's copy sits behind an amazonaws.com S3
 *   URL). It is unpacked once per code hash with node:zlib ({@link extractZip}).
 * - Configuration: read from moto at each invoke (handler, environment, timeout, role), so an
 *   `UpdateFunctionConfiguration` takes effect as in Lambda.
 * - Credentials: a role session for the function's role, declared in the emulator for the
 *   invocation only, whose identity policies are the role's policies as moto holds them now.
 *   The function's least-privilege policy is therefore evaluated for real: an `AssumeRoot` whose
 *   task policy its `sts:TaskPolicyArn` condition does not allow is denied.
 * - Result: the payload; a thrown error is `X-Amz-Function-Error: Unhandled` with
 *   `{errorMessage, errorType, trace}`, which fails `aws_lambda_invocation` as Lambda would.
 * - `Event` invocations are queued (202), run at most {@link EVENT_CONCURRENCY} at a time and are
 *   awaited (then killed after a grace period) by {@link LambdaRuntime.stop}.
 *
 * The child's output goes to a per-invocation buffer, never to the emulator's own output unless
 * `EMULATOR_LAMBDA_DEBUG=1`.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import type { RawResponse, RequestContext } from '../model/request';
import type { IamPrincipal, PolicyDocument } from '../model/state';
import type { ForwardedExchange, MotoForwarder } from '../forward/forwarder';
import type { RouteHandler, RoutedRequest } from '../server/router';
import { extractZip } from './zip';

/** Asynchronous invocations running at once; more wait in a queue of {@link EVENT_QUEUE_LIMIT}. */
export const EVENT_CONCURRENCY = 2;
export const EVENT_QUEUE_LIMIT = 100;
/** How long `stop()` lets running invocations finish before killing them. */
const STOP_GRACE_MS = 5_000;
const LOG_LIMIT = 256 * 1024;
const TAIL_LIMIT = 4 * 1024;
const HISTORY_LIMIT = 200;
const CODE_CACHE_LIMIT = 16;

export interface LambdaRuntimeHost {
  /** The emulator's own endpoint, given to the function as `AWS_ENDPOINT_URL`. */
  endpoint(): string;
  region(): string;
  declarePrincipal(principal: IamPrincipal): void;
  retirePrincipal(accessKeyId: string): void;
}

export interface InvocationRecord {
  requestId: string;
  functionName: string;
  invocationType: 'RequestResponse' | 'Event';
  outcome: 'succeeded' | 'failed' | 'timed-out';
  startedAt: string;
  durationMs: number;
  /** What the function wrote to stdout and stderr (the tail, when it wrote more than 256 KB). */
  logs: string;
  /** The function's error, when it failed. */
  error?: FunctionError;
}

export interface FunctionError {
  errorMessage: string;
  errorType?: string;
  trace?: string[];
}

interface FunctionConfiguration {
  FunctionName: string;
  FunctionArn: string;
  Handler?: string;
  Role: string;
  Timeout?: number;
  MemorySize?: number;
  CodeSha256?: string;
  Environment?: { Variables?: Record<string, string> };
}

interface RunOutcome {
  payload: string;
  error?: FunctionError;
  timedOut: boolean;
  logs: string;
}

const RUNTIME_SCRIPT = path.join(__dirname, 'runtime.cjs');
const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/;

export class LambdaRuntime implements RouteHandler {
  readonly service = 'lambda';
  private readonly code = new Map<string, Buffer>();
  private readonly unpacked = new Map<string, string>();
  private readonly workDir = mkdtempSync(path.join(tmpdir(), 'emulator-lambda-'));
  private readonly running = new Set<ChildProcess>();
  private readonly pendingEvents: Array<() => Promise<void>> = [];
  private readonly activeEvents = new Set<Promise<void>>();
  private readonly history: InvocationRecord[] = [];
  private stopping = false;

  constructor(
    private readonly moto: MotoForwarder,
    private readonly host: LambdaRuntimeHost,
  ) {
    moto.observe((exchange) => this.captureCode(exchange));
  }

  /** The most recent invocations, oldest first. */
  invocations(): InvocationRecord[] {
    return this.history.slice();
  }

  actionOf(): string {
    return 'Invoke';
  }

  async handle(request: RoutedRequest, ctx: RequestContext): Promise<RawResponse> {
    const match = INVOKE_PATH.exec(request.rawPath);
    const name = decodeURIComponent(match?.[1] ?? '');
    ctx.annotate({ action: 'Invoke', accountId: ctx.principal.accountId, mutating: false });
    const qualifier = request.query.get('Qualifier');
    const configResponse = await this.motoGet(
      `/2015-03-31/functions/${encodeURIComponent(name)}/configuration`,
      qualifier !== null && qualifier !== '$LATEST' ? `Qualifier=${encodeURIComponent(qualifier)}` : '',
    );
    // moto's ResourceNotFoundException is Lambda's, word for word.
    if (configResponse.status !== 200) return configResponse;
    const config = JSON.parse(configResponse.body) as FunctionConfiguration;

    if (ctx.principal.kind === 'iam' && ctx.principal.identityPolicies !== undefined) {
      const decision = ctx.authorize({
        action: 'lambda:InvokeFunction',
        resource: config.FunctionArn,
        resourceAccountId: accountOf(config.FunctionArn),
      });
      if (!decision.allowed) return lambdaError(403, 'AccessDeniedException', decision.message);
    }

    const type = request.headers['x-amz-invocation-type'] ?? 'RequestResponse';
    if (type === 'DryRun') return { status: 204, headers: {}, body: '' };
    if (type !== 'RequestResponse' && type !== 'Event') {
      return lambdaError(400, 'InvalidParameterValueException', `Unsupported invocation type ${type}`);
    }
    const zip = config.CodeSha256 === undefined ? undefined : this.code.get(config.CodeSha256);
    if (zip === undefined) {
      return lambdaError(
        500,
        'ServiceException',
        `The emulator has not seen the code of ${config.FunctionName} (CodeSha256 ${config.CodeSha256 ?? 'none'}): only functions created or updated with a ZipFile through this emulator can be invoked.`,
      );
    }
    const event = parsePayload(request.body);
    if (!event.ok) return lambdaError(400, 'InvalidRequestContentException', event.message);

    if (type === 'Event') {
      if (this.stopping || this.pendingEvents.length >= EVENT_QUEUE_LIMIT) {
        return lambdaError(429, 'TooManyRequestsException', 'Rate Exceeded.', {
          Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded',
        });
      }
      const requestId = randomUUID();
      this.pendingEvents.push(async () => {
        await this.run(config, zip, event.value, requestId, 'Event');
      });
      this.pumpEvents();
      return { status: 202, headers: { 'x-amzn-requestid': requestId }, body: '' };
    }

    const requestId = randomUUID();
    const outcome = await this.run(config, zip, event.value, requestId, 'RequestResponse');
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-amzn-requestid': requestId,
      'x-amz-executed-version': '$LATEST',
    };
    if (outcome.error !== undefined) headers['x-amz-function-error'] = 'Unhandled';
    if (request.headers['x-amz-log-type'] === 'Tail') {
      headers['x-amz-log-result'] = Buffer.from(outcome.logs.slice(-TAIL_LIMIT), 'utf8').toString('base64');
    }
    return { status: 200, headers, body: outcome.payload };
  }

  /**
   * Invokes a function as a service would (Scheduler, EventBridge): no caller policy is evaluated
   * (the service's own permission to invoke is Lambda's resource policy, which moto holds).
   * RequestResponse, so the admin path can report the function's answer.
   */
  async invokeAsService(functionName: string, payload: string): Promise<RawResponse> {
    const request: RoutedRequest = {
      method: 'POST',
      path: `/2015-03-31/functions/${functionName}/invocations`,
      rawPath: `/2015-03-31/functions/${encodeURIComponent(functionName)}/invocations`,
      rawQuery: '',
      query: new URLSearchParams(),
      headers: { 'content-type': 'application/json' },
      body: payload,
      region: this.host.region(),
    };
    const ctx: RequestContext = {
      state: undefined as never,
      principal: { kind: 'iam', accessKeyId: 'SERVICE', secretAccessKey: '', accountId: '', arn: 'service' },
      now: new Date(),
      authorize: () => ({ allowed: true }),
      annotate: () => undefined,
    };
    return this.handle(request, ctx);
  }

  /** Waits for queued and running invocations, kills what is still running after a grace period. */
  async stop(): Promise<void> {
    this.stopping = true;
    const deadline = Date.now() + STOP_GRACE_MS;
    while ((this.activeEvents.size > 0 || this.pendingEvents.length > 0) && Date.now() < deadline) {
      await Promise.race([...this.activeEvents, delay(100)]);
    }
    this.pendingEvents.length = 0;
    for (const child of this.running) child.kill('SIGKILL');
    await Promise.all([...this.activeEvents]);
    while (this.running.size > 0) await delay(20);
    rmSync(this.workDir, { recursive: true, force: true });
  }

  private captureCode({ service, action, request, response }: ForwardedExchange): void {
    if (service !== 'lambda' || response.status >= 300) return;
    if (action !== 'CreateFunction' && action !== 'UpdateFunctionCode') return;
    let body: unknown;
    try {
      body = JSON.parse(request.body);
    } catch {
      return;
    }
    const record = body as { Code?: { ZipFile?: unknown }; ZipFile?: unknown };
    const zipFile = action === 'CreateFunction' ? record.Code?.ZipFile : record.ZipFile;
    if (typeof zipFile !== 'string') return;
    const zip = Buffer.from(zipFile, 'base64');
    const sha = createHash('sha256').update(zip).digest('base64');
    this.code.delete(sha);
    this.code.set(sha, zip);
    // Bounded: an apply loop that keeps redeploying must not grow memory without limit.
    while (this.code.size > CODE_CACHE_LIMIT) {
      const oldest = this.code.keys().next().value;
      if (oldest === undefined) break;
      this.code.delete(oldest);
    }
  }

  private pumpEvents(): void {
    while (this.activeEvents.size < EVENT_CONCURRENCY && this.pendingEvents.length > 0) {
      const next = this.pendingEvents.shift();
      if (next === undefined) break;
      const task: Promise<void> = next()
        .catch(() => {
          // Recorded in the history by run(); an event invocation has no caller to tell.
        })
        .finally(() => {
          this.activeEvents.delete(task);
          if (!this.stopping) this.pumpEvents();
        });
      this.activeEvents.add(task);
    }
  }

  private async run(
    config: FunctionConfiguration,
    zip: Buffer,
    event: unknown,
    requestId: string,
    invocationType: 'RequestResponse' | 'Event',
  ): Promise<RunOutcome> {
    const startedAt = new Date();
    const taskRoot = this.unpack(config.CodeSha256 ?? '', zip);
    const timeoutMs = (config.Timeout ?? 3) * 1000;
    const principal = await this.roleSession(config);
    this.host.declarePrincipal(principal);
    let outcome: RunOutcome;
    try {
      outcome = await this.runChild(config, taskRoot, event, requestId, timeoutMs, principal, startedAt);
    } finally {
      this.host.retirePrincipal(principal.accessKeyId);
    }
    this.history.push({
      requestId,
      functionName: config.FunctionName,
      invocationType,
      outcome: outcome.timedOut ? 'timed-out' : outcome.error !== undefined ? 'failed' : 'succeeded',
      startedAt: startedAt.toISOString(),
      durationMs: Date.now() - startedAt.getTime(),
      logs: outcome.logs,
      ...(outcome.error !== undefined ? { error: outcome.error } : {}),
    });
    if (this.history.length > HISTORY_LIMIT) this.history.shift();
    return outcome;
  }

  private runChild(
    config: FunctionConfiguration,
    taskRoot: string,
    event: unknown,
    requestId: string,
    timeoutMs: number,
    principal: IamPrincipal,
    startedAt: Date,
  ): Promise<RunOutcome> {
    const handler = config.Handler ?? 'index.handler';
    const logStreamName = `${startedAt.toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]${requestId.replace(/-/g, '')}`;
    const region = this.host.region();
    const env: Record<string, string> = {
      ...(config.Environment?.Variables ?? {}),
      // Reserved variables, set by Lambda whatever the function's environment says.
      PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
      TZ: ':UTC',
      LANG: 'en_US.UTF-8',
      LAMBDA_TASK_ROOT: taskRoot,
      _HANDLER: handler,
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
      AWS_LAMBDA_FUNCTION_NAME: config.FunctionName,
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(config.MemorySize ?? 128),
      AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${config.FunctionName}`,
      AWS_LAMBDA_LOG_STREAM_NAME: logStreamName,
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
      AWS_ACCESS_KEY_ID: principal.accessKeyId,
      AWS_SECRET_ACCESS_KEY: principal.secretAccessKey ?? '',
      AWS_SESSION_TOKEN: principal.sessionToken ?? '',
      // Not set by Lambda: it is what points the function's SDK clients at the emulator.
      AWS_ENDPOINT_URL: this.host.endpoint(),
    };
    const debug = process.env['EMULATOR_LAMBDA_DEBUG'] === '1';
    return new Promise<RunOutcome>((resolve) => {
      const child = fork(RUNTIME_SCRIPT, [taskRoot, handler], {
        cwd: taskRoot,
        env,
        // Not the parent's loader flags (tsx, ts-jest): the function runs in plain Node.
        execArgv: [],
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
        serialization: 'json',
      });
      this.running.add(child);
      let logs = '';
      const collect = (chunk: Buffer): void => {
        const text = chunk.toString('utf8');
        if (debug) process.stderr.write(text);
        logs += text;
        if (logs.length > LOG_LIMIT * 2) logs = logs.slice(-LOG_LIMIT);
      };
      child.stdout?.on('data', collect);
      child.stderr?.on('data', collect);
      let reply: { result?: unknown; error?: FunctionError } | undefined;
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, timeoutMs);
      child.on('message', (message: { result?: unknown; error?: FunctionError }) => {
        reply = message;
        // Lambda freezes the sandbox once the handler returns; open sockets must not keep it alive.
        child.kill('SIGKILL');
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        this.running.delete(child);
        const finish = (outcome: Omit<RunOutcome, 'logs'>): void =>
          resolve({ ...outcome, logs: logs.slice(-LOG_LIMIT) });
        if (reply?.error !== undefined) {
          finish({ payload: JSON.stringify(reply.error), error: reply.error, timedOut: false });
        } else if (reply !== undefined) {
          finish({ payload: JSON.stringify(reply.result ?? null), timedOut: false });
        } else {
          const error: FunctionError = timedOut
            ? {
                errorMessage: `${new Date().toISOString()} ${requestId} Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`,
              }
            : {
                errorType: 'Runtime.ExitError',
                errorMessage: `RequestId: ${requestId} Error: Runtime exited with error: ${signal !== null ? `signal: ${signal}` : `exit status ${String(code)}`}`,
              };
          finish({ payload: JSON.stringify(error), error, timedOut });
        }
      });
      child.send({
        event,
        timeoutMs,
        functionName: config.FunctionName,
        functionArn: config.FunctionArn,
        memorySize: config.MemorySize ?? 128,
        requestId,
        logStreamName,
      });
    });
  }

  private unpack(sha: string, zip: Buffer): string {
    const existing = this.unpacked.get(sha);
    if (existing !== undefined && existsSync(existing)) return existing;
    const directory = mkdtempSync(path.join(this.workDir, 'code-'));
    extractZip(zip, directory);
    this.unpacked.set(sha, directory);
    return directory;
  }

  /** A session of the function's role, with the role's inline and attached policies as of now. */
  private async roleSession(config: FunctionConfiguration): Promise<IamPrincipal> {
    const roleName = config.Role.slice(config.Role.lastIndexOf('/') + 1);
    const policies: PolicyDocument[] = [];
    const inline = await this.iam({ Action: 'ListRolePolicies', RoleName: roleName });
    for (const policyName of xmlValues(inline, 'member')) {
      const document = await this.iam({
        Action: 'GetRolePolicy',
        RoleName: roleName,
        PolicyName: policyName,
      });
      policies.push(parsePolicyDocument(xmlValues(document, 'PolicyDocument')[0] ?? ''));
    }
    const attached = await this.iam({ Action: 'ListAttachedRolePolicies', RoleName: roleName });
    for (const policyArn of xmlValues(attached, 'PolicyArn')) {
      const policy = await this.iam({ Action: 'GetPolicy', PolicyArn: policyArn });
      const versionId = xmlValues(policy, 'DefaultVersionId')[0] ?? 'v1';
      const version = await this.iam({
        Action: 'GetPolicyVersion',
        PolicyArn: policyArn,
        VersionId: versionId,
      });
      policies.push(parsePolicyDocument(xmlValues(version, 'Document')[0] ?? ''));
    }
    return {
      kind: 'iam',
      accessKeyId: `ASIA${randomBytes(8).toString('hex').toUpperCase()}`,
      secretAccessKey: randomBytes(30).toString('base64'),
      sessionToken: randomBytes(64).toString('base64'),
      accountId: accountOf(config.Role),
      arn: `arn:aws:sts::${accountOf(config.Role)}:assumed-role/${roleName}/${config.FunctionName}`,
      identityPolicies: policies,
    };
  }

  private async iam(params: Record<string, string>): Promise<string> {
    const body = new URLSearchParams({ ...params, Version: '2010-05-08' }).toString();
    const response = await this.moto.send({
      method: 'POST',
      rawPath: '/',
      rawQuery: '',
      headers: {
        ...internalHeaders('iam', this.host.region()),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body,
    });
    if (response.status !== 200) {
      throw new Error(`moto ${params['Action'] ?? 'IAM'} failed with HTTP ${response.status}`);
    }
    return response.body;
  }

  private motoGet(rawPath: string, rawQuery: string): Promise<RawResponse> {
    return this.moto.send({
      method: 'GET',
      rawPath,
      rawQuery,
      headers: internalHeaders('lambda', this.host.region()),
      body: '',
    });
  }
}

/**
 * moto reads the region and service from the credential scope and checks no signature; the
 * management account comes from its `MOTO_ACCOUNT_ID`.
 */
export function internalHeaders(service: string, region: string): Record<string, string> {
  const amzDate = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  return {
    'x-amz-date': amzDate,
    authorization: `AWS4-HMAC-SHA256 Credential=AKIAEMULATORINTERNAL/${amzDate.slice(0, 8)}/${region}/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
  };
}

function accountOf(arn: string): string {
  return arn.split(':')[4] ?? '';
}

function lambdaError(
  status: number,
  type: string,
  message: string,
  extra: Record<string, string> = {},
): RawResponse {
  return {
    status,
    headers: { 'content-type': 'application/json', 'x-amzn-errortype': type },
    body: JSON.stringify({ Type: status >= 500 ? 'Service' : 'User', message, ...extra }),
  };
}

function parsePayload(body: string): { ok: true; value: unknown } | { ok: false; message: string } {
  if (body === '') return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(body) as unknown };
  } catch (error) {
    return {
      ok: false,
      message: `Could not parse request body into json: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

/** Text of every `<tag>` element (the IAM query protocol's XML is flat enough for this). */
function xmlValues(xml: string, tag: string): string[] {
  const pattern = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g');
  return [...xml.matchAll(pattern)].map((match) => decodeXml(match[1] ?? '').trim());
}

function decodeXml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#\d+|quot|amp|lt|gt|apos);/g, (_, entity: string) => {
    if (entity.startsWith('#x')) return String.fromCodePoint(parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(parseInt(entity.slice(1), 10));
    return { quot: '"', amp: '&', lt: '<', gt: '>', apos: "'" }[entity] ?? '';
  });
}

/** IAM returns policy documents URL-encoded; moto sometimes does not. */
function parsePolicyDocument(text: string): PolicyDocument {
  try {
    return JSON.parse(text) as PolicyDocument;
  } catch {
    return JSON.parse(decodeURIComponent(text)) as PolicyDocument;
  }
}

/** Unref'd: a pending grace-period timer must not keep the owner's process alive. */
function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
