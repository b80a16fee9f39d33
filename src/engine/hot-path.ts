/**
 * The two calls every account costs, `sts:AssumeRoot` and `iam:GetAccountSummary`, the few more a
 * non-compliant account costs, and the Organizations account listing, sent with the SDK's own
 * parts instead of through a client's `send` (issue 12).
 *
 * A client's `send` builds a handler context, runs some twenty middleware (endpoint rules, user
 * agent, logging filters, checksums), serializes and parses through the schema layer
 * and the XML parser: about three times the CPU of signing and sending the request. At 10,000
 * accounts that, not the network, is the engine's limit on a Lambda's fraction of a core.
 *
 * What the client does that matters is kept, by calling the very same SDK code with the client's
 * resolved configuration:
 * - endpoint: the client's ruleset and standard configuration (`AWS_ENDPOINT_URL[_STS|_IAM|_ORGANIZATIONS]`,
 *   profile `endpoint_url`, FIPS/dual-stack, STS's regional endpoint), resolved once per client,
 *   since neither operation has an input that changes it;
 * - signing: the SDK's `AwsSdkSigV4Signer` with the client's signer, credentials provider and
 *   `systemClockOffset`, so clock-skew correction is the client's and is shared with it;
 * - retries: the SDK's `retryMiddleware` loop (see `withRetries`) with the client's retry strategy
 *   (the engine's shared one: adaptive rate limit, backoff, `Retry-After`), headers and
 *   `$metadata.attempts`;
 * - user agent: the headers the client's own `userAgentMiddleware` sets (features, app id,
 *   `customUserAgent`), taken once per client and operation;
 * - transport: the client's `requestHandler` (the engine's keep-alive pool);
 * - errors: any non-2xx response is parsed by the client's own protocol, so errors are the same
 *   typed exceptions (`ExpiredTokenException`, `AccessDenied`, ...) with the same `$metadata`
 *   and `$response` the client would throw. Only a 2xx body is read here, for the few fields used.
 */
import type { STSClient } from '@aws-sdk/client-sts';
import { AssumeRoot$, AssumeRootCommand } from '@aws-sdk/client-sts';
import type { IAMClient } from '@aws-sdk/client-iam';
import {
  GetAccountSummary$,
  GetAccountSummaryCommand,
  GetLoginProfile$,
  GetLoginProfileCommand,
  ListAccessKeys$,
  ListAccessKeysCommand,
  ListMFADevices$,
  ListMFADevicesCommand,
  ListSigningCertificates$,
  ListSigningCertificatesCommand,
} from '@aws-sdk/client-iam';
import type { OrganizationsClient } from '@aws-sdk/client-organizations';
import { ListAccountsForParent$, ListAccountsForParentCommand } from '@aws-sdk/client-organizations';
import { userAgentMiddleware } from '@aws-sdk/core/client';
import { AwsSdkSigV4Signer } from '@aws-sdk/core/httpAuthSchemes';
import {
  getEndpointFromInstructions,
  type EndpointParameterInstructionsSupplier,
} from '@smithy/core/endpoints';
import { HttpRequest, HttpResponse } from '@smithy/core/protocols';
import { getRetryAfterHint, isServerError, isThrottlingError, isTransientError } from '@smithy/core/retry';
import { operation } from '@smithy/core/schema';
import { randomUUID } from 'node:crypto';
import type {
  AwsCredentialIdentity,
  HandlerExecutionContext,
  RetryErrorInfo,
  RetryStrategyV2,
  SdkError,
  StaticOperationSchema,
} from '@smithy/types';

import type { SessionCredentials } from './clients';
import { isNotFound } from './errors';
import { transportFor, type Transport } from './transport';

