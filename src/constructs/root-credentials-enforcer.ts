import { CloudwatchEventRule } from '@cdktf/provider-aws/lib/cloudwatch-event-rule';
import { CloudwatchEventTarget } from '@cdktf/provider-aws/lib/cloudwatch-event-target';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import {
  CloudwatchMetricAlarm,
  type CloudwatchMetricAlarmConfig,
} from '@cdktf/provider-aws/lib/cloudwatch-metric-alarm';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { LambdaFunction } from '@cdktf/provider-aws/lib/lambda-function';
import { DataAwsLambdaInvocation } from '@cdktf/provider-aws/lib/data-aws-lambda-invocation';
import { LambdaInvocation } from '@cdktf/provider-aws/lib/lambda-invocation';
import { LambdaPermission } from '@cdktf/provider-aws/lib/lambda-permission';
import { SchedulerSchedule } from '@cdktf/provider-aws/lib/scheduler-schedule';
import { SnsTopic } from '@cdktf/provider-aws/lib/sns-topic';
import { SnsTopicSubscription } from '@cdktf/provider-aws/lib/sns-topic-subscription';
import { SqsQueue } from '@cdktf/provider-aws/lib/sqs-queue';
import {
  Annotations,
  AssetType,
  Fn,
  TerraformAsset,
  TerraformOutput,
  TerraformStack,
  dependable,
  type ITerraformDependable,
} from 'cdktf';
import { Construct } from 'constructs';

import {
  SCHEDULE_PATTERN,
  validateDesiredState,
  type DesiredState,
  type ResolvedDesiredState,
  type ValidationIssue,
} from '../shared/desired-state';
import { locateBundle } from './enforcer/bundle';
import {
  enforcerPolicyDocument,
  schedulerPolicyDocument,
  trustPolicyDocument,
  type IdentityPolicyDocument,
} from './enforcer/policy';
import { ConfigurationError } from './errors';
import { requireAwsProviderVersion } from './provider-versions';

export const DEFAULT_ENFORCER_FUNCTION_NAME = 'root-credentials-enforcer';
export const DEFAULT_ENFORCER_SCHEDULE = 'rate(12 hours)';
export const DEFAULT_LOG_RETENTION_DAYS = 365;
export const DEFAULT_TIMEOUT_SECONDS = 900;
export const DEFAULT_MEMORY_SIZE_MB = 512;
/** The Lambda runtime; the bundle targets Node 20 syntax, so it runs on 20 and 22 alike. */
export const ENFORCER_RUNTIME = 'nodejs22.x';
/** The namespace and metric the handler emits (EMF) and the alarm watches. */
export const ENFORCER_METRICS_NAMESPACE = 'RootAccess';
export const ENFORCER_FAILED_METRIC = 'AccountsFailed';
/** Lambda's limit on the total size of a function's environment variables (keys and values). */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;
/** CloudWatch Logs retention values Lambda log groups accept. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
/** Organizations CloudTrail events that re-run the reconciler for one account. */
export const ORGANIZATION_EVENT_NAMES = ['CreateAccountResult', 'AcceptHandshake', 'MoveAccount'] as const;

/**
 * First `hashicorp/aws` release with every argument the enforcer sets: `lifecycle_scope` and
 * `terraform_key` on `aws_lambda_invocation` shipped in 5.1.0, and the `result` of a CRUD
 * invocation is refreshed on input changes only from 5.82.0 (issue #34262), which the output needs.
 */
export const ENFORCER_MINIMUM_PROVIDER_VERSION = '5.82.0';

