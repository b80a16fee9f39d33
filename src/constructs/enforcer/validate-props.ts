/**
 * The enforcer's synth-time checks of its own props, after the desired state's: every problem at
 * once, values Terraform will only know later left to the function's run-time validation.
 */
import {
  splitDesiredState,
  validateDesiredState,
  scheduleExpressionProblem,
  type DesiredState,
  type ResolvedDesiredState,
  type UnresolvedPaths,
} from '../../shared/desired-state';
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
import {
  DEFAULT_ENFORCER_FUNCTION_NAME,
  LAMBDA_ENVIRONMENT_LIMIT_BYTES,
  LOG_RETENTION_DAYS,
  type RootCredentialsEnforcerProps,
} from '../root-credentials-enforcer';
import { containsUnresolved, enforcerEnvironment } from './environment';
import { lastDriftRepairParameterName } from './last-drift-repair';

interface EnforcerFindings {
  readonly errors: ValidationIssue[];
  readonly warnings: ValidationIssue[];
  /** The resolved desired state, when it is valid (placeholders stand in for unresolved values). */
  readonly desired?: ResolvedDesiredState;
  /**
   * What the function's environment holds, when the desired state is valid: the resolved state's
   * engine part (every default explicit, no deployment setting) for a literal document; for one
   * with Terraform values, the document itself without its deployment settings.
   */
  readonly environmentState?: DesiredState;
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
  function desiredStateFitsTheEnvironment({ desiredState, functionName, planTimeAudit }, context) {
    const name = functionName ?? DEFAULT_ENFORCER_FUNCTION_NAME;
    if (context.isUnresolved(name) || containsUnresolved(desiredState, context.isUnresolved)) {
      return [];
    }
    // The drift repair's parameter name is in the environment too (enforce mode, not dry-run).
    const repairs =
      planTimeAudit !== false && (desiredState.mode ?? 'audit') === 'enforce' && desiredState.dryRun !== true;
    const environment = enforcerEnvironment(
      name,
      JSON.stringify(desiredState),
      repairs ? lastDriftRepairParameterName(name) : undefined,
    );
    const size = Object.entries(environment).reduce(
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

/**
 * Every problem with the props at once: the desired state's, then the enforcer's own. Values
 * `context.isUnresolved` calls unresolved are left to the function's run-time validation.
 */
export function validateEnforcerProps(
  props: RootCredentialsEnforcerProps,
  context: Partial<RuleContext> & { readonly now?: Date } = {},
): EnforcerFindings {
  const isUnresolved = context.isUnresolved ?? (() => false);
  const result = validateDesiredState(
    props.desiredState,
    { isUnresolved, ...(context.now !== undefined ? { now: context.now } : {}) },
    'desiredState',
  );
  const environmentState = result.ok
    ? result.unresolvedPaths.size === 0
      ? splitDesiredState(result.value).engine
      : withoutDeploymentSettings(props.desiredState, isUnresolved)
    : undefined;
  const own = environmentState
    ? applyRules({ ...props, desiredState: environmentState }, ENFORCER_RULES, { isUnresolved })
    : applyRules(
        props,
        ENFORCER_RULES.filter((rule) => rule.name !== 'desiredStateFitsTheEnvironment'),
        { isUnresolved },
      );
  return {
    errors: [...(result.ok ? [] : result.errors), ...own.errors],
    warnings: [...result.warnings, ...own.warnings],
    ...(result.ok ? { desired: result.value } : {}),
    ...(environmentState ? { environmentState } : {}),
    unresolvedPaths: result.ok ? result.unresolvedPaths : new Set(),
  };
}

/**
 * The document without the fields that configure the deployment (the schedule, the management
 * account): the function runs on the rest, and each byte counts against Lambda's 4 KB of
 * environment. A desired state that is one Terraform value cannot be taken apart at synth; the
 * function ignores those fields there.
 */
function withoutDeploymentSettings(
  desiredState: DesiredState,
  isUnresolved: (value: unknown) => boolean,
): DesiredState {
  if (isUnresolved(desiredState) || desiredState === null || typeof desiredState !== 'object') {
    return desiredState;
  }
  return splitDesiredState(desiredState).engine;
}
