/**
 * Lambda Invoke served by the emulator (never forwarded): the function's zip runs in a child
 * Node process with its environment, its role's credentials (the role's policies evaluated for
 * real), the emulator as endpoint, Lambda's context and Lambda's error envelope.
 *
 * Needs python3 with moto[server] (function and role management); locally a missing moto skips
 * the file loudly, under CI=true it fails.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { CreateRoleCommand, PutRolePolicyCommand } from '@aws-sdk/client-iam';

import { findMotoPython } from '../../emulator/index';
import { ZipFormatError, extractZip, readZip } from '../../emulator/lambda/zip';
import { MEMBER_ACCOUNT, baseScenario, signer, useEmulator } from '../support/emulator';
import { isCi } from '../support/terraform';

const moto = findMotoPython();
const suite = moto.ok || isCi() ? describe : describe.skip;
if (!moto.ok && !isCi()) console.warn(`\n!! SKIPPING Lambda Invoke tests: ${moto.message}\n`);

const AUDIT = 'arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials';
const DELETE = 'arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials';

/** The function under test: plain Node, signs its own STS calls with the credentials Lambda gives it. */
const FUNCTION_SOURCE = `
const crypto = require('node:crypto');
const hmac = (key, data) => crypto.createHmac('sha256', key).update(data).digest();
const hash = (data) => crypto.createHash('sha256').update(data).digest('hex');
async function sts(body) {
  const url = new URL(process.env.AWS_ENDPOINT_URL);
  const amzDate = new Date().toISOString().replace(/[-:]/g, '').replace(/\\.\\d{3}/, '');
  const date = amzDate.slice(0, 8);
  const region = process.env.AWS_REGION;
  const headers = {
    'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
    host: url.host,
    'x-amz-date': amzDate,
    'x-amz-security-token': process.env.AWS_SESSION_TOKEN,
  };
  const names = Object.keys(headers).sort();
  const canonical = ['POST', '/', '', names.map((n) => n + ':' + headers[n] + '\\n').join(''), names.join(';'), hash(body)].join('\\n');
  const scope = date + '/' + region + '/sts/aws4_request';
  let key = hmac('AWS4' + process.env.AWS_SECRET_ACCESS_KEY, date);
  for (const part of [region, 'sts', 'aws4_request']) key = hmac(key, part);
  const signature = crypto.createHmac('sha256', key).update('AWS4-HMAC-SHA256\\n' + amzDate + '\\n' + scope + '\\n' + hash(canonical)).digest('hex');
  headers.authorization = 'AWS4-HMAC-SHA256 Credential=' + process.env.AWS_ACCESS_KEY_ID + '/' + scope + ', SignedHeaders=' + names.join(';') + ', Signature=' + signature;
  delete headers.host;
  const response = await fetch(url.origin + '/', { method: 'POST', headers, body });
  return { status: response.status, body: await response.text() };
}
exports.handler = async (event, context) => {
  switch (event.kind) {
    case 'context':
      console.log('context requested');
      return {
        functionName: context.functionName,
        requestId: context.awsRequestId,
        remainingMs: context.getRemainingTimeInMillis(),
        greeting: process.env.GREETING,
        endpoint: process.env.AWS_ENDPOINT_URL,
        region: process.env.AWS_REGION,
        inheritedSecret: process.env.PARENT_ONLY_SECRET ?? null,
      };
    case 'whoami':
      return sts('Action=GetCallerIdentity&Version=2011-06-15');
    case 'assume-root':
      return sts('Action=AssumeRoot&Version=2011-06-15&TargetPrincipal=' + event.account + '&TaskPolicyArn.arn=' + encodeURIComponent(event.task));
    case 'leak':
      return { accessKeyId: process.env.AWS_ACCESS_KEY_ID, secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY, sessionToken: process.env.AWS_SESSION_TOKEN };
    case 'throw':
      throw new TypeError('boom from the function');
    case 'sleep':
      await new Promise((resolve) => setTimeout(resolve, event.ms));
      console.log('woke up');
      return 'slept';
    default:
      return null;
  }
};
`;

