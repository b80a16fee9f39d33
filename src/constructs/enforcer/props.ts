/**
 * What a `RootCredentialsEnforcer` is given: its props, their defaults and limits, and the
 * synth-time rules over them (literal values only; Terraform values are the function's to check
 * at run time). Kept apart from the construct so the rules read as one list.
 */
import {
  scheduleExpressionProblem,
  validateDesiredState,
  type DesiredState,
  type ResolvedDesiredState,
  type UnresolvedPaths,
} from '../../shared/desired-state';
import {
  DESIRED_STATE_ENV,
  METRICS_NAMESPACE,
  METRICS_NAMESPACE_ENV,
  METRIC_NAMES,
  SERVICE_NAME_ENV,
} from '../../shared/lambda-contract';
import {
  applyRules,
  checkOneOf,
  checkWholeNumber,
  error,
  quote,
  type Finding,
  type Rule,
  type RuleContext,
  type ValidationIssue,
} from '../../shared/validation/rules';

export const DEFAULT_ENFORCER_FUNCTION_NAME = 'root-credentials-enforcer';
export const DEFAULT_ENFORCER_SCHEDULE = 'rate(12 hours)';
export const DEFAULT_LOG_RETENTION_DAYS = 365;
export const DEFAULT_TIMEOUT_SECONDS = 900;
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

export function enforcerEnvironment(functionName: string, desiredStateJson: string): Record<string, string> {
  return {
    [DESIRED_STATE_ENV]: desiredStateJson,
    [SERVICE_NAME_ENV]: functionName,
    [METRICS_NAMESPACE_ENV]: METRICS_NAMESPACE,
    NODE_OPTIONS: '--enable-source-maps',
  };
}

interface EnforcerFindings {
  readonly errors: ValidationIssue[];
  readonly warnings: ValidationIssue[];
  /** The resolved desired state, when it is valid (placeholders stand in for unresolved values). */
  readonly desired?: ResolvedDesiredState;
  readonly unresolvedPaths: UnresolvedPaths;
}

// 64 is Lambda's limit; the longest derived name ("-organization-events") must fit IAM's and
// EventBridge's 64 characters too.
const FUNCTION_NAME_PATTERN = /^[A-Za-z0-9_-]{1,44}$/;

const ENFORCER_RULES: readonly Rule<RootCredentialsEnforcerProps>[] = [
  function functionNameFitsDerivedNames({ functionName }, context) {
    if (
      functionName === undefined ||
      context.isUnresolved(functionName) ||
      FUNCTION_NAME_PATTERN.test(functionName)
    ) {
      return [];
    }
    return [
      error(
        'functionName',
        `got ${quote(functionName)}; use 1 to 44 letters, digits, "-" or "_" (resource names derived from it must fit 64 characters)`,
      ),
    ];
  },
  ({ logRetentionDays }, context) =>
    checkOneOf(logRetentionDays, 'logRetentionDays', LOG_RETENTION_DAYS, 'CloudWatch Logs', context),
  function scheduleIsARecurringExpression({ schedule }, context): Finding[] {
    if (schedule === undefined || context.isUnresolved(schedule)) return [];
    const problem =
      typeof schedule === 'string'
        ? scheduleExpressionProblem(schedule)
        : `got ${quote(schedule)}; expected a string`;
    return problem === undefined ? [] : [error('schedule', problem)];
  },
  ({ timeoutSeconds }, context) =>
    checkWholeNumber(
      timeoutSeconds,
      'timeoutSeconds',
      { min: 120, max: 900, why: 'the reconciler keeps a 60-second margin per invocation' },
      context,
    ),
  ({ memorySize }, context) =>
    checkWholeNumber(memorySize, 'memorySize', { min: 128, max: 10240, unit: 'MB' }, context),
  ({ reservedConcurrency }, context) =>
    checkWholeNumber(
      reservedConcurrency,
      'reservedConcurrency',
      { min: 1, why: '0 would stop the function' },
      context,
    ),
  function alarmEmailIsAnAddress({ alarmEmail }, context) {
    if (
      alarmEmail === undefined ||
      context.isUnresolved(alarmEmail) ||
      /^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(alarmEmail)
    ) {
      return [];
    }
    return [error('alarmEmail', `got ${quote(alarmEmail)}; expected an email address`)];
  },
  function desiredStateFitsTheEnvironment({ desiredState, functionName }, context) {
    const name = functionName ?? DEFAULT_ENFORCER_FUNCTION_NAME;
    if (context.isUnresolved(name) || containsUnresolvedWith(desiredState, context)) {
      return [];
    }
    const size = Object.entries(enforcerEnvironment(name, JSON.stringify(desiredState))).reduce(
      (sum, [key, value]) => sum + Buffer.byteLength(key) + Buffer.byteLength(value),
      0,
    );
    return size <= LAMBDA_ENVIRONMENT_LIMIT_BYTES
      ? []
      : [
          error(
            'desiredState',
            `is ${size} bytes as the function's environment, over Lambda's ${LAMBDA_ENVIRONMENT_LIMIT_BYTES}-byte limit; target organizational units instead of long account lists`,
          ),
        ];
  },
];

function containsUnresolvedWith(value: unknown, context: RuleContext): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const next = stack.pop();
    if (context.isUnresolved(next)) return true;
    if (Array.isArray(next)) stack.push(...(next as unknown[]));
    else if (next !== null && typeof next === 'object')
      stack.push(...Object.values(next as Record<string, unknown>));
  }
  return false;
}

/**
 * Every problem with the props at once: the desired state's, then the enforcer's own. Values
 * `context.isUnresolved` calls unresolved are left to the function's run-time validation.
 */
export function validateEnforcerProps(
  props: RootCredentialsEnforcerProps,
  context: Partial<RuleContext> = {},
): EnforcerFindings {
  const isUnresolved = context.isUnresolved ?? (() => false);
  const result = validateDesiredState(props.desiredState, { isUnresolved }, 'desiredState');
  const own = result.ok
    ? applyRules(props, ENFORCER_RULES, { isUnresolved })
    : applyRules(
        props,
        ENFORCER_RULES.filter((rule) => rule.name !== 'desiredStateFitsTheEnvironment'),
        { isUnresolved },
      );
  return {
    errors: [...(result.ok ? [] : result.errors), ...own.errors],
    warnings: [...result.warnings, ...own.warnings],
    ...(result.ok ? { desired: result.value } : {}),
    unresolvedPaths: result.ok ? result.unresolvedPaths : new Set(),
  };
}