/** The parts of a client's resolved configuration used here (all public SDK configuration). */
interface ClientConfig {
  readonly region: () => Promise<string>;
  readonly serviceId?: string;
  readonly requestHandler: {
    handle(request: HttpRequest): Promise<{ response: HttpResponse }>;
  };
  readonly streamCollector: (body: unknown) => Promise<Uint8Array>;
  readonly protocol: {
    deserializeResponse(schema: unknown, context: object, response: HttpResponse): Promise<unknown>;
  };
  readonly retryStrategy: () => Promise<unknown>;
  readonly maxAttempts: () => Promise<number>;
  readonly signer: (authScheme?: object) => Promise<unknown>;
  readonly disableClockSkewCorrection?: () => Promise<boolean>;
  systemClockOffset: number;
}

interface Operation {
  readonly action: string;
  readonly schema: StaticOperationSchema;
  readonly command: EndpointParameterInstructionsSupplier;
  readonly signingName: string;
  /** The protocol's own headers: the content type, and AWS JSON's `x-amz-target`. */
  readonly protocolHeaders: Readonly<Record<string, string>>;
}

/** An operation of the AWS Query protocol (STS, IAM): a form body naming the action and version. */
interface QueryOperation extends Operation {
  readonly version: string;
}

const queryOperation = (
  signingName: string,
  version: string,
  action: string,
  schema: StaticOperationSchema,
  command: EndpointParameterInstructionsSupplier,
): QueryOperation => ({
  action,
  version,
  schema,
  command,
  signingName,
  protocolHeaders: { 'content-type': 'application/x-www-form-urlencoded' },
});

/** An operation of the AWS JSON 1.1 protocol (Organizations): a JSON body, the action in `x-amz-target`. */
const jsonOperation = (
  signingName: string,
  targetPrefix: string,
  action: string,
  schema: StaticOperationSchema,
  command: EndpointParameterInstructionsSupplier,
): Operation => ({
  action,
  schema,
  command,
  signingName,
  protocolHeaders: {
    'content-type': 'application/x-amz-json-1.1',
    'x-amz-target': `${targetPrefix}.${action}`,
  },
});

const ASSUME_ROOT = queryOperation('sts', '2011-06-15', 'AssumeRoot', AssumeRoot$, AssumeRootCommand);

const iamOperation = (
  action: string,
  schema: StaticOperationSchema,
  command: EndpointParameterInstructionsSupplier,
): QueryOperation => queryOperation('iam', '2010-05-08', action, schema, command);

const GET_ACCOUNT_SUMMARY = iamOperation('GetAccountSummary', GetAccountSummary$, GetAccountSummaryCommand);

const GET_LOGIN_PROFILE = iamOperation('GetLoginProfile', GetLoginProfile$, GetLoginProfileCommand);
const LIST_ACCESS_KEYS = iamOperation('ListAccessKeys', ListAccessKeys$, ListAccessKeysCommand);
const LIST_SIGNING_CERTIFICATES = iamOperation(
  'ListSigningCertificates',
  ListSigningCertificates$,
  ListSigningCertificatesCommand,
);
const LIST_MFA_DEVICES = iamOperation('ListMFADevices', ListMFADevices$, ListMFADevicesCommand);
const LIST_ACCOUNTS_FOR_PARENT = jsonOperation(
  'organizations',
  'AWSOrganizationsV20161128',
  'ListAccountsForParent',
  ListAccountsForParent$,
  ListAccountsForParentCommand,
);

/** What is resolved once per client and operation. */
interface Prepared {
  readonly url: URL;
  /** The headers every request of the operation carries (endpoint headers, host, user agent). */
  readonly headers: Readonly<Record<string, string>>;
  readonly send: (request: HttpRequest) => Promise<HttpResponse>;
}

/** Per client configuration and action: the resolution while it runs, then what it resolved to. */
const prepared = new WeakMap<object, Map<string, Promise<Prepared> | Prepared>>();
const signer = new AwsSdkSigV4Signer();
/**
 * `AwsSdkSigV4Signer.sign` signs with the client's own signer, whose credentials provider is the
 * client's (the caller's, or the root session holding the client); its identity argument is unused.
 */
