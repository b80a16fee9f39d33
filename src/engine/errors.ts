/**
 * Named errors of the engine, and the one place where SDK errors are turned into text.
 *
 * SDK v3 errors carry the request (`$response`, sometimes the input) and, for root sessions, the
 * session's credentials sit in the client config they point at; so nothing here ever logs or
 * stringifies an SDK error whole. Only `name`, a sanitised `message` and the HTTP status leave.
 */
import type { RootTask } from '../shared/root-tasks';

/** Base of every error the engine throws; always carries the underlying error as `cause`. */
export class EngineError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EngineError';
  }
}

/** The organization could not be read, so the targets are unknown and nothing can be reported. */
export class TargetResolutionError extends EngineError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TargetResolutionError';
  }
}

/** `sts:AssumeRoot` was refused or failed for one account and task. */
export class AssumeRootError extends EngineError {
  constructor(
    readonly accountId: string,
    readonly task: RootTask,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AssumeRootError';
  }
}

/** A root session expired, was re-assumed, and expired again on the same call. */
export class SessionExpiredError extends EngineError {
  constructor(
    readonly accountId: string,
    readonly task: RootTask,
    options?: { cause?: unknown },
  ) {
    super(
      `the ${task} root session for ${accountId} expired twice in a row (ExpiredToken); the session lifetime is shorter than one call with its retries, rerun later`,
      options,
    );
    this.name = 'SessionExpiredError';
  }
}

/** What a log line or report may say about an SDK error. */
export interface ErrorFacts {
  readonly name: string;
  readonly message: string;
  readonly httpStatusCode?: number;
  readonly attempts?: number;
}

/**
 * Access key ids, session tokens and secrets in anything we print are replaced. AWS messages do
 * not normally echo credentials, but a transport error can quote a signed header or a URL.
 */
export function redact(text: string): string {
  return text
    .replace(/\b(ASIA|AKIA|AROA|AIDA)[A-Z0-9]{12,}\b/g, '$1****')
    .replace(
      /(X-Amz-Security-Token|X-Amz-Credential|X-Amz-Signature|Authorization)[=:]\s*[^\s&"',]+/gi,
      '$1=****',
    )
    .replace(/[A-Za-z0-9+/=]{60,}/g, '****');
}

export function errorFacts(error: unknown): ErrorFacts {
  if (error instanceof Error) {
    const metadata = (error as { $metadata?: { httpStatusCode?: number; attempts?: number } }).$metadata;
    return {
      name: error.name,
      message: redact(error.message),
      ...(metadata?.httpStatusCode !== undefined ? { httpStatusCode: metadata.httpStatusCode } : {}),
      ...(metadata?.attempts !== undefined ? { attempts: metadata.attempts } : {}),
    };
  }
  return { name: 'UnknownError', message: redact(String(error)) };
}

/** Attributes for an `EngineLogger` call: never the error object itself. */
export function logAttributes(error: unknown): Record<string, unknown> {
  const facts = errorFacts(error);
  return {
    errorName: facts.name,
    errorMessage: facts.message,
    ...(facts.httpStatusCode !== undefined ? { httpStatusCode: facts.httpStatusCode } : {}),
  };
}

export function errorName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

const NOT_FOUND = new Set(['NoSuchEntity', 'NoSuchEntityException']);
const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException']);
const EXPIRED = new Set(['ExpiredToken', 'ExpiredTokenException']);
const THROTTLED = new Set([
  'Throttling',
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'RequestLimitExceeded',
]);

/** IAM's "already gone": the credential was removed between our list and our delete. */
export const isNotFound = (error: unknown): boolean => NOT_FOUND.has(errorName(error));
export const isAccessDenied = (error: unknown): boolean => ACCESS_DENIED.has(errorName(error));
export const isExpiredToken = (error: unknown): boolean => EXPIRED.has(errorName(error));
export const isThrottled = (error: unknown): boolean => THROTTLED.has(errorName(error));

/** A one-line description of an SDK error for a report: name, message, status; never a stack. */
export function describeError(error: unknown): string {
  const facts = errorFacts(error);
  const status = facts.httpStatusCode !== undefined ? ` (HTTP ${facts.httpStatusCode})` : '';
  return `${facts.name}: ${facts.message}${status}`;
}
