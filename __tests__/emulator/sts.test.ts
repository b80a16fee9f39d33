/**
 * STS conformance: AssumeRoot with each of its gates (docs/aws-behaviour.md#assume-root-gate-order) and GetCallerIdentity,
 * through the real SDK v3 client over HTTP.
 */
import { DisableOrganizationsRootSessionsCommand, GetAccountSummaryCommand } from '@aws-sdk/client-iam';
import { AssumeRootCommand, GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';

import {
  BARE_ACCOUNT,
  DELEGATED_ADMIN,
  DELEGATED_ADMIN_ACCOUNT,
  MANAGEMENT_ACCOUNT,
  MEMBER_ACCOUNT,
  MEMBER_ADMIN,
  RECONCILER,
  SUSPENDED_ACCOUNT,
  baseScenario,
  expectAwsError,
  taskPolicy,
  useEmulator,
} from '../support/emulator';

const AUDIT = taskPolicy('IAMAuditRootUserCredentials');

function assumeRoot(sts: STSClient, target: string, policyArn = AUDIT, durationSeconds?: number) {
  return sts.send(
    new AssumeRootCommand({
      TargetPrincipal: target,
      TaskPolicyArn: { arn: policyArn },
      DurationSeconds: durationSeconds,
    }),
  );
}

describe('STS AssumeRoot', () => {
  const env = useEmulator(baseScenario());

  beforeEach(async () => {
    await env.emulator.reset();
  });

  it('issues ASIA credentials bound to the member account that expire within 900 s', async () => {
    // GIVEN the management administrator
    const sts = env.sts();
    const before = Date.now();

    // WHEN it opens an audit session in a member account
    const result = await assumeRoot(sts, MEMBER_ACCOUNT);

    // THEN the credentials are temporary keys that act as the member's root user
    const credentials = result.Credentials!;
    expect(credentials.AccessKeyId).toMatch(/^ASIA[A-Z0-9]{16}$/);
    expect(credentials.SecretAccessKey).toBeTruthy();
    expect(credentials.SessionToken).toBeTruthy();
    const expiresIn = credentials.Expiration!.getTime() - before;
    expect(expiresIn).toBeGreaterThan(890_000);
    expect(expiresIn).toBeLessThanOrEqual(901_000);

    const sessionSts = env.sts({
      credentials: {
        accessKeyId: credentials.AccessKeyId!,
        secretAccessKey: credentials.SecretAccessKey!,
        sessionToken: credentials.SessionToken!,
      },
    });
    const identity = await sessionSts.send(new GetCallerIdentityCommand({}));
    expect(identity).toMatchObject({
      Account: MEMBER_ACCOUNT,
      Arn: `arn:aws:iam::${MEMBER_ACCOUNT}:root`,
      UserId: MEMBER_ACCOUNT,
    });
  });

  it('accepts the target as a root ARN and honours a shorter DurationSeconds', async () => {
    const before = Date.now();
    const result = await assumeRoot(env.sts(), `arn:aws:iam::${MEMBER_ACCOUNT}:root`, AUDIT, 60);
    const expiresIn = result.Credentials!.Expiration!.getTime() - before;
    expect(expiresIn).toBeGreaterThan(55_000);
    expect(expiresIn).toBeLessThanOrEqual(61_000);
  });

  it('fails for the management account as target', async () => {
    const error = await expectAwsError(assumeRoot(env.sts(), MANAGEMENT_ACCOUNT), 'AccessDenied', 403);
    expect(error.message).toContain('management account');
  });

  it('fails for a suspended member account', async () => {
    const error = await expectAwsError(assumeRoot(env.sts(), SUSPENDED_ACCOUNT), 'AccessDenied', 403);
    expect(error.message).toContain(SUSPENDED_ACCOUNT);
  });

  it('fails for an account outside the organization', async () => {
    await expectAwsError(assumeRoot(env.sts(), '999999999999'), 'AccessDenied', 403);
  });

  it('fails for a task policy ARN that is not one of the five', async () => {
    const sixth = 'arn:aws:iam::aws:policy/root-task/IAMDeleteEverything';
    await expectAwsError(assumeRoot(env.sts(), MEMBER_ACCOUNT, sixth), 'ValidationError', 400);
    await expectAwsError(
      assumeRoot(env.sts(), MEMBER_ACCOUNT, 'arn:aws:iam::aws:policy/AdministratorAccess'),
      'ValidationError',
      400,
    );
  });

  it('fails for DurationSeconds 901', async () => {
    await expectAwsError(assumeRoot(env.sts(), MEMBER_ACCOUNT, AUDIT, 901), 'ValidationError', 400);
  });

  it('fails when the RootSessions feature is disabled', async () => {
    // GIVEN the management account turned root sessions off through IAM
    await env.iam().send(new DisableOrganizationsRootSessionsCommand({}));

    // WHEN / THEN
    const error = await expectAwsError(assumeRoot(env.sts(), MEMBER_ACCOUNT), 'AccessDenied', 403);
    expect(error.message).toContain('RootSessions');
  });

  it('fails from a member account that is neither management nor delegated administrator', async () => {
    const sts = env.sts({ credentials: MEMBER_ADMIN });
    const error = await expectAwsError(assumeRoot(sts, BARE_ACCOUNT), 'AccessDenied', 403);
    expect(error.message).toContain(MEMBER_ADMIN.arn);
  });

  it('allows the IAM delegated administrator', async () => {
    const sts = env.sts({ credentials: DELEGATED_ADMIN });
    const result = await assumeRoot(sts, MEMBER_ACCOUNT);
    expect(result.Credentials?.AccessKeyId).toMatch(/^ASIA/);
    const calls = await env.emulator.calls();
    expect(calls.at(-1)).toMatchObject({
      action: 'AssumeRoot',
      accountId: MEMBER_ACCOUNT,
      principalArn: DELEGATED_ADMIN.arn,
      mutating: false,
      decision: 'allow',
    });
    expect(DELEGATED_ADMIN_ACCOUNT).not.toBe(MANAGEMENT_ACCOUNT);
  });

  it('fails from inside a root session', async () => {
    const session = await env.rootSession(MEMBER_ACCOUNT, 'IAMAuditRootUserCredentials');
    await expectAwsError(assumeRoot(env.sts({ credentials: session }), BARE_ACCOUNT), 'AccessDenied', 403);
  });

  it('fails when the caller identity policy does not allow the requested task policy', async () => {
    // GIVEN a role allowed to assume root only with the audit task policy
    const scenario = baseScenario();
    (scenario['principals'] as unknown[]).push({
      accessKeyId: 'AKIAAUDITONLY0000001',
      secretAccessKey: 'audit-only-secret',
      accountId: MANAGEMENT_ACCOUNT,
      arn: `arn:aws:sts::${MANAGEMENT_ACCOUNT}:assumed-role/AuditOnly/s`,
      identityPolicies: [
        {
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: 'sts:AssumeRoot',
              Resource: '*',
              Condition: { ArnEquals: { 'sts:TaskPolicyArn': AUDIT } },
            },
          ],
        },
      ],
    });
    const { startEmulator } = await import('../../emulator/index');
    const { STSClient } = await import('@aws-sdk/client-sts');
    const other = await startEmulator({ scenario });
    const sts = new STSClient({
      endpoint: other.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIAAUDITONLY0000001', secretAccessKey: 'audit-only-secret' },
      maxAttempts: 1,
    });
    try {
      // WHEN / THEN audit is allowed and delete is denied with AWS's wording
      await expect(assumeRoot(sts, MEMBER_ACCOUNT)).resolves.toBeDefined();
      const error = await expectAwsError(
        assumeRoot(sts, MEMBER_ACCOUNT, taskPolicy('IAMDeleteRootUserCredentials')),
        'AccessDenied',
        403,
      );
      expect(error.message).toContain('is not authorized to perform: sts:AssumeRoot');
    } finally {
      sts.destroy();
      await other.stop();
    }
  });
});

