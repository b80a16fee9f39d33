/**
 * The AWS JSON protocols (1.0 for SQS, 1.1 for Organizations): `POST /` with
 * `X-Amz-Target: <prefix>.<Operation>` and a JSON body; errors carry `__type`.
 */
import { randomUUID } from 'node:crypto';

import type { RawRequest, RawResponse } from '../model/request';
import { AwsError } from '../model/state';

export interface JsonApi {
  /** `1.0` or `1.1`, for the content type. */
  version: '1.0' | '1.1';
  targetPrefix: string;
}

/** The operation named by `X-Amz-Target`, or '' when the header is absent or for another service. */
export function jsonOperation(api: JsonApi, request: RawRequest): string {
  const target = request.headers['x-amz-target'] ?? '';
  const dot = target.lastIndexOf('.');
  if (dot === -1 || target.slice(0, dot) !== api.targetPrefix) return '';
  return target.slice(dot + 1);
}

/** The request body as an object; an empty body is `{}` (the SDKs send `{}` for input-less calls). */
export function jsonInput(request: RawRequest): Record<string, unknown> {
  if (request.body.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(request.body);
  } catch {
    throw new AwsError('SerializationException', 'The request body is not valid JSON', 400);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AwsError('SerializationException', 'The request body must be a JSON object', 400);
  }
  return parsed as Record<string, unknown>;
}

export function jsonResponse(api: JsonApi, output: unknown, status = 200): RawResponse {
  return {
    status,
    headers: { 'content-type': `application/x-amz-json-${api.version}`, 'x-amzn-requestid': randomUUID() },
    body: JSON.stringify(output ?? {}),
  };
}

/**
 * `{"__type": "<type>", "Message"|"message": "...", ...extra}`; `messageKey` follows the service
 * model (Organizations members say `Message`, SQS's say `message`).
 */
export function jsonError(
  api: JsonApi,
  error: AwsError,
  type: string,
  messageKey: 'Message' | 'message',
  headers: Record<string, string> = {},
): RawResponse {
  return {
    status: error.status,
    headers: {
      'content-type': `application/x-amz-json-${api.version}`,
      'x-amzn-requestid': randomUUID(),
      'x-amzn-errortype': error.code,
      ...headers,
    },
    body: JSON.stringify({ __type: type, [messageKey]: error.message, ...error.extra }),
  };
}
