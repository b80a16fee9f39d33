/**
 * The policy evaluator on its own: matching rules, condition operators, the five root-task
 * policies (docs/aws-behaviour.md#task-policies) and the combined decision of task policy, SCPs and identity policies.
 */
import type { EmulatorState, IamPrincipal, PolicyDocument, RootSession } from '../../emulator/model/state';
import { taskPolicyArn } from '../../emulator/model/state';
import { authorize, organizationPath } from '../../emulator/policy/authorize';
import {
  actionMatches,
  arnMatches,
  contextValues,
  evaluatePolicy,
  parsePolicy,
  PolicyParseError,
  unsupportedOperators,
} from '../../emulator/policy/evaluate';
import { principalMatches, resourcePolicyEffect } from '../../emulator/policy/resource-policy';
import { ROOT_TASK_POLICY_DOCUMENTS } from '../../emulator/policy/root-task-policies';
import { loadScenario } from '../../emulator/scenario/load';
import { controlTowerRestrictRoot } from '../support/fixtures';

const MEMBER = '333333333333';
const ROOT = `arn:aws:iam::${MEMBER}:root`;

function request(action: string, resource: string, context: Record<string, string | string[]> = {}) {
  return { action, resource, context: contextValues(context) };
}

function single(statement: Record<string, unknown>): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [statement as unknown as PolicyDocument['Statement'] & object],
  } as PolicyDocument;
}

