/**
 * The plain Terraform module's inputs: one variable per field of the app's config file
 * (`root-access.config.json`), snake_case, with the constructs' defaults. What the constructs
 * check at synth for literal values, Terraform checks here at plan time (`validation` blocks);
 * the rest (break-glass bounds, overlaps) the reconciler checks at run time, as it does for
 * every deployment.
 */
import {
  CREDENTIAL_KINDS,
  DEFAULT_CONCURRENCY,
  DEFAULT_MAX_BREAK_GLASS_DAYS,
  MAX_BREAK_GLASS_DAYS_LIMIT,
  MAX_CONCURRENCY,
  MODES,
} from '../src/shared/desired-state';
import { ROOT_ACCESS_FEATURES } from '../src/constructs/centralized-root-access';
import {
  DEFAULT_ENFORCER_FUNCTION_NAME,
  DEFAULT_ENFORCER_SCHEDULE,
  DEFAULT_LOG_RETENTION_DAYS,
  DEFAULT_MEMORY_SIZE_MB,
  DEFAULT_TIMEOUT_SECONDS,
  LOG_RETENTION_DAYS,
} from '../src/constructs/root-credentials-enforcer';
import { ROOT_RESTRICTION_VARIANTS } from '../src/constructs/root-restriction-policy';

export interface ModuleVariable {
  readonly name: string;
  /** A Terraform type constraint. */
  readonly type: string;
  /** Absent: the variable is required. `null`: optional, off unless set. */
  readonly default?: unknown;
  readonly description: string;
  /** The config file's field, for the README table. */
  readonly configField: string;
  readonly validation?: readonly { readonly condition: string; readonly error_message: string }[];
}

const hcl = (values: readonly (string | number)[]) => `[${values.map((v) => JSON.stringify(v)).join(', ')}]`;
const ACCOUNT = '^[0-9]{12}$';
const OU = '^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$';

