/**
 * The reconciler role's identity policy, generated here (not from a data source) so tests and
 * the README can read it statement by statement. No statement has a wildcard action.
 */
import type { Mode, ResolvedDesiredState, UnresolvedPaths } from '../../shared/desired-state';
import { rootTaskPolicyArn } from '../../shared/root-tasks';

export const AUDIT_TASK_POLICY_ARN = rootTaskPolicyArn('IAMAuditRootUserCredentials');
export const DELETE_TASK_POLICY_ARN = rootTaskPolicyArn('IAMDeleteRootUserCredentials');

/**
 * Every Organizations read the engine and the handler make (the engine's target resolution,
 * SCP diagnosis and prerequisite gate). A test compares this list with the commands and
 * paginators the engine's source uses, so the two cannot drift apart.
 */
export const ORGANIZATIONS_READ_ACTIONS = [
  'organizations:DescribeAccount',
  'organizations:DescribeOrganization',
  'organizations:DescribePolicy',
  'organizations:ListAWSServiceAccessForOrganization',
  'organizations:ListAccountsForParent',
  'organizations:ListDelegatedAdministrators',
  'organizations:ListOrganizationalUnitsForParent',
  'organizations:ListParents',
  'organizations:ListPolicies',
  'organizations:ListPoliciesForTarget',
  'organizations:ListRoots',
  'organizations:ListTargetsForPolicy',
] as const;

export interface IdentityPolicyStatement {
  readonly Sid: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: readonly string[];
  readonly Resource: readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, readonly string[] | string>>>>;
}

export interface IdentityPolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly IdentityPolicyStatement[];
}

export interface EnforcerPolicyOptions {
  /**
   * What the role serves: the mode picks the task policies (`enforce` adds the delete task policy;
   * `audit` and dry-run never can delete); targets given as ids scope the root sessions to those
   * accounts; excluded ids and break-glass windows become explicit denies.
   */
  readonly desired: ResolvedDesiredState;
  /** Fields known only at apply time: they widen nothing, they only drop the statements they would scope. */
  readonly unresolvedPaths?: UnresolvedPaths;
  /** The function's own ARN, for continuations. */
  readonly functionArn: string;
  readonly deadLetterQueueArn: string;
  readonly logGroupArn: string;
  /** Adds `organizations:EnableAWSServiceAccess` (trusted access for IAM, added at apply time). */
  readonly enableTrustedAccess: boolean;
  /**
   * The SSM parameter the drift repair records its summary in (and the plan-time audit reads),
   * when the enforcer has a drift repair; the role may get and put that one parameter only.
   */
  readonly lastDriftRepairParameterArn?: string;
  /** @default 'aws' */
  readonly partition?: string;
}

/** What the function does with the last drift repair's parameter: read it, overwrite it. */
export const LAST_DRIFT_REPAIR_ACTIONS = ['ssm:GetParameter', 'ssm:PutParameter'] as const;

/** The task policies a role in this mode needs, in the order sessions are opened. */
export function taskPolicyArns(mode: Mode, dryRun: boolean): string[] {
  return mode === 'enforce' && !dryRun
    ? [AUDIT_TASK_POLICY_ARN, DELETE_TASK_POLICY_ARN]
    : [AUDIT_TASK_POLICY_ARN];
}