export interface RootCredentialsEnforcerProps {
  /**
   * What the reconciler makes true: targets, exclusions, break-glass windows, mode. Validated
   * at synth time (every problem listed at once) and again by the function on every run.
   */
  readonly desiredState: DesiredState;
  /**
   * Name of the Lambda function; also its log group (`/aws/lambda/<name>`), Powertools service
   * name and the prefix of every other resource's name.
   * @default 'root-credentials-enforcer'
   */
  readonly functionName?: string;
  /**
   * Days CloudWatch Logs keeps the function's logs; one of the values CloudWatch accepts.
   * @default 365
   */
  readonly logRetentionDays?: number;
  /**
   * EventBridge Scheduler expression of the drift-reconciling run.
   * @default - the desired state's `schedule`, else `rate(12 hours)`
   */
  readonly schedule?: string;
  /**
   * Whether the scheduled run exists.
   * @default true
   */
  readonly enableSchedule?: boolean;
  /**
   * Whether an EventBridge rule re-runs the reconciler when an account is created, joins or is
   * moved. Organizations delivers these events only in us-east-1: deploy the enforcer there
   * (or the rule never fires).
   * @default true
   */
  readonly enableOrganizationEvents?: boolean;
  /**
   * Email address subscribed to the alarm topic (the subscription must be confirmed).
   * @default - no subscription; the topic is created for other subscribers
   */
  readonly alarmEmail?: string;
  /**
   * Whether `terraform apply` fails when an account could not be made compliant (status
   * `failed`); the error lists each account and why.
   * @default true
   */
  readonly failOnNonCompliance?: boolean;
  /**
   * Whether the reconciler turns on trusted access for `iam.amazonaws.com` at apply time,
   * additively (it never disables other services). Pass {@link RootCredentialsEnforcer.trustedAccess}
   * to `CentralizedRootAccess.addPrerequisite` so the features wait for it.
   * @default false - trusted access must already be on, or be managed by the organization resource
   */
  readonly enableTrustedAccess?: boolean;
  /**
   * Whether `terraform plan` audits the organization (an `aws_lambda_invocation` data source in
   * audit mode) and warns about accounts that hold root credentials (a `check` block). In enforce
   * mode (without dry-run), drift found by that audit is also removed by the next plain
   * `terraform apply`. Each plan invokes the function once for the audit (one `AssumeRoot` and
   * one `GetAccountSummary` per targeted account). Without it, drift waits for the schedule or
   * an organization event.
   * @default true
   */
  readonly planTimeAudit?: boolean;
  /**
   * The function's timeout. Accounts not reached before it (less a minute's margin) are handed
   * to a continuation invocation, never dropped.
   * @default 900
   */
  readonly timeoutSeconds?: number;
  /** @default 512 */
  readonly memorySize?: number;
  /**
   * Concurrency reserved for (and capping) the function.
   * @default - unreserved
   */
  readonly reservedConcurrency?: number;
}

/**
 * The reconciler Lambda as Terraform-managed infrastructure: it enforces the desired state on
 * every apply (`aws_lambda_invocation`, CRUD lifecycle), on a schedule, and when Organizations
 * reports a new or moved account; `terraform plan` warns about drift; failures raise alarms.
 * Deploy it with credentials of the management account (or the IAM delegated administrator).
 */
export class RootCredentialsEnforcer extends Construct {
  readonly function: LambdaFunction;
  readonly role: IamRole;
  readonly rolePolicy: IamRolePolicy;
  /** The role's identity policy, as generated (tokens unresolved). */
  readonly policyDocument: IdentityPolicyDocument;
  readonly logGroup: CloudwatchLogGroup;
  readonly deadLetterQueue: SqsQueue;
  /** The apply-time run; its `result` is the per-account report. */
  readonly invocation: LambdaInvocation;
  /** Enables trusted access for IAM at apply time, when `enableTrustedAccess` is set. */
  readonly trustedAccess?: LambdaInvocation;
  readonly schedule?: SchedulerSchedule;
  readonly organizationEventRule?: CloudwatchEventRule;
  readonly alarmTopic: SnsTopic;
  readonly alarms: readonly CloudwatchMetricAlarm[];
  /** The report of the last apply-time run (JSON). */
  readonly report: TerraformOutput;
  /** Name of the `check` block that carries the plan-time audit, when `planTimeAudit` is set. */
  readonly checkName?: string;
  /** The plan-time audit (`{ action: 'audit' }`), when `planTimeAudit` is set. */
  readonly driftAudit?: DataAwsLambdaInvocation;
  /**
   * Removes the drift the plan-time audit found, during apply; set with `planTimeAudit` in
   * enforce mode without dry-run.
   */
  readonly driftRepair?: DataAwsLambdaInvocation;

