/**
 * Errors the transport itself raises (authentication, faults, bugs), rendered in the envelope
 * of the service the request was meant for, so the SDK maps them to the same error names it
 * would see from AWS.
 */
import type { RawResponse } from '../model/request';
import { AwsError } from '../model/state';
import { IAM_API, STS_API, escapeXml, newRequestId, queryError } from '../protocol/query';

/** Services are keyed by string so a later forwarding route (moto, Lambda) can add its own. */
export type Protocol = 'query-sts' | 'query-iam' | 'json-organizations' | 'json-sqs' | 'json-ssm' | 'rest-s3';

export function protocolOf(service: string): Protocol {
  switch (service) {
    case 'sts':
      return 'query-sts';
    case 'organizations':
      return 'json-organizations';
    case 'sqs':
      return 'json-sqs';
    case 'ssm':
      return 'json-ssm';
    case 's3':
      return 'rest-s3';
    default:
      return 'query-iam';
  }
}

export function renderError(service: string, error: AwsError): RawResponse {
  const requestId = newRequestId();
  switch (protocolOf(service)) {
    case 'query-sts':
      return queryError(STS_API, error, requestId);
    case 'query-iam':
      return queryError(IAM_API, error, requestId);
    case 'json-organizations':
      return {
        status: error.status,
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId },
        body: JSON.stringify({ __type: error.code, Message: error.message, ...error.extra }),
      };
    case 'json-sqs': {
      // SQS is query-compatible: the SDK takes the code from x-amzn-query-error when present.
      const queryCode = error.extra['queryCode'] ?? error.code;
      return {
        status: error.status,
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amzn-requestid': requestId,
          'x-amzn-query-error': `${queryCode};${error.fault}`,
        },
        body: JSON.stringify({ __type: `com.amazonaws.sqs#${error.code}`, message: error.message }),
      };
    }
    case 'json-ssm':
      // SSM (forwarded to moto) is awsJson1_1 with a lower-case `message`; only the emulator's own
      // answers to it (a rate limit) are rendered here.
      return {
        status: error.status,
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': requestId },
        body: JSON.stringify({ __type: error.code, message: error.message }),
      };
    case 'rest-s3':
      return {
        status: error.status,
        headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId },
        body:
          `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${escapeXml(error.code)}</Code>` +
          `<Message>${escapeXml(error.message)}</Message>` +
          Object.entries(error.extra)
            .map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`)
            .join('') +
          `<RequestId>${requestId}</RequestId></Error>`,
      };
  }
}

/** The service's throttling error (see docs/aws-behaviour.md#throttling-errors). */
export function throttlingError(service: string, reason: string): AwsError {
  switch (protocolOf(service)) {
    case 'json-organizations':
      return new AwsError('TooManyRequestsException', reason, 429);
    case 'json-sqs':
      return new AwsError('RequestThrottled', reason, 403);
    case 'json-ssm':
      return new AwsError('ThrottlingException', reason, 400);
    case 'rest-s3':
      return new AwsError('SlowDown', 'Please reduce your request rate.', 503);
    default:
      return new AwsError('Throttling', reason, 400);
  }
}

/** The service's generic 5xx. */
export function internalError(service: string): AwsError {
  switch (protocolOf(service)) {
    case 'query-sts':
      return new AwsError(
        'InternalFailure',
        'The request processing has failed because of an unknown error.',
        500,
      );
    case 'query-iam':
      return new AwsError(
        'ServiceFailure',
        'The request processing has failed because of an unknown error.',
        500,
      );
    case 'json-organizations':
      return new AwsError(
        'ServiceException',
        'AWS Organizations can’t complete your request because of an internal service error. Try again later.',
        500,
      );
    default:
      return new AwsError('InternalError', 'We encountered an internal error. Please try again.', 500);
  }
}

export type AuthFailure =
  | { kind: 'missing' }
  /** An access key nobody declared. */
  | { kind: 'unknown-key' }
  /** A session key the emulator no longer knows, or a session token that is not the key's. */
  | { kind: 'unknown-token' }
  | { kind: 'bad-signature' }
  /** The session's credentials expired. */
  | { kind: 'expired' }
  /** A presigned URL used after its X-Amz-Expires. */
  | { kind: 'request-expired' }
  /** A header-signed request whose X-Amz-Date is more than 15 minutes from the server's clock. */
  | { kind: 'skewed'; requestTime: Date; serverTime: Date; maxSkewMs: number };

const INVALID_TOKEN = 'The security token included in the request is invalid.';
const BAD_SIGNATURE =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

/** `yyyymmddThhmmssZ`, the form AWS quotes in its signature-expired messages. */
function amzDate(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/**
 * AWS's wording for a header-signed request outside the skew window, e.g.
 * `Signature expired: 20240101T000000Z is now earlier than 20240101T001500Z (20240101T003000Z - 15 min.)`.
 */
function skewMessage(failure: Extract<AuthFailure, { kind: 'skewed' }>): string {
  const minutes = Math.round(failure.maxSkewMs / 60_000);
  const request = amzDate(failure.requestTime);
  if (failure.requestTime.getTime() < failure.serverTime.getTime()) {
    const limit = amzDate(new Date(failure.serverTime.getTime() - failure.maxSkewMs));
    return `Signature expired: ${request} is now earlier than ${limit} (${amzDate(failure.serverTime)} - ${minutes} min.)`;
  }
  const limit = amzDate(new Date(failure.serverTime.getTime() + failure.maxSkewMs));
  return `Signature not yet current: ${request} is still later than ${limit} (${amzDate(failure.serverTime)} + ${minutes} min.)`;
}

/**
 * Authentication failures, in each protocol's shape (see docs/aws-behaviour.md#sigv4-errors and
 * docs/aws-behaviour.md#s3-request-time-too-skewed):
 * - query services (STS, IAM) and SQS (query-compatible codes): 403 `InvalidClientTokenId` for an
 *   unknown key or token, `SignatureDoesNotMatch` for a wrong secret and for a skewed clock
 *   ("Signature expired: ..."), `ExpiredToken` for expired session credentials;
 * - Organizations (JSON 1.1, coral): 400 `UnrecognizedClientException`,
 *   `InvalidSignatureException` (wrong secret, skewed clock), `ExpiredTokenException`;
 * - S3: 403 `InvalidAccessKeyId`, `SignatureDoesNotMatch`, `RequestTimeTooSkewed` (with
 *   RequestTime/ServerTime/MaxAllowedSkewMilliseconds, which SDKs read to correct their clock),
 *   `AccessDenied` "Request has expired" for an expired presigned URL, 400 `ExpiredToken`.
 */
export function authError(service: string, failure: AuthFailure): AwsError {
  const protocol = protocolOf(service);
  if (protocol === 'rest-s3') {
    switch (failure.kind) {
      case 'missing':
        return new AwsError('AccessDenied', 'Access Denied', 403);
      case 'unknown-key':
        return new AwsError(
          'InvalidAccessKeyId',
          'The AWS Access Key Id you provided does not exist in our records.',
          403,
        );
      case 'unknown-token':
        return new AwsError('InvalidToken', 'The provided token is malformed or otherwise invalid.', 400);
      case 'bad-signature':
        return new AwsError('SignatureDoesNotMatch', BAD_SIGNATURE, 403);
      case 'expired':
        return new AwsError('ExpiredToken', 'The provided token has expired.', 400);
      case 'request-expired':
        return new AwsError('AccessDenied', 'Request has expired', 403);
      case 'skewed':
        return new AwsError(
          'RequestTimeTooSkewed',
          'The difference between the request time and the current time is too large.',
          403,
          {
            RequestTime: amzDate(failure.requestTime),
            ServerTime: failure.serverTime.toISOString(),
            MaxAllowedSkewMilliseconds: String(failure.maxSkewMs),
          },
        );
    }
  }
  if (protocol === 'json-organizations') {
    switch (failure.kind) {
      case 'missing':
        return new AwsError('MissingAuthenticationTokenException', 'Missing Authentication Token', 400);
      case 'unknown-key':
      case 'unknown-token':
        return new AwsError('UnrecognizedClientException', INVALID_TOKEN, 400);
      case 'bad-signature':
        return new AwsError('InvalidSignatureException', BAD_SIGNATURE, 400);
      case 'expired':
        return new AwsError(
          'ExpiredTokenException',
          'The security token included in the request is expired',
          400,
        );
      case 'request-expired':
        return new AwsError('InvalidSignatureException', 'Signature expired.', 400);
      case 'skewed':
        return new AwsError('InvalidSignatureException', skewMessage(failure), 400);
    }
  }
  switch (failure.kind) {
    case 'missing':
      return new AwsError('MissingAuthenticationToken', 'Request is missing Authentication Token', 403);
    case 'unknown-key':
    case 'unknown-token':
      return new AwsError('InvalidClientTokenId', INVALID_TOKEN, 403);
    case 'bad-signature':
      return new AwsError('SignatureDoesNotMatch', BAD_SIGNATURE, 403);
    case 'expired':
      return new AwsError('ExpiredToken', 'The security token included in the request is expired', 403);
    case 'request-expired':
      return new AwsError('SignatureDoesNotMatch', 'Signature expired.', 403);
    case 'skewed':
      return new AwsError('SignatureDoesNotMatch', skewMessage(failure), 403);
  }
}

/** Codes that mean "refused", for the call log's decision column. */
export const DENIAL_CODES = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'SignatureDoesNotMatch',
  'InvalidSignatureException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'InvalidAccessKeyId',
  'RequestTimeTooSkewed',
  'InvalidToken',
  'ExpiredToken',
  'ExpiredTokenException',
  'MissingAuthenticationToken',
  'MissingAuthenticationTokenException',
]);

/** Pulls the error code out of a rendered response, whatever the protocol. */
export function errorCodeOf(response: RawResponse): string | undefined {
  if (response.status < 400) return undefined;
  const queryHeader = response.headers['x-amzn-query-error'];
  if (queryHeader !== undefined) return queryHeader.split(';')[0];
  const xml = /<Code>([^<]+)<\/Code>/.exec(response.body);
  if (xml) return xml[1];
  const json = /"__type"\s*:\s*"([^"]+)"/.exec(response.body);
  if (json?.[1] !== undefined) return json[1].split('#').pop();
  return undefined;
}
