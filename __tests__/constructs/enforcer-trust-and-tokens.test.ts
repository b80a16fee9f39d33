/**
 * What the synthesized enforcer promises beyond its happy path: IAM refuses what the engine
 * never does (excluded accounts, deletes during a break-glass window), its service roles trust
 * only this account, and every prop a Terraform user would feed from a variable accepts one.
 */
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { Annotations, TerraformStack, TerraformVariable, Testing } from 'cdktf';

import {
  RootCredentialsEnforcer,
  type RootCredentialsEnforcerProps,
} from '../../src/constructs/root-credentials-enforcer';
import { DELETE_TASK_POLICY_ARN } from '../../src/constructs/enforcer/policy';

type Json = ReturnType<typeof JSON.parse>;
const EXCLUDED = '222222222222';
const BREAK_GLASS = '777777777777';
const inTenDays = new Date(Date.now() + 10 * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');

function synth(props: Partial<RootCredentialsEnforcerProps>, region = 'us-east-1') {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'test');
  new AwsProvider(stack, 'aws', { region });
  const enforcer = new RootCredentialsEnforcer(stack, 'Enforcer', {
    desiredState: {
      targets: { allAccounts: true },
      exclusions: { accountIds: [EXCLUDED] },
      breakGlass: [{ accountId: BREAK_GLASS, until: inTenDays, reason: 'INC-42' }],
      mode: 'enforce',
    },
    ...props,
  });
  return { json: JSON.parse(Testing.synth(stack)), enforcer, stack };
}

function rolePolicy(json: Json): Json {
  const policies = Object.values<Json>(json['resource']['aws_iam_role_policy']);
  return JSON.parse(policies.find((p) => p.name === 'reconcile-root-credentials').policy);
}

describe('the reconciler role refuses what the desired state protects', () => {
  it("denies sts:AssumeRoot on the excluded accounts' root ARNs", () => {
    const deny = rolePolicy(synth({}).json).Statement.find(
      (s: Json) => s.Sid === 'NeverTouchExcludedAccounts',
    );
    expect(deny).toEqual({
      Sid: 'NeverTouchExcludedAccounts',
      Effect: 'Deny',
      Action: ['sts:AssumeRoot'],
      Resource: [`arn:aws:iam::${EXCLUDED}:root`],
    });
  });

  it('denies the delete task policy on a break-glass account while its window is open', () => {
    const deny = rolePolicy(synth({}).json).Statement.find(
      (s: Json) => s.Sid === 'NoDeletionDuringBreakGlass0',
    );
    expect(deny).toEqual({
      Sid: 'NoDeletionDuringBreakGlass0',
      Effect: 'Deny',
      Action: ['sts:AssumeRoot'],
      Resource: [`arn:aws:iam::${BREAK_GLASS}:root`],
      Condition: {
        ArnEquals: { 'sts:TaskPolicyArn': [DELETE_TASK_POLICY_ARN] },
        DateLessThan: { 'aws:CurrentTime': inTenDays },
      },
    });
  });
});

describe('service roles trust only this account', () => {
  it('scopes the function role to aws:SourceAccount and the scheduler role to the schedule group too', () => {
    const { json } = synth({});
    const roles = Object.values<Json>(json['resource']['aws_iam_role']);
    const trust = (name: string) =>
      JSON.parse(roles.find((r) => r.name === name).assume_role_policy).Statement[0];
    const account = '${data.aws_caller_identity.Enforcer_Account_561FC161.account_id}';
    expect(trust('root-credentials-enforcer').Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': account },
    });
    expect(trust('root-credentials-enforcer-scheduler').Condition).toEqual({
      StringEquals: { 'aws:SourceAccount': account },
      ArnEquals: {
        'aws:SourceArn': `arn:aws:scheduler:\${data.aws_region.Enforcer_Region_95ECB9E8.name}:${account}:schedule-group/default`,
      },
    });
    const permission = Object.values<Json>(json['resource']['aws_lambda_permission'])[0];
    expect(permission.source_account).toBe(account);
  });
});

