/**
 * The five AWS-managed root-task policies: the only policies `sts:AssumeRoot` accepts, and what
 * each leaves allowed. Read by the constructs (the reconciler's role, the allow-list SCP) and by
 * the engine at run time, so this file imports nothing: neither cdktf nor the AWS SDK.
 *
 * The emulator keeps its own copy of the full policy documents (emulator/policy/): it models AWS
 * independently, so that a mistake here cannot hide behind the same mistake there.
 */

export const ROOT_TASKS = [
  'IAMAuditRootUserCredentials',
  'IAMCreateRootUserPassword',
  'IAMDeleteRootUserCredentials',
  'S3UnlockBucketPolicy',
  'SQSUnlockQueuePolicy',
] as const;
export type RootTask = (typeof ROOT_TASKS)[number];

export const ROOT_TASK_POLICY_ARN_PREFIX = 'arn:aws:iam::aws:policy/root-task/';

/** `arn:aws:iam::aws:policy/root-task/<task>`, the value of AssumeRoot's `TaskPolicyArn` and of `sts:TaskPolicyArn`. */
export function rootTaskPolicyArn(task: RootTask): string {
  return `${ROOT_TASK_POLICY_ARN_PREFIX}${task}`;
}

/**
 * The actions each root-task policy leaves allowed; copies of their `NotAction` lists as AWS
 * publishes them today. IAMDeleteRootUserCredentials lost `iam:DeleteVirtualMFADevice` on
 * 2025-01-07 (IAM User Guide, "AWS managed policies for AWS Identity and Access Management and
 * Access Analyzer", change log: "IAM removed the iam:DeleteVirtualMFADevice permission from the
 * managed policy"); a root session can deactivate a virtual device but not delete it. See
 * docs/aws-behaviour.md#task-policies and docs/aws-behaviour.md#delete-virtual-mfa-removed.
 */
export const ROOT_TASK_POLICY_ACTIONS: Readonly<Record<RootTask, readonly string[]>> = {
  IAMAuditRootUserCredentials: [
    'iam:ListAccessKeys',
    'iam:ListSigningCertificates',
    'iam:GetLoginProfile',
    'iam:ListMFADevices',
    'iam:GetAccountSummary',
    'iam:GetUser',
    'iam:GetAccessKeyLastUsed',
  ],
  IAMCreateRootUserPassword: ['iam:CreateLoginProfile', 'iam:GetLoginProfile'],
  IAMDeleteRootUserCredentials: [
    'iam:DeleteAccessKey',
    'iam:DeleteSigningCertificate',
    'iam:DeleteLoginProfile',
    'iam:DeactivateMFADevice',
    'iam:ListAccessKeys',
    'iam:ListSigningCertificates',
    'iam:GetLoginProfile',
    'iam:ListMFADevices',
    'iam:GetUser',
    'iam:GetAccessKeyLastUsed',
  ],
  S3UnlockBucketPolicy: [
    's3:DeleteBucketPolicy',
    's3:PutBucketPolicy',
    's3:GetBucketPolicy',
    's3:ListAllMyBuckets',
  ],
  SQSUnlockQueuePolicy: [
    'sqs:SetQueueAttributes',
    'sqs:GetQueueAttributes',
    'sqs:ListQueues',
    'sqs:GetQueueUrl',
  ],
};
