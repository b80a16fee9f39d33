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
import type { SsmParameter } from '@cdktf/provider-aws/lib/ssm-parameter';
import { DataAwsCallerIdentity } from '@cdktf/provider-aws/lib/data-aws-caller-identity';
import { DataAwsRegion } from '@cdktf/provider-aws/lib/data-aws-region';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import {
  Annotations,
  AssetType,
  TerraformAsset,
  TerraformOutput,
  TerraformStack,
  Token,
  dependable,
  type ITerraformDependable,
} from 'cdktf';
import { Construct } from 'constructs';

import { type DesiredState, type ResolvedDesiredState, type UnresolvedPaths } from '../shared/desired-state';
import {
  DESIRED_STATE_ENV,
  METRICS_NAMESPACE,
  METRIC_NAMES,
  METRIC_SERVICE_DIMENSION,
  ORGANIZATION_EVENT_DETAIL_TYPES,
  ORGANIZATION_EVENT_NAMES,
  TERRAFORM_KEY,
  AUDIT_ACTION,
  scheduleInput,
  type EnforcementInput,
} from '../shared/lambda-contract';
import { quote } from '../shared/validation/rules';
import { locateBundle } from './enforcer/bundle';
import { enforcerEnvironment, renderJson, serializeDesiredState } from './enforcer/environment';
import { createLastDriftRepairParameter } from './enforcer/last-drift-repair';
import {
  enforcerPolicyDocument,
  schedulerPolicyDocument,
  trustPolicyDocument,
  type IdentityPolicyDocument,
} from './enforcer/policy';
import {
  decodedResult,
  driftRepairInput,
  driftRepairedCheck,
  planTimeDriftCheck,
  reportExpression,
} from './enforcer/terraform-expressions';
import { validateEnforcerProps } from './enforcer/validate-props';
import { ConfigurationError } from './errors';
import { requireAwsProviderVersion } from './provider-versions';

export const DEFAULT_ENFORCER_FUNCTION_NAME = 'root-credentials-enforcer';
export const DEFAULT_ENFORCER_SCHEDULE = 'rate(12 hours)';
export const DEFAULT_LOG_RETENTION_DAYS = 365;
export const DEFAULT_TIMEOUT_SECONDS = 900;
// Measured (README, Performance, 2026-12-04): 193 accounts/s at 512 MB vs 245 at 1,024 MB, for $0.000043 vs $0.000068 per 1,000 accounts.
export const DEFAULT_MEMORY_SIZE_MB = 512;
/** The Lambda runtime; the bundle targets Node 20 syntax, so it runs on 20 and 22 alike. */
export const ENFORCER_RUNTIME = 'nodejs22.x';
/** The namespace and metric the handler emits (EMF) and the alarm watches. */
export const ENFORCER_METRICS_NAMESPACE = METRICS_NAMESPACE;
export const ENFORCER_FAILED_METRIC = METRIC_NAMES.failed;
/** Lambda's limit on the total size of a function's environment variables (keys and values). */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;
/** CloudWatch Logs retention values Lambda log groups accept. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;
/** Organizations delivers its events to EventBridge in this region only (see docs/aws-behaviour.md#organizations-events-region). */
export const ORGANIZATION_EVENTS_REGION = 'us-east-1';