describe('policy matching', () => {
  it('matches actions case-insensitively with wildcards', () => {
    expect(actionMatches('iam:Get*', 'iam:getaccountsummary')).toBe(true);
    expect(actionMatches('IAM:LISTACCESSKEYS', 'iam:ListAccessKeys')).toBe(true);
    expect(actionMatches('iam:List?ccessKeys', 'iam:ListAccessKeys')).toBe(true);
    expect(actionMatches('iam:List*', 'sts:ListThings')).toBe(false);
  });

  it('matches resources per ARN segment and case-sensitively', () => {
    expect(arnMatches('arn:aws:iam::*:root', ROOT)).toBe(true);
    expect(arnMatches('arn:*:iam::*:root', ROOT)).toBe(true);
    expect(arnMatches('arn:aws:iam::*:root', `arn:aws:iam::${MEMBER}:user/root`)).toBe(false);
    expect(arnMatches('arn:aws:iam::*:ROOT', ROOT)).toBe(false);
    // A wildcard in the account segment stays in that segment.
    expect(arnMatches('arn:aws:sqs:*:*', 'arn:aws:sqs:us-east-1:333333333333:queue')).toBe(false);
    expect(arnMatches('arn:aws:sqs:*:*:*', 'arn:aws:sqs:us-east-1:333333333333:queue')).toBe(true);
    expect(arnMatches('arn:aws:iam::*:u2f/*', `arn:aws:iam::${MEMBER}:u2f/root/key-1`)).toBe(true);
  });

  it('applies NotAction and NotResource as exclusions', () => {
    const policy = single({ Effect: 'Deny', NotAction: 'iam:GetUser', NotResource: 'arn:aws:iam::*:root' });
    expect(evaluatePolicy(policy, request('iam:DeleteUser', `arn:aws:iam::${MEMBER}:user/bob`))).toBe('Deny');
    expect(evaluatePolicy(policy, request('iam:GetUser', `arn:aws:iam::${MEMBER}:user/bob`))).toBe('None');
    expect(evaluatePolicy(policy, request('iam:DeleteUser', ROOT))).toBe('None');
  });

  it('substitutes policy variables and treats unresolved ones as no match', () => {
    const policy = single({
      Effect: 'Allow',
      Action: 's3:*',
      Resource: 'arn:aws:s3:::bucket-${aws:PrincipalAccount}',
    });
    expect(
      evaluatePolicy(
        policy,
        request('s3:GetObject', `arn:aws:s3:::bucket-${MEMBER}`, { 'aws:PrincipalAccount': MEMBER }),
      ),
    ).toBe('Allow');
    expect(evaluatePolicy(policy, request('s3:GetObject', `arn:aws:s3:::bucket-${MEMBER}`))).toBe('None');
  });

  it('evaluates string operators with IfExists, negation and case-insensitive keys', () => {
    const notEqualsIfExists = single({
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: { StringNotEqualsIfExists: { 'AWS:RESOURCEACCOUNT': ['${aws:PrincipalAccount}'] } },
    });
    const own = { 'aws:ResourceAccount': MEMBER, 'aws:PrincipalAccount': MEMBER };
    const other = { 'aws:ResourceAccount': '444444444444', 'aws:PrincipalAccount': MEMBER };
    expect(evaluatePolicy(notEqualsIfExists, request('sqs:GetQueueAttributes', '*', own))).toBe('None');
    expect(evaluatePolicy(notEqualsIfExists, request('sqs:GetQueueAttributes', '*', other))).toBe('Deny');
    // IfExists: an absent key makes the condition true, so the deny applies.
    expect(
      evaluatePolicy(
        notEqualsIfExists,
        request('sqs:GetQueueAttributes', '*', { 'aws:PrincipalAccount': MEMBER }),
      ),
    ).toBe('Deny');

    const notLike = single({
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: { StringNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:root' } },
    });
    expect(evaluatePolicy(notLike, request('s3:GetBucketPolicy', '*', { 'aws:PrincipalArn': ROOT }))).toBe(
      'None',
    );
    expect(
      evaluatePolicy(
        notLike,
        request('s3:GetBucketPolicy', '*', { 'aws:PrincipalArn': `arn:aws:iam::${MEMBER}:role/x` }),
      ),
    ).toBe('Deny');
    // A negated operator on an absent key holds (nothing equals the value).
    expect(evaluatePolicy(notLike, request('s3:GetBucketPolicy', '*'))).toBe('Deny');

    const equals = single({
      Effect: 'Allow',
      Action: '*',
      Resource: '*',
      Condition: { StringEquals: { 'sts:TaskPolicyArn': ['a', 'b'] } },
    });
    expect(evaluatePolicy(equals, request('sts:AssumeRoot', '*', { 'sts:taskpolicyarn': 'b' }))).toBe(
      'Allow',
    );
    expect(evaluatePolicy(equals, request('sts:AssumeRoot', '*', { 'sts:taskpolicyarn': 'B' }))).toBe('None');
    expect(evaluatePolicy(equals, request('sts:AssumeRoot', '*'))).toBe('None');
  });

  it('evaluates Arn, Bool and Null operators', () => {
    const restrictRoot = single({
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: {
        ArnLike: { 'aws:PrincipalArn': ['arn:*:iam::*:root'] },
        Null: { 'aws:AssumedRoot': 'true' },
      },
    });
    expect(evaluatePolicy(restrictRoot, request('iam:GetUser', ROOT, { 'aws:PrincipalArn': ROOT }))).toBe(
      'Deny',
    );
    expect(
      evaluatePolicy(
        restrictRoot,
        request('iam:GetUser', ROOT, { 'aws:PrincipalArn': ROOT, 'aws:AssumedRoot': 'true' }),
      ),
    ).toBe('None');

    const arnEquals = single({
      Effect: 'Allow',
      Action: 'sts:AssumeRoot',
      Resource: '*',
      Condition: { ArnEquals: { 'sts:TaskPolicyArn': taskPolicyArn('IAMAuditRootUserCredentials') } },
    });
    expect(
      evaluatePolicy(
        arnEquals,
        request('sts:AssumeRoot', ROOT, {
          'sts:TaskPolicyArn': taskPolicyArn('IAMAuditRootUserCredentials'),
        }),
      ),
    ).toBe('Allow');
    expect(
      evaluatePolicy(
        arnEquals,
        request('sts:AssumeRoot', ROOT, {
          'sts:TaskPolicyArn': taskPolicyArn('IAMDeleteRootUserCredentials'),
        }),
      ),
    ).toBe('None');

    const bool = single({
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: { Bool: { 'aws:AssumedRoot': true } },
    });
    expect(evaluatePolicy(bool, request('iam:GetUser', ROOT, { 'aws:AssumedRoot': 'true' }))).toBe('Deny');
    expect(evaluatePolicy(bool, request('iam:GetUser', ROOT))).toBe('None');
  });

  it('evaluates ForAnyValue and ForAllValues over multi-valued keys', () => {
    const anyValue = single({
      Effect: 'Allow',
      Action: '*',
      Resource: '*',
      Condition: { 'ForAnyValue:StringLike': { 'aws:TagKeys': 'env*' } },
    });
    const allValues = single({
      Effect: 'Allow',
      Action: '*',
      Resource: '*',
      Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['env', 'team'] } },
    });
    expect(evaluatePolicy(anyValue, request('x:Y', '*', { 'aws:TagKeys': ['owner', 'environment'] }))).toBe(
      'Allow',
    );
    expect(evaluatePolicy(anyValue, request('x:Y', '*', { 'aws:TagKeys': ['owner'] }))).toBe('None');
    expect(evaluatePolicy(allValues, request('x:Y', '*', { 'aws:TagKeys': ['env', 'team'] }))).toBe('Allow');
    expect(evaluatePolicy(allValues, request('x:Y', '*', { 'aws:TagKeys': ['env', 'owner'] }))).toBe('None');
    expect(evaluatePolicy(allValues, request('x:Y', '*'))).toBe('Allow');
  });

  it('never matches on an operator outside the IAM grammar, and reports it', () => {
    const bogus = single({
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: { NumericAlmostEquals: { 'aws:MultiFactorAuthAge': '3600' } },
    });
    expect(evaluatePolicy(bogus, request('iam:GetUser', ROOT, { 'aws:MultiFactorAuthAge': '10' }))).toBe(
      'None',
    );
    expect(unsupportedOperators(bogus)).toEqual(['NumericAlmostEquals']);
  });

  it.each([
    ['NumericLessThan', 'aws:MultiFactorAuthAge', '3600', '10', true],
    ['NumericLessThan', 'aws:MultiFactorAuthAge', '3600', '7200', false],
    ['NumericGreaterThanEquals', 'aws:MultiFactorAuthAge', '3600', '3600', true],
    ['NumericNotEquals', 'aws:MultiFactorAuthAge', '3600', '3600', false],
    ['DateLessThan', 'aws:CurrentTime', '2030-01-01T00:00:00Z', '2026-12-03T00:00:00Z', true],
    ['DateGreaterThan', 'aws:CurrentTime', '2030-01-01T00:00:00Z', '2026-12-03T00:00:00Z', false],
    ['DateLessThanEquals', 'aws:EpochTime', '1893456000', '1893456000', true],
    ['IpAddress', 'aws:SourceIp', '203.0.113.0/24', '203.0.113.7', true],
    ['IpAddress', 'aws:SourceIp', '203.0.113.0/24', '198.51.100.7', false],
    ['NotIpAddress', 'aws:SourceIp', '203.0.113.0/24', '198.51.100.7', true],
    ['IpAddress', 'aws:SourceIp', '2001:db8::/32', '2001:db8:1::5', true],
    ['Bool', 'aws:SecureTransport', 'false', 'false', true],
    ['BinaryEquals', 'x:Blob', 'QmluYXJ5', 'QmluYXJ5', true],
  ])(
    'evaluates %s on %s (policy %s, request %s) as %s',
    (operator, key, policyValue, requestValue, matches) => {
      const document = single({
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { [operator]: { [key]: policyValue } },
      });
      expect(unsupportedOperators(document)).toEqual([]);
      expect(evaluatePolicy(document, request('iam:GetUser', ROOT, { [key]: requestValue }))).toBe(
        matches ? 'Deny' : 'None',
      );
    },
  );

  it('treats a missing key under ...IfExists as a match, and under a plain Numeric operator as none', () => {
    const ifExists = single({
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: { NumericGreaterThanIfExists: { 'aws:MultiFactorAuthAge': '3600' } },
    });
    const plain = single({
      Effect: 'Deny',
      Action: '*',
      Resource: '*',
      Condition: { NumericGreaterThan: { 'aws:MultiFactorAuthAge': '3600' } },
    });
    expect(evaluatePolicy(ifExists, request('iam:GetUser', ROOT))).toBe('Deny');
    expect(evaluatePolicy(plain, request('iam:GetUser', ROOT))).toBe('None');
  });

  it('fails to parse malformed policies with the reason', () => {
    expect(() => parsePolicy('{')).toThrow(PolicyParseError);
    expect(() => parsePolicy('{"Statement": [{"Effect": "Maybe", "Action": "*"}]}')).toThrow(/Effect/);
    expect(() => parsePolicy('{"Statement": [{"Effect": "Allow"}]}')).toThrow(/Action/);
  });
});

