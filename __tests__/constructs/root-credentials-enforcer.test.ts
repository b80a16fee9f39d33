import { createHash } from 'node:crypto';
/**
 * RootCredentialsEnforcer at synth time: every resource and its key properties, the role
 * policy statement by statement, the apply-time invocation, schedule, event rule, plan-time
 * check block, and the errors bad props get.
 */
import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { CloudwatchMetricAlarm } from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { LambdaInvocation } from '@cdktf/provider-aws/lib/lambda-invocation';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { SchedulerSchedule } from '@cdktf/provider-aws/lib/scheduler-schedule';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import { TerraformStack, Testing } from 'cdktf';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { ConfigurationError } from '../../src/constructs/errors';
import type { DesiredState } from '../../src/shared/desired-state';
import {
  AUDIT_TASK_POLICY_ARN,
  DELETE_TASK_POLICY_ARN,
  ORGANIZATIONS_READ_ACTIONS,
  type IdentityPolicyDocument,
  type IdentityPolicyStatement,
} from '../../src/constructs/enforcer/policy';
import {
  RootCredentialsEnforcer,
  validateEnforcerProps,
  type RootCredentialsEnforcerProps,
} from '../../src/constructs/root-credentials-enforcer';

/** Synthesized Terraform JSON is untyped; the tests read it by path. */
type Json = ReturnType<typeof JSON.parse>;

const MEMBER_A = '111111111111';
const MEMBER_B = '222222222222';
const ENFORCE_ALL: DesiredState = { targets: { allAccounts: true }, mode: 'enforce' };
/** The drift repair's SSM parameter's construct id in these stacks. */
const LAST_REPAIR_ID = 'Enforcer_LastDriftRepair_A8DD1452';
/** The function's environment holds the state the run needs with every default explicit. */
const ENFORCE_ALL_RESOLVED = {
  targets: { allAccounts: true, accountIds: [], organizationalUnitIds: [] },
  exclusions: { accountIds: [], organizationalUnitIds: [] },
  breakGlass: [],
  mode: 'enforce',
  dryRun: false,
  credentialKinds: ['password', 'accessKeys', 'signingCertificates', 'mfaDevices'],
  concurrency: 10,
  maxBreakGlassDays: 30,
};

interface Synthesized {
  readonly json: Record<string, Json>;
  readonly text: string;
  readonly enforcer: RootCredentialsEnforcer;
}

function synth(props: Partial<RootCredentialsEnforcerProps> = {}): Synthesized {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'test');
  const enforcer = new RootCredentialsEnforcer(stack, 'Enforcer', { desiredState: ENFORCE_ALL, ...props });
  const text = Testing.synth(stack);
  return { json: JSON.parse(text), text, enforcer };
}

function only(json: Record<string, Json>, type: string): Record<string, Json> {
  const resources = Object.values(json['resource'][type] ?? {});
  expect(resources).toHaveLength(1);
  return resources[0] as Record<string, Json>;
}

function rolePolicy(json: Record<string, Json>): IdentityPolicyDocument {
  const policy = json['resource']['aws_iam_role_policy'];
  const reconciler = Object.values(policy).find((p: Json) => p.name === 'reconcile-root-credentials') as Json;
  return JSON.parse(reconciler.policy);
}

function statement(document: IdentityPolicyDocument, sid: string): IdentityPolicyStatement | undefined {
  return document.Statement.find((s) => s.Sid === sid);
}