const UNUSED_IDENTITY: AwsCredentialIdentity = { accessKeyId: '', secretAccessKey: '' };

/** The operation's resolved settings: synchronously once resolved, so a call awaits nothing for them. */
function prepare(config: ClientConfig, op: Operation): Promise<Prepared> | Prepared {
  let byAction = prepared.get(config);
  if (byAction === undefined) {
    byAction = new Map();
    prepared.set(config, byAction);
  }
  const known = byAction.get(op.action);
  if (known !== undefined) return known;
  const resolving = prepareUncached(config, op);
  byAction.set(op.action, resolving);
  resolving.then(
    (ready) => byAction.set(op.action, ready),
    // A failed resolution (no region, a bad endpoint setting) is retried by the next call.
    () => byAction.delete(op.action),
  );
  return resolving;
}

async function prepareUncached(config: ClientConfig, op: Operation): Promise<Prepared> {
  const endpoint = await getEndpointFromInstructions({}, op.command, config);
  const scheme = endpoint.properties?.['authSchemes'] as Array<{ signingRegion?: string }> | undefined;
  const signingRegion = scheme?.[0]?.signingRegion ?? (await config.region());
  const context: HandlerExecutionContext = { endpointV2: endpoint };
  const userAgentHeaders = await userAgentOf(config, context);
  // The client's signer function builds a SignatureV4 from a copy of the whole configuration on
  // every call; the one built here is the same (the client's credentials provider, hash and
  // escaping), once. The clock offset stays the client's own field, read and corrected in place.
  const sigv4 = await config.signer(scheme?.[0]);
  const signingConfig = {
    signer: () => Promise.resolve(sigv4),
    disableClockSkewCorrection: config.disableClockSkewCorrection,
    get systemClockOffset(): number {
      return config.systemClockOffset;
    },
    set systemClockOffset(offset: number) {
      config.systemClockOffset = offset;
    },
  };
  const url = new URL(endpoint.url.href);
  const transport = transportFor(config);

  // One attempt: sign (with the clock offset as it is now), send, and hand a non-2xx response to
  // the client's protocol for its typed error; the signer's handlers correct the clock offset.
  // The signing properties are the attempt's own: the signer notes on them when it sent the
  // request and the offset it signed with, and the caller's STS client serves every worker at once.
  const attempt = async (request: HttpRequest): Promise<HttpResponse> => {
    const signingProperties = { config: signingConfig, context, signingRegion, signingName: op.signingName };
    const signed = (await signer.sign(request, UNUSED_IDENTITY, signingProperties)) as HttpRequest;
    try {
      const read =
        transport !== undefined
          ? await viaTransport(transport, url, signed)
          : await viaHandler(config, signed);
      if (read.statusCode < 200 || read.statusCode >= 300) {
        await failWith(config, op, context, read);
      }
      signer.successHandler(read, signingProperties);
      return read;
    } catch (error) {
      return signer.errorHandler(signingProperties)(error as Error);
    }
  };
  const strategy = (await config.retryStrategy()) as RetryStrategyV2;
  const maxAttempts = await config.maxAttempts();
  const headers: Record<string, string> = {
    ...(endpoint.headers !== undefined
      ? Object.fromEntries(Object.entries(endpoint.headers).map(([k, v]) => [k, v.join(',')]))
      : {}),
    host: url.host,
    ...op.protocolHeaders,
    ...userAgentHeaders,
  };
  return { url, headers, send: (request) => withRetries(strategy, maxAttempts, request, attempt) };
}

/**
 * The user agent headers the client's own `userAgentMiddleware` sets (in Node: the full agent in
 * `user-agent`, with the client's features, `customUserAgent` and app id, the standard
 * `AWS_SDK_UA_APP_ID` / `sdk_ua_app_id` included; the `aws-sdk-js` part alone in
 * `x-amz-user-agent`), taken by running that middleware once over an empty request.
 */