export function enforcerPolicyDocument(options: EnforcerPolicyOptions): IdentityPolicyDocument {
  const partition = options.partition ?? 'aws';
  const { desired } = options;
  const unresolved = options.unresolvedPaths ?? new Set<string>();
  const known = (path: string) =>
    ![...unresolved].some(
      (p) => p === '' || p === path || p.startsWith(`${path}.`) || p.startsWith(`${path}[`),
    );
  const root = (id: string) => `arn:${partition}:iam::${id}:root`;
  const idsOnly =
    known('targets') && !desired.targets.allAccounts && desired.targets.organizationalUnitIds.length === 0;
  const rootResources = idsOnly ? desired.targets.accountIds.map(root) : [root('*')];
  // A mode known only at apply time could be enforce, so the role may delete; the function still
  // runs only the mode it was deployed with. Give the mode literally for an audit-only role.
  const taskPolicies =
    known('mode') && known('dryRun')
      ? taskPolicyArns(desired.mode, desired.dryRun)
      : taskPolicyArns('enforce', false);
  const statements: IdentityPolicyStatement[] = [
    {
      Sid: 'OpenTaskScopedRootSessions',
      Effect: 'Allow',
      Action: ['sts:AssumeRoot'],
      Resource: rootResources,
      // The condition key is of type ARN, so ArnEquals (not StringEquals) is the exact match.
      Condition: { ArnEquals: { 'sts:TaskPolicyArn': taskPolicies } },
    },
  ];
  // Defence in depth: the engine never opens a session in these accounts, and IAM refuses it too.
  const excluded = known('exclusions.accountIds') ? desired.exclusions.accountIds : [];
  if (excluded.length > 0) {
    statements.push({
      Sid: 'NeverTouchExcludedAccounts',
      Effect: 'Deny',
      Action: ['sts:AssumeRoot'],
      Resource: excluded.map(root),
    });
  }
  if (known('breakGlass')) {
    desired.breakGlass.forEach((window, index) => {
      statements.push({
        Sid: `NoDeletionDuringBreakGlass${index}`,
        Effect: 'Deny',
        Action: ['sts:AssumeRoot'],
        Resource: [root(window.accountId)],
        Condition: {
          ArnEquals: { 'sts:TaskPolicyArn': [DELETE_TASK_POLICY_ARN] },
          DateLessThan: { 'aws:CurrentTime': window.until },
        },
      });
    });
  }
  statements.push(
    {
      Sid: 'ReadOrganization',
      Effect: 'Allow',
      Action: [...ORGANIZATIONS_READ_ACTIONS],
      // Organizations read actions are not resource-scoped beyond the organization's own ARNs,
      // which are unknown at synth time; read-only, so `*` costs nothing.
      Resource: ['*'],
    },
    {
      Sid: 'ReadRootAccessFeatures',
      Effect: 'Allow',
      Action: ['iam:ListOrganizationsFeatures'],
      Resource: ['*'],
    },
  );
  if (options.enableTrustedAccess) {
    statements.push({
      Sid: 'EnableTrustedAccessForIam',
      Effect: 'Allow',
      Action: ['organizations:EnableAWSServiceAccess'],
      Resource: ['*'],
      Condition: { StringEquals: { 'organizations:ServicePrincipal': ['iam.amazonaws.com'] } },
    });
  }
  statements.push(
    {
      Sid: 'ContinueDeferredAccounts',
      Effect: 'Allow',
      Action: ['lambda:InvokeFunction'],
      Resource: [options.functionArn],
    },
    {
      Sid: 'DeadLetterQueue',
      Effect: 'Allow',
      Action: ['sqs:SendMessage'],
      Resource: [options.deadLetterQueueArn],
    },
    {
      Sid: 'WriteOwnLogs',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: [`${options.logGroupArn}:*`],
    },
  );
  if (options.lastDriftRepairParameterArn !== undefined) {
    statements.push({
      Sid: 'RecordLastDriftRepair',
      Effect: 'Allow',
      Action: [...LAST_DRIFT_REPAIR_ACTIONS],
      Resource: [options.lastDriftRepairParameterArn],
    });
  }
  return { Version: '2012-10-17', Statement: statements };
}

/** A role policy allowing only `lambda:InvokeFunction` on one function (and the schedule's DLQ). */
export function schedulerPolicyDocument(
  functionArn: string,
  deadLetterQueueArn: string,
): IdentityPolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'InvokeReconciler',
        Effect: 'Allow',
        Action: ['lambda:InvokeFunction'],
        Resource: [functionArn],
      },
      // Scheduler writes undeliverable events to the DLQ with its execution role.
      {
        Sid: 'DeadLetterQueue',
        Effect: 'Allow',
        Action: ['sqs:SendMessage'],
        Resource: [deadLetterQueueArn],
      },
    ],
  };
}

/**
 * A service role's trust policy, limited to the deploying account (`aws:SourceAccount`) and, where
 * the service sets it, to the resource acting (`aws:SourceArn`), so another account's use of the
 * service cannot have it assume this role (the confused deputy).
 */
export function trustPolicyDocument(
  servicePrincipal: string,
  sourceAccount: string,
  sourceArn?: string,
): Record<string, unknown> {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: servicePrincipal },
        Action: 'sts:AssumeRole',
        Condition: {
          StringEquals: { 'aws:SourceAccount': sourceAccount },
          ...(sourceArn !== undefined ? { ArnEquals: { 'aws:SourceArn': sourceArn } } : {}),
        },
      },
    ],
  };
}