  constructor(scope: Construct, id: string, props: RootCredentialsEnforcerProps) {
    super(scope, id);
    const findings = validateEnforcerProps(props);
    for (const warning of findings.warnings) {
      Annotations.of(this).addWarning(`${warning.path}: ${warning.message}`);
    }
    const desired = findings.desired;
    if (findings.errors.length > 0 || desired === undefined) {
      throw new ConfigurationError(findings.errors, `RootCredentialsEnforcer props at ${this.node.path}`);
    }
    requireAwsProviderVersion(this, ENFORCER_MINIMUM_PROVIDER_VERSION);

    const functionName = props.functionName ?? DEFAULT_ENFORCER_FUNCTION_NAME;
    const enableTrustedAccess = props.enableTrustedAccess ?? false;
    const failOnNonCompliance = props.failOnNonCompliance ?? true;
    const desiredStateJson = JSON.stringify(props.desiredState);

    const bundle = locateBundle();
    const asset = new TerraformAsset(this, 'Bundle', { path: bundle.directory, type: AssetType.ARCHIVE });

    this.deadLetterQueue = new SqsQueue(this, 'DeadLetterQueue', {
      name: `${functionName}-dlq`,
      sqsManagedSseEnabled: true,
      messageRetentionSeconds: 1_209_600,
    });

    this.logGroup = new CloudwatchLogGroup(this, 'LogGroup', {
      name: `/aws/lambda/${functionName}`,
      retentionInDays: props.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS,
    });

    this.role = new IamRole(this, 'Role', {
      name: functionName,
      description: 'Reconciler of member accounts root credentials (sts:AssumeRoot with task policies)',
      assumeRolePolicy: JSON.stringify(trustPolicyDocument('lambda.amazonaws.com')),
    });

    this.function = new LambdaFunction(this, 'Function', {
      functionName,
      description: 'Removes long-term root credentials from member accounts (centralized root access)',
      role: this.role.arn,
      runtime: ENFORCER_RUNTIME,
      handler: 'index.handler',
      filename: asset.path,
      sourceCodeHash: asset.assetHash,
      timeout: props.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS,
      memorySize: props.memorySize ?? DEFAULT_MEMORY_SIZE_MB,
      ...(props.reservedConcurrency !== undefined
        ? { reservedConcurrentExecutions: props.reservedConcurrency }
        : {}),
      environment: { variables: enforcerEnvironment(functionName, desiredStateJson) },
      deadLetterConfig: { targetArn: this.deadLetterQueue.arn },
      // Lambda would create the log group itself (without retention) if it ran first.
      dependsOn: [this.logGroup],
    });

    const targetedAccounts =
      !desired.targets.allAccounts && desired.targets.organizationalUnitIds.length === 0
        ? desired.targets.accountIds
        : undefined;
    this.policyDocument = enforcerPolicyDocument({
      mode: desired.mode,
      dryRun: desired.dryRun,
      ...(targetedAccounts !== undefined ? { accountIds: targetedAccounts } : {}),
      functionArn: this.function.arn,
      deadLetterQueueArn: this.deadLetterQueue.arn,
      logGroupArn: this.logGroup.arn,
      enableTrustedAccess,
    });
    this.rolePolicy = new IamRolePolicy(this, 'RolePolicy', {
      name: 'reconcile-root-credentials',
      role: this.role.id,
      policy: JSON.stringify(this.policyDocument),
    });

    const afterPermissions = [this.function, this.rolePolicy, this.logGroup];
    if (enableTrustedAccess) {
      this.trustedAccess = new LambdaInvocation(this, 'TrustedAccess', {
        functionName: this.function.functionName,
        lifecycleScope: 'CRUD',
        terraformKey: 'tf',
        input: JSON.stringify({ task: 'enable-trusted-access' }),
        dependsOn: afterPermissions,
      });
    }

    this.invocation = new LambdaInvocation(this, 'Enforcement', {
      functionName: this.function.functionName,
      lifecycleScope: 'CRUD',
      terraformKey: 'tf',
      input: JSON.stringify({ desiredState: props.desiredState, failOnNonCompliance }),
      // A new bundle replaces the invocation (a no-op delete, then a create), so new code re-enforces at once.
      triggers: { bundle: asset.assetHash },
      dependsOn: [...afterPermissions, ...(this.trustedAccess ? [this.trustedAccess] : [])],
    });
    this.report = new TerraformOutput(this, 'Report', {
      description: 'Per-account report of the last apply-time root credentials enforcement',
      value: Fn.jsondecode(this.invocation.result) as unknown,
    });

    if (props.enableSchedule ?? true) {
      const schedulerRole = new IamRole(this, 'SchedulerRole', {
        name: `${functionName}-scheduler`,
        assumeRolePolicy: JSON.stringify(trustPolicyDocument('scheduler.amazonaws.com')),
      });
      new IamRolePolicy(this, 'SchedulerRolePolicy', {
        name: 'invoke-reconciler',
        role: schedulerRole.id,
        policy: JSON.stringify(schedulerPolicyDocument(this.function.arn, this.deadLetterQueue.arn)),
      });
      this.schedule = new SchedulerSchedule(this, 'Schedule', {
        name: functionName,
        description: 'Re-runs the root credentials reconciler to remove drift',
        scheduleExpression: props.schedule ?? desired.schedule ?? DEFAULT_ENFORCER_SCHEDULE,
        flexibleTimeWindow: { mode: 'OFF' },
        target: {
          arn: this.function.arn,
          roleArn: schedulerRole.arn,
          // The desired state comes from the function's environment, so the input stays tiny.
          input: JSON.stringify({ source: 'root-access.schedule' }),
          retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 3 },
          deadLetterConfig: { arn: this.deadLetterQueue.arn },
        },
      });
    }