export const MODULE_VARIABLES: readonly ModuleVariable[] = [
  {
    name: 'enabled_features',
    type: 'list(string)',
    default: [...ROOT_ACCESS_FEATURES],
    configField: 'organization.enabledFeatures',
    description: 'Centralized root access features to turn on (aws_iam_organizations_features).',
    validation: [
      {
        condition: `\${length(var.enabled_features) > 0 && alltrue([for f in var.enabled_features : contains(${hcl(ROOT_ACCESS_FEATURES)}, f)])}`,
        error_message: `enabled_features: list ${ROOT_ACCESS_FEATURES.join(' and/or ')} (to turn the features off, remove the module).`,
      },
    ],
  },
  {
    name: 'management_account_id',
    type: 'string',
    default: null,
    configField: 'organization.managementAccountId',
    description:
      'The management account (12 digits), when known: the reconciler refuses to treat it as a member.',
    validation: [
      {
        condition: `\${var.management_account_id == null || can(regex("${ACCOUNT}", var.management_account_id))}`,
        error_message: 'management_account_id: write the 12-digit account id, e.g. "111111111111".',
      },
    ],
  },
  {
    name: 'manage_organization',
    type: 'object({ service_principals = optional(list(string), []), enabled_policy_types = optional(list(string), []) })',
    default: null,
    configField: 'organization.manageOrganization',
    description:
      'Take ownership of aws_organizations_organization (feature_set ALL, trusted access for iam.amazonaws.com plus service_principals, enabled_policy_types plus SERVICE_CONTROL_POLICY with the SCP). All-or-nothing: Terraform disables every trusted service and policy type not listed; import the organization first. It always carries prevent_destroy.',
  },
  {
    name: 'delegated_administrator_account_id',
    type: 'string',
    default: null,
    configField: 'organization.delegatedAdministratorAccountId',
    description: 'A member account to register as IAM delegated administrator.',
    validation: [
      {
        condition: `\${var.delegated_administrator_account_id == null || can(regex("${ACCOUNT}", var.delegated_administrator_account_id))}`,
        error_message:
          'delegated_administrator_account_id: write the 12-digit id of a member account (not the management account), or leave it null.',
      },
    ],
  },
  {
    name: 'root_restriction_policy',
    type: `object({ variant = optional(string, "${ROOT_RESTRICTION_VARIANTS[0]}"), target_ids = list(string), exempt_principal_arns = optional(list(string), []), name = optional(string, "restrict-member-root-users"), description = optional(string) })`,
    default: null,
    configField: 'organization.rootRestrictionPolicy',
    description: `The root restriction SCP, attached to each of target_ids (root r-..., OU ou-..., or account). variant: ${ROOT_RESTRICTION_VARIANTS.join(' or ')}.`,
    validation: [
      {
        condition: `\${var.root_restriction_policy == null || contains(${hcl(ROOT_RESTRICTION_VARIANTS)}, try(var.root_restriction_policy.variant, ""))}`,
        error_message: `root_restriction_policy.variant: use ${ROOT_RESTRICTION_VARIANTS.join(' or ')}.`,
      },
      {
        condition: `\${var.root_restriction_policy == null || alltrue([for t in try(var.root_restriction_policy.target_ids, []) : can(regex("^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|[0-9]{12})$", t))])}`,
        error_message:
          'root_restriction_policy.target_ids: use the organization root id ("r-ab12"), OU ids ("ou-ab12-cdef3456") or 12-digit account ids.',
      },
    ],
  },
  {
    name: 'targets',
    type: 'object({ all_accounts = optional(bool, false), account_ids = optional(list(string), []), organizational_unit_ids = optional(list(string), []) })',
    configField: 'enforcement.targets',
    description:
      'The member accounts the reconciler keeps free of root credentials: all_accounts, or account and OU ids.',
    validation: [
      {
        condition:
          '${var.targets.all_accounts != (length(var.targets.account_ids) + length(var.targets.organizational_unit_ids) > 0)}',
        error_message:
          'targets: set all_accounts = true, or list account_ids and/or organizational_unit_ids (not both).',
      },
      {
        condition: `\${alltrue([for id in var.targets.account_ids : can(regex("${ACCOUNT}", id))]) && alltrue([for id in var.targets.organizational_unit_ids : can(regex("${OU}", id))])}`,
        error_message:
          'targets: account ids are 12 digits ("123456789012"), OU ids look like "ou-ab12-cdef3456".',
      },
    ],
  },
  {
    name: 'exclusions',
    type: 'object({ account_ids = optional(list(string), []), organizational_unit_ids = optional(list(string), []) })',
    default: {},
    configField: 'enforcement.exclusions',
    description:
      'Accounts and OUs never touched; IAM also denies the reconciler root sessions in the excluded accounts.',
    validation: [
      {
        condition: `\${alltrue([for id in var.exclusions.account_ids : can(regex("${ACCOUNT}", id))]) && alltrue([for id in var.exclusions.organizational_unit_ids : can(regex("${OU}", id))])}`,
        error_message:
          'exclusions: account ids are 12 digits ("123456789012"), OU ids look like "ou-ab12-cdef3456".',
      },
    ],
  },
  {
    name: 'break_glass',
    type: 'list(object({ account_id = string, until = string, reason = string }))',
    default: [],
    configField: 'enforcement.breakGlass',
    description:
      'Time-boxed windows in which an account keeps its root credentials (until: RFC 3339, at most max_break_glass_days ahead; the reconciler checks the bound at run time). IAM denies the delete task in the account until then.',
    validation: [
      {
        condition: `\${alltrue([for w in var.break_glass : can(regex("${ACCOUNT}", w.account_id)) && can(formatdate("YYYY", w.until)) && length(trimspace(w.reason)) > 0])}`,
        error_message:
          'break_glass: each window needs a 12-digit account_id, an RFC 3339 until ("2027-06-30T00:00:00Z") and a reason.',
      },
    ],
  },
  {
    name: 'mode',
    type: 'string',
    default: 'audit',
    configField: 'enforcement.mode',
    description:
      'audit reports; enforce also deletes root credentials (only then does the role get the delete task policy).',
    validation: [
      {
        condition: `\${contains(${hcl(MODES)}, var.mode)}`,
        error_message: `mode: use ${MODES.join(' or ')}.`,
      },
    ],
  },
  {
    name: 'dry_run',
    type: 'bool',
    default: false,
    configField: 'enforcement.dryRun',
    description: 'In enforce mode, report what would be deleted and delete nothing.',
  },
  {
    name: 'credential_kinds',
    type: 'list(string)',
    default: [...CREDENTIAL_KINDS],
    configField: 'enforcement.credentialKinds',
    description: `Which root credentials count and are removed: ${CREDENTIAL_KINDS.join(', ')}.`,
    validation: [
      {
        condition: `\${length(var.credential_kinds) > 0 && alltrue([for k in var.credential_kinds : contains(${hcl(CREDENTIAL_KINDS)}, k)])}`,
        error_message: `credential_kinds: list some of ${CREDENTIAL_KINDS.join(', ')}.`,
      },
    ],
  },
  {
    name: 'concurrency',
    type: 'number',
    default: DEFAULT_CONCURRENCY,
    configField: 'enforcement.concurrency',
    description: 'Accounts reconciled in parallel by one invocation.',
    validation: [
      {
        condition: `\${var.concurrency >= 1 && var.concurrency <= ${MAX_CONCURRENCY} && floor(var.concurrency) == var.concurrency}`,
        error_message: `concurrency: a whole number from 1 to ${MAX_CONCURRENCY}.`,
      },
    ],
  },
  {
    name: 'max_break_glass_days',
    type: 'number',
    default: DEFAULT_MAX_BREAK_GLASS_DAYS,
    configField: 'enforcement.maxBreakGlassDays',
    description: 'How far ahead a break-glass window may end.',
    validation: [
      {
        condition: `\${var.max_break_glass_days >= 1 && var.max_break_glass_days <= ${MAX_BREAK_GLASS_DAYS_LIMIT} && floor(var.max_break_glass_days) == var.max_break_glass_days}`,
        error_message: `max_break_glass_days: a whole number from 1 to ${MAX_BREAK_GLASS_DAYS_LIMIT}.`,
      },
    ],
  },
  {
    name: 'schedule',
    type: 'string',
    default: DEFAULT_ENFORCER_SCHEDULE,
    configField: 'enforcement.schedule',
    description: 'EventBridge Scheduler expression of the drift-reconciling run.',
    validation: [
      {
        condition: '${can(regex("^(rate|cron)\\\\(.+\\\\)$", var.schedule))}',
        error_message: 'schedule: a recurring expression, e.g. "rate(12 hours)" or "cron(0 6 * * ? *)".',
      },
    ],
  },
  {
    name: 'enable_schedule',
    type: 'bool',
    default: true,
    configField: 'enforcer.enableSchedule',
    description: 'Whether the scheduled run exists.',
  },
  {
    name: 'enable_organization_events',
    type: 'bool',
    default: true,
    configField: 'enforcer.enableOrganizationEvents',
    description:
      'Whether an EventBridge rule re-runs the reconciler when an account is created, joins or moves (fires only with a us-east-1 provider).',
  },
  {
    name: 'enable_trusted_access',
    type: 'bool',
    default: true,
    configField: 'enforcer.enableTrustedAccess',
    description:
      'Whether the reconciler turns on trusted access for iam.amazonaws.com at apply time, additively; the features wait for it.',
  },
  {
    name: 'plan_time_audit',
    type: 'bool',
    default: true,
    configField: 'enforcer.planTimeAudit',
    description:
      'Whether terraform plan audits the organization and warns about drift (a check block); in enforce mode the next apply removes it.',
  },
  {
    name: 'fail_on_non_compliance',
    type: 'bool',
    default: true,
    configField: 'enforcer.failOnNonCompliance',
    description: 'Whether terraform apply fails when an account could not be made compliant.',
  },
  {
    name: 'alarm_email',
    type: 'string',
    default: null,
    configField: 'enforcer.alarmEmail',
    description: 'Email address subscribed to the alarm topic (the subscription must be confirmed).',
    validation: [
      {
        condition:
          '${var.alarm_email == null || can(regex("^[^@\\\\s]+@[^@\\\\s]+\\\\.[^@\\\\s]+$", var.alarm_email))}',
        error_message: 'alarm_email: an email address, or null for no subscription.',
      },
    ],
  },
  {
    name: 'function_name',
    type: 'string',
    default: DEFAULT_ENFORCER_FUNCTION_NAME,
    configField: 'enforcer.functionName',
    description: 'Name of the Lambda function; also the prefix of every other resource name.',
    validation: [
      {
        condition: '${can(regex("^[A-Za-z0-9_-]{1,44}$", var.function_name))}',
        error_message:
          'function_name: 1 to 44 letters, digits, "-" or "_" (names derived from it must fit 64 characters).',
      },
    ],
  },
  {
    name: 'log_retention_days',
    type: 'number',
    default: DEFAULT_LOG_RETENTION_DAYS,
    configField: 'enforcer.logRetentionDays',
    description: 'Days CloudWatch Logs keeps the function logs.',
    validation: [
      {
        condition: `\${contains(${hcl(LOG_RETENTION_DAYS)}, var.log_retention_days)}`,
        error_message: `log_retention_days: one of ${LOG_RETENTION_DAYS.join(', ')}.`,
      },
    ],
  },
  {
    name: 'timeout_seconds',
    type: 'number',
    default: DEFAULT_TIMEOUT_SECONDS,
    configField: 'enforcer.timeoutSeconds',
    description: 'The function timeout; accounts not reached in time go to a continuation.',
    validation: [
      {
        condition: '${var.timeout_seconds >= 120 && var.timeout_seconds <= 900}',
        error_message: 'timeout_seconds: 120 to 900 (the reconciler keeps a 60-second margin).',
      },
    ],
  },
  {
    name: 'memory_size',
    type: 'number',
    default: DEFAULT_MEMORY_SIZE_MB,
    configField: 'enforcer.memorySize',
    description: 'The function memory in MB.',
    validation: [
      {
        condition: '${var.memory_size >= 128 && var.memory_size <= 10240}',
        error_message: 'memory_size: 128 to 10240 MB.',
      },
    ],
  },
  {
    name: 'reserved_concurrency',
    type: 'number',
    default: null,
    configField: 'enforcer.reservedConcurrency',
    description: 'Concurrency reserved for (and capping) the function; null leaves it unreserved.',
    validation: [
      {
        condition: '${var.reserved_concurrency == null || try(var.reserved_concurrency >= 1, false)}',
        error_message: 'reserved_concurrency: at least 1 (0 would stop the function), or null.',
      },
    ],
  },
];

