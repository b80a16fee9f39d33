/**
 * The five AWS-managed root-task policies, version v1, exactly as AWS publishes them
 * (see docs/aws-behaviour.md#task-policies; MAMIP `policies/<Name>`), and the AWS-managed `FullAWSAccess` SCP.
 *
 * They hold only Deny statements: a root session has every permission of the root user, and the
 * task policy narrows it to the listed actions aimed at the root user (or, for S3/SQS, called by
 * a root principal).
 */
import type { PolicyDocument, RootTaskPolicyName } from '../model/state';
import { ROOT_TASK_POLICIES, ROOT_TASK_POLICY_PREFIX } from '../model/state';

const AUDIT_ACTIONS = [
  'iam:ListAccessKeys',
  'iam:ListSigningCertificates',
  'iam:GetLoginProfile',
  'iam:ListMFADevices',
  'iam:GetAccountSummary',
  'iam:GetUser',
  'iam:GetAccessKeyLastUsed',
];

const CREATE_PASSWORD_ACTIONS = ['iam:CreateLoginProfile', 'iam:GetLoginProfile'];

/**
 * IAMDeleteRootUserCredentials as AWS publishes it since 2025-01-07: the IAM User Guide's change
 * log ("AWS managed policies for AWS Identity and Access Management and Access Analyzer") says
 * "IAM removed the iam:DeleteVirtualMFADevice permission from the managed policy". A delete
 * session may still deactivate a virtual device, which then stays in the account unassigned.
 */
const DELETE_ACTIONS = [
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
];

const S3_ACTIONS = [
  's3:DeleteBucketPolicy',
  's3:PutBucketPolicy',
  's3:GetBucketPolicy',
  's3:ListAllMyBuckets',
];

const SQS_ACTIONS = ['sqs:SetQueueAttributes', 'sqs:GetQueueAttributes', 'sqs:ListQueues', 'sqs:GetQueueUrl'];

export const ROOT_TASK_POLICY_DOCUMENTS: Readonly<Record<RootTaskPolicyName, PolicyDocument>> = {
  IAMAuditRootUserCredentials: {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'DenyAllOtherActionsOnAnyResource', Effect: 'Deny', NotAction: AUDIT_ACTIONS, Resource: '*' },
      {
        Sid: 'DenyAuditingCredentialsOnNonRootUserResource',
        Effect: 'Deny',
        Action: AUDIT_ACTIONS.filter((action) => action !== 'iam:GetAccountSummary'),
        NotResource: 'arn:aws:iam::*:root',
      },
    ],
  },
  IAMCreateRootUserPassword: {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'DenyAllOtherActionsOnAnyResource',
        Effect: 'Deny',
        NotAction: CREATE_PASSWORD_ACTIONS,
        Resource: '*',
      },
      {
        Sid: 'DenyCreatingPasswordOnNonRootUserResource',
        Effect: 'Deny',
        Action: CREATE_PASSWORD_ACTIONS,
        NotResource: 'arn:aws:iam::*:root',
      },
    ],
  },
  IAMDeleteRootUserCredentials: {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'DenyAllOtherActionsOnAnyResource', Effect: 'Deny', NotAction: DELETE_ACTIONS, Resource: '*' },
      {
        Sid: 'DenyDeletingRootUserCredentialsOnNonRootUserResource',
        Effect: 'Deny',
        Action: DELETE_ACTIONS,
        NotResource: 'arn:aws:iam::*:root',
      },
    ],
  },
  S3UnlockBucketPolicy: {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'DenyAllOtherActionsOnAnyResource', Effect: 'Deny', NotAction: S3_ACTIONS, Resource: '*' },
      {
        Sid: 'DenyManagingBucketPolicyForNonRootCallers',
        Effect: 'Deny',
        Action: S3_ACTIONS,
        Resource: '*',
        Condition: { StringNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:root' } },
      },
    ],
  },
  SQSUnlockQueuePolicy: {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'DenyAllOtherActionsOnAnyResource', Effect: 'Deny', NotAction: SQS_ACTIONS, Resource: '*' },
      {
        Sid: 'DenyGettingQueueAttributesOnNonOwnQueue',
        Effect: 'Deny',
        Action: ['sqs:GetQueueAttributes'],
        Resource: 'arn:aws:sqs:*:*:*',
        Condition: { StringNotEqualsIfExists: { 'aws:ResourceAccount': ['${aws:PrincipalAccount}'] } },
      },
      {
        Sid: 'DenyActionsForNonRootUser',
        Effect: 'Deny',
        Action: SQS_ACTIONS,
        Resource: '*',
        Condition: { StringNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:root' } },
      },
    ],
  },
};

/** The task policy document for a task policy ARN, or undefined when the ARN is not one of the five. */
export function rootTaskPolicyDocument(arn: string): PolicyDocument | undefined {
  if (!arn.startsWith(ROOT_TASK_POLICY_PREFIX)) return undefined;
  const name = arn.slice(ROOT_TASK_POLICY_PREFIX.length);
  return (ROOT_TASK_POLICIES as readonly string[]).includes(name)
    ? ROOT_TASK_POLICY_DOCUMENTS[name as RootTaskPolicyName]
    : undefined;
}

export const FULL_AWS_ACCESS_ID = 'p-FullAWSAccess';
export const FULL_AWS_ACCESS_NAME = 'FullAWSAccess';
export const FULL_AWS_ACCESS_DESCRIPTION = 'Allows access to every operation';
/** Organizations returns the managed policy's content with this exact whitespace. */
export const FULL_AWS_ACCESS_CONTENT =
  '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {\n      "Effect": "Allow",\n      "Action": "*",\n      "Resource": "*"\n    }\n  ]\n}';
