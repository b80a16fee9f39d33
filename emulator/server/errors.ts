/**
 * Errors the transport itself raises (authentication, faults, bugs), rendered in the envelope
 * of the service the request was meant for, so the SDK maps them to the same error names it
 * would see from AWS.
 */
import type { RawResponse } from '../model/request';
import { AwsError } from '../model/state';
import { IAM_API, STS_API, escapeXml, newRequestId, queryError } from '../protocol/query';

/** Services are keyed by string so a later forwarding route (moto, Lambda) can add its own. */
export type Protocol = 'query-sts' | 'query-iam' | 'json-organizations' | 'json-sqs' | 'rest-s3';

export function protocolOf(service: string): Protocol {
  switch (service) {
    case 'sts':
      return 'query-sts';
    case 'organizations':
      return 'json-organizations';
    case 'sqs':
      return 'json-sqs';
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
    case 'rest-s3':
      return {
        status: error.status,
        headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId },
        body:
          `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${escapeXml(error.code)}</Code>` +
          `<Message>${escapeXml(error.message)}</Message><RequestId>${requestId}</RequestId></Error>`,
      };
  }
}

/** The service's throttling error (reference 2.3, 6.2, 7.1, 7.2). */
export function throttlingError(service: string, reason: string): AwsError {
  switch (protocolOf(service)) {
    case 'json-organizations':
      return new AwsError('TooManyRequestsException', reason, 429);
    case 'json-sqs':
      return new AwsError('RequestThrottled', reason, 403);
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

export type AuthFailure = 'missing' | 'unknown-token' | 'bad-signature' | 'expired' | 'request-expired';

/**
 * Authentication failures. Query services answer 403 with the classic codes; JSON (coral)
 * services answer 400 with `*Exception` names; S3 has its own codes. Expired root-session
 * credentials are `ExpiredToken` 403 on IAM/STS (reference 2.3 marks this [U]: it is the common
 * AWS error for expired temporary credentials on query services, not verified for AssumeRoot).
 */
export function authError(service: string, failure: AuthFailure): AwsError {
  const protocol = protocolOf(service);
  const messages: Record<AuthFailure, string> = {
    missing: 'Request is missing Authentication Token',
    'unknown-token': 'The security token included in the request is invalid.',
    'bad-signature':
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    expired: 'The security token included in the request is expired',
    'request-expired': 'Signature expired: the request timestamp is too far from the current time.',
  };
  const message = messages[failure];
  if (protocol === 'rest-s3') {
    const s3Codes: Record<AuthFailure, [string, number]> = {
      missing: ['AccessDenied', 403],
      'unknown-token': ['InvalidAccessKeyId', 403],
      'bad-signature': ['SignatureDoesNotMatch', 403],
      expired: ['ExpiredToken', 400],
      'request-expired': ['AccessDenied', 403],
    };
    const [code, status] = s3Codes[failure];
    return new AwsError(code, failure === 'request-expired' ? 'Request has expired' : message, status);
  }
  if (protocol === 'json-organizations') {
    const jsonCodes: Record<AuthFailure, string> = {
      missing: 'MissingAuthenticationTokenException',
      'unknown-token': 'UnrecognizedClientException',
      'bad-signature': 'InvalidSignatureException',
      expired: 'ExpiredTokenException',
      'request-expired': 'InvalidSignatureException',
    };
    return new AwsError(jsonCodes[failure], message, 400);
  }
  const queryCodes: Record<AuthFailure, string> = {
    missing: 'MissingAuthenticationToken',
    'unknown-token': 'InvalidClientTokenId',
    'bad-signature': 'SignatureDoesNotMatch',
    expired: 'ExpiredToken',
    'request-expired': 'SignatureDoesNotMatch',
  };
  return new AwsError(queryCodes[failure], message, 403);
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
