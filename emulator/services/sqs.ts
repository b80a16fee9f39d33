/**
 * Amazon SQS (JSON 1.0, `AmazonSQS.<Op>`, query-compatible errors), the four calls of the
 * SQSUnlockQueuePolicy task (see docs/aws-behaviour.md#sqs-unlock): GetQueueAttributes, SetQueueAttributes,
 * ListQueues, GetQueueUrl.
 *
 * Queue URLs are `<scheme>://<request host>/<accountId>/<name>`, so the SDK's follow-up calls
 * come back to the emulator. The root principal of the owning account bypasses a queue policy
 * that denies everyone (inferred, docs/aws-behaviour.md#sqs-unlock); task policy and SCPs still apply through
 * `ctx.authorize`.
 */
import type { RawRequest, RawResponse, RequestContext, ServiceHandler } from '../model/request';
import type { Account, EmulatorState, Queue } from '../model/state';
import { AwsError, rootArn } from '../model/state';
import { contextValues, parsePolicy } from '../policy/evaluate';
import { resourcePolicyEffect } from '../policy/resource-policy';
import { jsonError, jsonInput, jsonOperation, jsonResponse, type JsonApi } from '../protocol/json';

const API: JsonApi = { version: '1.0', targetPrefix: 'AmazonSQS' };

/** `__type` shape name → the legacy query error code SDKs read from `x-amzn-query-error` (SMITHY-SQS). */
const QUERY_CODES: Record<string, string> = {
  QueueDoesNotExist: 'AWS.SimpleQueueService.NonExistentQueue',
  UnsupportedOperation: 'AWS.SimpleQueueService.UnsupportedOperation',
  RequestThrottled: 'RequestThrottled',
  ThrottlingException: 'RequestThrottled',
  OverLimit: 'OverLimit',
  InvalidAddress: 'InvalidAddress',
  InvalidSecurity: 'InvalidSecurity',
  AccessDeniedException: 'AccessDenied',
  AccessDenied: 'AccessDenied',
  InvalidParameterValue: 'InvalidParameterValue',
  MissingParameter: 'MissingParameter',
  InternalError: 'InternalError',
  ServiceUnavailable: 'ServiceUnavailable',
};

/** Attributes SetQueueAttributes may change; the rest are read-only. */
const SETTABLE = new Set([
  'DelaySeconds',
  'MaximumMessageSize',
  'MessageRetentionPeriod',
  'Policy',
  'ReceiveMessageWaitTimeSeconds',
  'VisibilityTimeout',
  'RedrivePolicy',
  'RedriveAllowPolicy',
  'KmsMasterKeyId',
  'KmsDataKeyReusePeriodSeconds',
  'SqsManagedSseEnabled',
  'ContentBasedDeduplication',
  'DeduplicationScope',
  'FifoThroughputLimit',
]);

const READABLE = new Set([
  ...SETTABLE,
  'All',
  'ApproximateNumberOfMessages',
  'ApproximateNumberOfMessagesNotVisible',
  'ApproximateNumberOfMessagesDelayed',
  'CreatedTimestamp',
  'LastModifiedTimestamp',
  'QueueArn',
  'FifoQueue',
]);

export function renderError(err: AwsError): RawResponse {
  const queryCode = QUERY_CODES[err.code] ?? err.code;
  return jsonError(API, err, `com.amazonaws.sqs#${err.code}`, 'message', {
    'x-amzn-query-error': `${queryCode};${err.fault}`,
  });
}

function noQueue(): AwsError {
  return new AwsError('QueueDoesNotExist', 'The specified queue does not exist.', 400);
}

function queueArn(queue: Queue, accountId: string): string {
  return queue.attributes['QueueArn'] ?? `arn:aws:sqs:${queue.region}:${accountId}:${queue.name}`;
}

function baseUrl(request: RawRequest): string {
  const host = request.headers['host'] ?? '127.0.0.1';
  const scheme = request.headers['x-forwarded-proto'] ?? 'http';
  return `${scheme}://${host}`;
}

export function queueUrl(request: RawRequest, accountId: string, name: string): string {
  return `${baseUrl(request)}/${accountId}/${name}`;
}

/** Finds a queue by URL; only the path (`/<account>/<name>`) matters, as for SQS's own endpoints. */
export function findQueue(state: EmulatorState, url: string): { account: Account; queue: Queue } | undefined {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    path = url;
  }
  const match = /^\/?(\d{12})\/([^/]+)\/?$/.exec(path);
  if (match === null) return undefined;
  const account = state.accounts.get(match[1] ?? '');
  const name = decodeURIComponent(match[2] ?? '');
  const queue = account?.queues.find((q) => q.name === name && q.region === state.region);
  return account === undefined || queue === undefined ? undefined : { account, queue };
}

function queueFromUrl(state: EmulatorState, url: string): { account: Account; queue: Queue } {
  const found = findQueue(state, url);
  if (found === undefined) throw noQueue();
  return found;
}

