/**
 * Forwarding to moto (`startEmulator({ moto: true })`): what the emulator keeps, what moto gets,
 * the gaps in moto the emulator fills, and that moto never outlives the emulator.
 *
 * Needs python3 with moto[server]; locally a missing moto skips the file loudly, under CI=true
 * it fails.
 */
import {
  CreateRoleCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListOrganizationsFeaturesCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { CreateQueueCommand, GetQueueAttributesCommand } from '@aws-sdk/client-sqs';

import { MotoUnavailableError, findMotoPython, startEmulator } from '../../emulator/index';
import type { CallRecord } from '../../emulator/model/state';
import { MEMBER_ACCOUNT, baseScenario, signer, useEmulator } from '../support/emulator';
import { isCi } from '../support/terraform';

const moto = findMotoPython();
const suite = moto.ok || isCi() ? describe : describe.skip;
if (!moto.ok && !isCi()) console.warn(`\n!! SKIPPING emulator forwarding tests: ${moto.message}\n`);

type Forwarded = CallRecord & { forwarded?: boolean };

const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

/** A tiny valid deployment package (one stored entry), so moto accepts CreateFunction. */
function zipWith(name: string, content: string): Buffer {
  const data = Buffer.from(content, 'utf8');
  const nameBytes = Buffer.from(name, 'utf8');
  const crc = crc32(data);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(nameBytes.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(nameBytes.length, 28);
  const centralOffset = local.length + nameBytes.length + data.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + nameBytes.length, 12);
  end.writeUInt32LE(centralOffset, 16);
  return Buffer.concat([local, nameBytes, data, central, nameBytes, end]);
}

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

/* eslint-disable @typescript-eslint/no-explicit-any -- Lambda's JSON answers are read field by field */
suite('emulator forwarding to moto', () => {
  const env = useEmulator(baseScenario(), { moto: true });
  jest.setTimeout(60_000);

  async function lambdaCall(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: Record<string, any> }> {
    const { endpoint, managementCredentials } = env.emulator;
    const url = new URL(endpoint);
    const text = body === undefined ? '' : JSON.stringify(body);
    const signed = await signer('lambda', managementCredentials).sign({
      method,
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path,
      headers: { host: url.host, 'content-type': 'application/json' },
      body: text,
    });
    const response = await fetch(`${endpoint}${path}`, {
      method,
      headers: signed.headers,
      ...(method === 'GET' ? {} : { body: text }),
    });
    const raw = await response.text();
    return { status: response.status, json: raw === '' ? {} : JSON.parse(raw) };
  }

  async function lastCall(service: string, action: string): Promise<Forwarded | undefined> {
    const calls = (await env.emulator.calls()) as Forwarded[];
    return calls.filter((call) => call.service === service && call.action === action).pop();
  }

  it('forwards IAM role management to moto and logs it as forwarded', async () => {
    // WHEN
    await env
      .iam()
      .send(new CreateRoleCommand({ RoleName: 'forwarded-role', AssumeRolePolicyDocument: TRUST }));
    const role = await env.iam().send(new GetRoleCommand({ RoleName: 'forwarded-role' }));

    // THEN: ARNs are in the management account, as STS GetCallerIdentity says.
    expect(role.Role?.Arn).toBe('arn:aws:iam::111111111111:role/forwarded-role');
    expect(await lastCall('iam', 'CreateRole')).toMatchObject({
      forwarded: true,
      mutating: true,
      status: 200,
    });
    expect(await lastCall('iam', 'GetRole')).toMatchObject({ forwarded: true, mutating: false, status: 200 });
  });

  it('keeps the IAM organization feature APIs in the emulator', async () => {
    // WHEN
    const features = await env.iam().send(new ListOrganizationsFeaturesCommand({}));

    // THEN
    expect(features.EnabledFeatures).toEqual(['RootCredentialsManagement', 'RootSessions']);
    const call = await lastCall('iam', 'ListOrganizationsFeatures');
    expect(call?.forwarded).toBeUndefined();
  });

  it('accepts arn:aws:iam::*:root in a role policy, as IAM does (moto alone refuses it)', async () => {
    // GIVEN
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 'sts:AssumeRoot',
          Resource: 'arn:aws:iam::*:root',
          Condition: {
            ArnEquals: {
              'sts:TaskPolicyArn': 'arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials',
            },
          },
        },
      ],
    });
    await env
      .iam()
      .send(new CreateRoleCommand({ RoleName: 'root-policy-role', AssumeRolePolicyDocument: TRUST }));

    // WHEN
    await env.iam().send(
      new PutRolePolicyCommand({
        RoleName: 'root-policy-role',
        PolicyName: 'audit',
        PolicyDocument: policy,
      }),
    );

    // THEN
    const stored = await env
      .iam()
      .send(new GetRolePolicyCommand({ RoleName: 'root-policy-role', PolicyName: 'audit' }));
    expect(JSON.parse(decodeURIComponent(stored.PolicyDocument ?? ''))).toEqual(JSON.parse(policy));
  });

  it('sends SQS queue management to moto, and calls signed by a root session to the emulator', async () => {
    // GIVEN
    const created = await env.sqs().send(new CreateQueueCommand({ QueueName: 'forwarded-dlq' }));
    const queueUrl = created.QueueUrl ?? '';
    expect(await lastCall('sqs', 'CreateQueue')).toMatchObject({ forwarded: true, mutating: true });
    const attributes = await env
      .sqs()
      .send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }));
    expect(attributes.Attributes?.['QueueArn']).toBe('arn:aws:sqs:us-east-1:111111111111:forwarded-dlq');

    // WHEN: a root session asks about the same URL
    const session = await env.rootSession(MEMBER_ACCOUNT, 'SQSUnlockQueuePolicy');
    const fromSession = env
      .sqs({ credentials: session })
      .send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['Policy'] }));

    // THEN: the emulator answers (it holds no such queue), moto is never asked
    await expect(fromSession).rejects.toMatchObject({ name: 'QueueDoesNotExist' });
    const call = await lastCall('sqs', 'GetQueueAttributes');
    expect(call).toMatchObject({
      principalArn: `arn:aws:iam::${MEMBER_ACCOUNT}:root`,
      taskPolicyArn: expect.stringContaining('SQSUnlock'),
    });
    expect(call?.forwarded).toBeUndefined();
  });

  it("keeps a function's DeadLetterConfig, which moto drops, so the provider sees what it wrote", async () => {
    // GIVEN
    await env
      .iam()
      .send(new CreateRoleCommand({ RoleName: 'dlq-function-role', AssumeRolePolicyDocument: TRUST }));
    const dlq = 'arn:aws:sqs:us-east-1:111111111111:forwarded-dlq';

    // WHEN
    const created = await lambdaCall('POST', '/2015-03-31/functions', {
      FunctionName: 'with-dlq',
      Runtime: 'nodejs22.x',
      Role: 'arn:aws:iam::111111111111:role/dlq-function-role',
      Handler: 'index.handler',
      Code: { ZipFile: zipWith('index.js', 'exports.handler = async () => 1;').toString('base64') },
      DeadLetterConfig: { TargetArn: dlq },
    });

    // THEN
    expect(created.status).toBe(201);
    expect(created.json['DeadLetterConfig']).toEqual({ TargetArn: dlq });
    const read = await lambdaCall('GET', '/2015-03-31/functions/with-dlq');
    expect(read.json['Configuration'].DeadLetterConfig).toEqual({ TargetArn: dlq });
    expect(await lastCall('lambda', 'GetFunction')).toMatchObject({ forwarded: true, mutating: false });

    // WHEN: an empty TargetArn removes it
    await lambdaCall('PUT', '/2015-03-31/functions/with-dlq/configuration', {
      DeadLetterConfig: { TargetArn: '' },
    });

    // THEN
    const after = await lambdaCall('GET', '/2015-03-31/functions/with-dlq/configuration');
    expect(after.json['DeadLetterConfig']).toBeUndefined();
  });

  it('answers requests for an unknown function with moto’s ResourceNotFoundException', async () => {
    const read = await lambdaCall('GET', '/2015-03-31/functions/no-such-function');
    expect(read.status).toBe(404);
    expect(JSON.stringify(read.json)).toMatch(/ResourceNotFoundException|Function not found/);
  });
});

