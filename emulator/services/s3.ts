/**
 * Amazon S3 (REST-XML, path-style), the four calls of the S3UnlockBucketPolicy task (see docs/aws-behaviour.md#s3-unlock):
 * ListBuckets, GetBucketPolicy, PutBucketPolicy, DeleteBucketPolicy.
 *
 * Buckets live in accounts and their names are unique across the organization. The root
 * principal of the owning account bypasses the bucket policy for the three bucket-policy calls
 * (S3's lock-out protection) but not the task policy or SCPs, which `ctx.authorize` applies.
 */
import { randomBytes, randomUUID } from 'node:crypto';

import type { RawRequest, RawResponse, RequestContext, ServiceHandler } from '../model/request';
import type { Account, Bucket, EmulatorState } from '../model/state';
import { AwsError, rootArn } from '../model/state';
import { contextValues, parsePolicy, PolicyParseError } from '../policy/evaluate';
import { resourcePolicyEffect } from '../policy/resource-policy';
import { escapeXml, isoSeconds } from '../protocol/query';
import { SCENARIO_EPOCH } from '../scenario/random';

const NAMESPACE = 'http://s3.amazonaws.com/doc/2006-03-01/';

type S3Operation = 'ListBuckets' | 'GetBucketPolicy' | 'PutBucketPolicy' | 'DeleteBucketPolicy';

const IAM_ACTION: Record<S3Operation, string> = {
  ListBuckets: 's3:ListAllMyBuckets',
  GetBucketPolicy: 's3:GetBucketPolicy',
  PutBucketPolicy: 's3:PutBucketPolicy',
  DeleteBucketPolicy: 's3:DeleteBucketPolicy',
};

interface ParsedRequest {
  operation: S3Operation | undefined;
  bucket?: string;
}

function parse(request: RawRequest): ParsedRequest {
  const segments = request.path.split('/').filter((segment) => segment !== '');
  const method = request.method.toUpperCase();
  if (segments.length === 0) return { operation: method === 'GET' ? 'ListBuckets' : undefined };
  const bucket = decodeURIComponent(segments[0] ?? '');
  if (segments.length === 1 && request.query.has('policy')) {
    if (method === 'GET') return { operation: 'GetBucketPolicy', bucket };
    if (method === 'PUT') return { operation: 'PutBucketPolicy', bucket };
    if (method === 'DELETE') return { operation: 'DeleteBucketPolicy', bucket };
  }
  return { operation: undefined, bucket };
}

/** Bucket subresources: query key -> [GET operation, PUT operation], IAM action = `s3:` + name (save noted). */
const BUCKET_SUBRESOURCES: Record<string, readonly [string, string, string, string]> = {
  acl: ['GetBucketAcl', 's3:GetBucketAcl', 'PutBucketAcl', 's3:PutBucketAcl'],
  cors: ['GetBucketCors', 's3:GetBucketCORS', 'PutBucketCors', 's3:PutBucketCORS'],
  lifecycle: [
    'GetBucketLifecycleConfiguration',
    's3:GetLifecycleConfiguration',
    'PutBucketLifecycleConfiguration',
    's3:PutLifecycleConfiguration',
  ],
  tagging: ['GetBucketTagging', 's3:GetBucketTagging', 'PutBucketTagging', 's3:PutBucketTagging'],
  versioning: [
    'GetBucketVersioning',
    's3:GetBucketVersioning',
    'PutBucketVersioning',
    's3:PutBucketVersioning',
  ],
  encryption: [
    'GetBucketEncryption',
    's3:GetEncryptionConfiguration',
    'PutBucketEncryption',
    's3:PutEncryptionConfiguration',
  ],
  location: ['GetBucketLocation', 's3:GetBucketLocation', 'PutBucketLocation', 's3:CreateBucket'],
  publicAccessBlock: [
    'GetPublicAccessBlock',
    's3:GetBucketPublicAccessBlock',
    'PutPublicAccessBlock',
    's3:PutBucketPublicAccessBlock',
  ],
  ownershipControls: [
    'GetBucketOwnershipControls',
    's3:GetBucketOwnershipControls',
    'PutBucketOwnershipControls',
    's3:PutBucketOwnershipControls',
  ],
  versions: ['ListObjectVersions', 's3:ListBucketVersions', 'PutBucketVersions', 's3:ListBucketVersions'],
  uploads: ['ListMultipartUploads', 's3:ListBucketMultipartUploads', 'CreateMultipartUpload', 's3:PutObject'],
};