async function userAgentOf(
  config: ClientConfig,
  context: HandlerExecutionContext,
): Promise<Record<string, string>> {
  const request = new HttpRequest({ headers: {} });
  const capture = userAgentMiddleware(config as unknown as Parameters<typeof userAgentMiddleware>[0])(
    (args) => Promise.resolve({ output: args.input as object, response: undefined }),
    { ...context },
  );
  await capture({ request, input: {} });
  return { ...request.headers };
}

async function viaTransport(transport: Transport, url: URL, signed: HttpRequest): Promise<HttpResponse> {
  const response = await transport.send(url, signed.headers, signed.body as string);
  return new HttpResponse(response);
}

/** A client the engine did not build sends through its own request handler. */
async function viaHandler(config: ClientConfig, signed: HttpRequest): Promise<HttpResponse> {
  const { response } = await config.requestHandler.handle(signed);
  const bytes = await config.streamCollector(response.body);
  return new HttpResponse({ ...response, body: bytes });
}

/**
 * The SDK's `retryMiddleware` loop for a `RetryStrategyV2` (@smithy/core 3.41), line for line:
 * the same invocation and attempt headers, the SDK's error classification and `Retry-After`
 * parsing, and `$metadata.attempts`/`totalRetryDelay` on the error that ends it. Written out
 * because the middleware re-resolves its providers and builds its invocation id in JavaScript on
 * every call; the strategy (the client's, so the engine's shared one) is resolved once instead.
 */
