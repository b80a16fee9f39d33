/**
 * The emulator's transport: SigV4 verification, routing by request shape, faults, the call log
 * and the admin path.
 */
import { request as httpRequest } from 'node:http';

import { GetAccountSummaryCommand, ListOrganizationsFeaturesCommand } from '@aws-sdk/client-iam';
import { DescribeOrganizationCommand } from '@aws-sdk/client-organizations';
import { ListBucketsCommand } from '@aws-sdk/client-s3';
import { ListQueuesCommand } from '@aws-sdk/client-sqs';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';

import { managementCredentials, startEmulator } from '../../emulator/index';
import type { RawRequest, RequestContext, ServiceHandler, ServiceName } from '../../emulator/model/request';
import {
  MEMBER_ACCOUNT,
  RECONCILER,
  baseScenario,
  expectAwsError,
  signQuery,
  signer,
  useEmulator,
} from '../support/emulator';

interface RawResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function raw(
  endpoint: string,
  options: { method: string; path: string; headers?: Record<string, string>; body?: string },
): Promise<RawResult> {
  const url = new URL(endpoint);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: options.method,
        path: options.path,
        headers: options.headers,
        // A fresh socket per request, so a closed server shows as refused, not as a dead pooled socket.
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

async function errorName(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'ok',
    (e: unknown) => (e as Error).name,
  );
}