describe('Organizations events are delivered in us-east-1 only', () => {
  it('warns at synth when the provider region is another one', () => {
    const { enforcer } = synth({}, 'eu-west-1');
    const warnings = enforcer.node.metadata
      .filter((m) => m.type === '@cdktf/warn')
      .map((m) => String(m.data));
    expect(warnings.join('\n')).toMatch(
      /provider's region is "eu-west-1".*us-east-1 only, so the event rule will never fire/,
    );
  });

  it('says nothing in us-east-1, or with organization events off', () => {
    for (const { enforcer } of [synth({}), synth({ enableOrganizationEvents: false }, 'eu-west-1')]) {
      expect(enforcer.node.metadata.filter((m) => m.type === '@cdktf/warn')).toEqual([]);
    }
    void Annotations;
  });
});

describe('Terraform variables in every prop', () => {
  function variables(stack: TerraformStack) {
    return {
      functionName: new TerraformVariable(stack, 'function_name', { type: 'string' }).stringValue,
      alarmEmail: new TerraformVariable(stack, 'alarm_email', { type: 'string' }).stringValue,
      timeoutSeconds: new TerraformVariable(stack, 'timeout', { type: 'number' }).numberValue,
      memorySize: new TerraformVariable(stack, 'memory', { type: 'number' }).numberValue,
      logRetentionDays: new TerraformVariable(stack, 'retention', { type: 'number' }).numberValue,
      schedule: new TerraformVariable(stack, 'schedule', { type: 'string' }).stringValue,
      targets: new TerraformVariable(stack, 'target_ids', { type: 'list(string)' }).listValue,
      excluded: new TerraformVariable(stack, 'excluded_id', { type: 'string' }).stringValue,
      mode: new TerraformVariable(stack, 'mode', { type: 'string' }).stringValue,
      concurrency: new TerraformVariable(stack, 'concurrency', { type: 'number' }).numberValue,
      until: new TerraformVariable(stack, 'until', { type: 'string' }).stringValue,
    };
  }

  it('synthesizes with variables everywhere, checks nothing it cannot know, and serializes with jsonencode', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'tokens');
    const v = variables(stack);
    const enforcer = new RootCredentialsEnforcer(stack, 'Enforcer', {
      desiredState: {
        targets: { accountIds: v.targets },
        exclusions: { accountIds: [v.excluded] },
        breakGlass: [{ accountId: BREAK_GLASS, until: v.until, reason: 'INC-42' }],
        mode: v.mode as 'enforce',
        concurrency: v.concurrency,
      },
      functionName: v.functionName,
      alarmEmail: v.alarmEmail,
      timeoutSeconds: v.timeoutSeconds,
      memorySize: v.memorySize,
      logRetentionDays: v.logRetentionDays,
      schedule: v.schedule,
    });
    const json = JSON.parse(Testing.synth(stack));
    const fn = Object.values<Json>(json['resource']['aws_lambda_function'])[0];
    expect(fn.function_name).toBe('${var.function_name}');
    expect(fn.timeout).toBe('${var.timeout}');
    expect(fn.environment.variables.DESIRED_STATE).toMatch(/^\$\{jsonencode\(/);
    expect(fn.environment.variables.DESIRED_STATE).toContain('var.target_ids');
    // Terraform fills the digest in: sha256() of the same jsonencode() the environment holds.
    const input: string = Object.values<Json>(json['resource']['aws_lambda_invocation'])[0].input;
    expect(input).toContain(
      `"desiredStateDigest":"\${sha256(${fn.environment.variables.DESIRED_STATE.slice(2, -1)})}"`,
    );
    // The mode is a variable, so whether a plain apply repairs drift is decided by Terraform.
    expect(enforcer.driftRepair).toBeDefined();
    const subscription = Object.values<Json>(json['resource']['aws_sns_topic_subscription'])[0];
    expect(subscription.endpoint).toBe('${var.alarm_email}');
  });

  it('still rejects the literal values it can check beside the variables', () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'tokens');
    const v = variables(stack);
    expect(
      () =>
        new RootCredentialsEnforcer(stack, 'Enforcer', {
          desiredState: { targets: { accountIds: [v.excluded, '12345'] }, mode: v.mode as 'enforce' },
          functionName: v.functionName,
          timeoutSeconds: 5,
        }),
    ).toThrow(
      /desiredState\.targets\.accountIds\[1\]: "12345" is not a 12-digit[\s\S]*timeoutSeconds: got 5/,
    );
  });
});