describe('STS AssumeRoot with root user keys and token sizes', () => {
  const ROOT_KEYS = { accessKeyId: 'AKIAMGMTROOTUSER0001', secretAccessKey: 'management-root-secret' };
  const scenario = baseScenario();
  (scenario['principals'] as unknown[]).push({
    ...ROOT_KEYS,
    accountId: MANAGEMENT_ACCOUNT,
    arn: `arn:aws:iam::${MANAGEMENT_ACCOUNT}:root`,
  });
  const env = useEmulator(scenario);

  it('refuses the long-term access keys of a root user', async () => {
    const error = await expectAwsError(
      assumeRoot(env.sts({ credentials: ROOT_KEYS }), MEMBER_ACCOUNT),
      'AccessDenied',
      403,
    );
    expect(error.message).toBe('You cannot use root user credentials to call this operation.');
  });

  it('pads the session token to MinimumSessionTokenSize and reports its size and utilization', async () => {
    const result = await env.sts().send(
      new AssumeRootCommand({
        TargetPrincipal: MEMBER_ACCOUNT,
        TaskPolicyArn: { arn: AUDIT },
        MinimumSessionTokenSize: 2048,
      }),
    );
    const token = result.Credentials?.SessionToken ?? '';
    expect(token.length).toBeGreaterThanOrEqual(2048);
    expect(result.SessionTokenSize).toBe(Buffer.byteLength(token));
    expect(result.SessionTokenUtilization).toBe(Math.ceil((Buffer.byteLength(token) / 4096) * 100));
    // The padded token still authenticates the session.
    const identity = await env
      .sts({
        credentials: {
          accessKeyId: result.Credentials?.AccessKeyId ?? '',
          secretAccessKey: result.Credentials?.SecretAccessKey ?? '',
          sessionToken: token,
        },
      })
      .send(new GetCallerIdentityCommand({}));
    expect(identity.Arn).toBe(`arn:aws:iam::${MEMBER_ACCOUNT}:root`);
  });

  it('refuses a MinimumSessionTokenSize above 4096', async () => {
    await expectAwsError(
      env.sts().send(
        new AssumeRootCommand({
          TargetPrincipal: MEMBER_ACCOUNT,
          TaskPolicyArn: { arn: AUDIT },
          MinimumSessionTokenSize: 4097,
        }),
      ),
      'ValidationError',
      400,
    );
  });
});