describe('SigV4', () => {
  const env = useEmulator(baseScenario());

  it('accepts a declared principal signing with its secret', async () => {
    const identity = await env.sts({ credentials: RECONCILER }).send(new GetCallerIdentityCommand({}));
    expect(identity.Arn).toBe(RECONCILER.arn);
  });

  it('fails a declared principal signing with a wrong secret with SignatureDoesNotMatch 403', async () => {
    const sts = env.sts({ credentials: { ...RECONCILER, secretAccessKey: 'not-the-secret' } });
    const error: unknown = await sts.send(new GetCallerIdentityCommand({})).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'SignatureDoesNotMatch', $metadata: { httpStatusCode: 403 } });
    const iam = env.iam({ credentials: { ...RECONCILER, secretAccessKey: 'not-the-secret' } });
    expect(await errorName(iam.send(new ListOrganizationsFeaturesCommand({})))).toBe('SignatureDoesNotMatch');
  });

  it('fails a signed body that was changed in transit', async () => {
    const signed = await signQuery(
      env.emulator.endpoint,
      'sts',
      RECONCILER,
      'Action=GetCallerIdentity&Version=2011-06-15',
    );
    const good = await raw(env.emulator.endpoint, signed);
    expect(good.status).toBe(200);
    const tampered = await raw(env.emulator.endpoint, {
      ...signed,
      body: 'Action=GetCallerIdentity&Version=2011-06-16',
    });
    expect(tampered.status).toBe(403);
    expect(tampered.body).toContain('<Code>SignatureDoesNotMatch</Code>');
  });

  it('accepts a presigned URL and refuses it once tampered with', async () => {
    const url = new URL(env.emulator.endpoint);
    const presigned = await signer('sts', RECONCILER).presign(
      {
        method: 'GET',
        protocol: 'http:',
        hostname: url.hostname,
        port: Number(url.port),
        path: '/',
        query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
        headers: { host: url.host },
      },
      { expiresIn: 60 },
    );
    const query = new URLSearchParams(presigned.query as Record<string, string>).toString();
    const ok = await raw(env.emulator.endpoint, { method: 'GET', path: `/?${query}` });
    expect(ok.status).toBe(200);
    expect(ok.body).toContain(`<Arn>${RECONCILER.arn}</Arn>`);
    const bad = await raw(env.emulator.endpoint, {
      method: 'GET',
      path: `/?${query.replace('X-Amz-Expires=60', 'X-Amz-Expires=600')}`,
    });
    expect(bad.status).toBe(403);
  });

  it('fails an undeclared key with each protocol’s unknown-key error, whatever the secret', async () => {
    // Behaviour change (issue 13): an undeclared key used to act as the management administrator.
    const unknown = { credentials: { accessKeyId: 'test', secretAccessKey: 'test' } };
    await expectAwsError(
      env.sts(unknown).send(new GetCallerIdentityCommand({})),
      'InvalidClientTokenId',
      403,
    );
    await expectAwsError(
      env.iam(unknown).send(new GetAccountSummaryCommand({})),
      'InvalidClientTokenId',
      403,
    );
    await expectAwsError(
      env.organizations(unknown).send(new DescribeOrganizationCommand({})),
      'UnrecognizedClientException',
      400,
    );
    await expectAwsError(env.s3(unknown).send(new ListBucketsCommand({})), 'InvalidAccessKeyId', 403);
    await expectAwsError(env.sqs(unknown).send(new ListQueuesCommand({})), 'InvalidClientTokenId', 403);
  });

  it('accepts the declared management credentials and checks their secret', async () => {
    const identity = await env
      .sts({ credentials: managementCredentials() })
      .send(new GetCallerIdentityCommand({}));
    expect(identity.Arn).toBe('arn:aws:iam::111111111111:user/emulator-admin');
    await expectAwsError(
      env
        .sts({ credentials: { ...managementCredentials(), secretAccessKey: 'wrong' } })
        .send(new GetCallerIdentityCommand({})),
      'SignatureDoesNotMatch',
      403,
    );
  });

  it('refuses a request signed more than 15 minutes off the clock, in each protocol’s shape', async () => {
    const skewed = { credentials: RECONCILER, systemClockOffset: -20 * 60 * 1000 };
    const sts = env.sts(skewed);
    const error = await expectAwsError(
      sts.send(new GetCallerIdentityCommand({})),
      'SignatureDoesNotMatch',
      403,
    );
    expect(error.message).toMatch(
      /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/,
    );
    await expectAwsError(
      env.organizations(skewed).send(new DescribeOrganizationCommand({})),
      'InvalidSignatureException',
      400,
    );
    const s3Error = await expectAwsError(
      env.s3(skewed).send(new ListBucketsCommand({})),
      'RequestTimeTooSkewed',
      403,
    );
    expect(s3Error.message).toBe(
      'The difference between the request time and the current time is too large.',
    );
  });

  it('lets the SDK correct its clock from S3’s RequestTimeTooSkewed', async () => {
    // The SDK reads ServerTime (or the Date header) from the skew error and moves its clock offset,
    // so the next request is signed with the server's time.
    const s3 = env.s3({ credentials: RECONCILER, systemClockOffset: -20 * 60 * 1000 });
    await expectAwsError(s3.send(new ListBucketsCommand({})), 'RequestTimeTooSkewed', 403);
    expect(Math.abs(s3.config.systemClockOffset)).toBeLessThan(60 * 1000);
    await expect(s3.send(new ListBucketsCommand({}))).resolves.toBeDefined();
  });

  it('fails a request without credentials with MissingAuthenticationToken 403', async () => {
    const result = await raw(env.emulator.endpoint, {
      method: 'POST',
      path: '/',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
    });
    expect(result.status).toBe(403);
    expect(result.body).toContain('<Code>MissingAuthenticationToken</Code>');
  });

  it('fails a root session whose session token was swapped with InvalidClientTokenId', async () => {
    const session = await env.rootSession(MEMBER_ACCOUNT, 'IAMAuditRootUserCredentials');
    const iam = env.iam({ credentials: { ...session, sessionToken: 'forged' } });
    expect(await errorName(iam.send(new GetAccountSummaryCommand({})))).toBe('InvalidClientTokenId');
  });
});