/**
 * First `hashicorp/aws` release with every argument the enforcer sets: `lifecycle_scope` and
 * `terraform_key` on `aws_lambda_invocation` shipped in 5.1.0, and the `result` of a CRUD
 * invocation is refreshed on input changes only from 5.82.0 (issue #34262), which the output needs
 * (see docs/aws-behaviour.md#lambda-invocation-crud).
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
   * an organization event. The data source invokes on every plan (docs/aws-behaviour.md#lambda-invocation-data-source),
   * and a failed CRUD update is not retried by a plain re-apply (docs/aws-behaviour.md#lambda-invocation-failed-update).
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
 *
 * Every prop accepts Terraform values (variables, other resources' attributes): literal values
 * are checked at synth, the rest by the function at run time.
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
  /** The last apply-time run's report (JSON), with the drift repair's `lastDriftRepair` when there is one. */
  readonly report: TerraformOutput;
  /** Name of the `check` block that carries the plan-time audit, when `planTimeAudit` is set. */
  readonly checkName?: string;
  /** The plan-time audit (`{ action: 'audit' }`), when `planTimeAudit` is set. */
  readonly driftAudit?: DataAwsLambdaInvocation;
  /**
   * Removes the drift the plan-time audit found, during apply; set with `planTimeAudit` unless the
   * desired state is literally audit mode or dry-run.
   */
  readonly driftRepair?: DataAwsLambdaInvocation;
  /** Where the drift repair records what it did for later plans; set with `driftRepair`. */
  readonly lastDriftRepairParameter?: SsmParameter;
  /** The desired state as the function's environment holds it (JSON, or a Terraform expression). */
  readonly desiredStateJson: string;

  private readonly functionName: string;
  private readonly resolved: ResolvedDesiredState;
  private readonly unresolvedPaths: UnresolvedPaths;
  private readonly account: DataAwsCallerIdentity;
  private readonly region: DataAwsRegion;

  constructor(scope: Construct, id: string, props: RootCredentialsEnforcerProps) {
    super(scope, id);
    const findings = validateEnforcerProps(props, { isUnresolved: (value) => Token.isUnresolved(value) });
    for (const warning of findings.warnings) {
      Annotations.of(this).addWarning(`${warning.path}: ${warning.message}`);
    }
    if (findings.errors.length > 0 || findings.desired === undefined) {
      throw new ConfigurationError(findings.errors, `RootCredentialsEnforcer props at ${this.node.path}`);
    }
    requireAwsProviderVersion(this, ENFORCER_MINIMUM_PROVIDER_VERSION);
    this.warnWhenOrganizationEventsCannotArrive(props);

    this.functionName = props.functionName ?? DEFAULT_ENFORCER_FUNCTION_NAME;
    this.resolved = findings.desired;
    this.unresolvedPaths = findings.unresolvedPaths;
    this.account = new DataAwsCallerIdentity(this, 'Account');
    this.region = new DataAwsRegion(this, 'Region');
    const serialized = serializeDesiredState(
      findings.environmentState ?? props.desiredState,
      this.unresolvedPaths.size > 0,
    );
    this.desiredStateJson = serialized.json;
    if ((props.planTimeAudit ?? true) && this.repairsAtSynth() !== false) {
      this.lastDriftRepairParameter = createLastDriftRepairParameter(this, this.functionName);
    }

    const asset = new TerraformAsset(this, 'Bundle', {
      path: locateBundle().directory,
      type: AssetType.ARCHIVE,
    });
    this.deadLetterQueue = new SqsQueue(this, 'DeadLetterQueue', {
      name: `${this.functionName}-dlq`,
      sqsManagedSseEnabled: true,
      messageRetentionSeconds: 1_209_600,
    });
    this.logGroup = new CloudwatchLogGroup(this, 'LogGroup', {
      name: `/aws/lambda/${this.functionName}`,
      retentionInDays: props.logRetentionDays ?? DEFAULT_LOG_RETENTION_DAYS,
    });
    this.role = new IamRole(this, 'Role', {
      name: this.functionName,
      description: 'Reconciler of member accounts root credentials (sts:AssumeRoot with task policies)',
      assumeRolePolicy: JSON.stringify(trustPolicyDocument('lambda.amazonaws.com', this.account.accountId)),
    });
    this.function = new LambdaFunction(this, 'Function', {
      functionName: this.functionName,
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
      environment: {
        variables: enforcerEnvironment(
          this.functionName,
          this.desiredStateJson,
          this.lastDriftRepairParameter?.name,
        ),
      },
      deadLetterConfig: { targetArn: this.deadLetterQueue.arn },
      // Lambda would create the log group itself (without retention) if it ran first.
      dependsOn: [this.logGroup],
    });
    this.policyDocument = enforcerPolicyDocument({
      desired: this.resolved,
      unresolvedPaths: this.unresolvedPaths,
      functionArn: this.function.arn,
      deadLetterQueueArn: this.deadLetterQueue.arn,
      logGroupArn: this.logGroup.arn,
      enableTrustedAccess: props.enableTrustedAccess ?? false,
      ...(this.lastDriftRepairParameter
        ? { lastDriftRepairParameterArn: this.lastDriftRepairParameter.arn }
        : {}),
    });
    this.rolePolicy = new IamRolePolicy(this, 'RolePolicy', {
      name: 'reconcile-root-credentials',
      role: this.role.id,
      policy: renderJson(this.policyDocument),
    });

    const failOnNonCompliance = props.failOnNonCompliance ?? true;
    const afterPermissions = [this.function, this.rolePolicy, this.logGroup];
    if (props.enableTrustedAccess ?? false) {
      this.trustedAccess = new LambdaInvocation(this, 'TrustedAccess', {
        functionName: this.function.functionName,
        lifecycleScope: 'CRUD',
        terraformKey: TERRAFORM_KEY,
        input: JSON.stringify({ task: 'enable-trusted-access' }),
        dependsOn: afterPermissions,
      });
    }
    const input: EnforcementInput = {
      task: 'enforce',
      desiredStateDigest: serialized.digest,
      failOnNonCompliance,
    };
    this.invocation = new LambdaInvocation(this, 'Enforcement', {
      functionName: this.function.functionName,
      lifecycleScope: 'CRUD',
      terraformKey: TERRAFORM_KEY,
      input: JSON.stringify(input),
      // A new bundle replaces the invocation (a no-op delete, then a create), so new code re-enforces at once.
      triggers: { bundle: asset.assetHash },
      dependsOn: [...afterPermissions, ...(this.trustedAccess ? [this.trustedAccess] : [])],
    });

    if (props.enableSchedule ?? true) {
      this.schedule = this.createSchedule(
        props.schedule ?? this.resolved.schedule ?? DEFAULT_ENFORCER_SCHEDULE,
      );
    }
    if (props.enableOrganizationEvents ?? true) {
      this.organizationEventRule = this.createOrganizationEvents();
    }
    this.alarmTopic = new SnsTopic(this, 'AlarmTopic', { name: `${this.functionName}-alarms` });
    if (props.alarmEmail !== undefined) {
      new SnsTopicSubscription(this, 'AlarmEmail', {
        topicArn: this.alarmTopic.arn,
        protocol: 'email',
        endpoint: props.alarmEmail,
      });
    }
    this.alarms = this.createAlarms();
    if (props.planTimeAudit ?? true) {
      const audit = this.createPlanTimeAudit(failOnNonCompliance);
      this.driftAudit = audit.driftAudit;
      this.driftRepair = audit.driftRepair;
      this.checkName = audit.checkName;
    }
    // Not the drift repair's whole report after a fixing apply: the repair reads "no drift" on
    // the next plan, so the output would change back. Its summary, kept in SSM, stays put.
    const repairAndAudit =
      this.driftRepair && this.driftAudit
        ? {
            repair: decodedResult(this.driftRepair.friendlyUniqueId),
            audit: decodedResult(this.driftAudit.friendlyUniqueId),
          }
        : undefined;
    this.report = new TerraformOutput(this, 'Report', {
      description: repairAndAudit
        ? 'Per-account report of the last apply-time root credentials enforcement, and lastDriftRepair: what the last drift repair fixed or could not (null before one)'
        : 'Per-account report of the last apply-time root credentials enforcement',
      value: reportExpression(
        `${this.invocation.terraformResourceType}.${this.invocation.friendlyUniqueId}.result`,
        repairAndAudit,
      ),
    });
  }

  /** Makes the apply-time run wait for `dependencies`, e.g. the organization features it needs. */
  addPrerequisite(...dependencies: ITerraformDependable[]): void {
    // `dependable` renders the bare address (`aws_x.name`) that depends_on needs.
    this.invocation.dependsOn = [
      ...new Set([...(this.invocation.dependsOn ?? []), ...dependencies.map(dependable)]),
    ];
  }

  private createSchedule(expression: string): SchedulerSchedule {
    const schedulerRole = new IamRole(this, 'SchedulerRole', {
      name: `${this.functionName}-scheduler`,
      assumeRolePolicy: JSON.stringify(
        trustPolicyDocument(
          'scheduler.amazonaws.com',
          this.account.accountId,
          // Scheduler applies the role on behalf of the schedule group (the default group here).
          `arn:aws:scheduler:${this.region.name}:${this.account.accountId}:schedule-group/default`,
        ),
      ),
    });
    new IamRolePolicy(this, 'SchedulerRolePolicy', {
      name: 'invoke-reconciler',
      role: schedulerRole.id,
      policy: JSON.stringify(schedulerPolicyDocument(this.function.arn, this.deadLetterQueue.arn)),
    });
    return new SchedulerSchedule(this, 'Schedule', {
      name: this.functionName,
      description: 'Re-runs the root credentials reconciler to remove drift',
      scheduleExpression: expression,
      flexibleTimeWindow: { mode: 'OFF' },
      target: {
        arn: this.function.arn,
        roleArn: schedulerRole.arn,
        // The function runs the desired state it was deployed with, so the input names none.
        input: JSON.stringify(scheduleInput()),
        retryPolicy: { maximumEventAgeInSeconds: 3600, maximumRetryAttempts: 3 },
        deadLetterConfig: { arn: this.deadLetterQueue.arn },
      },
    });
  }

  private createOrganizationEvents(): CloudwatchEventRule {
    const rule = new CloudwatchEventRule(this, 'OrganizationEvents', {
      name: `${this.functionName}-organization-events`,
      description: 'Accounts created, joined or moved: reconcile their root credentials',
      eventPattern: JSON.stringify(organizationEventPattern()),
    });
    const permission = new LambdaPermission(this, 'OrganizationEventsPermission', {
      statementId: 'AllowOrganizationEvents',
      action: 'lambda:InvokeFunction',
      functionName: this.function.functionName,
      principal: 'events.amazonaws.com',
      sourceArn: rule.arn,
      sourceAccount: this.account.accountId,
    });
    new CloudwatchEventTarget(this, 'OrganizationEventsTarget', {
      rule: rule.name,
      targetId: 'reconciler',
      arn: this.function.arn,
      dependsOn: [permission],
    });
    return rule;
  }

  /** Every alarm fires on the first bad 5-minute period and notifies the topic both ways. */
  private createAlarms(): CloudwatchMetricAlarm[] {
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
    return [
      alarm('AccountsFailedAlarm', {
        alarmName: `${this.functionName}-accounts-failed`,
        alarmDescription:
          'Some member accounts could not be made free of root credentials; see the function logs',
        namespace: METRICS_NAMESPACE,
        metricName: METRIC_NAMES.failed,
        dimensions: { [METRIC_SERVICE_DIMENSION]: this.functionName },
        statistic: 'Maximum',
      }),
      alarm('ErrorsAlarm', {
        alarmName: `${this.functionName}-errors`,
        alarmDescription: 'The root credentials reconciler failed an invocation',
        namespace: 'AWS/Lambda',
        metricName: 'Errors',
        dimensions: { FunctionName: this.functionName },
        statistic: 'Sum',
      }),
      alarm('DeadLetterAlarm', {
        alarmName: `${this.functionName}-dead-letters`,
        alarmDescription: 'Reconciler events were dropped to the dead-letter queue',
        namespace: 'AWS/SQS',
        metricName: 'ApproximateNumberOfMessagesVisible',
        dimensions: { QueueName: this.deadLetterQueue.name },
        statistic: 'Maximum',
      }),
    ];
  }

  /**
   * The plan-time audit, the drift repair and the check block that reports them. The audit runs
   * after the apply-time run, so that on a first apply (or one that changes the function)
   * Terraform defers the read to apply time instead of invoking a function that is not there yet.
   */
  private createPlanTimeAudit(failOnNonCompliance: boolean): {
    driftAudit: DataAwsLambdaInvocation;
    driftRepair?: DataAwsLambdaInvocation;
    checkName: string;
  } {
    const auditInput = JSON.stringify({ action: AUDIT_ACTION, onError: 'report' });
    const driftAudit = new DataAwsLambdaInvocation(this, 'DriftAudit', {
      functionName: this.function.functionName,
      input: auditInput,
      dependsOn: [this.invocation],
    });
    const audit = decodedResult(driftAudit.friendlyUniqueId);
    const repairs = this.repairCondition();
    let driftRepair: DataAwsLambdaInvocation | undefined;
    if (repairs !== 'false') {
      driftRepair = new DataAwsLambdaInvocation(this, 'DriftRepair', {
        functionName: this.function.functionName,
        input: driftRepairInput(audit, String(failOnNonCompliance), repairs),
        dependsOn: [this.invocation],
      });
    }
    const checkName = `${this.function.friendlyUniqueId}_drift`;
    const stack = TerraformStack.of(this);
    stack.addOverride(`check.${checkName}`, planTimeDriftCheck(audit, repairs !== 'false'));
    // A second check with a scoped audit of the repaired accounts (re-read after apply) was tried
    // and dropped: its deferred read made every clean plan report changes. This one reads only the
    // repair's own result, which a clean plan already has.
    if (driftRepair !== undefined) {
      const repaired = driftRepairedCheck(decodedResult(driftRepair.friendlyUniqueId), checkName);
      for (const [name, value] of Object.entries(repaired.locals)) {
        stack.addOverride(`locals.${name}`, value);
      }
      stack.addOverride(`check.${checkName}_repaired`, repaired.check);
    }
    return { driftAudit, ...(driftRepair ? { driftRepair } : {}), checkName };
  }

  /** Does a plain apply remove drift? Known at synth unless the mode or dry-run is a Terraform value. */
  private repairsAtSynth(): boolean | undefined {
    const known = (path: string) => !this.unresolvedPaths.has(path) && !this.unresolvedPaths.has('');
    return known('mode') && known('dryRun')
      ? this.resolved.mode === 'enforce' && !this.resolved.dryRun
      : undefined;
  }

  /** {@link repairsAtSynth} as an HCL boolean, read back from the deployed function when unknown. */
  private repairCondition(): string {
    const atSynth = this.repairsAtSynth();
    if (atSynth !== undefined) {
      return String(atSynth);
    }
    // The function's environment holds the deployed state; read the mode back from it.
    const deployed = `jsondecode(aws_lambda_function.${this.function.friendlyUniqueId}.environment[0].variables["${DESIRED_STATE_ENV}"])`;
    return `try(${deployed}.mode, "audit") == "enforce" && !try(${deployed}.dryRun == true, false)`;
  }

  private warnWhenOrganizationEventsCannotArrive(props: RootCredentialsEnforcerProps): void {
    if (props.enableOrganizationEvents === false) {
      return;
    }
    const region = providerRegion(this);
    if (region !== undefined && region !== ORGANIZATION_EVENTS_REGION) {
      Annotations.of(this).addWarning(
        `enableOrganizationEvents: the AWS provider's region is ${quote(region)}, but Organizations delivers its events to EventBridge in ${ORGANIZATION_EVENTS_REGION} only, so the event rule will never fire; deploy the enforcer with a ${ORGANIZATION_EVENTS_REGION} provider, or set enableOrganizationEvents: false and rely on the schedule`,
      );
    }
  }
}

/** The region of the stack's AWS provider, when it is a literal. */
function providerRegion(scope: Construct): string | undefined {
  const provider = TerraformStack.of(scope)
    .node.findAll()
    .find((node): node is AwsProvider => node instanceof AwsProvider);
  const region = provider?.region;
  return region !== undefined && !Token.isUnresolved(region) ? region : undefined;
}

export function organizationEventPattern(): Record<string, unknown> {
  return {
    source: ['aws.organizations'],
    'detail-type': [...ORGANIZATION_EVENT_DETAIL_TYPES],
    detail: { eventSource: ['organizations.amazonaws.com'], eventName: [...ORGANIZATION_EVENT_NAMES] },
  };
}

export { enforcerEnvironment, serializeDesiredState, validateEnforcerProps };
