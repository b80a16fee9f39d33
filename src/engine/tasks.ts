/**
 * One-off root tasks an operator asks for: allow password recovery, delete a bucket policy that
 * locks everyone out, remove an SQS queue policy. Each opens its own task-scoped session.
 */
import { CreateLoginProfileCommand } from '@aws-sdk/client-iam';
import { DeleteBucketPolicyCommand } from '@aws-sdk/client-s3';
import { SetQueueAttributesCommand } from '@aws-sdk/client-sqs';

import { ACCOUNT_ID_PATTERN } from '../shared/desired-state';
import {
  createSessionIamClient,
  createSessionS3Client,
  createSessionSqsClient,
  type ClientSettings,
} from './clients';
import type { Diagnoser } from './diagnose';
import type { OrgAccount } from './organization';
import { errorName, logAttributes } from './errors';
import { managementAccountReason } from './targets';
import { SessionClient, withSession, type SessionDependencies } from './session';
import type { AccountAction, TaskResult } from './types';

export interface TaskDependencies extends SessionDependencies {
  readonly settings: ClientSettings;
  readonly diagnoser: Diagnoser;
  readonly managementAccountId: () => Promise<string>;
  /** The account as Organizations lists it; `undefined` when it is not a member. */
  readonly describeAccount?: (accountId: string) => Promise<OrgAccount | undefined>;
}

/** Refusals that need no call against the account: a malformed id, or the management account. */
async function refusal(deps: TaskDependencies, accountId: string): Promise<string | undefined> {
  if (!ACCOUNT_ID_PATTERN.test(accountId)) {
    return `${JSON.stringify(accountId)} is not a 12-digit AWS account id; write it as 12 digits, e.g. "123456789012"`;
  }
  if (accountId === (await deps.managementAccountId())) return managementAccountReason(accountId);
  // AssumeRoot on a suspended or foreign account fails with an error that reads like a missing
  // permission; saying what the account is spares the operator granting rights that cannot help.
  if (deps.describeAccount === undefined) return undefined;
  // A caller that may not read Organizations still gets the task, and the AssumeRoot diagnosis.
  const account = await deps.describeAccount(accountId).catch(() => 'unreadable' as const);
  if (account === 'unreadable') return undefined;
  if (account === undefined) {
    return `${accountId} is not a member of this organization: root tasks reach member accounts only; check the id (root-access audit --all lists the members)`;
  }
  if (account.state !== 'ACTIVE') {
    return `${accountId} is ${account.state}: AssumeRoot only reaches active member accounts, so no root task can run there${account.state === 'SUSPENDED' ? '; a suspended account must be reinstated (AWS Support) first' : ''}`;
  }
  return undefined;
}

async function runTask(
  deps: TaskDependencies,
  accountId: string,
  step: string,
  work: () => Promise<AccountAction>,
): Promise<TaskResult> {
  const refused = await refusal(deps, accountId);
  if (refused !== undefined) return { accountId, ok: false, actions: [], error: refused };
  try {
    const action = await work();
    deps.logger.info('root task done', { accountId, step, outcome: action.outcome });
    return { accountId, ok: true, actions: [action] };
  } catch (error) {
    deps.logger.warn('root task failed', { accountId, step, ...logAttributes(error) });
    return {
      accountId,
      ok: false,
      actions: [],
      error: await deps.diagnoser.explain(error, accountId, [], step),
    };
  }
}