async function withRetries(
  strategy: RetryStrategyV2,
  maxAttempts: number,
  request: HttpRequest,
  attempt: (request: HttpRequest) => Promise<HttpResponse>,
): Promise<HttpResponse> {
  let token = await strategy.acquireInitialRetryToken('');
  let attempts = 0;
  let totalRetryDelay = 0;
  request.headers['amz-sdk-invocation-id'] = randomUUID();
  for (;;) {
    try {
      request.headers['amz-sdk-request'] = `attempt=${attempts + 1}; max=${maxAttempts}`;
      const response = await attempt(request);
      strategy.recordSuccess(token);
      return response;
    } catch (caught) {
      const error = asSdkError(caught);
      const retryAfterHint = getRetryAfterHint((caught as { $response?: unknown }).$response);
      const info: RetryErrorInfo = {
        error: caught as SdkError,
        errorType: isThrottlingError(caught as SdkError)
          ? 'THROTTLING'
          : isTransientError(caught as SdkError)
            ? 'TRANSIENT'
            : isServerError(caught as SdkError)
              ? 'SERVER_ERROR'
              : 'CLIENT_ERROR',
        ...(retryAfterHint !== undefined ? { retryAfterHint } : {}),
      };
      try {
        token = await strategy.refreshRetryTokenForRetry(token, info);
      } catch {
        const metadata = ((error as { $metadata?: Record<string, unknown> }).$metadata ??= {});
        metadata['attempts'] = attempts + 1;
        metadata['totalRetryDelay'] = totalRetryDelay;
        throw error;
      }
      attempts = token.getRetryCount();
      const delay = token.getRetryDelay();
      totalRetryDelay += delay;
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/** The middleware's `asSdkError`: what is thrown is always an Error carrying `$metadata`. */
function asSdkError(error: unknown): Error {
  if (error instanceof Error) return error;
  if (error instanceof Object) return Object.assign(new Error(), error);
  if (typeof error === 'string') return new Error(error);
  return new Error(`AWS SDK error wrapper for ${String(error)}`);
}

/** Throws the client's own typed error for a non-2xx response, with `$response` as the client sets it. */
async function failWith(
  config: ClientConfig,
  op: Operation,
  context: HandlerExecutionContext,
  response: HttpResponse,
): Promise<never> {
  const [, namespace, name, traits, input, output] = op.schema;
  try {
    await config.protocol.deserializeResponse(
      operation(namespace, name, traits, input, output),
      { ...config, ...context },
      response,
    );
  } catch (error) {
    if (error instanceof Object) {
      Object.defineProperty(error, '$response', { value: response, enumerable: false });
    }
    throw error;
  }
  throw new Error(`${op.action} answered HTTP ${response.statusCode} and the SDK read no error from it`);
}

/** The SDK's query encoding: RFC 3986, so `!'()*` are escaped too. */
function encode(value: string): string {
  const encoded = encodeURIComponent(value);
  return /[!'()*]/.test(encoded)
    ? encoded.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    : encoded;
}

/** One call of `op` with `body` (already in the protocol's encoding): the 2xx response body as text. */
async function call(client: { config: object }, op: Operation, body: string): Promise<string> {
  const config = client.config as ClientConfig;
  const known = prepare(config, op);
  const ready = known instanceof Promise ? await known : known;
  const { url } = ready;
  const request = new HttpRequest({
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port !== '' ? { port: Number(url.port) } : {}),
    method: 'POST',
    path: url.pathname,
    query: {},
    headers: { ...ready.headers, 'content-length': String(Buffer.byteLength(body)) },
    body,
  });
  const response = await ready.send(request);
  const bytes = response.body as Uint8Array;
  return Buffer.isBuffer(bytes)
    ? bytes.toString('utf8')
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/** A Query call: the form body as the SDK's serializer writes it (action, version, then the parameters). */
function query(
  client: { config: object },
  op: QueryOperation,
  params: ReadonlyArray<readonly [string, string]>,
): Promise<string> {
  let body = `Action=${op.action}&Version=${op.version}`;
  for (const [key, value] of params) body += `&${encode(key)}=${encode(value)}`;
  return call(client, op, body);
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeXml(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, entity: string) => {
    if (entity.startsWith('#x')) return String.fromCodePoint(parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(parseInt(entity.slice(1), 10));
    return ENTITIES[entity] ?? whole;
  });
}

const elementPatterns = new Map<string, RegExp>();

function element(xml: string, name: string): string | undefined {
  let pattern = elementPatterns.get(name);
  if (pattern === undefined) {
    pattern = new RegExp(`<${name}>([^<]*)</${name}>`);
    elementPatterns.set(name, pattern);
  }
  const match = pattern.exec(xml);
  return match?.[1] === undefined ? undefined : decodeXml(match[1]);
}

/** `sts:AssumeRoot` with the STS client's configuration; the session credentials, or undefined when the response has none. */
export async function assumeRoot(
  sts: STSClient,
  input: { targetPrincipal: string; taskPolicyArn: string; durationSeconds: number },
): Promise<SessionCredentials | undefined> {
  const xml = await query(sts, ASSUME_ROOT, [
    ['TargetPrincipal', input.targetPrincipal],
    ['TaskPolicyArn.arn', input.taskPolicyArn],
    ['DurationSeconds', String(input.durationSeconds)],
  ]);
  const credentials = /<Credentials>([\s\S]*?)<\/Credentials>/.exec(xml)?.[1] ?? '';
  const accessKeyId = element(credentials, 'AccessKeyId');
  const secretAccessKey = element(credentials, 'SecretAccessKey');
  const sessionToken = element(credentials, 'SessionToken');
  if (!accessKeyId || !secretAccessKey || !sessionToken) return undefined;
  return { accessKeyId, secretAccessKey, sessionToken };
}

/**
 * `iam:GetAccountSummary` with the (root session's) IAM client: the SummaryMap's values for
 * `keys` (a key the map lacks is left out). Only the named entries are read, each found with one
 * `indexOf`: the engine needs four of the map's ~40, and walking them all (first with a capturing
 * regex, then entry by entry) was the hot path's largest cost of its own (issue 12). The keys are
 * the SDK's `SummaryKeyType` names, plain words that XML never escapes.
 */
export async function getAccountSummary<K extends string>(
  iam: IAMClient,
  keys: readonly K[],
): Promise<Partial<Record<K, number>>> {
  const xml = await query(iam, GET_ACCOUNT_SUMMARY, []);
  const start = xml.indexOf('<SummaryMap>');
  const end = xml.indexOf('</SummaryMap>', start);
  if (start < 0 || end < 0) throw new Error('GetAccountSummary answered without a SummaryMap');
  const summary: Partial<Record<K, number>> = {};
  for (const key of keys) {
    const at = xml.indexOf(`<key>${key}</key>`, start);
    if (at < 0 || at > end) continue;
    const valueStart = xml.indexOf('<value>', at);
    const valueEnd = xml.indexOf('</value>', valueStart);
    if (valueStart < 0 || valueEnd < 0 || valueEnd > end) continue;
    summary[key] = Number(xml.slice(valueStart + 7, valueEnd));
  }
  return summary;
}

/**
 * Every page of an IAM list operation, as the SDK's paginator walks it: the next page is asked
 * for with the `Marker` of the last one for as long as a page carries one.
 */
async function allPages(iam: IAMClient, op: QueryOperation, item: string): Promise<string[]> {
  const items: string[] = [];
  let marker: string | undefined;
  do {
    const xml = await query(iam, op, marker === undefined ? [] : [['Marker', marker]]);
    for (const match of xml.matchAll(new RegExp(`<${item}>([^<]*)</${item}>`, 'g'))) {
      if (match[1]) items.push(decodeXml(match[1]));
    }
    marker = element(xml, 'Marker') || undefined;
  } while (marker !== undefined);
  return items;
}

/** `iam:GetLoginProfile` with a root session's client: whether the root user has a password (NoSuchEntity: none). */
export async function hasLoginProfile(iam: IAMClient): Promise<boolean> {
  try {
    await query(iam, GET_LOGIN_PROFILE, []);
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/** `iam:ListAccessKeys`, every page: the root user's access key ids. */
export function listAccessKeyIds(iam: IAMClient): Promise<string[]> {
  return allPages(iam, LIST_ACCESS_KEYS, 'AccessKeyId');
}

/** `iam:ListSigningCertificates`, every page: the root user's certificate ids. */
export function listSigningCertificateIds(iam: IAMClient): Promise<string[]> {
  return allPages(iam, LIST_SIGNING_CERTIFICATES, 'CertificateId');
}

/** `iam:ListMFADevices`, every page: the serial numbers (ARNs for virtual devices) of the root user's MFA devices. */
export function listMfaSerials(iam: IAMClient): Promise<string[]> {
  return allPages(iam, LIST_MFA_DEVICES, 'SerialNumber');
}

/** What `organizations:ListAccountsForParent` answers for each account (the fields the engine reads). */
export interface ListedAccount {
  readonly Id?: string;
  readonly Name?: string;
  readonly State?: string;
  readonly Status?: string;
}

/**
 * `organizations:ListAccountsForParent` with the Organizations client's configuration, a page at
 * a time, following `NextToken` as the SDK's paginator does. At 20 accounts a page it is the one
 * listing whose calls grow with the organization (100 of them for 2,000 accounts), so it takes
 * the hot path; a missing parent throws the client's `ParentNotFoundException`.
 */
export async function* listAccountsForParent(
  organizations: OrganizationsClient,
  parentId: string,
): AsyncGenerator<ListedAccount[]> {
  let nextToken: string | undefined;
  do {
    const text = await call(
      organizations,
      LIST_ACCOUNTS_FOR_PARENT,
      JSON.stringify(
        nextToken === undefined ? { ParentId: parentId } : { ParentId: parentId, NextToken: nextToken },
      ),
    );
    const page = JSON.parse(text) as { Accounts?: ListedAccount[]; NextToken?: string | null };
    yield page.Accounts ?? [];
    nextToken = page.NextToken ?? undefined;
  } while (nextToken !== undefined);
}