    if (props.enableOrganizationEvents ?? true) {
      this.organizationEventRule = new CloudwatchEventRule(this, 'OrganizationEvents', {
        name: `${functionName}-organization-events`,
        description: 'Accounts created, joined or moved: reconcile their root credentials',
        eventPattern: JSON.stringify(organizationEventPattern()),
      });
      const permission = new LambdaPermission(this, 'OrganizationEventsPermission', {
        statementId: 'AllowOrganizationEvents',
        action: 'lambda:InvokeFunction',
        functionName: this.function.functionName,
        principal: 'events.amazonaws.com',
        sourceArn: this.organizationEventRule.arn,
      });
      new CloudwatchEventTarget(this, 'OrganizationEventsTarget', {
        rule: this.organizationEventRule.name,
        targetId: 'reconciler',
        arn: this.function.arn,
        dependsOn: [permission],
      });
    }

    this.alarmTopic = new SnsTopic(this, 'AlarmTopic', { name: `${functionName}-alarms` });
    if (props.alarmEmail !== undefined) {
      new SnsTopicSubscription(this, 'AlarmEmail', {
        topicArn: this.alarmTopic.arn,
        protocol: 'email',
        endpoint: props.alarmEmail,
      });
    }
    // Every alarm fires on the first bad 5-minute period and notifies the topic both ways.
    const alarm = (
      id: string,
      metric: Pick<
        CloudwatchMetricAlarmConfig,
        'alarmName' | 'alarmDescription' | 'namespace' | 'metricName' | 'dimensions' | 'statistic'
      >,
    ) =>
      new CloudwatchMetricAlarm(this, id, {
        ...metric,
        period: 300,
        evaluationPeriods: 1,
        threshold: 1,
        comparisonOperator: 'GreaterThanOrEqualToThreshold',
        treatMissingData: 'notBreaching',
        alarmActions: [this.alarmTopic.arn],
        okActions: [this.alarmTopic.arn],
      });
    this.alarms = [
      alarm('AccountsFailedAlarm', {
        alarmName: `${functionName}-accounts-failed`,
        alarmDescription:
          'Some member accounts could not be made free of root credentials; see the function logs',
        namespace: ENFORCER_METRICS_NAMESPACE,
        metricName: ENFORCER_FAILED_METRIC,
        dimensions: { service: functionName },
        statistic: 'Maximum',
      }),
      alarm('ErrorsAlarm', {
        alarmName: `${functionName}-errors`,
        alarmDescription: 'The root credentials reconciler failed an invocation',
        namespace: 'AWS/Lambda',
        metricName: 'Errors',
        dimensions: { FunctionName: functionName },
        statistic: 'Sum',
      }),
      alarm('DeadLetterAlarm', {
        alarmName: `${functionName}-dead-letters`,
        alarmDescription: 'Reconciler events were dropped to the dead-letter queue',
        namespace: 'AWS/SQS',
        metricName: 'ApproximateNumberOfMessagesVisible',
        dimensions: { QueueName: this.deadLetterQueue.name },
        statistic: 'Maximum',
      }),
    ];