interface UnmodelledCall {
  operation: string;
  action: string;
  resource: string;
  bucket?: string;
  mutating: boolean;
}

/**
 * The S3 operation and IAM action of a request the emulator does not serve, from its method,
 * path and subresource (the S3 service authorization reference's action for each operation).
 * Approximate names cannot grant anything: the task policies deny every action they do not list.
 */
function unmodelledCall(request: RawRequest): UnmodelledCall {
  const segments = request.path.split('/').filter((segment) => segment !== '');
  const method = request.method.toUpperCase();
  const mutating = method !== 'GET' && method !== 'HEAD';
  if (segments.length === 0) {
    return { operation: `${method} /`, action: 's3:ListAllMyBuckets', resource: '*', mutating };
  }
  const bucket = segments[0] ?? '';
  const bucketArn = `arn:aws:s3:::${bucket}`;
  const subresource = Object.keys(BUCKET_SUBRESOURCES).find((key) => request.query.has(key));
  if (segments.length === 1) {
    if (subresource !== undefined) {
      const [getOperation, getAction, putOperation, putAction] = BUCKET_SUBRESOURCES[subresource] ?? [];
      const read = method === 'GET' || method === 'HEAD';
      return {
        operation: (read ? getOperation : putOperation) ?? 'Unsupported',
        action: (read ? getAction : putAction) ?? 's3:*',
        resource: bucketArn,
        bucket,
        mutating,
      };
    }
    if (method === 'POST' && request.query.has('delete')) {
      return {
        operation: 'DeleteObjects',
        action: 's3:DeleteObject',
        resource: `${bucketArn}/*`,
        bucket,
        mutating,
      };
    }
    const byMethod: Record<string, readonly [string, string]> = {
      GET: [request.query.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects', 's3:ListBucket'],
      HEAD: ['HeadBucket', 's3:ListBucket'],
      PUT: ['CreateBucket', 's3:CreateBucket'],
      DELETE: ['DeleteBucket', 's3:DeleteBucket'],
    };
    const [operation, action] = byMethod[method] ?? [`${method} bucket`, 's3:*'];
    return { operation, action, resource: bucketArn, bucket, mutating };
  }
  const objectArn = `${bucketArn}/${segments.slice(1).join('/')}`;
  if (request.query.has('tagging')) {
    const read = method === 'GET';
    return {
      operation: read ? 'GetObjectTagging' : 'PutObjectTagging',
      action: read ? 's3:GetObjectTagging' : 's3:PutObjectTagging',
      resource: objectArn,
      bucket,
      mutating,
    };
  }
  const byMethod: Record<string, readonly [string, string]> = {
    GET: ['GetObject', 's3:GetObject'],
    HEAD: ['HeadObject', 's3:GetObject'],
    PUT: [request.headers['x-amz-copy-source'] !== undefined ? 'CopyObject' : 'PutObject', 's3:PutObject'],
    POST: [request.query.has('uploads') ? 'CreateMultipartUpload' : 'PostObject', 's3:PutObject'],
    DELETE: ['DeleteObject', 's3:DeleteObject'],
  };
  const [operation, action] = byMethod[method] ?? [`${method} object`, 's3:*'];
  return { operation, action, resource: objectArn, bucket, mutating };
}

/** Authorize first (a task session meets its AccessDenied, as in AWS), then say it is not served. */
function unmodelled(request: RawRequest, ctx: RequestContext): never {
  const call = unmodelledCall(request);
  const owner = call.bucket === undefined ? undefined : findBucket(ctx.state, call.bucket)?.account.id;
  const accountId = owner ?? ctx.principal.accountId;
  ctx.annotate({ action: call.operation, accountId, mutating: call.mutating });
  const decision = ctx.authorize({
    action: call.action,
    resource: call.resource,
    resourceAccountId: accountId,
  });
  if (!decision.allowed) throw s3Error('AccessDenied', decision.message, 403);
  throw s3Error(
    'NotImplemented',
    'A header or query you provided implies functionality that is not implemented.',
    501,
  );
}

function findBucket(state: EmulatorState, name: string): { account: Account; bucket: Bucket } | undefined {
  for (const account of state.accounts.values()) {
    const bucket = account.buckets.find((b) => b.name === name);
    if (bucket !== undefined) return { account, bucket };
  }
  return undefined;
}

/** Root sessions and long-term root credentials act as `arn:aws:iam::<acct>:root`. */
function callerArn(ctx: RequestContext): string {
  return ctx.principal.kind === 'root-session' ? rootArn(ctx.principal.accountId) : ctx.principal.arn;
}

function isRootCaller(ctx: RequestContext): boolean {
  return callerArn(ctx) === rootArn(ctx.principal.accountId);
}

function s3Error(
  code: string,
  message: string,
  status: number,
  extra: Record<string, string> = {},
): AwsError {
  return new AwsError(code, message, status, extra);
}

export function renderError(err: AwsError): RawResponse {
  const requestId = randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase();
  const extra = Object.entries(err.extra)
    .map(([key, value]) => `<${key}>${escapeXml(value)}</${key}>`)
    .join('');
  return {
    status: err.status,
    headers: {
      'content-type': 'application/xml',
      'x-amz-request-id': requestId,
      'x-amz-id-2': randomBytes(24).toString('base64'),
    },
    body:
      '<?xml version="1.0" encoding="UTF-8"?>\n' +
      `<Error><Code>${escapeXml(err.code)}</Code><Message>${escapeXml(err.message)}</Message>${extra}` +
      `<RequestId>${requestId}</RequestId></Error>`,
  };
}

function ok(status: number, body = '', contentType = 'application/xml'): RawResponse {
  const headers: Record<string, string> = {
    'x-amz-request-id': randomUUID().replace(/-/g, '').slice(0, 16).toUpperCase(),
  };
  if (body !== '') headers['content-type'] = contentType;
  return { status, headers, body };
}

function listBuckets(ctx: RequestContext): RawResponse {
  const accountId = ctx.principal.accountId;
  ctx.annotate({ action: 'ListBuckets', accountId, mutating: false });
  const decision = ctx.authorize({
    action: IAM_ACTION.ListBuckets,
    resource: '*',
    resourceAccountId: accountId,
  });
  if (!decision.allowed) throw s3Error('AccessDenied', decision.message, 403);
  const buckets = ctx.state.accounts.get(accountId)?.buckets ?? [];
  const items = buckets
    .map(
      (bucket) =>
        `<Bucket><Name>${escapeXml(bucket.name)}</Name><CreationDate>${isoSeconds(SCENARIO_EPOCH)}</CreationDate>` +
        `<BucketRegion>${escapeXml(ctx.state.region)}</BucketRegion></Bucket>`,
    )
    .join('');
  return ok(
    200,
    `<?xml version="1.0" encoding="UTF-8"?>\n<ListAllMyBucketsResult xmlns="${NAMESPACE}">` +
      `<Owner><ID>${canonicalId(accountId)}</ID></Owner><Buckets>${items}</Buckets></ListAllMyBucketsResult>`,
  );
}

/** A stable 64-hex canonical user id per account, as S3 shows owners. */
function canonicalId(accountId: string): string {
  return Buffer.from(accountId.padEnd(32, '0')).toString('hex').slice(0, 64);
}

function bucketPolicyCall(
  operation: Exclude<S3Operation, 'ListBuckets'>,
  name: string,
  request: RawRequest,
  ctx: RequestContext,
): RawResponse {
  const found = findBucket(ctx.state, name);
  ctx.annotate({
    action: operation,
    accountId: found?.account.id ?? ctx.principal.accountId,
    mutating: operation !== 'GetBucketPolicy',
  });
  if (found === undefined) {
    throw s3Error('NoSuchBucket', 'The specified bucket does not exist', 404, { BucketName: name });
  }
  const { account, bucket } = found;
  const resource = `arn:aws:s3:::${name}`;
  const decision = ctx.authorize({ action: IAM_ACTION[operation], resource, resourceAccountId: account.id });
  if (!decision.allowed) throw s3Error('AccessDenied', decision.message, 403);
  const expectedOwner = request.headers['x-amz-expected-bucket-owner'];
  if (expectedOwner !== undefined && expectedOwner !== account.id)
    throw s3Error('AccessDenied', 'Access Denied', 403);
  if (ctx.principal.accountId !== account.id) {
    // BOTO-S3: identities outside the owner account get 405 for bucket-policy calls.
    throw s3Error('MethodNotAllowed', 'The specified method is not allowed against this resource.', 405, {
      Method: request.method.toUpperCase(),
      ResourceType: 'BUCKETPOLICY',
    });
  }
  if (!isRootCaller(ctx)) {
    // Only the owner's root principal is exempt from a bucket policy that locks everyone out.
    const effect = resourcePolicyEffect(
      bucket.policy,
      {
        action: IAM_ACTION[operation],
        resource,
        context: contextValues({
          'aws:PrincipalArn': callerArn(ctx),
          'aws:PrincipalAccount': ctx.principal.accountId,
        }),
      },
      { arn: callerArn(ctx), accountId: ctx.principal.accountId },
    );
    if (effect === 'Deny') {
      throw s3Error(
        'AccessDenied',
        `User: ${callerArn(ctx)} is not authorized to perform: ${IAM_ACTION[operation]} on resource: "${resource}" with an explicit deny in a resource-based policy`,
        403,
      );
    }
  }
  switch (operation) {
    case 'GetBucketPolicy':
      if (bucket.policy === undefined) {
        throw s3Error('NoSuchBucketPolicy', 'The bucket policy does not exist', 404, { BucketName: name });
      }
      return ok(200, bucket.policy, 'application/json');
    case 'PutBucketPolicy':
      try {
        parsePolicy(request.body);
      } catch (error) {
        if (!(error instanceof PolicyParseError)) throw error;
        throw s3Error(
          'MalformedPolicy',
          `Policies must be valid JSON and the first byte must be '{': ${error.message}`,
          400,
        );
      }
      bucket.policy = request.body;
      return ok(204);
    case 'DeleteBucketPolicy':
      // Inferred (docs/aws-behaviour.md#s3-unlock): deleting an absent policy succeeds (204), as other S3 implementations do.
      delete bucket.policy;
      return ok(204);
  }
}

export const s3Service: ServiceHandler = {
  service: 's3',

  actionOf(request: RawRequest): string {
    return parse(request).operation ?? unmodelledCall(request).operation;
  },

  handle(request: RawRequest, ctx: RequestContext): RawResponse {
    try {
      const { operation, bucket } = parse(request);
      if (operation === 'ListBuckets') return listBuckets(ctx);
      if (operation === undefined || bucket === undefined) unmodelled(request, ctx);
      return bucketPolicyCall(operation, bucket, request, ctx);
    } catch (error) {
      if (error instanceof AwsError) return renderError(error);
      throw error;
    }
  },
};