function callerArn(ctx: RequestContext): string {
  return ctx.principal.kind === 'root-session' ? rootArn(ctx.principal.accountId) : ctx.principal.arn;
}

function stringInput(body: Record<string, unknown>, name: string, required: true): string;
function stringInput(body: Record<string, unknown>, name: string, required: false): string | undefined;
function stringInput(body: Record<string, unknown>, name: string, required: boolean): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) {
    if (required)
      throw new AwsError('MissingParameter', `The request must contain the parameter ${name}.`, 400);
    return undefined;
  }
  if (typeof value !== 'string')
    throw new AwsError('InvalidParameterValue', `Value for parameter ${name} is invalid.`, 400);
  return value;
}

/** Task policy and SCPs first (ctx.authorize), then the queue policy unless the caller is the owner's root. */
function authorizeQueue(ctx: RequestContext, action: string, account: Account, queue: Queue): void {
  const resource = queueArn(queue, account.id);
  const decision = ctx.authorize({ action, resource, resourceAccountId: account.id });
  if (!decision.allowed) throw new AwsError('AccessDeniedException', decision.message, 403);
  const arn = callerArn(ctx);
  const sameAccount = ctx.principal.accountId === account.id;
  if (sameAccount && arn === rootArn(account.id)) return;
  const effect = resourcePolicyEffect(
    queue.attributes['Policy'],
    {
      action,
      resource,
      context: contextValues({
        'aws:PrincipalArn': arn,
        'aws:PrincipalAccount': ctx.principal.accountId,
        'aws:ResourceAccount': account.id,
      }),
    },
    { arn, accountId: ctx.principal.accountId },
  );
  if (effect === 'Deny' || (!sameAccount && effect !== 'Allow')) {
    const reason =
      effect === 'Deny'
        ? 'with an explicit deny in a resource-based policy'
        : 'because no resource-based policy allows the action';
    throw new AwsError(
      'AccessDeniedException',
      `User: ${arn} is not authorized to perform: ${action} on resource: ${resource} ${reason}`,
      403,
    );
  }
}

type Handler = (body: Record<string, unknown>, request: RawRequest, ctx: RequestContext) => unknown;

const OPERATIONS: Record<string, { mutating: boolean; run: Handler }> = {
  GetQueueUrl: {
    mutating: false,
    run: (body, request, ctx) => {
      const name = stringInput(body, 'QueueName', true);
      const owner = stringInput(body, 'QueueOwnerAWSAccountId', false) ?? ctx.principal.accountId;
      ctx.annotate({ action: 'GetQueueUrl', accountId: owner, mutating: false });
      const account = ctx.state.accounts.get(owner);
      const queue = account?.queues.find((q) => q.name === name && q.region === ctx.state.region);
      if (account === undefined || queue === undefined) throw noQueue();
      authorizeQueue(ctx, 'sqs:GetQueueUrl', account, queue);
      return { QueueUrl: queueUrl(request, account.id, queue.name) };
    },
  },
  ListQueues: {
    mutating: false,
    run: (body, request, ctx) => {
      const accountId = ctx.principal.accountId;
      ctx.annotate({ action: 'ListQueues', accountId, mutating: false });
      const decision = ctx.authorize({
        action: 'sqs:ListQueues',
        resource: `arn:aws:sqs:${ctx.state.region}:${accountId}:*`,
        resourceAccountId: accountId,
      });
      if (!decision.allowed) throw new AwsError('AccessDeniedException', decision.message, 403);
      const prefix = stringInput(body, 'QueueNamePrefix', false) ?? '';
      const maxResults = body['MaxResults'];
      if (
        maxResults !== undefined &&
        (typeof maxResults !== 'number' || maxResults < 1 || maxResults > 1000)
      ) {
        throw new AwsError(
          'InvalidParameterValue',
          'Value for parameter MaxResults is invalid. Reason: must be between 1 and 1000.',
          400,
        );
      }
      const names = (ctx.state.accounts.get(accountId)?.queues ?? [])
        .filter((q) => q.region === ctx.state.region && q.name.startsWith(prefix))
        .map((q) => q.name)
        .sort();
      const token = stringInput(body, 'NextToken', false);
      let offset = 0;
      if (token !== undefined) {
        offset = Number(Buffer.from(token, 'base64url').toString('utf8'));
        if (!Number.isInteger(offset) || offset < 0 || offset > names.length) {
          throw new AwsError('InvalidParameterValue', 'Invalid NextToken value.', 400);
        }
      }
      // Without MaxResults SQS returns up to 1000 and no token.
      const size = typeof maxResults === 'number' ? maxResults : 1000;
      const page = names.slice(offset, offset + size);
      const next =
        offset + size < names.length && typeof maxResults === 'number'
          ? Buffer.from(String(offset + size)).toString('base64url')
          : undefined;
      return {
        QueueUrls: page.length > 0 ? page.map((name) => queueUrl(request, accountId, name)) : undefined,
        NextToken: next,
      };
    },
  },
  GetQueueAttributes: {
    mutating: false,
    run: (body, _request, ctx) => {
      const { account, queue } = locate(body, ctx, 'GetQueueAttributes', false);
      const requested = body['AttributeNames'];
      const names = Array.isArray(requested) ? (requested as unknown[]) : [];
      for (const name of names) {
        if (typeof name !== 'string' || !READABLE.has(name)) {
          throw new AwsError('InvalidAttributeName', `Unknown Attribute ${String(name)}.`, 400);
        }
      }
      authorizeQueue(ctx, 'sqs:GetQueueAttributes', account, queue);
      const wanted = names.includes('All') ? Object.keys(queue.attributes) : (names as string[]);
      const attributes: Record<string, string> = {};
      for (const name of wanted) {
        const value = queue.attributes[name];
        if (value !== undefined) attributes[name] = value;
      }
      // With no names requested the result is empty (docs/aws-behaviour.md#sqs-unlock), and SQS omits the map.
      return Object.keys(attributes).length > 0 ? { Attributes: attributes } : {};
    },
  },
  SetQueueAttributes: {
    mutating: true,
    run: (body, _request, ctx) => {
      const { account, queue } = locate(body, ctx, 'SetQueueAttributes', true);
      const attributes = body['Attributes'];
      if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes)) {
        throw new AwsError('MissingParameter', 'The request must contain the parameter Attributes.', 400);
      }
      const entries = Object.entries(attributes as Record<string, unknown>);
      for (const [name, value] of entries) {
        if (!SETTABLE.has(name))
          throw new AwsError('InvalidAttributeName', `Unknown Attribute ${name}.`, 400);
        if (typeof value !== 'string')
          throw new AwsError('InvalidAttributeValue', `Invalid value for the parameter ${name}.`, 400);
        if (name === 'Policy' && value !== '') {
          try {
            parsePolicy(value);
          } catch (error) {
            throw new AwsError(
              'InvalidAttributeValue',
              `Invalid value for the parameter Policy. Reason: ${(error as Error).message}`,
              400,
            );
          }
        }
      }
      authorizeQueue(ctx, 'sqs:SetQueueAttributes', account, queue);
      for (const [name, value] of entries as Array<[string, string]>) {
        // An empty Policy removes the policy (legacy SQS reference; Terraform deletes policies this way).
        if (name === 'Policy' && value === '') delete queue.attributes['Policy'];
        else queue.attributes[name] = value;
      }
      queue.attributes['LastModifiedTimestamp'] = String(Math.floor(ctx.now.getTime() / 1000));
      return {};
    },
  },
};