/**
 * The desired state the function's environment holds, in the reconciler's camelCase shape.
 * Optional fields are left out when null: the reconciler's schema accepts absent, not null.
 */
export const DESIRED_STATE_LOCAL = `\${merge({
  targets = { allAccounts = var.targets.all_accounts, accountIds = var.targets.account_ids, organizationalUnitIds = var.targets.organizational_unit_ids },
  exclusions = { accountIds = var.exclusions.account_ids, organizationalUnitIds = var.exclusions.organizational_unit_ids },
  breakGlass = [for w in var.break_glass : { accountId = w.account_id, until = w.until, reason = w.reason }],
  mode = var.mode,
  dryRun = var.dry_run,
  credentialKinds = var.credential_kinds,
  concurrency = var.concurrency,
  maxBreakGlassDays = var.max_break_glass_days,
  schedule = var.schedule,
}, var.management_account_id == null ? {} : { managementAccountId = var.management_account_id })}`;

/** The variables as Terraform JSON (`variable` block). */
export function variableBlocks(): Record<string, Record<string, unknown>> {
  return Object.fromEntries(
    MODULE_VARIABLES.map((v) => [
      v.name,
      {
        type: v.type,
        description: v.description,
        ...(v.default !== undefined ? { default: v.default } : {}),
        ...(v.validation !== undefined ? { validation: v.validation } : {}),
      },
    ]),
  );
}