describe('RootCredentialsEnforcer', () => {
  describe('the function', () => {
    it('runs the prebuilt bundle on Node 22 with a DLQ, the desired state in its environment and a 900 s timeout', () => {
      // GIVEN / WHEN
      const { text, json } = synth();
      // THEN
      expect(text).toHaveResourceWithProperties(LambdaFunction, {
        function_name: 'root-credentials-enforcer',
        runtime: 'nodejs22.x',
        handler: 'index.handler',
        timeout: 900,
        memory_size: 512,
        environment: {
          variables: {
            DESIRED_STATE: JSON.stringify(ENFORCE_ALL_RESOLVED),
            POWERTOOLS_SERVICE_NAME: 'root-credentials-enforcer',
            POWERTOOLS_METRICS_NAMESPACE: 'RootAccess',
            NODE_OPTIONS: '--enable-source-maps',
            // The drift repair's record (see 'the last drift repair record').
            LAST_DRIFT_REPAIR_PARAMETER: `\${aws_ssm_parameter.${LAST_REPAIR_ID}.name}`,
          },
        },
      });
      const fn = only(json, 'aws_lambda_function');
      expect(fn['filename']).toMatch(/archive\.zip$/);
      expect(fn['source_code_hash']).toMatch(/^[0-9A-F]{32}$/);
      expect(fn['dead_letter_config']['target_arn']).toMatch(/^\$\{aws_sqs_queue\.\w+\.arn\}$/);
      expect(fn['depends_on']).toEqual([expect.stringMatching(/^aws_cloudwatch_log_group\./)]);
      expect(fn['reserved_concurrent_executions']).toBeUndefined();
    });

    it('names the log group after the function and keeps logs for the configured days', () => {
      const { text } = synth({ functionName: 'guard', logRetentionDays: 30 });
      expect(text).toHaveResourceWithProperties(CloudwatchLogGroup, {
        name: '/aws/lambda/guard',
        retention_in_days: 30,
      });
    });

    it('encrypts the dead-letter queue and keeps messages 14 days', () => {
      const { text } = synth();
      expect(text).toHaveResourceWithProperties(SqsQueue, {
        name: 'root-credentials-enforcer-dlq',
        sqs_managed_sse_enabled: true,
        message_retention_seconds: 1_209_600,
      });
    });

    it('reserves concurrency only when asked', () => {
      const { text } = synth({ reservedConcurrency: 2 });
      expect(text).toHaveResourceWithProperties(LambdaFunction, { reserved_concurrent_executions: 2 });
    });

    it('declares the provider range its arguments need', () => {
      const { json } = synth();
      expect(json['terraform']['required_providers']['aws']).toEqual({
        source: 'hashicorp/aws',
        version: '>= 5.82.0, < 7.0.0',
      });
    });
  });

  describe('the role policy', () => {
    it('grants no wildcard action in Json statement', () => {
      const document = rolePolicy(synth({ enableTrustedAccess: true }).json);
      for (const s of document.Statement) {
        expect(s.Effect).toBe('Allow');
        for (const action of s.Action) {
          expect(action).not.toContain('*');
        }
      }
    });

    it('lets an enforcing role open root sessions with exactly the audit and delete task policies', () => {
      const document = rolePolicy(synth().json);
      expect(statement(document, 'OpenTaskScopedRootSessions')).toEqual({
        Sid: 'OpenTaskScopedRootSessions',
        Effect: 'Allow',
        Action: ['sts:AssumeRoot'],
        Resource: ['arn:aws:iam::*:root'],
        Condition: { ArnEquals: { 'sts:TaskPolicyArn': [AUDIT_TASK_POLICY_ARN, DELETE_TASK_POLICY_ARN] } },
      });
    });

    it.each<[string, DesiredState]>([
      ['audit mode', { targets: { allAccounts: true }, mode: 'audit' }],
      ['enforce dry-run', { targets: { allAccounts: true }, mode: 'enforce', dryRun: true }],
    ])('limits the role to the audit task policy in %s', (_name, desiredState) => {
      const document = rolePolicy(synth({ desiredState }).json);
      expect(statement(document, 'OpenTaskScopedRootSessions')?.Condition).toEqual({
        ArnEquals: { 'sts:TaskPolicyArn': [AUDIT_TASK_POLICY_ARN] },
      });
    });

    it('scopes AssumeRoot to the targeted accounts when targets are account ids only', () => {
      const document = rolePolicy(
        synth({ desiredState: { targets: { accountIds: [MEMBER_A, MEMBER_B] }, mode: 'enforce' } }).json,
      );
      expect(statement(document, 'OpenTaskScopedRootSessions')?.Resource).toEqual([
        `arn:aws:iam::${MEMBER_A}:root`,
        `arn:aws:iam::${MEMBER_B}:root`,
      ]);
    });

    it('keeps every account reachable when an OU is targeted', () => {
      const document = rolePolicy(
        synth({
          desiredState: { targets: { accountIds: [MEMBER_A], organizationalUnitIds: ['ou-ab12-cdef3456'] } },
        }).json,
      );
      expect(statement(document, 'OpenTaskScopedRootSessions')?.Resource).toEqual(['arn:aws:iam::*:root']);
    });

    it('allows the Organizations reads, the features read, self-invocation, the DLQ and its own logs', () => {
      const document = rolePolicy(synth().json);
      expect(document.Statement.map((s) => s.Sid)).toEqual([
        'OpenTaskScopedRootSessions',
        'ReadOrganization',
        'ReadRootAccessFeatures',
        'ContinueDeferredAccounts',
        'DeadLetterQueue',
        'WriteOwnLogs',
        'RecordLastDriftRepair',
      ]);
      expect(statement(document, 'ReadOrganization')?.Action).toEqual([...ORGANIZATIONS_READ_ACTIONS]);
      expect(
        statement(document, 'ReadOrganization')?.Action.every((a) =>
          /^organizations:(Describe|List)/.test(a),
        ),
      ).toBe(true);
      expect(statement(document, 'ReadRootAccessFeatures')?.Action).toEqual([
        'iam:ListOrganizationsFeatures',
      ]);
      expect(statement(document, 'ContinueDeferredAccounts')).toMatchObject({
        Action: ['lambda:InvokeFunction'],
        Resource: [expect.stringMatching(/^\$\{aws_lambda_function\.\w+\.arn\}$/)],
      });
      expect(statement(document, 'DeadLetterQueue')).toMatchObject({
        Action: ['sqs:SendMessage'],
        Resource: [expect.stringMatching(/^\$\{aws_sqs_queue\.\w+\.arn\}$/)],
      });
      expect(statement(document, 'WriteOwnLogs')).toMatchObject({
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: [expect.stringMatching(/^\$\{aws_cloudwatch_log_group\.\w+\.arn\}:\*$/)],
      });
    });

    it('grants EnableAWSServiceAccess, for IAM only, only with enableTrustedAccess', () => {
      expect(statement(rolePolicy(synth().json), 'EnableTrustedAccessForIam')).toBeUndefined();
      expect(JSON.stringify(rolePolicy(synth().json))).not.toContain('EnableAWSServiceAccess');
      expect(
        statement(rolePolicy(synth({ enableTrustedAccess: true }).json), 'EnableTrustedAccessForIam'),
      ).toEqual({
        Sid: 'EnableTrustedAccessForIam',
        Effect: 'Allow',
        Action: ['organizations:EnableAWSServiceAccess'],
        Resource: ['*'],
        Condition: { StringEquals: { 'organizations:ServicePrincipal': ['iam.amazonaws.com'] } },
      });
    });

    it('covers every Organizations call the engine and the handler make, and nothing more', () => {
      // The SDK command or paginator names in the runtime sources are the calls made.
      const sources = ['src/engine', 'src/lambda']
        .flatMap((dir) =>
          readdirSync(dir)
            .filter((f) => f.endsWith('.ts'))
            .map((f) => join(dir, f)),
        )
        .map((file) => readFileSync(file, 'utf8'))
        .filter((text) => text.includes('@aws-sdk/client-organizations'));
      const called = new Set<string>();
      for (const text of sources) {
        for (const [, names] of text.matchAll(
          /import\s*\{([^}]*)\}\s*from\s*'@aws-sdk\/client-organizations'/g,
        )) {
          for (const name of names.split(',').map((n) => n.trim().replace(/^type\s+/, ''))) {
            const operation = /^paginate(\w+)$/.exec(name)?.[1] ?? /^(\w+)Command$/.exec(name)?.[1];
            if (operation !== undefined) {
              called.add(`organizations:${operation}`);
            }
          }
        }
      }
      called.delete('organizations:EnableAWSServiceAccess'); // granted only with enableTrustedAccess (checked above)
      expect([...called].sort()).toEqual([...ORGANIZATIONS_READ_ACTIONS].sort());
    });
  });

  describe("the function's environment", () => {
    it('holds the resolved desired state the run needs, without the deployment settings (schedule, management account)', () => {
      // GIVEN
      const desiredState: DesiredState = {
        ...ENFORCE_ALL,
        schedule: 'rate(6 hours)',
        managementAccountId: '999999999999',
      };

      // WHEN
      const { json } = synth({ desiredState });

      // THEN: the schedule became a schedule, and neither setting reaches the function.
      expect(JSON.stringify(only(json, 'aws_lambda_function')['environment'])).not.toMatch(
        /schedule|managementAccountId|999999999999/,
      );
      const environment = only(json, 'aws_lambda_function')['environment']['variables'];
      expect(JSON.parse(environment['DESIRED_STATE'])).toEqual(ENFORCE_ALL_RESOLVED);
      expect(only(json, 'aws_scheduler_schedule')['schedule_expression']).toBe('rate(6 hours)');
      expect(JSON.parse(only(json, 'aws_lambda_invocation')['input'])['desiredStateDigest']).toBe(
        createHash('sha256').update(environment['DESIRED_STATE']).digest('hex'),
      );
    });
  });

  describe('the apply-time invocation', () => {
    it('runs with lifecycle_scope CRUD and the digest of the deployed desired state as input, never the state itself', () => {
      const { json, text } = synth({ failOnNonCompliance: false });
      expect(text).toHaveResourceWithProperties(LambdaInvocation, {
        lifecycle_scope: 'CRUD',
        terraform_key: 'tf',
      });
      const invocation = only(json, 'aws_lambda_invocation');
      const environment = only(json, 'aws_lambda_function')['environment']['variables'];
      expect(JSON.parse(environment['DESIRED_STATE'])).toEqual(ENFORCE_ALL_RESOLVED);
      expect(JSON.parse(invocation['input'])).toEqual({
        task: 'enforce',
        desiredStateDigest: createHash('sha256').update(environment['DESIRED_STATE']).digest('hex'),
        failOnNonCompliance: false,
      });
      expect(invocation['function_name']).toMatch(/^\$\{aws_lambda_function\.\w+\.function_name\}$/);
      expect(invocation['triggers']['bundle']).toBe(only(json, 'aws_lambda_function')['source_code_hash']);
      expect(invocation['depends_on']).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/^aws_lambda_function\./),
          expect.stringMatching(/^aws_iam_role_policy\./),
          expect.stringMatching(/^aws_cloudwatch_log_group\./),
        ]),
      );
    });

    it('fails on non-compliance by default', () => {
      const input = JSON.parse(only(synth().json, 'aws_lambda_invocation')['input']);
      expect(input.failOnNonCompliance).toBe(true);
    });

    it('feeds its result to an output as decoded JSON', () => {
      // Without a drift repair (planTimeAudit false) the output is the apply-time report alone.
      const outputs = Object.values<Json>(synth({ planTimeAudit: false }).json['output']);
      expect(outputs).toEqual([
        expect.objectContaining({
          value: expect.stringMatching(/^\$\{jsondecode\(aws_lambda_invocation\.\w+\.result\)\}$/),
        }),
      ]);
    });

    it('enables trusted access in a separate invocation that the enforcement waits for', () => {
      const { json, enforcer } = synth({ enableTrustedAccess: true });
      const invocations = json['resource']['aws_lambda_invocation'];
      const trusted = Object.entries(invocations).find(
        ([, r]: Json) => JSON.parse(r.input).task === 'enable-trusted-access',
      );
      expect(trusted).toBeDefined();
      expect((trusted![1] as Json).lifecycle_scope).toBe('CRUD');
      const enforcement = Object.values(invocations).find(
        (r: Json) => JSON.parse(r.input).desiredStateDigest,
      ) as Json;
      expect(enforcement.depends_on).toContain(`aws_lambda_invocation.${trusted![0]}`);
      expect(enforcer.trustedAccess).toBeDefined();
    });

    it('waits for prerequisites added later', () => {
      const app = Testing.app();
      const stack = new TerraformStack(app, 'test');
      const queue = new SqsQueue(stack, 'Other', { name: 'other' });
      const enforcer = new RootCredentialsEnforcer(stack, 'Enforcer', { desiredState: ENFORCE_ALL });
      enforcer.addPrerequisite(queue);
      const json = JSON.parse(Testing.synth(stack));
      expect(only(json, 'aws_lambda_invocation')['depends_on']).toContain('aws_sqs_queue.Other');
    });
  });

  describe('the schedule', () => {
    it('invokes the function on rate(12 hours) by default, with no flexible window, retries and the DLQ', () => {
      const { text, json } = synth();
      expect(text).toHaveResourceWithProperties(SchedulerSchedule, {
        schedule_expression: 'rate(12 hours)',
        flexible_time_window: { mode: 'OFF' },
      });
      const target = only(json, 'aws_scheduler_schedule')['target'];
      expect(target['arn']).toMatch(/^\$\{aws_lambda_function\.\w+\.arn\}$/);
      expect(JSON.parse(target['input'])).toEqual({ source: 'root-access.schedule' });
      expect(target['retry_policy']).toEqual({
        maximum_event_age_in_seconds: 3600,
        maximum_retry_attempts: 3,
      });
      expect(target['dead_letter_config']['arn']).toMatch(/^\$\{aws_sqs_queue\.\w+\.arn\}$/);
    });

    it('takes the expression from the desired state, and the prop over both', () => {
      const fromState = synth({ desiredState: { ...ENFORCE_ALL, schedule: 'cron(0 3 * * ? *)' } });
      expect(only(fromState.json, 'aws_scheduler_schedule')['schedule_expression']).toBe('cron(0 3 * * ? *)');
      const fromProp = synth({
        desiredState: { ...ENFORCE_ALL, schedule: 'cron(0 3 * * ? *)' },
        schedule: 'rate(1 hour)',
      });
      expect(only(fromProp.json, 'aws_scheduler_schedule')['schedule_expression']).toBe('rate(1 hour)');
    });

    it('gives the scheduler a role that may only invoke this function and write to the DLQ', () => {
      const { json } = synth();
      const roles = Object.values<Json>(json['resource']['aws_iam_role']);
      const scheduler = roles.find((r) => r.name === 'root-credentials-enforcer-scheduler');
      expect(JSON.parse(scheduler.assume_role_policy).Statement[0].Principal).toEqual({
        Service: 'scheduler.amazonaws.com',
      });
      const policy = Object.values<Json>(json['resource']['aws_iam_role_policy']).find(
        (p) => p.name === 'invoke-reconciler',
      );
      const document = JSON.parse(policy.policy) as IdentityPolicyDocument;
      expect(document.Statement.map((s) => s.Action)).toEqual([
        ['lambda:InvokeFunction'],
        ['sqs:SendMessage'],
      ]);
    });

    it('is left out with enableSchedule false', () => {
      const { text } = synth({ enableSchedule: false });
      expect(text).not.toHaveResource(SchedulerSchedule);
    });
  });

  describe('organization events', () => {
    it('match account creation, invitation acceptance and moves from Organizations', () => {
      const { json } = synth();
      const rule = only(json, 'aws_cloudwatch_event_rule');
      expect(JSON.parse(rule['event_pattern'])).toEqual({
        source: ['aws.organizations'],
        'detail-type': ['AWS API Call via CloudTrail', 'AWS Service Event via CloudTrail'],
        detail: {
          eventSource: ['organizations.amazonaws.com'],
          eventName: ['CreateAccountResult', 'AccountJoinedOrganization', 'MoveAccount'],
        },
      });
      const target = only(json, 'aws_cloudwatch_event_target');
      expect(target['arn']).toMatch(/^\$\{aws_lambda_function\.\w+\.arn\}$/);
    });

    it('let only this rule invoke the function', () => {
      const { text, json } = synth();
      expect(text).toHaveResourceWithProperties(LambdaPermission, {
        action: 'lambda:InvokeFunction',
        principal: 'events.amazonaws.com',
      });
      expect(only(json, 'aws_lambda_permission')['source_arn']).toMatch(
        /^\$\{aws_cloudwatch_event_rule\.\w+\.arn\}$/,
      );
    });

    it('are left out with enableOrganizationEvents false', () => {
      const { text } = synth({ enableOrganizationEvents: false });
      expect(text).not.toHaveResource(CloudwatchEventRule);
      expect(text).not.toHaveResource(LambdaPermission);
    });
  });

  describe('plan-time audit and drift repair', () => {
    const address = (data: { friendlyUniqueId: string }): string =>
      `data.aws_lambda_invocation.${data.friendlyUniqueId}`;
    const invocationAddress = (enforcer: RootCredentialsEnforcer): string =>
      `aws_lambda_invocation.${enforcer.invocation.friendlyUniqueId}`;

    it('audits with a data source that waits for the apply-time run and reports its own failure', () => {
      const { json, enforcer } = synth();
      const audit = json['data']['aws_lambda_invocation'][enforcer.driftAudit!.friendlyUniqueId];
      expect(audit).toEqual({
        function_name: expect.stringMatching(/^\$\{aws_lambda_function\.\w+\.function_name\}$/),
        input: JSON.stringify({ action: 'audit', onError: 'report' }),
        // Deferred to apply time while the function (or anything the run waits for) changes.
        depends_on: [invocationAddress(enforcer)],
      });
    });

    it('repairs drift with a data source whose input is unknown while planning only when the audit lists accounts', () => {
      const { json, enforcer } = synth();
      const repair = json['data']['aws_lambda_invocation'][enforcer.driftRepair!.friendlyUniqueId];
      const result = `jsondecode(${address(enforcer.driftAudit!)}.result)`;
      // Accounts the audit could not verify are retried too: a failed apply-time run leaves them so.
      const drifted = `distinct(concat(try(${result}.nonCompliant, []), try(${result}.unverified, [])))`;
      expect(repair['depends_on']).toEqual([invocationAddress(enforcer)]);
      expect(repair['input']).toBe(
        `\${jsonencode({action = "repair-drift", accountIds = ${drifted}, requestedAt = length(${drifted}) > 0 ? timestamp() : null, failOnNonCompliance = true})}`,
      );
      // Nothing about drift is stored in the CRUD invocation, so a repaired drift leaves no change behind.
      const invocation = json['resource']['aws_lambda_invocation'][enforcer.invocation.friendlyUniqueId];
      expect(invocation['input']).not.toContain('DriftAudit');
    });

    it('carries failOnNonCompliance false into the repair', () => {
      const { json, enforcer } = synth({ failOnNonCompliance: false });
      const repair = json['data']['aws_lambda_invocation'][enforcer.driftRepair!.friendlyUniqueId];
      expect(repair['input']).toContain('failOnNonCompliance = false');
    });

    it.each([
      ['audit mode', { targets: { allAccounts: true }, mode: 'audit' }],
      ['dry-run', { targets: { allAccounts: true }, mode: 'enforce', dryRun: true }],
    ] as const)('audits but never repairs from apply in %s', (_name, desiredState) => {
      const { json, enforcer } = synth({ desiredState });
      expect(enforcer.driftRepair).toBeUndefined();
      expect(Object.keys(json['data']['aws_lambda_invocation'])).toEqual([
        enforcer.driftAudit!.friendlyUniqueId,
      ]);
      const [assertion] = json['check'][enforcer.checkName!]['assert'];
      expect(assertion['error_message']).toContain(
        'The enforcer does not remove them (audit mode or dry-run)',
      );
      expect(Object.keys(json['check'])).toEqual([enforcer.checkName]);
    });

    it('warns through a check block on drift, unaudited accounts and a failed audit', () => {
      const { json, enforcer } = synth();
      const result = `jsondecode(${address(enforcer.driftAudit!)}.result)`;
      const check = json['check'][enforcer.checkName!];
      expect(Object.keys(check)).toEqual(['assert']);
      expect(check['assert']).toHaveLength(1);
      const [assertion] = check['assert'];
      // terraform.applying: the plan-time list is never asserted again after the apply that removed it.
      expect(assertion['condition']).toBe(
        `\${terraform.applying || (try(${result}.error, null) == null && length(${result}.nonCompliant) == 0 && length(${result}.unverified) == 0)}`,
      );
      expect(assertion['error_message']).toContain(
        `The audit of root credentials at plan time failed: \${try(${result}.error, "")}`,
      );
      expect(assertion['error_message']).toContain(
        `Member accounts hold root credentials at plan time: [\${join(", ", ${result}.nonCompliant)}]`,
      );
      expect(assertion['error_message']).toContain('The next terraform apply removes their root credentials');
    });

    it('is left out with planTimeAudit false: no data source, no check, no repair', () => {
      const { json, enforcer } = synth({ planTimeAudit: false });
      expect(json['check']).toBeUndefined();
      // Only the account and region the trust policies are scoped to remain.
      expect(Object.keys(json['data'])).toEqual(['aws_caller_identity', 'aws_region']);
      expect(enforcer.driftRepair).toBeUndefined();
    });
  });

  describe('the last drift repair record', () => {
    const repairAddress = (enforcer: RootCredentialsEnforcer): string =>
      `data.aws_lambda_invocation.${enforcer.driftRepair!.friendlyUniqueId}`;
    const auditAddress = (enforcer: RootCredentialsEnforcer): string =>
      `data.aws_lambda_invocation.${enforcer.driftAudit!.friendlyUniqueId}`;

    it('creates a Standard String parameter starting as {} whose value Terraform never resets', () => {
      const { json, enforcer } = synth();
      expect(enforcer.lastDriftRepairParameter?.friendlyUniqueId).toBe(LAST_REPAIR_ID);
      expect(only(json, 'aws_ssm_parameter')).toEqual({
        name: '/centralized-root-access/root-credentials-enforcer/last-drift-repair',
        description: expect.stringContaining('account ids and counts'),
        type: 'String',
        tier: 'Standard',
        value: '{}',
        lifecycle: { ignore_changes: ['value'] },
      });
    });

    it('names the parameter after the function', () => {
      const { json } = synth({ functionName: 'reconciler-b' });
      expect(only(json, 'aws_ssm_parameter')['name']).toBe(
        '/centralized-root-access/reconciler-b/last-drift-repair',
      );
    });

    it('lets the role get and put that one parameter, nothing else in SSM', () => {
      const document = rolePolicy(synth().json);
      expect(statement(document, 'RecordLastDriftRepair')).toEqual({
        Sid: 'RecordLastDriftRepair',
        Effect: 'Allow',
        Action: ['ssm:GetParameter', 'ssm:PutParameter'],
        Resource: [`\${aws_ssm_parameter.${LAST_REPAIR_ID}.arn}`],
      });
      const ssm = document.Statement.filter((s) => s.Action.some((a) => a.startsWith('ssm:')));
      expect(ssm.map((s) => s.Sid)).toEqual(['RecordLastDriftRepair']);
    });

    it("adds lastDriftRepair to the output: the repair's when it ran this apply, else the audit's", () => {
      const { json, enforcer } = synth();
      const repair = `jsondecode(${repairAddress(enforcer)}.result)`;
      const audit = `jsondecode(${auditAddress(enforcer)}.result)`;
      const [output] = Object.values<Json>(json['output']);
      expect(output['value']).toBe(
        `\${merge(jsondecode(aws_lambda_invocation.${enforcer.invocation.friendlyUniqueId}.result), {lastDriftRepair = jsondecode(try(${repair}.drift, "") != "none" ? jsonencode(try(${repair}.lastDriftRepair, null)) : jsonencode(try(${audit}.lastDriftRepair, null)))})}`,
      );
      expect(output['description']).toContain('lastDriftRepair');
    });

    it.each([
      ['planTimeAudit false', { planTimeAudit: false }],
      ['audit mode', { desiredState: { targets: { allAccounts: true }, mode: 'audit' } }],
      ['dry-run', { desiredState: { targets: { allAccounts: true }, mode: 'enforce', dryRun: true } }],
    ] as const)(
      'is left out with %s: no parameter, no permission, no variable, no output key',
      (_n, props) => {
        const { json, enforcer } = synth(props);
        expect(enforcer.lastDriftRepairParameter).toBeUndefined();
        expect(json['resource']['aws_ssm_parameter']).toBeUndefined();
        expect(statement(rolePolicy(json), 'RecordLastDriftRepair')).toBeUndefined();
        const variables = only(json, 'aws_lambda_function')['environment']['variables'];
        expect(Object.keys(variables)).not.toContain('LAST_DRIFT_REPAIR_PARAMETER');
        const [output] = Object.values<Json>(json['output']);
        expect(output['value']).toMatch(/^\$\{jsondecode\(aws_lambda_invocation\.\w+\.result\)\}$/);
      },
    );

    it('counts the parameter name against the 4 KB environment only when there is a repair', () => {
      // GIVEN the shortest list of exclusions that no longer fits once the variable is added
      const withExclusions = (n: number): DesiredState => ({
        targets: { allAccounts: true },
        mode: 'enforce',
        exclusions: { accountIds: Array.from({ length: n }, (_, i) => String(100000000000 + i)) },
      });
      const tooBig = (props: Partial<RootCredentialsEnforcerProps>): boolean =>
        validateEnforcerProps({ desiredState: ENFORCE_ALL, ...props }).errors.some((e) =>
          e.message.includes("as the function's environment"),
        );
      let n = 1;
      while (!tooBig({ desiredState: withExclusions(n) })) n++;
      // WHEN / THEN: the same state without a drift repair (no variable) fits, with one it does not
      expect(tooBig({ desiredState: withExclusions(n), planTimeAudit: false })).toBe(false);
      expect(() => synth({ desiredState: withExclusions(n), planTimeAudit: false })).not.toThrow();
      expect(() => synth({ desiredState: withExclusions(n) })).toThrow(
        /desiredState: is \d+ bytes as the function's environment/,
      );
    });
  });

  describe('alarms', () => {
    it('alarm on failed accounts, function errors and dead letters, into one topic', () => {
      const { json, text } = synth();
      expect(text).toHaveResourceWithProperties(CloudwatchMetricAlarm, {
        namespace: 'RootAccess',
        metric_name: 'AccountsFailed',
        dimensions: { service: 'root-credentials-enforcer' },
        threshold: 1,
        comparison_operator: 'GreaterThanOrEqualToThreshold',
        treat_missing_data: 'notBreaching',
      });
      expect(text).toHaveResourceWithProperties(CloudwatchMetricAlarm, {
        namespace: 'AWS/Lambda',
        metric_name: 'Errors',
        dimensions: { FunctionName: 'root-credentials-enforcer' },
      });
      expect(text).toHaveResourceWithProperties(CloudwatchMetricAlarm, {
        namespace: 'AWS/SQS',
        metric_name: 'ApproximateNumberOfMessagesVisible',
      });
      const topic = Object.keys(json['resource']['aws_sns_topic'])[0];
      for (const alarm of Object.values<Json>(json['resource']['aws_cloudwatch_metric_alarm'])) {
        expect(alarm.alarm_actions).toEqual([`\${aws_sns_topic.${topic}.arn}`]);
      }
      expect(text).not.toHaveResource(SnsTopicSubscription);
    });

    it('subscribe an email address when given', () => {
      const { text } = synth({ alarmEmail: 'security@example.com' });
      expect(text).toHaveResourceWithProperties(SnsTopicSubscription, {
        protocol: 'email',
        endpoint: 'security@example.com',
      });
    });
  });

  it('keeps construct ids (and so Terraform addresses) stable', () => {
    const { json } = synth({ enableTrustedAccess: true });
    const addresses = Object.entries(json['resource']).flatMap(([type, byId]) =>
      Object.keys(byId as object).map((id) => `${type}.${id}`),
    );
    expect(addresses.sort()).toMatchInlineSnapshot(`
     [
       "aws_cloudwatch_event_rule.Enforcer_OrganizationEvents_E52A3CE4",
       "aws_cloudwatch_event_target.Enforcer_OrganizationEventsTarget_360B25CE",
       "aws_cloudwatch_log_group.Enforcer_LogGroup_568BF2EC",
       "aws_cloudwatch_metric_alarm.Enforcer_AccountsFailedAlarm_6BB7AEDC",
       "aws_cloudwatch_metric_alarm.Enforcer_DeadLetterAlarm_195FEC04",
       "aws_cloudwatch_metric_alarm.Enforcer_ErrorsAlarm_DC46C839",
       "aws_iam_role.Enforcer_Role_959740B8",
       "aws_iam_role.Enforcer_SchedulerRole_0598844F",
       "aws_iam_role_policy.Enforcer_RolePolicy_11876BEB",
       "aws_iam_role_policy.Enforcer_SchedulerRolePolicy_A499AD01",
       "aws_lambda_function.Enforcer_Function_C466B1AE",
       "aws_lambda_invocation.Enforcer_Enforcement_70478B5F",
       "aws_lambda_invocation.Enforcer_TrustedAccess_B2E89B4C",
       "aws_lambda_permission.Enforcer_OrganizationEventsPermission_EA3A9730",
       "aws_scheduler_schedule.Enforcer_Schedule_F734210B",
       "aws_sns_topic.Enforcer_AlarmTopic_3F0447BC",
       "aws_sqs_queue.Enforcer_DeadLetterQueue_FC5D3BF5",
       "aws_ssm_parameter.Enforcer_LastDriftRepair_A8DD1452",
     ]
    `);
  });

  describe('fails', () => {
    function failure(props: Partial<RootCredentialsEnforcerProps>): ConfigurationError {
      try {
        synth(props);
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigurationError);
        return error as ConfigurationError;
      }
      throw new Error('expected the enforcer to reject its props');
    }

    it('fails with every desired-state problem, naming field and value', () => {
      const error = failure({
        desiredState: { targets: { accountIds: ['12345'] }, mode: 'remove' as never, concurrency: 0 },
      });
      expect(error.message).toContain(
        'desiredState.targets.accountIds[0]: "12345" is not a 12-digit AWS account id',
      );
      expect(error.message).toContain('desiredState.mode: got "remove"; expected one of "audit", "enforce"');
      expect(error.message).toContain('desiredState.concurrency');
      expect(error.issues).toHaveLength(3);
    });

    it('fails when the management account is a target', () => {
      const error = failure({
        desiredState: { targets: { accountIds: [MEMBER_A] }, managementAccountId: MEMBER_A },
      });
      expect(error.message).toContain(
        `desiredState.targets.accountIds[0]: ${MEMBER_A} is the management account`,
      );
    });

    it('fails with every bad enforcer prop at once', () => {
      const error = failure({
        functionName: 'has spaces',
        logRetentionDays: 42,
        schedule: 'every day',
        timeoutSeconds: 1000,
        alarmEmail: 'nobody',
        reservedConcurrency: 0,
      });
      expect(error.issues.map((i) => i.path)).toEqual([
        'functionName',
        'logRetentionDays',
        'schedule',
        'timeoutSeconds',
        'reservedConcurrency',
        'alarmEmail',
      ]);
      expect(error.message).toContain('logRetentionDays: got 42; CloudWatch Logs accepts 1, 3, 5');
      expect(error.message).toContain('schedule: "every day" is not an EventBridge Scheduler expression');
    });

    it('fails when the desired state does not fit the function environment', () => {
      const accountIds = Array.from({ length: 300 }, (_, i) => String(100000000000 + i));
      const error = failure({ desiredState: { targets: { accountIds } } });
      expect(error.message).toMatch(
        /desiredState: is \d+ bytes as the function's environment, over Lambda's 4096-byte limit/,
      );
    });
  });
});
