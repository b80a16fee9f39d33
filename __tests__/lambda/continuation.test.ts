import { createHash } from 'node:crypto';
/**
 * Deferred accounts are never dropped: a run that reaches its deadline hands every deferred
 * account to an asynchronous self-invocation (Lambda `Invoke`, InvocationType Event). The
 * emulator does not serve Lambda, so `AWS_ENDPOINT_URL_LAMBDA` points the bundle at a small
 * recorder standing in for Lambda's REST endpoint.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { startEmulator, type RunningEmulator } from '../../emulator/index';
import { baseScenario, BARE_ACCOUNT, MEMBER_ACCOUNT, OTHER_MEMBER_ACCOUNT } from '../support/emulator';
import { FUNCTION_NAME, mutating, startBundledLambda, type BundledLambda } from './helpers';

interface RecordedInvoke {
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Record<string, unknown>;
}

const ENFORCE_ALL = { targets: { allAccounts: true }, mode: 'enforce' };

let emulator: RunningEmulator;
let lambda: BundledLambda;
let recorder: Server;
let recorded: RecordedInvoke[] = [];
/** What the recorder answers; 202 is Lambda's "queued". */
let answer = 202;

beforeAll(async () => {
  recorder = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      recorded.push({
        path: request.url ?? '',
        headers: request.headers,
        body: JSON.parse(body) as Record<string, unknown>,
      });
      response
        .writeHead(answer, { 'content-type': 'application/json' })
        .end(answer === 202 ? '' : '{"Message":"boom"}');
    });
  });
  await new Promise<void>((resolve) => recorder.listen(0, '127.0.0.1', resolve));
  const { port } = recorder.address() as AddressInfo;
  emulator = await startEmulator({ scenario: baseScenario() });
  lambda = await startBundledLambda(emulator, {
    AWS_ENDPOINT_URL_LAMBDA: `http://127.0.0.1:${port}`,
    DESIRED_STATE: JSON.stringify(ENFORCE_ALL),
  });
});
afterAll(async () => {
  await lambda?.stop();
  await emulator?.stop();
  await new Promise((resolve) => recorder?.close(resolve));
});
beforeEach(async () => {
  await emulator.reset();
  await emulator.clearCalls();
  recorded = [];
  answer = 202;
});

type Report = { accounts: { accountId: string; status: string }[]; continuation?: Record<string, unknown> };

describe('continuation past the deadline', () => {
  it('hands every deferred account of a scheduled run to one asynchronous self-invocation', async () => {
    // GIVEN a run with less time left than the engine's safety margin
    // WHEN
    const { result, error } = await lambda.invoke(
      { source: 'root-access.schedule' },
      { remainingMs: 2_000, requestId: 'run-1' },
    );
    // THEN no account was started, every targeted account is deferred, and all of them are handed on
    expect(error).toBeUndefined();
    const report = result as unknown as Report;
    const deferred = report.accounts.filter((a) => a.status === 'deferred').map((a) => a.accountId);
    expect(deferred).toEqual(expect.arrayContaining([MEMBER_ACCOUNT, OTHER_MEMBER_ACCOUNT, BARE_ACCOUNT]));
    expect(mutating(await emulator.calls())).toEqual([]);
    expect(recorded).toHaveLength(1);
    const [invoke] = recorded;
    expect(invoke.path).toBe(`/2015-03-31/functions/${FUNCTION_NAME}/invocations`);
    expect(invoke.headers['x-amz-invocation-type']).toBe('Event');
    expect(invoke.headers['authorization']).toMatch(
      /^AWS4-HMAC-SHA256 Credential=\S+\/us-east-1\/lambda\/aws4_request/,
    );
    expect(invoke.body).toEqual({
      source: 'root-access.continuation',
      runId: 'run-1',
      generation: 1,
      origin: 'schedule',
      accountIds: deferred,
    });
    expect(report.continuation).toEqual({ runId: 'run-1', generation: 1, accountIds: deferred });
  });

  it('finishes exactly the handed-on accounts when the continuation runs', async () => {
    await lambda.invoke({ source: 'root-access.schedule' }, { remainingMs: 2_000, requestId: 'run-2' });
    const continuationEvent = recorded[0].body;
    recorded = [];
    const { result, error } = await lambda.invoke(continuationEvent, { remainingMs: 600_000 });
    expect(error).toBeUndefined();
    const report = result as unknown as Report & { runId: string; trigger: string };
    expect(report.runId).toBe('run-2');
    expect(report.trigger).toBe('continuation');
    expect(report.accounts.map((a) => a.accountId).sort()).toEqual(
      [...(continuationEvent['accountIds'] as string[])].sort(),
    );
    expect(report.accounts.filter((a) => a.status === 'deferred')).toEqual([]);
    expect(report.accounts.find((a) => a.accountId === MEMBER_ACCOUNT)?.status).toBe('remediated');
    expect(recorded).toEqual([]);
  });

  it('continues the apply-time run with only the accounts left, never a desired state (the continuation re-reads the deployed one)', async () => {
    const digest = createHash('sha256').update(JSON.stringify(ENFORCE_ALL)).digest('hex');
    const { result, error } = await lambda.invoke(
      { desiredStateDigest: digest, failOnNonCompliance: true, tf: { action: 'create', prev_input: null } },
      { remainingMs: 2_000, requestId: 'apply-1' },
    );
    expect(error).toBeUndefined();
    expect((result as unknown as Report).continuation).toMatchObject({ generation: 1 });
    expect(recorded[0].body).toMatchObject({ origin: 'lifecycle', source: 'root-access.continuation' });
    expect(recorded[0].body).not.toHaveProperty('desiredState');
    expect((recorded[0].body as { accountIds: string[] }).accountIds.length).toBeGreaterThan(0);
  });

  it('fails loudly, naming the accounts at stake, when the self-invocation is refused', async () => {
    answer = 500;
    const { result, error } = await lambda.invoke(
      { source: 'root-access.schedule' },
      { remainingMs: 2_000, requestId: 'run-3' },
    );
    expect(result).toBeUndefined();
    expect(error?.name).toBe('ContinuationError');
    expect(error?.message).toMatch(
      new RegExp(
        `^could not hand \\d+ deferred account\\(s\\) of run run-3 to a continuation of ${FUNCTION_NAME}: Lambda answered HTTP 500`,
      ),
    );
    expect(recorded.length).toBe(4); // retried before giving up
  });

  it('stops a continuation chain that makes no progress instead of looping', async () => {
    const { error } = await lambda.invoke(
      {
        source: 'root-access.continuation',
        runId: 'run-4',
        generation: 3,
        origin: 'schedule',
        accountIds: [MEMBER_ACCOUNT],
      },
      { remainingMs: 2_000 },
    );
    expect(error?.message).toContain(
      'continuation 3 of run run-4 finished none of its 1 account(s) before its deadline',
    );
    expect(recorded).toEqual([]);
  });
});