suite('emulator moto lifecycle', () => {
  jest.setTimeout(60_000);

  it('stops moto (and its process group) when the emulator stops', async () => {
    // GIVEN
    const emulator = await startEmulator({ scenario: baseScenario(), moto: true });
    const pid = emulator.moto?.pid ?? -1;
    expect(pid).toBeGreaterThan(0);
    expect(() => process.kill(pid, 0)).not.toThrow();

    // WHEN
    await emulator.stop();

    // THEN
    expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
  });

  it('fails with a clear message when moto cannot be started', async () => {
    // GIVEN
    const missing = findMotoPython({ MOTO_PYTHON: '/nonexistent/python3' });

    // THEN
    expect(missing).toEqual({ ok: false, message: expect.stringContaining('MOTO_PYTHON') });
    await expect(
      startEmulator({ scenario: baseScenario(), moto: { python: '/nonexistent/python3' } }),
    ).rejects.toBeInstanceOf(MotoUnavailableError);
  });

  it('starts no moto when forwarding is not asked for', async () => {
    const emulator = await startEmulator({ scenario: baseScenario() });
    try {
      expect(emulator.moto).toBeUndefined();
      const client = new IAMClient({
        endpoint: emulator.endpoint,
        region: 'us-east-1',
        credentials: emulator.managementCredentials,
        maxAttempts: 1,
      });
      // Without moto, role management is refused by the emulator as before.
      await expect(
        client.send(new CreateRoleCommand({ RoleName: 'x', AssumeRolePolicyDocument: TRUST })),
      ).rejects.toMatchObject({ name: 'InvalidAction' });
      client.destroy();
    } finally {
      await emulator.stop();
    }
  });
});