describe('root-task policies', () => {
  const root = (action: string, resource = ROOT) =>
    request(action, resource, {
      'aws:PrincipalArn': ROOT,
      'aws:PrincipalAccount': MEMBER,
      'aws:ResourceAccount': MEMBER,
    });

  it('lets the audit task call GetAccountSummary and the List/Get calls on the root user only', () => {
    const audit = ROOT_TASK_POLICY_DOCUMENTS.IAMAuditRootUserCredentials;
    expect(evaluatePolicy(audit, root('iam:GetAccountSummary', '*'))).toBe('None');
    expect(evaluatePolicy(audit, root('iam:ListAccessKeys'))).toBe('None');
    expect(evaluatePolicy(audit, root('iam:ListAccessKeys', `arn:aws:iam::${MEMBER}:user/bob`))).toBe('Deny');
    expect(evaluatePolicy(audit, root('iam:DeleteLoginProfile'))).toBe('Deny');
  });

  it('does not let the delete task call GetAccountSummary, ListVirtualMFADevices or CreateLoginProfile', () => {
    const remove = ROOT_TASK_POLICY_DOCUMENTS.IAMDeleteRootUserCredentials;
    for (const allowed of [
      'iam:DeleteAccessKey',
      'iam:DeleteLoginProfile',
      'iam:DeactivateMFADevice',
      'iam:ListMFADevices',
    ]) {
      expect(evaluatePolicy(remove, root(allowed))).toBe('None');
    }
    for (const denied of [
      'iam:GetAccountSummary',
      'iam:ListVirtualMFADevices',
      'iam:CreateLoginProfile',
      // Removed from the managed policy on 2025-01-07: denied even on the root user.
      'iam:DeleteVirtualMFADevice',
    ]) {
      expect(evaluatePolicy(remove, root(denied))).toBe('Deny');
    }
    // docs/aws-behaviour.md#delete-virtual-mfa-resource: DeleteVirtualMFADevice authorized on the mfa resource is denied by statement 2.
    expect(
      evaluatePolicy(
        remove,
        root('iam:DeleteVirtualMFADevice', `arn:aws:iam::${MEMBER}:mfa/root-account-mfa-device`),
      ),
    ).toBe('Deny');
  });

  it('lets the create-password task create and read the login profile only', () => {
    const create = ROOT_TASK_POLICY_DOCUMENTS.IAMCreateRootUserPassword;
    expect(evaluatePolicy(create, root('iam:CreateLoginProfile'))).toBe('None');
    expect(evaluatePolicy(create, root('iam:DeleteLoginProfile'))).toBe('Deny');
  });

  it('lets the SQS unlock task read attributes only of queues in its own account', () => {
    const sqs = ROOT_TASK_POLICY_DOCUMENTS.SQSUnlockQueuePolicy;
    const own = `arn:aws:sqs:us-east-1:${MEMBER}:q`;
    expect(evaluatePolicy(sqs, root('sqs:GetQueueAttributes', own))).toBe('None');
    const foreign = request('sqs:GetQueueAttributes', 'arn:aws:sqs:us-east-1:444444444444:q', {
      'aws:PrincipalArn': ROOT,
      'aws:PrincipalAccount': MEMBER,
      'aws:ResourceAccount': '444444444444',
    });
    expect(evaluatePolicy(sqs, foreign)).toBe('Deny');
    expect(evaluatePolicy(sqs, root('sqs:DeleteQueue', own))).toBe('Deny');
  });

  it('denies the unlock actions to non-root principals', () => {
    const s3 = ROOT_TASK_POLICY_DOCUMENTS.S3UnlockBucketPolicy;
    expect(evaluatePolicy(s3, root('s3:DeleteBucketPolicy', 'arn:aws:s3:::b'))).toBe('None');
    const role = request('s3:DeleteBucketPolicy', 'arn:aws:s3:::b', {
      'aws:PrincipalArn': `arn:aws:iam::${MEMBER}:role/x`,
    });
    expect(evaluatePolicy(s3, role)).toBe('Deny');
  });
});