/**
 * A call the emulator does not serve is authorized first, on its queue when it names one, so a
 * task session meets the AccessDenied AWS gives before any "unsupported" answer.
 */
function authorizeUnmodelled(name: string, request: RawRequest, ctx: RequestContext): void {
  let queueUrlValue: unknown;
  try {
    queueUrlValue = jsonInput(request)['QueueUrl'];
  } catch {
    queueUrlValue = undefined;
  }
  const found = typeof queueUrlValue === 'string' ? findQueue(ctx.state, queueUrlValue) : undefined;
  const accountId = found?.account.id ?? ctx.principal.accountId;
  ctx.annotate({
    action: name || 'Unknown',
    accountId,
    mutating: /^(Send|Delete|Purge|Create|Set|Change|Tag|Untag|Add|Remove|Start|Cancel)/.test(name),
  });
  const decision = ctx.authorize({
    action: `sqs:${name || 'Unknown'}`,
    resource: found === undefined ? '*' : queueArn(found.queue, found.account.id),
    resourceAccountId: accountId,
  });
  if (!decision.allowed) throw new AwsError('AccessDeniedException', decision.message, 403);
}

function locate(
  body: Record<string, unknown>,
  ctx: RequestContext,
  action: string,
  mutating: boolean,
): { account: Account; queue: Queue } {
  const url = stringInput(body, 'QueueUrl', true);
  const accountHint = /\/(\d{12})\//.exec(url)?.[1];
  ctx.annotate({ action, accountId: accountHint ?? ctx.principal.accountId, mutating });
  return queueFromUrl(ctx.state, url);
}

export const sqsService: ServiceHandler = {
  service: 'sqs',

  actionOf(request: RawRequest): string {
    return jsonOperation(API, request);
  },

  handle(request: RawRequest, ctx: RequestContext): RawResponse {
    const name = jsonOperation(API, request);
    try {
      const operation = Object.prototype.hasOwnProperty.call(OPERATIONS, name) ? OPERATIONS[name] : undefined;
      if (operation === undefined) {
        authorizeUnmodelled(name, request, ctx);
        throw new AwsError(
          'UnsupportedOperation',
          `The operation ${name || '(none)'} is not supported by the emulator.`,
          400,
        );
      }
      ctx.annotate({ action: name, accountId: ctx.principal.accountId, mutating: operation.mutating });
      return jsonResponse(API, operation.run(jsonInput(request), request, ctx));
    } catch (error) {
      if (error instanceof AwsError) return renderError(error);
      throw error;
    }
  },
};
