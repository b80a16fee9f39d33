/**
 * The two calls every account costs, `sts:AssumeRoot` and `iam:GetAccountSummary`, sent with the
 * SDK's own parts instead of through a client's `send` (issue 12).
 *
 * A client's `send` builds a handler context, runs some twenty middleware (endpoint rules, user
 * agent formatting, logging filters, checksums), serializes and parses through the schema layer
 * and the XML parser: about three times the CPU of signing and sending the request. At 10,000
 * accounts that, not the network, is the engine's limit on a Lambda's fraction of a core.
 *
 * What the client does that matters is kept, by calling the very same SDK code with the client's
 * resolved configuration:
 * - endpoint: the client's ruleset and standard configuration (`AWS_ENDPOINT_URL[_STS|_IAM]`,
 *   profile `endpoint_url`, FIPS/dual-stack, STS's regional endpoint), resolved once per client,
 *   since neither operation has an input that changes it;
 * - signing: the SDK's `AwsSdkSigV4Signer` with the client's signer, credentials provider and
 *   `systemClockOffset`, so clock-skew correction is the client's and is shared with it;
 * - retries: the SDK's `retryMiddleware` with the client's retry strategy (the engine's shared
 *   one: adaptive rate limit, backoff, `Retry-After`), headers and `$metadata.attempts`;
 * - transport: the client's `requestHandler` (the engine's keep-alive pool);
 * - errors: any non-2xx response is parsed by the client's own protocol, so errors are the same
 *   typed exceptions (`ExpiredTokenException`, `AccessDenied`, ...) with the same `$metadata`
 *   and `$response` the client would throw. Only a 2xx body is read here, for the few fields used.
 */
import type { STSClient } from '@aws-sdk/client-sts';
import { AssumeRoot$, AssumeRootCommand } from '@aws-sdk/client-sts';
import type { IAMClient } from '@aws-sdk/client-iam';
import { GetAccountSummary$, GetAccountSummaryCommand } from '@aws-sdk/client-iam';
import { AwsSdkSigV4Signer } from '@aws-sdk/core';
import {
  getEndpointFromInstructions,
  type EndpointParameterInstructionsSupplier,
} from '@smithy/core/endpoints';
import { HttpRequest, HttpResponse } from '@smithy/core/protocols';
import { retryMiddleware } from '@smithy/core/retry';
import { operation } from '@smithy/core/schema';
import type {
  AwsCredentialIdentity,
  EndpointV2,
  FinalizeHandlerArguments,
  HandlerExecutionContext,
  MetadataBearer,
  StaticOperationSchema,
} from '@smithy/types';

import type { SessionCredentials } from './clients';

/** The parts of a client's resolved configuration used here (all public SDK configuration). */
interface QueryConfig {
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
  readonly defaultUserAgentProvider: () => Promise<ReadonlyArray<readonly [string, string?]>>;
  readonly signer: (authScheme?: object) => Promise<unknown>;
  readonly disableClockSkewCorrection?: () => Promise<boolean>;
  systemClockOffset: number;
}

interface Operation {
  readonly action: string;
  readonly version: string;
  readonly schema: StaticOperationSchema;
  readonly command: EndpointParameterInstructionsSupplier;
  readonly signingName: string;
}

const ASSUME_ROOT: Operation = {
  action: 'AssumeRoot',
  version: '2011-06-15',
  schema: AssumeRoot$,
  command: AssumeRootCommand,
  signingName: 'sts',
};

const GET_ACCOUNT_SUMMARY: Operation = {
  action: 'GetAccountSummary',
  version: '2010-05-08',
  schema: GetAccountSummary$,
  command: GetAccountSummaryCommand,
  signingName: 'iam',
};

/** What is resolved once per client and operation. */
interface Prepared {
  readonly endpoint: EndpointV2;
  readonly url: URL;
  readonly signingRegion: string;
  readonly userAgent: string;
  readonly send: (request: HttpRequest) => Promise<{ response: HttpResponse; output: MetadataBearer }>;
}

const prepared = new WeakMap<object, Map<string, Promise<Prepared>>>();
const signer = new AwsSdkSigV4Signer();
/**
 * `AwsSdkSigV4Signer.sign` signs with the client's own signer, whose credentials provider is the
 * client's (the caller's, or the root session holding the client); its identity argument is unused.
 */
const UNUSED_IDENTITY: AwsCredentialIdentity = { accessKeyId: '', secretAccessKey: '' };

function prepare(config: QueryConfig, op: Operation): Promise<Prepared> {
  let byAction = prepared.get(config);
  if (byAction === undefined) {
    byAction = new Map();
    prepared.set(config, byAction);
  }
  let ready = byAction.get(op.action);
  if (ready === undefined) {
    ready = prepareUncached(config, op);
    // A failed resolution (no region, a bad endpoint setting) is retried by the next call.
    ready.catch(() => byAction.delete(op.action));
    byAction.set(op.action, ready);
  }
  return ready;
}

