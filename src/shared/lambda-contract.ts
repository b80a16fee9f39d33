/**
 * The contract between the enforcer construct (synth time) and the reconciler Lambda (run time):
 * the inputs the construct wires into Terraform and the handler recognises, the environment it
 * sets, and the metrics the handler emits and the alarms watch. Both sides import this module, so
 * a name changed here changes on both sides of the boundary at once.
 */

/** `source` of the EventBridge Scheduler target input the enforcer configures. */
export const SCHEDULE_SOURCE = 'root-access.schedule';
/** `source` of the asynchronous self-invocation that carries deferred accounts on. */
export const CONTINUATION_SOURCE = 'root-access.continuation';
/** `aws_lambda_invocation`'s `terraform_key`: the key under which the provider adds the CRUD action. */
export const TERRAFORM_KEY = 'tf';
/** `action` of the plan-time audit data source. */
export const AUDIT_ACTION = 'audit';
/** `action` of the drift-repair data source. */
export const REPAIR_DRIFT_ACTION = 'repair-drift';
/** `task` values of the CRUD invocations. */
export const LIFECYCLE_TASKS = ['enforce', 'enable-trusted-access'] as const;
export type LifecycleTask = (typeof LIFECYCLE_TASKS)[number];

/**
 * The Organizations events that can bring an account under the desired state, as they reach the
 * management account's EventBridge: a finished `CreateAccount` (a service event), an invited
 * account joining (`AccountJoinedOrganization`, logged in the management account, unlike the
 * invitee's own `AcceptHandshake` call) and `MoveAccount`. See docs/aws-behaviour.md#account-joined-organization.
 */
export const ORGANIZATION_EVENT_NAMES = [
  'CreateAccountResult',
  'AccountJoinedOrganization',
  'MoveAccount',
] as const;
export type OrganizationEventName = (typeof ORGANIZATION_EVENT_NAMES)[number];
export const ORGANIZATION_EVENT_DETAIL_TYPES = [
  'AWS API Call via CloudTrail',
  'AWS Service Event via CloudTrail',
] as const;

/** The environment variable that holds the deployed desired state (JSON). */
export const DESIRED_STATE_ENV = 'DESIRED_STATE';
/**
 * The environment variable that names the SSM parameter holding the last drift repair's summary
 * (set only when the enforcer has a drift repair). The repair writes it, the plan-time audit
 * reads it back, so `enforcement_report` can show the last fix on every later plan.
 */
export const LAST_DRIFT_REPAIR_PARAMETER_ENV = 'LAST_DRIFT_REPAIR_PARAMETER';
/** Powertools reads these; the construct sets them so logs and metrics name the function. */
export const SERVICE_NAME_ENV = 'POWERTOOLS_SERVICE_NAME';
export const METRICS_NAMESPACE_ENV = 'POWERTOOLS_METRICS_NAMESPACE';

/** CloudWatch namespace of the handler's EMF metrics; the construct's alarm reads it. */
export const METRICS_NAMESPACE = 'RootAccess';
/** The metric names the handler emits; `failed` is what the accounts-failed alarm watches. */
export const METRIC_NAMES = {
  compliant: 'AccountsCompliant',
  remediated: 'AccountsRemediated',
  nonCompliant: 'AccountsNonCompliant',
  failed: 'AccountsFailed',
  deferred: 'AccountsDeferred',
  credentialsRemoved: 'CredentialsRemoved',
} as const;
/** The metric dimension that carries the function's name (Powertools' `service`). */
export const METRIC_SERVICE_DIMENSION = 'service';

/** The service principal whose trusted access the root-access features need. */
export const IAM_SERVICE_PRINCIPAL = 'iam.amazonaws.com';

/** The scheduled run's input: it names no desired state, the function uses its own. */
export function scheduleInput(): { readonly source: typeof SCHEDULE_SOURCE } {
  return { source: SCHEDULE_SOURCE };
}

/**
 * The apply-time run's input. It carries the digest of the desired state the function was
 * deployed with, never the state itself: the handler refuses an input whose digest differs from
 * its own environment's, so the input changes (and Terraform re-runs enforcement) exactly when
 * the desired state does, and no invocation can substitute a state of its own.
 */
export interface EnforcementInput {
  readonly task: 'enforce';
  readonly desiredStateDigest: string;
  readonly failOnNonCompliance: boolean;
}

/** The digest's algorithm: SHA-256 of the environment variable's exact bytes, lower-case hex. */
export const DESIRED_STATE_DIGEST_PATTERN = /^[0-9a-f]{64}$/;