    if (props.planTimeAudit ?? true) {
      // After the apply-time run, so that on a first apply (or one that changes the function)
      // Terraform defers the read to apply time instead of invoking a function that is not there yet.
      this.driftAudit = new DataAwsLambdaInvocation(this, 'DriftAudit', {
        functionName: this.function.functionName,
        input: JSON.stringify({ action: 'audit', onError: 'report' }),
        dependsOn: [this.invocation],
      });
      const audit = `jsondecode(data.aws_lambda_invocation.${this.driftAudit.friendlyUniqueId}.result)`;
      const repairs = desired.mode === 'enforce' && !desired.dryRun;
      if (repairs) {
        // The CRUD invocation runs only when its input changes, and drift does not change it. This
        // data source carries the drifted accounts with timestamp(), which is unknown while
        // planning: Terraform then reads it during apply (the handler enforces those accounts).
        // Without drift its input is known and constant, so plan reads it (the handler returns at
        // once) and shows no change: nothing drift-related is stored in state to be undone later.
        this.driftRepair = new DataAwsLambdaInvocation(this, 'DriftRepair', {
          functionName: this.function.functionName,
          input: `\${jsonencode({action = "repair-drift", accountIds = ${audit}.nonCompliant, requestedAt = length(${audit}.nonCompliant) > 0 ? timestamp() : null, failOnNonCompliance = ${String(failOnNonCompliance)}})}`,
          dependsOn: [this.invocation],
        });
      }
      this.checkName = `${this.function.friendlyUniqueId}_drift`;
      addDriftCheck(TerraformStack.of(this), this.checkName, audit, repairs);
    }
  }

  /** Makes the apply-time run wait for `dependencies`, e.g. the organization features it needs. */
  addPrerequisite(...dependencies: ITerraformDependable[]): void {
    // `dependable` renders the bare address (`aws_x.name`) that depends_on needs.
    this.invocation.dependsOn = [
      ...new Set([...(this.invocation.dependsOn ?? []), ...dependencies.map(dependable)]),
    ];
  }
}

/**
 * A `check` block over the plan-time audit (cdktf 0.21 has no check construct, so it is written
 * as a stack override). A false assertion is a warning, never an error, so drift never blocks the
 * apply that removes it. The audit data source sits outside the block because the drift repair
 * needs its result; it asks the handler to report a failed audit as `error` instead of failing
 * (which would be a plan error there), and the assertion turns that into a warning too.
 */
function addDriftCheck(stack: TerraformStack, name: string, audit: string, repairs: boolean): void {
  const next = repairs
    ? 'This apply removes the root credentials of those accounts (the assertion is re-evaluated after apply with the plan-time audit, so it repeats this list).'
    : 'The enforcer does not remove them from terraform apply (audit mode, dry-run); the scheduled run reports them.';
  stack.addOverride(`check.${name}`, {
    assert: [
      {
        condition: `\${try(${audit}.error, null) == null && length(${audit}.nonCompliant) == 0 && length(${audit}.unverified) == 0}`,
        error_message: `\${try(${audit}.error, null) != null ? "The plan-time audit of root credentials failed: \${try(${audit}.error, "")}" : "Member accounts hold root credentials: [\${join(", ", ${audit}.nonCompliant)}]; could not be audited: [\${join(", ", ${audit}.unverified)}]. ${next}"}`,
      },
    ],
  });
}

export function organizationEventPattern(): Record<string, unknown> {
  return {
    source: ['aws.organizations'],
    'detail-type': ['AWS API Call via CloudTrail', 'AWS Service Event via CloudTrail'],
    detail: { eventSource: ['organizations.amazonaws.com'], eventName: [...ORGANIZATION_EVENT_NAMES] },
  };
}

