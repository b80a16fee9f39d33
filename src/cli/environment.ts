/**
 * What can be wrong with the operator's AWS setup, said in one line with the fix, before the SDK gets
 * to word it (`CredentialsProviderError: Could not load credentials from any providers`, an 8-line
 * profile warning, `UnknownError (HTTP 404)`). Checked up front where it can be (a profile that does
 * not exist, an endpoint URL without a scheme), recognised afterwards where it cannot (no
 * credentials, an endpoint that is not AWS). Each ends the run with exit code 3.
 */
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export type Env = Readonly<Record<string, string | undefined>>;

/** A problem with the environment the tool runs in: printed as one `error:` line, exit 3. */
export class EnvironmentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvironmentError';
  }
}

/** Profile names in the shared config and credentials files, as the SDK reads them. */
export function sharedProfiles(
  env: Env,
  readFile: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): {
  names: Set<string>;
  files: string[];
} {
  const home = env['HOME'] ?? homedir();
  const files = [
    env['AWS_CONFIG_FILE'] ?? join(home, '.aws', 'config'),
    env['AWS_SHARED_CREDENTIALS_FILE'] ?? join(home, '.aws', 'credentials'),
  ];
  const names = new Set<string>();
  files.forEach((file, index) => {
    let text: string;
    try {
      text = readFile(file);
    } catch {
      return;
    }
    for (const match of text.matchAll(/^\s*\[\s*([^\]]+?)\s*\]/gm)) {
      const section = match[1] ?? '';
      // In the config file a named profile is `[profile NAME]` (`[default]` alone is allowed);
      // `[sso-session x]` and `[services x]` are not profiles.
      if (index === 0) {
        const named = /^profile\s+(.+)$/.exec(section);
        if (named?.[1] !== undefined) names.add(named[1].trim());
        else if (section === 'default') names.add('default');
      } else {
        names.add(section);
      }
    }
  });
  return { names, files };
}

/** Throws an {@link EnvironmentError} for a profile that does not exist or an endpoint that is not a URL. */
export function checkEnvironment(
  env: Env,
  profileFlag: string | undefined,
  readFile?: (path: string) => string,
): void {
  const profile = profileFlag ?? (env['AWS_PROFILE'] !== '' ? env['AWS_PROFILE'] : undefined);
  if (profile !== undefined) {
    const { names, files } = sharedProfiles(env, readFile);
    if (!names.has(profile)) {
      const source = profileFlag !== undefined ? '--profile' : 'AWS_PROFILE';
      const known = [...names].sort();
      throw new EnvironmentError(
        `${source}: no profile named ${JSON.stringify(profile)} in ${files.join(' or ')}${known.length > 0 ? ` (profiles there: ${known.join(', ')})` : ' (no profiles there)'}; create it (aws configure --profile ${profile}, or aws configure sso) or name an existing one`,
      );
    }
  }
  for (const [name, value] of Object.entries(env)) {
    if (!/^AWS_ENDPOINT_URL(_[A-Z0-9_]+)?$/.test(name) || value === undefined || value === '') continue;
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (url === undefined || !/^https?:$/.test(url.protocol) || url.hostname === '') {
      throw new EnvironmentError(
        `${name}: ${JSON.stringify(value)} is not an http(s) URL; write it with its scheme, e.g. http://${value.replace(/^[a-z]+:\/\//i, '')}, or unset it to use AWS's own endpoints`,
      );
    }
  }
}

function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let current = error; current !== undefined && current !== null && chain.length < 8;) {
    chain.push(current);
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}

function field(error: unknown, key: string): unknown {
  return typeof error === 'object' && error !== null ? (error as Record<string, unknown>)[key] : undefined;
}

function text(error: unknown, key: string): string {
  const value = field(error, key);
  return typeof value === 'string' ? value : '';
}

/**
 * One line saying what went wrong with the AWS setup and what to do, or undefined for anything that
 * is not a setup problem (those keep the generic line and the --debug hint).
 */
export function diagnoseSetupFailure(error: unknown, env: Env): string | undefined {
  const endpoint = env['AWS_ENDPOINT_URL'];
  const where =
    endpoint !== undefined && endpoint !== '' ? `AWS_ENDPOINT_URL ${endpoint}` : 'the AWS endpoint';
  for (const cause of causes(error)) {
    const name = text(cause, 'name');
    const message = text(cause, 'message');
    const code = text(cause, 'code');
    const status = (field(cause, '$metadata') as { httpStatusCode?: number } | undefined)?.httpStatusCode;
    if (name === 'CredentialsProviderError' || /Could not load credentials/.test(message)) {
      return 'no AWS credentials found: set AWS_PROFILE (or --profile) to a profile of the management account (or the IAM delegated administrator), or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; for SSO profiles run aws sso login first';
    }
    if (
      /^(ExpiredToken|ExpiredTokenException|RequestExpired)$/.test(name) ||
      /token.*expired/i.test(message)
    ) {
      return `the AWS credentials have expired (${name}): refresh them (aws sso login, or a new session token) and run again`;
    }
    if (
      /^(InvalidClientTokenId|UnrecognizedClientException|SignatureDoesNotMatch|InvalidSignatureException)$/.test(
        name,
      )
    ) {
      return `AWS rejected the credentials (${name}): the access key is unknown or the secret is wrong; check AWS_PROFILE / AWS_ACCESS_KEY_ID and run again`;
    }
    if (
      /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH)$/.test(code) ||
      /ECONNREFUSED|ENOTFOUND|EAI_AGAIN/.test(message)
    ) {
      const what = code || (/\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN)\b[^;)]*/.exec(message)?.[0] ?? message);
      return `cannot reach ${where} (${what}): check the network${endpoint ? ', and that AWS_ENDPOINT_URL points at a running endpoint' : ''}, then run again`;
    }
    if ((name === 'Unknown' || name === 'UnknownError') && status !== undefined) {
      return `${where} answered HTTP ${status}, which is not an AWS API response: point AWS_ENDPOINT_URL at an AWS-compatible endpoint, or unset it`;
    }
    if (name === 'SyntaxError' && /JSON|Unexpected token/.test(message)) {
      // The SDK keeps the raw response on the error; its status tells a 404 page from a stray server.
      const answered =
        (field(cause, '$response') as { statusCode?: number } | undefined)?.statusCode ??
        Number(/\(HTTP (\d{3})\)/.exec(message)?.[1] ?? Number.NaN);
      const what = Number.isInteger(answered) ? `HTTP ${answered} with a body that` : 'something that';
      return `${where} answered ${what} is not an AWS API response: point AWS_ENDPOINT_URL at an AWS-compatible endpoint, or unset it`;
    }
    if (name === 'AWSOrganizationsNotInUseException') {
      return "the caller is not in an AWS organization (AWSOrganizationsNotInUseException): use credentials of the organization's management account or of the IAM delegated administrator";
    }
    if (name === 'AccessDeniedException' && /organizations/i.test(message)) {
      return `AWS Organizations refused the caller (AccessDeniedException): use credentials of the management account or of a delegated administrator allowed organizations:List*/Describe*`;
    }
  }
  return undefined;
}