async function prepareUncached(config: QueryConfig, op: Operation): Promise<Prepared> {
  const endpoint = await getEndpointFromInstructions({}, op.command, config);
  const scheme = endpoint.properties?.['authSchemes'] as Array<{ signingRegion?: string }> | undefined;
  const signingRegion = scheme?.[0]?.signingRegion ?? (await config.region());
  const userAgent = (await config.defaultUserAgentProvider())
    .map(([name, version]) => (version === undefined ? name : `${name}/${version}`))
    .join(' ');
  const context: HandlerExecutionContext = { endpointV2: endpoint };
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
  const signingProperties = { config: signingConfig, context, signingRegion, signingName: op.signingName };

  // One attempt: sign (with the clock offset as it is now), send, and hand a non-2xx response to
  // the client's protocol for its typed error; the signer's handlers correct the clock offset.
  const attempt = async (
    args: FinalizeHandlerArguments<object>,
  ): Promise<{ response: HttpResponse; output: MetadataBearer }> => {
    const signed = (await signer.sign(
      args.request as HttpRequest,
      UNUSED_IDENTITY,
      signingProperties,
    )) as HttpRequest;
    try {
      const { response } = await config.requestHandler.handle(signed);
      const bytes = await config.streamCollector(response.body);
      const read = new HttpResponse({ ...response, body: bytes });
      if (read.statusCode < 200 || read.statusCode >= 300) {
        await failWith(config, op, context, read);
      }
      signer.successHandler(read, signingProperties);
      return { response: read, output: { $metadata: { httpStatusCode: read.statusCode } } };
    } catch (error) {
      return signer.errorHandler(signingProperties)(error as Error);
    }
  };
  const retrying = retryMiddleware(config as never)(attempt as never, context) as (
    args: FinalizeHandlerArguments<object>,
  ) => Promise<{ response: HttpResponse; output: MetadataBearer }>;

  return {
    endpoint,
    url: new URL(endpoint.url.href),
    signingRegion,
    userAgent,
    send: (request) => retrying({ request, input: {} }),
  };
}

/** Throws the client's own typed error for a non-2xx response, with `$response` as the client sets it. */
async function failWith(
  config: QueryConfig,
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
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

async function call(
  client: { config: object },
  op: Operation,
  params: ReadonlyArray<readonly [string, string]>,
): Promise<string> {
  const config = client.config as QueryConfig;
  const ready = await prepare(config, op);
  const body =
    `Action=${op.action}&Version=${op.version}` +
    params.map(([key, value]) => `&${encode(key)}=${encode(value)}`).join('');
  const { url } = ready;
  const request = new HttpRequest({
    protocol: url.protocol,
    hostname: url.hostname,
    ...(url.port !== '' ? { port: Number(url.port) } : {}),
    method: 'POST',
    path: url.pathname,
    query: {},
    headers: {
      ...(ready.endpoint.headers !== undefined
        ? Object.fromEntries(Object.entries(ready.endpoint.headers).map(([k, v]) => [k, v.join(',')]))
        : {}),
      host: url.host,
      'content-type': 'application/x-www-form-urlencoded',
      'content-length': String(Buffer.byteLength(body)),
      'user-agent': ready.userAgent,
      'x-amz-user-agent': ready.userAgent,
    },
    body,
  });
  const { response } = await ready.send(request);
  return Buffer.from(response.body as Uint8Array).toString('utf8');
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeXml(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, entity: string) => {
    if (entity.startsWith('#x')) return String.fromCodePoint(parseInt(entity.slice(2), 16));
    if (entity.startsWith('#')) return String.fromCodePoint(parseInt(entity.slice(1), 10));
    return ENTITIES[entity] ?? whole;
  });
}

function element(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  return match?.[1] === undefined ? undefined : decodeXml(match[1]);
}

/** `sts:AssumeRoot` with the STS client's configuration; the session credentials, or undefined when the response has none. */
export async function assumeRoot(
  sts: STSClient,
  input: { targetPrincipal: string; taskPolicyArn: string; durationSeconds: number },
): Promise<SessionCredentials | undefined> {
  const xml = await call(sts, ASSUME_ROOT, [
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

/** `iam:GetAccountSummary` with the (root session's) IAM client: its SummaryMap. */
export async function getAccountSummary(iam: IAMClient): Promise<Record<string, number>> {
  const xml = await call(iam, GET_ACCOUNT_SUMMARY, []);
  const map = /<SummaryMap>([\s\S]*?)<\/SummaryMap>/.exec(xml)?.[1];
  if (map === undefined) throw new Error('GetAccountSummary answered without a SummaryMap');
  const summary: Record<string, number> = {};
  for (const entry of map.matchAll(/<entry>\s*<key>([^<]*)<\/key>\s*<value>([^<]*)<\/value>\s*<\/entry>/g)) {
    summary[decodeXml(entry[1] ?? '')] = Number(entry[2]);
  }
  return summary;
}