describe('STS AssumeRoot without trusted access', () => {
  const scenario = baseScenario();
  (scenario['organization'] as Record<string, unknown>)['trustedAccess'] = [];
  const env = useEmulator(scenario);

  it('fails with AccessDenied', async () => {
    const error = await expectAwsError(assumeRoot(env.sts(), MEMBER_ACCOUNT), 'AccessDenied', 403);
    expect(error.message).toContain('iam.amazonaws.com');
  });
});

describe('STS session lifetime', () => {
  const env = useEmulator(baseScenario(), { faults: { sessionLifetimeSeconds: 1 } });

  it('answers ExpiredToken once the session has expired', async () => {
    // GIVEN a session capped at 1 s by the faults
    const session = await env.rootSession(MEMBER_ACCOUNT, 'IAMAuditRootUserCredentials');
    const iam = env.iam({ credentials: session });
    await expect(iam.send(new GetAccountSummaryCommand({}))).resolves.toBeDefined();

    // WHEN it is used after its expiry
    await new Promise((resolve) => setTimeout(resolve, 1_100));

    // THEN IAM refuses it
    await expectAwsError(iam.send(new GetAccountSummaryCommand({})), 'ExpiredToken', 403);
    const calls = await env.emulator.calls();
    expect(calls.at(-1)).toMatchObject({
      errorCode: 'ExpiredToken',
      decision: 'deny',
      accountId: MEMBER_ACCOUNT,
    });
  });
});

describe('STS GetCallerIdentity', () => {
  const env = useEmulator(baseScenario());

  it('describes a declared role session and the default administrator', async () => {
    const role = await env.sts({ credentials: RECONCILER }).send(new GetCallerIdentityCommand({}));
    expect(role.Arn).toBe(RECONCILER.arn);
    expect(role.Account).toBe(MANAGEMENT_ACCOUNT);
    expect(role.UserId).toMatch(/^AROA[A-Z0-9]+:session$/);

    const admin = await env.sts().send(new GetCallerIdentityCommand({}));
    expect(admin.Arn).toBe(`arn:aws:iam::${MANAGEMENT_ACCOUNT}:user/emulator-admin`);
    expect(admin.UserId).toMatch(/^AIDA/);
  });
});