describe('authorize', () => {
  const MANAGEMENT = '111111111111';
  const DELEGATED = '222222222222';

  function scenario(policies: unknown[] = [], extra: Record<string, unknown> = {}): EmulatorState {
    return loadScenario({
      organization: {
        id: 'o-exampleorg1',
        rootId: 'r-ex12',
        managementAccountId: MANAGEMENT,
        delegatedAdministrators: [],
      },
      organizationalUnits: [
        { id: 'ou-ex12-workload', name: 'Workloads', parentId: 'r-ex12' },
        { id: 'ou-ex12-prod0001', name: 'Prod', parentId: 'ou-ex12-workload' },
      ],
      accounts: [
        { id: DELEGATED, name: 'security', parentId: 'r-ex12' },
        { id: MEMBER, name: 'prod', parentId: 'ou-ex12-prod0001' },
      ],
      policies,
      ...extra,
    });
  }

  function session(policy: Parameters<typeof taskPolicyArn>[0], accountId = MEMBER): RootSession {
    return {
      kind: 'root-session',
      accessKeyId: 'ASIATEST',
      secretAccessKey: 's',
      sessionToken: 't',
      accountId,
      arn: `arn:aws:iam::${accountId}:root`,
      taskPolicyArn: taskPolicyArn(policy),
      expiresAt: new Date(Date.now() + 900_000),
      issuedTo: `arn:aws:iam::${MANAGEMENT}:user/admin`,
    };
  }

  const restrictRoot = (exempt: boolean) => ({
    id: exempt ? 'p-restrictexempt' : 'p-restrictroot1',
    name: 'AWS-GR_RESTRICT_ROOT_USER',
    content: controlTowerRestrictRoot({ exemptAssumeRoot: exempt }),
    targets: ['ou-ex12-workload'],
  });

  const audit = { action: 'iam:GetAccountSummary', resource: ROOT, resourceAccountId: MEMBER };

  it('walks the organization path from the root down to the account', () => {
    expect(organizationPath(scenario(), MEMBER)).toEqual([
      'r-ex12',
      'ou-ex12-workload',
      'ou-ex12-prod0001',
      MEMBER,
    ]);
  });

  it('allows an audit session with FullAWSAccess everywhere', () => {
    expect(authorize(scenario(), session('IAMAuditRootUserCredentials'), audit)).toEqual({ allowed: true });
  });

  it('denies by the task policy first, in session-policy wording', () => {
    const decision = authorize(scenario(), session('IAMDeleteRootUserCredentials'), audit);
    expect(decision).toEqual({
      allowed: false,
      deniedBy: 'task-policy',
      message: `User: ${ROOT} is not authorized to perform: iam:GetAccountSummary on resource: ${ROOT} with an explicit deny in a session policy`,
    });
  });

  it('denies through an inherited SCP without the AssumedRoot exemption and names it', () => {
    const decision = authorize(
      scenario([restrictRoot(false)]),
      session('IAMAuditRootUserCredentials'),
      audit,
    );
    expect(decision).toMatchObject({
      allowed: false,
      deniedBy: 'service-control-policy',
      policyId: 'p-restrictroot1',
      message: expect.stringContaining(
        `with an explicit deny in a service control policy: arn:aws:organizations::${MANAGEMENT}:policy/o-exampleorg1/service_control_policy/p-restrictroot1`,
      ),
    });
  });

  it('exempts root sessions from the control that carries the AssumedRoot exemption', () => {
    expect(authorize(scenario([restrictRoot(true)]), session('IAMAuditRootUserCredentials'), audit)).toEqual({
      allowed: true,
    });
  });

  it('implicitly denies when a level of the path has no allowing SCP', () => {
    const state = scenario([
      { id: 'p-FullAWSAccess', targets: ['r-ex12', 'ou-ex12-workload', MEMBER, DELEGATED, MANAGEMENT] },
      {
        id: 'p-allows3only1',
        name: 's3',
        content: { Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }] },
        targets: ['ou-ex12-prod0001'],
      },
    ]);
    const decision = authorize(state, session('IAMAuditRootUserCredentials'), audit);
    expect(decision).toMatchObject({
      allowed: false,
      deniedBy: 'service-control-policy',
      policyId: 'ou-ex12-prod0001',
      message: expect.stringContaining(
        'because no service control policy allows the iam:GetAccountSummary action',
      ),
    });
  });

  it('ignores SCPs for principals of the management account', () => {
    const state = scenario([
      {
        id: 'p-denyall0001',
        name: 'deny',
        content: { Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }] },
        targets: ['r-ex12'],
      },
    ]);
    const admin: IamPrincipal = {
      kind: 'iam',
      accessKeyId: 'AKIA',
      secretAccessKey: 'secret',
      accountId: MANAGEMENT,
      arn: `arn:aws:iam::${MANAGEMENT}:user/admin`,
    };
    expect(
      authorize(state, admin, {
        action: 'organizations:ListAccounts',
        resource: '*',
        resourceAccountId: MANAGEMENT,
      }),
    ).toEqual({ allowed: true });
    const delegated: IamPrincipal = {
      ...admin,
      accountId: DELEGATED,
      arn: `arn:aws:iam::${DELEGATED}:user/admin`,
    };
    expect(
      authorize(state, delegated, {
        action: 'organizations:ListAccounts',
        resource: '*',
        resourceAccountId: MANAGEMENT,
      }),
    ).toMatchObject({
      allowed: false,
      deniedBy: 'service-control-policy',
      policyId: 'p-denyall0001',
    });
  });

  it('ignores SCPs when the organization has only consolidated billing', () => {
    const state = scenario([restrictRoot(false)]);
    state.organization.featureSet = 'CONSOLIDATED_BILLING';
    expect(authorize(state, session('IAMAuditRootUserCredentials'), audit)).toEqual({ allowed: true });
  });

  it('requires an identity policy allow for a scoped role, with sts:TaskPolicyArn conditions', () => {
    const role: IamPrincipal = {
      kind: 'iam',
      accessKeyId: 'AKIAROLE',
      secretAccessKey: 'secret',
      accountId: MANAGEMENT,
      arn: `arn:aws:sts::${MANAGEMENT}:assumed-role/Reconciler/run-1`,
      identityPolicies: [
        {
          Statement: [
            {
              Effect: 'Allow',
              Action: 'sts:AssumeRoot',
              Resource: 'arn:aws:iam::*:root',
              Condition: {
                StringEquals: { 'sts:TaskPolicyArn': [taskPolicyArn('IAMAuditRootUserCredentials')] },
              },
            },
            {
              Effect: 'Deny',
              Action: 'organizations:*',
              Resource: '*',
              Condition: { ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/Reconciler' } },
            },
          ],
        },
      ],
    };
    const assume = (policy: Parameters<typeof taskPolicyArn>[0]) => ({
      action: 'sts:AssumeRoot',
      resource: ROOT,
      resourceAccountId: MEMBER,
      context: { 'sts:TaskPolicyArn': taskPolicyArn(policy) },
    });
    const state = scenario();
    expect(authorize(state, role, assume('IAMAuditRootUserCredentials'))).toEqual({ allowed: true });
    expect(authorize(state, role, assume('IAMDeleteRootUserCredentials'))).toMatchObject({
      allowed: false,
      deniedBy: 'implicit',
      message: `User: ${role.arn} is not authorized to perform: sts:AssumeRoot on resource: ${ROOT} because no identity-based policy allows the sts:AssumeRoot action`,
    });
    // aws:PrincipalArn of a role session is the role ARN, so the ArnNotLike deny does not fire.
    expect(
      authorize(state, role, {
        action: 'organizations:ListAccounts',
        resource: '*',
        resourceAccountId: MANAGEMENT,
      }),
    ).toMatchObject({ deniedBy: 'implicit' });
    const other = { ...role, arn: `arn:aws:sts::${MANAGEMENT}:assumed-role/Other/x` };
    expect(
      authorize(state, other, {
        action: 'organizations:ListAccounts',
        resource: '*',
        resourceAccountId: MANAGEMENT,
      }),
    ).toMatchObject({ deniedBy: 'identity-policy' });
  });
});

describe('resource policies', () => {
  it('applies statements only to the principals they name', () => {
    const caller = { arn: ROOT, accountId: MEMBER };
    expect(principalMatches('*', caller)).toBe(true);
    expect(principalMatches({ AWS: MEMBER }, caller)).toBe(true);
    expect(principalMatches({ AWS: ['arn:aws:iam::444444444444:root'] }, caller)).toBe(false);
    const policy = JSON.stringify({
      Statement: [{ Effect: 'Deny', Principal: { AWS: '444444444444' }, Action: '*', Resource: '*' }],
    });
    expect(resourcePolicyEffect(policy, request('s3:GetObject', 'arn:aws:s3:::b'), caller)).toBe('None');
    expect(
      resourcePolicyEffect(policy, request('s3:GetObject', 'arn:aws:s3:::b'), {
        arn: 'x',
        accountId: '444444444444',
      }),
    ).toBe('Deny');
  });
});
