/**
 * The emulator driven by boto3/botocore, a client nobody on this project wrote (issue 13):
 * authentication (unknown key, wrong secret, stale and future signatures, S3's skewed clock),
 * calls the emulator does not model inside task sessions, SCP grammar, and root user keys
 * calling AssumeRoot. The script is `fixtures/boto3_probe.py`; it runs in the system python3
 * (`BOTO3_PYTHON` overrides), and the test fails under CI=true when boto3 is missing.
 */
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';

import { readScenarioFile } from '../../emulator/scenario/load';
import { useEmulator } from '../support/emulator';

const SCRIPT = path.join(__dirname, 'fixtures', 'boto3_probe.py');
const MEMBER = '333333333333';
const ROOT_KEYS = { accessKeyId: 'AKIAMGMTROOTUSERKEY1', secretAccessKey: 'management-root-user-secret' };

function findBoto3Python(): string | undefined {
  const python = process.env['BOTO3_PYTHON'] ?? 'python3';
  const probe = spawnSync(python, ['-c', 'import boto3'], { encoding: 'utf8', timeout: 30_000 });
  return probe.error === undefined && probe.status === 0 ? python : undefined;
}

const python = findBoto3Python();
if (python === undefined && process.env['CI'] === 'true') {
  throw new Error(
    'boto3-probe: no python3 with boto3 (set BOTO3_PYTHON or install boto3); required under CI=true',
  );
}
const describeWithBoto3 = python === undefined ? describe.skip : describe;

interface Outcome {
  ok: boolean;
  result?: unknown;
  code?: string;
  message?: string;
  status?: number;
  error?: Record<string, string>;
}

function run(command: string, env: NodeJS.ProcessEnv): Promise<Record<string, Outcome>> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, [SCRIPT], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`boto3 probe exited with ${String(code)}:\n${stderr}`));
      else resolve(JSON.parse(stdout) as Record<string, Outcome>);
    });
  });
}

describeWithBoto3('the emulator under boto3', () => {
  const scenario = readScenarioFile(path.join(__dirname, '../../emulator/scenarios/unlock.json')) as {
    principals?: unknown[];
  };
  scenario.principals = [
    ...(scenario.principals ?? []),
    { ...ROOT_KEYS, accountId: '111111111111', arn: 'arn:aws:iam::111111111111:root' },
  ];
  const env = useEmulator(scenario);
  let results: Record<string, Outcome> = {};

  beforeAll(async () => {
    results = await run(python ?? 'python3', {
      EMULATOR_ENDPOINT: env.emulator.endpoint,
      MGMT_KEY: env.emulator.managementCredentials.accessKeyId,
      MGMT_SECRET: env.emulator.managementCredentials.secretAccessKey,
      ROOT_KEY: ROOT_KEYS.accessKeyId,
      ROOT_SECRET: ROOT_KEYS.secretAccessKey,
      MEMBER_ACCOUNT: MEMBER,
      BUCKET: 'open-bucket',
      QUEUE: 'locked-queue',
      AWS_CONFIG_FILE: '/dev/null',
      AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
    });
  }, 120_000);

  const failure = (name: string) => {
    const outcome = results[name];
    expect(outcome?.ok).toBe(false);
    return outcome;
  };

  it('accepts the declared management credentials', () => {
    expect(results['identity']).toEqual({
      ok: true,
      result: 'arn:aws:iam::111111111111:user/emulator-admin',
    });
  });

  it.each([
    ['unknown_key_sts', 'InvalidClientTokenId', 403],
    ['unknown_key_iam', 'InvalidClientTokenId', 403],
    ['unknown_key_org', 'UnrecognizedClientException', 400],
    ['unknown_key_s3', 'InvalidAccessKeyId', 403],
    ['wrong_secret_sts', 'SignatureDoesNotMatch', 403],
    ['wrong_secret_s3', 'SignatureDoesNotMatch', 403],
    ['stale_sts', 'SignatureDoesNotMatch', 403],
    ['stale_org', 'InvalidSignatureException', 400],
    ['future_sts', 'SignatureDoesNotMatch', 403],
    ['skewed_s3', 'RequestTimeTooSkewed', 403],
  ])('refuses %s with %s %d', (name, code, status) => {
    expect(failure(name)).toMatchObject({ code, status });
  });

  it('quotes the times in a stale signature, and S3 gives the server time for skew correction', () => {
    expect(failure('stale_sts').message).toMatch(/^Signature expired: \d{8}T\d{6}Z is now earlier than/);
    expect(failure('future_sts').message).toMatch(/^Signature not yet current: /);
    expect(failure('skewed_s3').error).toMatchObject({ MaxAllowedSkewMilliseconds: '900000' });
    expect(failure('skewed_s3').error?.['ServerTime']).toEqual(expect.any(String));
    expect(results['within_skew_sts']?.ok).toBe(true);
  });

  it.each([
    ['s3_task_list_objects', 'AccessDenied', 403],
    ['s3_task_put_object', 'AccessDenied', 403],
    ['sqs_task_send_message', 'AccessDenied', 403],
    ['iam_task_create_user', 'AccessDenied', 403],
    ['iam_task_org_call', 'AccessDeniedException', 403],
    ['delete_task_delete_virtual_mfa', 'AccessDenied', 403],
    ['admin_list_objects', 'NotImplemented', 501],
  ])('authorizes before answering: %s is %s %d', (name, code, status) => {
    expect(failure(name)).toMatchObject({ code, status });
  });

  it('still serves the calls the task policy allows', () => {
    expect(results['s3_task_get_policy_allowed_call']?.ok).toBe(true);
  });

  it('refuses AssumeRoot with long-term root user keys', () => {
    expect(failure('root_keys_assume_root')).toMatchObject({
      code: 'AccessDenied',
      status: 403,
      message: 'You cannot use root user credentials to call this operation.',
    });
  });

  it.each(['numeric', 'date', 'ip', 'not_ip', 'bool', 'if_exists', 'for_all_values', 'null'])(
    'accepts an SCP with a %s condition',
    (name) => {
      expect(results[`scp_accept_${name}`]).toMatchObject({ ok: true, result: expect.stringMatching(/^p-/) });
    },
  );

  it.each([
    ['scp_reject_principal', 'MalformedPolicyDocumentException', 400],
    ['scp_reject_not_principal', 'MalformedPolicyDocumentException', 400],
    ['scp_reject_allow_condition_no_resource', 'MalformedPolicyDocumentException', 400],
    ['scp_reject_unknown_operator', 'MalformedPolicyDocumentException', 400],
    ['scp_reject_too_large', 'ConstraintViolationException', 409],
  ])('rejects %s with %s %d', (name, code, status) => {
    expect(failure(name)).toMatchObject({ code, status });
  });
});