export function enforcerEnvironment(functionName: string, desiredStateJson: string): Record<string, string> {
  return {
    DESIRED_STATE: desiredStateJson,
    POWERTOOLS_SERVICE_NAME: functionName,
    POWERTOOLS_METRICS_NAMESPACE: ENFORCER_METRICS_NAMESPACE,
    NODE_OPTIONS: '--enable-source-maps',
  };
}

interface EnforcerFindings {
  readonly errors: ValidationIssue[];
  readonly warnings: ValidationIssue[];
  /** The resolved desired state, when it is valid. */
  readonly desired?: ResolvedDesiredState;
}

/** Every problem with the props at once: the desired state's, then the enforcer's own. */
export function validateEnforcerProps(props: RootCredentialsEnforcerProps): EnforcerFindings {
  const result = validateDesiredState(props.desiredState, {}, 'desiredState');
  const errors: ValidationIssue[] = result.ok ? [] : [...result.errors];
  const warnings: ValidationIssue[] = [...result.warnings];
  const functionName = props.functionName ?? DEFAULT_ENFORCER_FUNCTION_NAME;
  // 64 is Lambda's limit; the longest derived name ("-organization-events") must fit IAM's and
  // EventBridge's 64 characters too.
  if (!/^[A-Za-z0-9_-]{1,44}$/.test(functionName)) {
    errors.push({
      path: 'functionName',
      message: `got ${JSON.stringify(functionName)}; use 1 to 44 letters, digits, "-" or "_" (resource names derived from it must fit 64 characters)`,
    });
  }
  if (
    props.logRetentionDays !== undefined &&
    !(LOG_RETENTION_DAYS as readonly number[]).includes(props.logRetentionDays)
  ) {
    errors.push({
      path: 'logRetentionDays',
      message: `got ${props.logRetentionDays}; CloudWatch Logs accepts ${LOG_RETENTION_DAYS.join(', ')}`,
    });
  }
  if (props.schedule !== undefined && !SCHEDULE_PATTERN.test(props.schedule)) {
    errors.push({
      path: 'schedule',
      message: `got ${JSON.stringify(props.schedule)}; use an EventBridge Scheduler expression such as "rate(12 hours)" or "cron(0 3 * * ? *)"`,
    });
  }
  const timeout = props.timeoutSeconds;
  if (timeout !== undefined && (!Number.isInteger(timeout) || timeout < 120 || timeout > 900)) {
    errors.push({
      path: 'timeoutSeconds',
      message: `got ${timeout}; use a whole number from 120 to 900 (the reconciler keeps a 60-second margin per invocation)`,
    });
  }
  if (
    props.memorySize !== undefined &&
    (!Number.isInteger(props.memorySize) || props.memorySize < 128 || props.memorySize > 10240)
  ) {
    errors.push({
      path: 'memorySize',
      message: `got ${props.memorySize}; use a whole number of MB from 128 to 10240`,
    });
  }
  if (
    props.reservedConcurrency !== undefined &&
    (!Number.isInteger(props.reservedConcurrency) || props.reservedConcurrency < 1)
  ) {
    errors.push({
      path: 'reservedConcurrency',
      message: `got ${props.reservedConcurrency}; use a whole number of at least 1 (0 would stop the function)`,
    });
  }
  if (props.alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(props.alarmEmail)) {
    errors.push({
      path: 'alarmEmail',
      message: `got ${JSON.stringify(props.alarmEmail)}; expected an email address`,
    });
  }
  if (result.ok) {
    const size = Object.entries(enforcerEnvironment(functionName, JSON.stringify(props.desiredState))).reduce(
      (sum, [key, value]) => sum + Buffer.byteLength(key) + Buffer.byteLength(value),
      0,
    );
    if (size > LAMBDA_ENVIRONMENT_LIMIT_BYTES) {
      errors.push({
        path: 'desiredState',
        message: `is ${size} bytes as the function's environment, over Lambda's ${LAMBDA_ENVIRONMENT_LIMIT_BYTES}-byte limit; target organizational units instead of long account lists`,
      });
    }
  }
  return { errors, warnings, ...(result.ok ? { desired: result.value } : {}) };
}