/** A deflated zip written by Python's zipfile: a different archiver from the one in the emulator. */
function pythonZip(entries: Record<string, string>, directory: string): Buffer {
  const file = path.join(directory, 'package.zip');
  const script = [
    'import json, sys, zipfile',
    'entries = json.loads(sys.argv[2])',
    'with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:',
    '    for name, text in entries.items(): z.writestr(name, text)',
  ].join('\n');
  const result = spawnSync('python3', ['-c', script, file, JSON.stringify(entries)], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`python3 zipfile failed: ${result.stderr}`);
  return readFileSync(file);
}

describe('deployment package reader', () => {
  let work: string;
  beforeAll(() => {
    work = mkdtempSync(path.join(tmpdir(), 'zip-test-'));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('reads deflated entries in folders as written by another archiver', () => {
    // GIVEN
    const zip = pythonZip(
      { 'index.js': 'exports.x = 1;'.repeat(100), 'lib/util.js': 'module.exports = 2;' },
      work,
    );

    // WHEN
    const entries = readZip(zip);

    // THEN
    expect(entries.map((entry) => entry.name).sort()).toEqual(['index.js', 'lib/util.js']);
    expect(entries.find((entry) => entry.name === 'index.js')?.data.toString()).toBe(
      'exports.x = 1;'.repeat(100),
    );
  });

  it('fails to extract an entry that would escape the target folder', () => {
    const zip = pythonZip({ '../escape.js': 'bad' }, work);
    expect(() => extractZip(zip, path.join(work, 'out'))).toThrow(ZipFormatError);
  });

  it('fails on bytes that are not a zip', () => {
    expect(() => readZip(Buffer.from('not a zip at all, just text'))).toThrow(/not a zip archive/);
  });
});

suite('Lambda Invoke in the emulator', () => {
  const env = useEmulator(baseScenario(), { moto: true });
  jest.setTimeout(60_000);
  let work: string;

  async function lambda(
    method: string,
    requestPath: string,
    body: unknown,
    headers: Record<string, string> = {},
    credentials = env.emulator.managementCredentials,
  ): Promise<{ status: number; headers: Headers; text: string }> {
    const url = new URL(env.emulator.endpoint);
    const text = JSON.stringify(body);
    const signed = await signer('lambda', credentials).sign({
      method,
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: requestPath,
      headers: { host: url.host, 'content-type': 'application/json', ...headers },
      body: text,
    });
    const response = await fetch(`${env.emulator.endpoint}${requestPath}`, {
      method,
      headers: signed.headers,
      body: text,
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  }

  const invoke = (name: string, event: unknown, headers: Record<string, string> = {}) =>
    lambda('POST', `/2015-03-31/functions/${name}/invocations`, event, headers);

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'lambda-invoke-test-'));
    const iam = env.iam();
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'auditor',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
          ],
        }),
      }),
    );
    // Least privilege: audit sessions only.
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'auditor',
        PolicyName: 'audit-only',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: 'sts:AssumeRoot',
              Resource: 'arn:aws:iam::*:root',
              Condition: { ArnEquals: { 'sts:TaskPolicyArn': [AUDIT] } },
            },
          ],
        }),
      }),
    );
    const zip = pythonZip({ 'src/app.js': FUNCTION_SOURCE }, work);
    for (const [name, timeout] of [
      ['probe', 30],
      ['short', 1],
    ] as const) {
      const created = await lambda('POST', '/2015-03-31/functions', {
        FunctionName: name,
        Runtime: 'nodejs22.x',
        Role: 'arn:aws:iam::111111111111:role/auditor',
        Handler: 'src/app.handler',
        Timeout: timeout,
        Environment: { Variables: { GREETING: 'hello from the function environment' } },
        Code: { ZipFile: zip.toString('base64') },
      });
      expect(created.status).toBe(201);
    }
    process.env['PARENT_ONLY_SECRET'] = 'must-not-reach-the-function';
  });
  afterAll(() => {
    delete process.env['PARENT_ONLY_SECRET'];
    rmSync(work, { recursive: true, force: true });
  });

  it("runs the handler with the function's environment, Lambda's context and the emulator as endpoint", async () => {
    // WHEN
    const response = await invoke('probe', { kind: 'context' });

    // THEN
    expect(response.status).toBe(200);
    expect(response.headers.get('x-amz-function-error')).toBeNull();
    const payload = JSON.parse(response.text);
    expect(payload).toMatchObject({
      functionName: 'probe',
      greeting: 'hello from the function environment',
      endpoint: env.emulator.endpoint,
      region: 'us-east-1',
      inheritedSecret: null,
    });
    expect(payload.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(payload.remainingMs).toBeGreaterThan(25_000);
    expect(payload.remainingMs).toBeLessThanOrEqual(30_000);
  });

  it("gives the function its role's identity: an assumed-role session of the function", async () => {
    const response = await invoke('probe', { kind: 'whoami' });
    const payload = JSON.parse(response.text);
    expect(payload.status).toBe(200);
    expect(payload.body).toContain('<Arn>arn:aws:sts::111111111111:assumed-role/auditor/probe</Arn>');
  });

  it("evaluates the role's policy for real: the audit task is allowed, the delete task is denied", async () => {
    // WHEN
    const audit = JSON.parse(
      (await invoke('probe', { kind: 'assume-root', account: MEMBER_ACCOUNT, task: AUDIT })).text,
    );
    const remove = JSON.parse(
      (await invoke('probe', { kind: 'assume-root', account: MEMBER_ACCOUNT, task: DELETE })).text,
    );

    // THEN
    expect(audit.status).toBe(200);
    expect(remove.status).toBe(403);
    expect(remove.body).toContain('assumed-role/auditor/probe is not authorized to perform: sts:AssumeRoot');
    const calls = (await env.emulator.calls()).filter((call) => call.action === 'AssumeRoot');
    expect(calls.slice(-2).map((call) => [call.principalArn, call.decision])).toEqual([
      ['arn:aws:sts::111111111111:assumed-role/auditor/probe', 'allow'],
      ['arn:aws:sts::111111111111:assumed-role/auditor/probe', 'deny'],
    ]);
  });

  it("refuses the role session's credentials once the invocation is over", async () => {
    // GIVEN
    const leaked = JSON.parse((await invoke('probe', { kind: 'leak' })).text);

    // WHEN
    const reuse = await lambda(
      'POST',
      '/2015-03-31/functions/probe/invocations',
      { kind: 'context' },
      {},
      leaked,
    );

    // THEN: refused, not mistaken for the management administrator
    expect(reuse.status).toBe(403);
  });

  it("fails like Lambda when the handler throws: Unhandled, with Lambda's error payload", async () => {
    // WHEN
    const response = await invoke('probe', { kind: 'throw' });

    // THEN
    expect(response.status).toBe(200);
    expect(response.headers.get('x-amz-function-error')).toBe('Unhandled');
    const payload = JSON.parse(response.text);
    expect(payload).toMatchObject({ errorType: 'TypeError', errorMessage: 'boom from the function' });
    expect(payload.trace[0]).toBe('TypeError: boom from the function');
  });

  it('stops the function at its timeout and says so', async () => {
    const response = await invoke('short', { kind: 'sleep', ms: 5_000 });
    expect(response.headers.get('x-amz-function-error')).toBe('Unhandled');
    expect(JSON.parse(response.text).errorMessage).toMatch(/Task timed out after 1\.00 seconds$/);
  });

  it('returns the log tail on request and keeps logs out of the test output', async () => {
    // WHEN
    const response = await invoke('probe', { kind: 'context' }, { 'x-amz-log-type': 'Tail' });

    // THEN
    const tail = Buffer.from(response.headers.get('x-amz-log-result') ?? '', 'base64').toString('utf8');
    expect(tail).toContain('context requested');
    const record = env.emulator.lambdaInvocations().pop();
    expect(record).toMatchObject({ functionName: 'probe', outcome: 'succeeded' });
    expect(record?.logs).toContain('context requested');
  });

  it('queues Event invocations (202) and runs them in the background', async () => {
    // WHEN
    const response = await invoke('probe', { kind: 'sleep', ms: 200 }, { 'x-amz-invocation-type': 'Event' });

    // THEN
    expect(response.status).toBe(202);
    const requestId = response.headers.get('x-amzn-requestid');
    const deadline = Date.now() + 20_000;
    let record;
    while (record === undefined && Date.now() < deadline) {
      record = env.emulator.lambdaInvocations().find((entry) => entry.requestId === requestId);
      if (record === undefined) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(record).toMatchObject({ invocationType: 'Event', outcome: 'succeeded' });
    expect(record?.logs).toContain('woke up');
  });

  it("answers an unknown function with Lambda's ResourceNotFoundException", async () => {
    const response = await invoke('no-such-function', {});
    expect(response.status).toBe(404);
    expect(response.text).toMatch(/Function not found/);
  });
});