export function allowRecovery(deps: TaskDependencies, accountId: string): Promise<TaskResult> {
  return runTask(deps, accountId, 'iam:CreateLoginProfile', () =>
    withSession(
      deps,
      accountId,
      'IAMCreateRootUserPassword',
      new SessionClient((credentials) => createSessionIamClient(deps.settings, credentials)),
      (session) =>
        session.call(async (client): Promise<AccountAction> => {
          try {
            // No UserName and no Password: in a root session this creates the root login profile
            // without a password, which lets the root email holder run password recovery.
            await client.send(new CreateLoginProfileCommand({}));
            return {
              kind: 'create-login-profile',
              outcome: 'done',
              detail: 'the root email holder can now reset the password',
            };
          } catch (error) {
            if (
              errorName(error) === 'EntityAlreadyExists' ||
              errorName(error) === 'EntityAlreadyExistsException'
            ) {
              return {
                kind: 'create-login-profile',
                outcome: 'done',
                detail: 'recovery was already allowed: the root user has a login profile',
              };
            }
            throw error;
          }
        }),
    ),
  );
}

export async function unlockS3BucketPolicy(
  deps: TaskDependencies,
  accountId: string,
  bucket: string,
): Promise<TaskResult> {
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    return { accountId, ok: false, actions: [], error: `${JSON.stringify(bucket)} is not an S3 bucket name` };
  }
  return runTask(deps, accountId, 's3:DeleteBucketPolicy', () =>
    withSession(
      deps,
      accountId,
      'S3UnlockBucketPolicy',
      new SessionClient((credentials) =>
        createSessionS3Client(deps.settings, credentials, deps.settings.region),
      ),
      (session) =>
        session.call(async (client): Promise<AccountAction> => {
          // Deleting a policy that is not there succeeds (204), so the task is idempotent as is.
          await client.send(
            new DeleteBucketPolicyCommand({ Bucket: bucket, ExpectedBucketOwner: accountId }),
          );
          return { kind: 'delete-bucket-policy', target: bucket, outcome: 'done' };
        }),
    ),
  );
}

/** `https://sqs.<region>.amazonaws.com/<account>/<name>` (or any host, for local endpoints). */
export function parseQueueUrl(queueUrl: string): { accountId: string; region?: string } | undefined {
  let url: URL;
  try {
    url = new URL(queueUrl);
  } catch {
    return undefined;
  }
  const match = /^\/(\d{12})\/[A-Za-z0-9_-]{1,80}(\.fifo)?$/.exec(url.pathname);
  if (!match?.[1]) return undefined;
  const region =
    /^sqs\.([a-z0-9-]+)\.amazonaws\.com$/.exec(url.hostname)?.[1] ??
    /^([a-z0-9-]+)\.queue\.amazonaws\.com$/.exec(url.hostname)?.[1];
  return { accountId: match[1], ...(region !== undefined ? { region } : {}) };
}

export async function unlockSqsQueuePolicy(
  deps: TaskDependencies,
  accountId: string,
  queueUrl: string,
): Promise<TaskResult> {
  const queue = parseQueueUrl(queueUrl);
  if (queue === undefined) {
    return {
      accountId,
      ok: false,
      actions: [],
      error: `${JSON.stringify(queueUrl)} is not an SQS queue URL (https://sqs.<region>.amazonaws.com/<account>/<name>)`,
    };
  }
  if (queue.accountId !== accountId && ACCOUNT_ID_PATTERN.test(accountId)) {
    return {
      accountId,
      ok: false,
      actions: [],
      error: `queue ${queueUrl} belongs to account ${queue.accountId}, not ${accountId}; a root session can only unlock its own account's queues`,
    };
  }
  return runTask(deps, accountId, 'sqs:SetQueueAttributes', () =>
    withSession(
      deps,
      accountId,
      'SQSUnlockQueuePolicy',
      new SessionClient((credentials) =>
        createSessionSqsClient(deps.settings, credentials, queue.region ?? deps.settings.region),
      ),
      (session) =>
        session.call(async (client): Promise<AccountAction> => {
          // An empty Policy attribute deletes the queue policy (SQS API); setting it twice is harmless.
          await client.send(
            new SetQueueAttributesCommand({ QueueUrl: queueUrl, Attributes: { Policy: '' } }),
          );
          return { kind: 'remove-queue-policy', target: queueUrl, outcome: 'done' };
        }),
    ),
  );
}
