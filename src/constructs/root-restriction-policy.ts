/**
 * The service control policy documents that restrict member accounts' root users, as pure
 * functions (no cdktf), so the command-line tool and the emulator tests can reuse them.
 *
 * Both variants leave `sts:AssumeRoot` sessions working, which is what the reconciler needs:
 * a root session's `aws:PrincipalArn` is `arn:aws:iam::<member>:root`, exactly like long-term
 * root, so an SCP that simply denies root (Control Tower's `AWS-GR_RESTRICT_ROOT_USER` without
 * `ExemptAssumeRoot`) makes every reconciler call fail with AccessDenied.
 */
import { ROOT_TASK_POLICY_ACTIONS } from '../shared/root-tasks';

/** Which SCP guards the member accounts' root users. */
export const RootRestrictionVariant = {
  /**
   * Deny every action to the root user unless the request comes from an `sts:AssumeRoot`
   * session (`aws:AssumedRoot` present). This is the pattern AWS documents for the
   * `aws:AssumedRoot` condition key, and the safer choice: long-term root credentials can do
   * nothing at all, while root sessions are still bounded by their task policy.
   */
  DENY_LONG_TERM_ROOT: 'deny-long-term-root',
  /**
   * Deny the root user every action except those the five root-task policies allow (an
   * allow-list with `NotAction`, as public guides for Control Tower users show). Root sessions
   * keep working, but so does long-term root for those actions: a leaked root access key could
   * still read credentials, delete a bucket policy or rewrite an SQS queue policy. Prefer
   * `deny-long-term-root` unless a tool you run needs to recognise the allow-list shape.
   */
  ALLOW_ROOT_TASKS_ONLY: 'allow-root-tasks-only',
} as const;
export type RootRestrictionVariant = (typeof RootRestrictionVariant)[keyof typeof RootRestrictionVariant];
export const ROOT_RESTRICTION_VARIANTS: readonly RootRestrictionVariant[] =
  Object.values(RootRestrictionVariant);

/**
 * Matches the root user of every account in every partition. Control Tower's template uses
 * the same `arn:*:` form; `arn:aws:` would silently do nothing in aws-cn or aws-us-gov.
 */
export const ROOT_PRINCIPAL_ARN_PATTERN = 'arn:*:iam::*:root';

/** Largest SCP document AWS Organizations accepts, in characters (see docs/aws-behaviour.md#scp-size). */
export const SCP_MAX_CHARACTERS = 5120;

/** The union of the root-task policies' actions, sorted: what `allow-root-tasks-only` leaves to root. */
export const ROOT_TASK_ACTIONS: readonly string[] = [
  ...new Set(Object.values(ROOT_TASK_POLICY_ACTIONS).flat()),
].sort();

export interface ServiceControlPolicyStatement {
  readonly Sid: string;
  readonly Effect: 'Deny';
  readonly Action?: string;
  readonly NotAction?: readonly string[];
  readonly Resource: string;
  readonly Condition: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

export interface ServiceControlPolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly ServiceControlPolicyStatement[];
}

export interface RootRestrictionDocumentOptions {
  /** @default RootRestrictionVariant.DENY_LONG_TERM_ROOT */
  readonly variant?: RootRestrictionVariant;
  /**
   * Principal ARNs (wildcards allowed) the policy never applies to, like Control Tower's
   * `ExemptedPrincipalArns`; e.g. `arn:aws:iam::111122223333:root` to leave one account's root alone.
   * @default - no exemption
   */
  readonly exemptPrincipalArns?: readonly string[];
}

/** The SCP document for a variant. */
export function rootRestrictionPolicyDocument(
  options: RootRestrictionDocumentOptions = {},
): ServiceControlPolicyDocument {
  const variant = options.variant ?? RootRestrictionVariant.DENY_LONG_TERM_ROOT;
  const exempt = options.exemptPrincipalArns ?? [];
  const principalCondition = {
    ArnLike: { 'aws:PrincipalArn': [ROOT_PRINCIPAL_ARN_PATTERN] },
    ...(exempt.length > 0 ? { ArnNotLike: { 'aws:PrincipalArn': [...exempt] } } : {}),
  };
  switch (variant) {
    case RootRestrictionVariant.DENY_LONG_TERM_ROOT:
      return {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'DenyLongTermRootUser',
            Effect: 'Deny',
            Action: '*',
            Resource: '*',
            // `aws:AssumedRoot` is present only in AssumeRoot sessions, so `Null: true` means
            // "long-term root credentials" (see docs/aws-behaviour.md#root-session-identity).
            Condition: { ...principalCondition, Null: { 'aws:AssumedRoot': 'true' } },
          },
        ],
      };
    case RootRestrictionVariant.ALLOW_ROOT_TASKS_ONLY:
      return {
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'DenyRootUserExceptRootTasks',
            Effect: 'Deny',
            NotAction: ROOT_TASK_ACTIONS,
            Resource: '*',
            Condition: principalCondition,
          },
        ],
      };
    default:
      throw new RangeError(
        `unknown root restriction variant ${JSON.stringify(variant)}; use one of ${ROOT_RESTRICTION_VARIANTS.join(', ')}`,
      );
  }
}

/** The document as AWS Organizations stores it: compact JSON, which is also what counts toward the size limit. */
export function renderPolicyDocument(document: ServiceControlPolicyDocument): string {
  return JSON.stringify(document);
}