describe('routing by request shape', () => {
  /** Echo services: each answers with its own name and the path it was given. */
  function echo(service: ServiceName): ServiceHandler {
    return {
      service,
      actionOf: () => 'Echo',
      handle: (request: RawRequest, ctx: RequestContext) => {
        ctx.annotate({ action: 'Echo', accountId: ctx.principal.accountId, mutating: false });
        return {
          status: 200,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ service, path: request.path, region: request.region }),
        };
      },
    };
  }
  const services = new Map<string, ServiceHandler>(
    (['sts', 'iam', 'organizations', 's3', 'sqs'] as const).map((name) => [name, echo(name)]),
  );
  let endpoint = '';
  let stop: () => Promise<void> = () => Promise.resolve();

  beforeAll(async () => {
    const emulator = await startEmulator({ scenario: baseScenario(), services });
    endpoint = emulator.endpoint;
    stop = () => emulator.stop();
  });
  afterAll(() => stop());

  const admin = managementCredentials();

  async function routed(service: string, extraHeaders: Record<string, string>, path = '/', body = '') {
    const url = new URL(endpoint);
    const signed = await signer(service, admin, 'eu-west-1').sign({
      method: 'POST',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path,
      headers: { host: extraHeaders['host'] ?? url.host, ...extraHeaders },
      body,
    });
    const result = await raw(endpoint, { method: 'POST', path, headers: signed.headers, body });
    return JSON.parse(result.body) as { service: string; path: string; region: string };
  }

  it('sends X-Amz-Target AWSOrganizationsV20161128.* to organizations and AmazonSQS.* to sqs', async () => {
    expect(
      await routed('organizations', { 'x-amz-target': 'AWSOrganizationsV20161128.ListAccounts' }),
    ).toMatchObject({
      service: 'organizations',
      region: 'eu-west-1',
    });
    expect((await routed('sqs', { 'x-amz-target': 'AmazonSQS.ListQueues' })).service).toBe('sqs');
  });

  it('sends form Action requests to the service they are signed for', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    expect((await routed('sts', form, '/', 'Action=GetCallerIdentity&Version=2011-06-15')).service).toBe(
      'sts',
    );
    expect((await routed('iam', form, '/', 'Action=GetAccountSummary&Version=2010-05-08')).service).toBe(
      'iam',
    );
  });

  it('sends everything else to s3, rewriting virtual-host requests to path-style', async () => {
    expect(await routed('s3', {}, '/locked-bucket')).toMatchObject({ service: 's3', path: '/locked-bucket' });
    const url = new URL(endpoint);
    expect(await routed('s3', { host: `locked-bucket.localhost:${url.port}` }, '/')).toMatchObject({
      service: 's3',
      path: '/locked-bucket',
    });
  });
});

