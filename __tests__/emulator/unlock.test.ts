/**
 * S3 and SQS unlock tasks (docs/aws-behaviour.md#s3-unlock, docs/aws-behaviour.md#sqs-unlock) through the real client-s3 (path style) and
 * client-sqs v3 clients, with root sessions opened by AssumeRoot against the unlock scenario.
 */
import path from 'node:path';

import { GetAccountSummaryCommand } from '@aws-sdk/client-iam';
import {
  DeleteBucketPolicyCommand,
  GetBucketPolicyCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import {
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
} from '@aws-sdk/client-sqs';
import { DescribeOrganizationCommand } from '@aws-sdk/client-organizations';

import { AwsError } from '../../emulator/model/state';
import { readScenarioFile } from '../../emulator/scenario/load';
import { renderError as renderS3Error } from '../../emulator/services/s3';
import { renderError as renderSqsError } from '../../emulator/services/sqs';
import { expectAwsError, rejection, useEmulator } from '../support/emulator';

const LOCKED_ACCOUNT = '333333333333';
const NEIGHBOUR_ACCOUNT = '444444444444';
const LOCKED_ACCOUNT_ADMIN = {
  accessKeyId: 'AKIALOCKEDOUTADMIN01',
  secretAccessKey: 'locked-out-admin-secret-000000000000000',
};

describe('S3 and SQS unlock', () => {
  const env = useEmulator(
    readScenarioFile(path.join(__dirname, '../../emulator/scenarios/unlock.json')) as object,
  );

  beforeEach(async () => {
    await env.emulator.reset();
  });

  describe('S3 with S3UnlockBucketPolicy', () => {
    it('reads and deletes a bucket policy that denies everyone, as the owner account root', async () => {
      // GIVEN a root session in the owner account with the S3 unlock task
      const session = await env.rootSession(LOCKED_ACCOUNT, 'S3UnlockBucketPolicy');
      const s3 = env.s3({ credentials: session });

      // WHEN it lists buckets, reads the locking policy and deletes it
      const buckets = await s3.send(new ListBucketsCommand({}));
      const before = await s3.send(new GetBucketPolicyCommand({ Bucket: 'locked-bucket' }));
      const deleted = await s3.send(new DeleteBucketPolicyCommand({ Bucket: 'locked-bucket' }));

      // THEN the owner's buckets are listed, the policy is returned verbatim and is gone afterwards
      expect(buckets.Buckets?.map((b) => b.Name).sort()).toEqual(['locked-bucket', 'open-bucket']);
      expect(JSON.parse(before.Policy ?? '{}')).toMatchObject({ Statement: [{ Sid: 'DenyEveryone' }] });
      expect(deleted.$metadata.httpStatusCode).toBe(204);
      const error = await rejection(s3.send(new GetBucketPolicyCommand({ Bucket: 'locked-bucket' })));
      expect(error.name).toBe('NoSuchBucketPolicy');
      expect(error.$metadata?.httpStatusCode).toBe(404);
      const state = (await env.emulator.state()) as {
        accounts: Array<{ id: string; buckets: Array<{ name: string; policy: string | null }> }>;
      };
      const bucket = state.accounts
        .find((a) => a.id === LOCKED_ACCOUNT)
        ?.buckets.find((b) => b.name === 'locked-bucket');
      expect(bucket?.policy).toBeNull();
    });

    it('replaces a bucket policy with PutBucketPolicy', async () => {
      const session = await env.rootSession(LOCKED_ACCOUNT, 'S3UnlockBucketPolicy');
      const s3 = env.s3({ credentials: session });
      const policy = JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { AWS: LOCKED_ACCOUNT }, Action: 's3:GetObject', Resource: '*' },
        ],
      });

      await s3.send(new PutBucketPolicyCommand({ Bucket: 'locked-bucket', Policy: policy }));
      const after = await s3.send(new GetBucketPolicyCommand({ Bucket: 'locked-bucket' }));

      expect(after.Policy).toBe(policy);
    });

    it('keeps an IAM administrator of the owner account locked out by the bucket policy', async () => {
      const error = await rejection(
        env
          .s3({ credentials: LOCKED_ACCOUNT_ADMIN })
          .send(new GetBucketPolicyCommand({ Bucket: 'locked-bucket' })),
      );
      expect(error.name).toBe('AccessDenied');
      expect(error.message).toContain('explicit deny in a resource-based policy');
    });

    it('answers NoSuchBucket for a bucket no account owns', async () => {
      const session = await env.rootSession(LOCKED_ACCOUNT, 'S3UnlockBucketPolicy');
      const error = await rejection(
        env.s3({ credentials: session }).send(new GetBucketPolicyCommand({ Bucket: 'no-such-bucket' })),
      );
      expect(error.name).toBe('NoSuchBucket');
      expect(error.$metadata?.httpStatusCode).toBe(404);
    });

    it('answers MethodNotAllowed when a root session reaches into another account', async () => {
      const session = await env.rootSession(LOCKED_ACCOUNT, 'S3UnlockBucketPolicy');
      const error = await rejection(
        env.s3({ credentials: session }).send(new DeleteBucketPolicyCommand({ Bucket: 'neighbour-bucket' })),
      );
      expect(error.$metadata?.httpStatusCode).toBe(405);
    });

    it('denies the same session iam:GetAccountSummary with an explicit deny in a session policy', async () => {
      const session = await env.rootSession(LOCKED_ACCOUNT, 'S3UnlockBucketPolicy');

      const error = await rejection(env.iam({ credentials: session }).send(new GetAccountSummaryCommand({})));

      expect(error.name).toBe('AccessDenied');
      expect(error.message).toBe(
        `User: arn:aws:iam::${LOCKED_ACCOUNT}:root is not authorized to perform: iam:GetAccountSummary ` +
          `on resource: arn:aws:iam::${LOCKED_ACCOUNT}:root with an explicit deny in a session policy`,
      );
    });

    it('denies an SQS call to an S3 unlock session', async () => {
      const session = await env.rootSession(LOCKED_ACCOUNT, 'S3UnlockBucketPolicy');
      const error = await rejection(env.sqs({ credentials: session }).send(new ListQueuesCommand({})));
      expect(error.$metadata?.httpStatusCode).toBe(403);
      expect(error.message).toContain('sqs:ListQueues');
    });
  });

  describe('SQS with SQSUnlockQueuePolicy', () => {
    it('finds the queue, reads its deny-all policy and removes it with an empty Policy', async () => {
      // GIVEN a root session in the owner account with the SQS unlock task
      const session = await env.rootSession(LOCKED_ACCOUNT, 'SQSUnlockQueuePolicy');
      const sqs = env.sqs({ credentials: session });

      // WHEN it finds the queue, reads the policy and sets it to ""
      const listed = await sqs.send(new ListQueuesCommand({}));
      const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'locked-queue' }));
      const before = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['Policy'] }));
      await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { Policy: '' } }));
      const after = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['All'] }));

      // THEN the URL points back at the emulator and the policy is gone
      expect(QueueUrl).toBe(`${env.emulator.endpoint}/${LOCKED_ACCOUNT}/locked-queue`);
      expect(listed.QueueUrls).toEqual([QueueUrl]);
      expect(before.Attributes?.['Policy']).toContain('DenyEveryone');
      expect(after.Attributes?.['Policy']).toBeUndefined();
      expect(after.Attributes?.['QueueArn']).toBe(`arn:aws:sqs:us-east-1:${LOCKED_ACCOUNT}:locked-queue`);
    });

    it('fails with QueueDoesNotExist for an unknown queue', async () => {
      const session = await env.rootSession(LOCKED_ACCOUNT, 'SQSUnlockQueuePolicy');
      const error = await rejection(
        env.sqs({ credentials: session }).send(new GetQueueUrlCommand({ QueueName: 'missing-queue' })),
      );
      expect(error.name).toBe('QueueDoesNotExist');
      expect(error.$metadata?.httpStatusCode).toBe(400);
    });

    it('denies GetQueueAttributes on another account’s queue (DenyGettingQueueAttributesOnNonOwnQueue)', async () => {
      const session = await env.rootSession(LOCKED_ACCOUNT, 'SQSUnlockQueuePolicy');
      const error = await rejection(
        env.sqs({ credentials: session }).send(
          new GetQueueAttributesCommand({
            QueueUrl: `${env.emulator.endpoint}/${NEIGHBOUR_ACCOUNT}/neighbour-queue`,
            AttributeNames: ['All'],
          }),
        ),
      );
      expect(error.$metadata?.httpStatusCode).toBe(403);
      expect(error.message).toContain('explicit deny in a session policy');
    });

    it('keeps an IAM administrator of the owner account locked out by the queue policy', async () => {
      const sqs = env.sqs({ credentials: LOCKED_ACCOUNT_ADMIN });
      const error = await rejection(
        sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: `${env.emulator.endpoint}/${LOCKED_ACCOUNT}/locked-queue`,
            AttributeNames: ['Policy'],
          }),
        ),
      );
      expect(error.$metadata?.httpStatusCode).toBe(403);
      // The SDK takes the query-compatible code from x-amzn-query-error.
      expect(error.name).toBe('AccessDenied');
      expect(error.message).toContain('explicit deny in a resource-based policy');
    });

    it('denies the same session iam:GetAccountSummary', async () => {
      const session = await env.rootSession(LOCKED_ACCOUNT, 'SQSUnlockQueuePolicy');
      const error = await rejection(env.iam({ credentials: session }).send(new GetAccountSummaryCommand({})));
      expect(error.name).toBe('AccessDenied');
      expect(error.message).toContain('with an explicit deny in a session policy');
    });

    it('logs SetQueueAttributes as a mutating call in the queue owner account', async () => {
      const session = await env.rootSession(LOCKED_ACCOUNT, 'SQSUnlockQueuePolicy');
      const sqs = env.sqs({ credentials: session });
      const QueueUrl = `${env.emulator.endpoint}/${LOCKED_ACCOUNT}/locked-queue`;
      await env.emulator.clearCalls();

      await sqs.send(new SetQueueAttributesCommand({ QueueUrl, Attributes: { Policy: '' } }));

      const calls = await env.emulator.calls();
      expect(calls).toEqual([
        expect.objectContaining({
          service: 'sqs',
          action: 'SetQueueAttributes',
          accountId: LOCKED_ACCOUNT,
          mutating: true,
          decision: 'allow',
          principalArn: `arn:aws:iam::${LOCKED_ACCOUNT}:root`,
        }),
      ]);
    });
  });

  describe('calls the emulator does not serve are authorized first', () => {
    it('denies ListObjectsV2 and PutObject inside an S3UnlockBucketPolicy session', async () => {
      const s3 = env.s3({ credentials: await env.rootSession(LOCKED_ACCOUNT, 'S3UnlockBucketPolicy') });
      await expectAwsError(s3.send(new ListObjectsV2Command({ Bucket: 'open-bucket' })), 'AccessDenied', 403);
      await expectAwsError(
        s3.send(new PutObjectCommand({ Bucket: 'open-bucket', Key: 'k', Body: 'x' })),
        'AccessDenied',
        403,
      );
      const calls = await env.emulator.calls();
      expect(calls.slice(-2).map((c) => [c.action, c.decision])).toEqual([
        ['ListObjectsV2', 'deny'],
        ['PutObject', 'deny'],
      ]);
    });

    it('answers NotImplemented to a caller the policies allow', async () => {
      const s3 = env.s3({ credentials: LOCKED_ACCOUNT_ADMIN });
      await expectAwsError(
        s3.send(new ListObjectsV2Command({ Bucket: 'open-bucket' })),
        'NotImplemented',
        501,
      );
    });

    it('denies SendMessage inside an SQSUnlockQueuePolicy session', async () => {
      const sqs = env.sqs({ credentials: await env.rootSession(LOCKED_ACCOUNT, 'SQSUnlockQueuePolicy') });
      const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: 'locked-queue' }));
      await expectAwsError(
        sqs.send(new SendMessageCommand({ QueueUrl, MessageBody: 'hello' })),
        'AccessDenied',
        403,
      );
    });

    it('denies an unknown IAM, STS or Organizations call inside a task session', async () => {
      const session = await env.rootSession(LOCKED_ACCOUNT, 'S3UnlockBucketPolicy');
      await expectAwsError(
        env.iam({ credentials: session }).send(new GetAccountSummaryCommand({})),
        'AccessDenied',
        403,
      );
      await expectAwsError(
        env.organizations({ credentials: session }).send(new DescribeOrganizationCommand({})),
        'AccessDeniedException',
        403,
      );
    });
  });

  describe('error envelopes for injected faults', () => {
    it('renders S3 errors as an XML Error document', () => {
      const response = renderS3Error(new AwsError('SlowDown', 'Please reduce your request rate.', 503));
      expect(response.status).toBe(503);
      expect(response.headers['content-type']).toBe('application/xml');
      expect(response.body).toMatch(
        /<Error><Code>SlowDown<\/Code><Message>Please reduce your request rate.<\/Message><RequestId>[0-9A-F]+<\/RequestId><\/Error>$/,
      );
    });

    it('renders SQS errors as JSON 1.0 with the query-compatible code header', () => {
      const response = renderSqsError(
        new AwsError('QueueDoesNotExist', 'The specified queue does not exist.', 400),
      );
      expect(response.headers['x-amzn-query-error']).toBe('AWS.SimpleQueueService.NonExistentQueue;Sender');
      expect(response.headers['content-type']).toBe('application/x-amz-json-1.0');
      expect(JSON.parse(response.body)).toEqual({
        __type: 'com.amazonaws.sqs#QueueDoesNotExist',
        message: 'The specified queue does not exist.',
      });
      const throttled = renderSqsError(new AwsError('RequestThrottled', 'Rate exceeded', 403));
      expect(throttled.headers['x-amzn-query-error']).toBe('RequestThrottled;Sender');
    });
  });
});