describe('faults', () => {
  const env = useEmulator(baseScenario());

  beforeEach(async () => {
    await env.emulator.reset();
  });

  async function outcomes(count: number, call: () => Promise<unknown>): Promise<string[]> {
    const names: string[] = [];
    for (let i = 0; i < count; i += 1) names.push(await errorName(call()));
    return names;
  }

  it('answers errorRate with each service’s 5xx, in the same sequence after a reset', async () => {
    // GIVEN half the calls fail
    await env.emulator.setFaults({ seed: 42, errorRate: 0.5 });
    const sts = env.sts();
    const first = await outcomes(20, () => sts.send(new GetCallerIdentityCommand({})));

    // THEN STS's 5xx is InternalFailure, and a reset with the same seed repeats the sequence
    expect(new Set(first)).toEqual(new Set(['ok', 'InternalFailure']));
    await env.emulator.reset();
    await env.emulator.setFaults({ seed: 42, errorRate: 0.5 });
    expect(await outcomes(20, () => sts.send(new GetCallerIdentityCommand({})))).toEqual(first);

    await env.emulator.setFaults({ seed: 42, errorRate: 1 });
    expect(await errorName(env.iam().send(new GetAccountSummaryCommand({})))).toBe('ServiceFailureException');
    expect(await errorName(env.organizations().send(new DescribeOrganizationCommand({})))).toBe(
      'ServiceException',
    );
    expect(await errorName(env.s3().send(new ListBucketsCommand({})))).toBe('InternalError');
    expect(await errorName(env.sqs().send(new ListQueuesCommand({})))).toBe('InternalError');
  });

  it('answers throttleRate with each service’s throttling error', async () => {
    await env.emulator.setFaults({ seed: 7, throttleRate: 1 });
    expect(await errorName(env.sts().send(new GetCallerIdentityCommand({})))).toBe('Throttling');
    expect(await errorName(env.iam().send(new GetAccountSummaryCommand({})))).toBe('Throttling');
    expect(await errorName(env.organizations().send(new DescribeOrganizationCommand({})))).toBe(
      'TooManyRequestsException',
    );
    expect(await errorName(env.s3().send(new ListBucketsCommand({})))).toBe('SlowDown');
    expect(await errorName(env.sqs().send(new ListQueuesCommand({})))).toBe('RequestThrottled');
    const calls = await env.emulator.calls();
    expect(calls.map((c) => [c.service, c.status, c.errorCode])).toEqual([
      ['sts', 400, 'Throttling'],
      ['iam', 400, 'Throttling'],
      ['organizations', 429, 'TooManyRequestsException'],
      ['s3', 503, 'SlowDown'],
      ['sqs', 403, 'RequestThrottled'],
    ]);
  });

  it('throttles calls beyond a token-bucket rate limit', async () => {
    await env.emulator.setFaults({ rateLimits: { 'sts:GetCallerIdentity': 5 } });
    const sts = env.sts();
    const names = await outcomes(8, () => sts.send(new GetCallerIdentityCommand({})));
    expect(names.slice(0, 5)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok']);
    expect(names.slice(5)).toContain('Throttling');
  });

  it('adds latency to AWS calls but never to the admin path', async () => {
    await env.emulator.setFaults({ latencyMs: 300, errorRate: 1 });
    const started = Date.now();
    await errorName(env.sts().send(new GetCallerIdentityCommand({})));
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    // The admin path keeps answering under errorRate 1.
    await expect(env.emulator.state()).resolves.toMatchObject({ organization: { id: 'o-exampleorg1' } });
  });
});

describe('call log and admin path', () => {
  const env = useEmulator(baseScenario());

  it('records principal, account, task policy, decision and status, and clears', async () => {
    await env.emulator.clearCalls();
    const session = await env.rootSession(MEMBER_ACCOUNT, 'IAMDeleteRootUserCredentials');
    await errorName(env.iam({ credentials: session }).send(new GetAccountSummaryCommand({})));
    const calls = await env.emulator.calls();
    expect(calls).toHaveLength(2);
    expect(calls[0]).toMatchObject({
      service: 'sts',
      action: 'AssumeRoot',
      accountId: MEMBER_ACCOUNT,
      mutating: false,
    });
    expect(calls[1]).toMatchObject({
      service: 'iam',
      action: 'GetAccountSummary',
      accountId: MEMBER_ACCOUNT,
      principalArn: `arn:aws:iam::${MEMBER_ACCOUNT}:root`,
      taskPolicyArn: 'arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials',
      decision: 'deny',
      status: 403,
      errorCode: 'AccessDenied',
    });
    expect(calls[1].sequence).toBeGreaterThan(calls[0].sequence);
    await env.emulator.clearCalls();
    expect(await env.emulator.calls()).toEqual([]);
  });

  it('rejects malformed faults and unknown routes without touching state', async () => {
    const bad = await raw(env.emulator.endpoint, {
      method: 'PUT',
      path: '/_emulator/faults',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ errorRate: 2 }),
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('errorRate');
    expect((await raw(env.emulator.endpoint, { method: 'GET', path: '/_emulator/nope' })).status).toBe(404);
    expect(
      (
        await raw(env.emulator.endpoint, {
          method: 'PUT',
          path: '/_emulator/accounts/999999999999/root',
          body: '{}',
        })
      ).status,
    ).toBe(404);
    await expect(env.emulator.calls()).resolves.toEqual(expect.any(Array));
  });

  it('stops and closes every socket', async () => {
    const emulator = await startEmulator({ scenario: baseScenario() });
    await expect(raw(emulator.endpoint, { method: 'GET', path: '/_emulator/calls' })).resolves.toMatchObject({
      status: 200,
    });
    await emulator.stop();
    await expect(raw(emulator.endpoint, { method: 'GET', path: '/_emulator/calls' })).rejects.toThrow(
      /ECONNREFUSED/,
    );
  });
});
