/**
 * Picks the service a request is for from its shape alone, as AWS's front doors do: JSON
 * services by `X-Amz-Target`, query services by the form `Action` and the SigV4 signing name,
 * REST services other than S3 (Lambda, Scheduler) by the signing name, and everything else is
 * S3's REST API (path-style or `bucket.localhost` virtual hosts).
 *
 * With forwarding on (a `moto` route registered), {@link resolveRoute} then splits protocols the
 * emulator shares with moto: the emulator keeps what it models (Organizations, STS, S3, the IAM
 * organization-feature and root-credential calls, anything a root session signs, the queues of
 * its scenario, Lambda Invoke) and moto gets the rest (IAM roles, SQS queues, Lambda functions,
 * Logs, EventBridge, Scheduler, SNS, CloudWatch).
 */
import type { RawRequest, RawResponse, RequestContext } from '../model/request';
import { EMULATED_IAM_ACTIONS } from '../services/iam';
import type { SignatureInfo } from './sigv4';

/** A request as routes see it: the parsed view plus the bytes on the wire, which forwarding needs. */
export interface RoutedRequest extends RawRequest {
  /** Path exactly as received, still percent-encoded. */
  rawPath: string;
  /** Query string exactly as received, without the `?`. */
  rawQuery: string;
}

/** What answers one route: a service the emulator models, or a forwarder. */
export interface RouteHandler {
  readonly service: string;
  handle(request: RoutedRequest, ctx: RequestContext): Promise<RawResponse> | RawResponse;
  actionOf(request: RoutedRequest): string;
  /**
   * Set on forwarders: no latency or fault injection (faults model AWS's behaviour towards the
   * reconciler, not the plumbing Terraform needs), and the call log marks the call `forwarded`.
   */
  readonly forwarded?: boolean;
}

/**
 * The services the server can answer, keyed by route name. Keys are strings, not
 * `ServiceName`, so forwarding routes ({@link MOTO_ROUTE}, {@link LAMBDA_INVOKE_ROUTE}) sit beside
 * the modelled services without touching them.
 */
export type ServiceRegistry = ReadonlyMap<string, RouteHandler>;

/** Everything the emulator does not model goes here when registered. */
export const MOTO_ROUTE = 'moto';
/** `POST /2015-03-31/functions/{name}/invocations`, never forwarded. */
export const LAMBDA_INVOKE_ROUTE = 'lambda:invoke';

const TARGET_PREFIXES: ReadonlyArray<readonly [string, string]> = [
  ['AWSOrganizationsV20161128.', 'organizations'],
  ['AmazonSQS.', 'sqs'],
];

const QUERY_VERSIONS: Record<string, string> = { '2011-06-15': 'sts', '2010-05-08': 'iam' };

/** REST services that are not S3, recognised by their signing name. */
const REST_SERVICES = new Set(['lambda', 'scheduler']);

const INVOKE_PATH = /^\/2015-03-31\/functions\/[^/]+\/invocations\/?$/;

export interface RouteInput {
  method: string;
  headers: Record<string, string>;
  query: URLSearchParams;
  /** Parsed form body when the request is form-encoded. */
  form?: URLSearchParams;
  signature?: SignatureInfo;
  /** Path as received; needed to tell Lambda Invoke from function management. */
  rawPath?: string;
  /** Raw body; read only to find an SQS `QueueUrl` when forwarding is on. */
  body?: string;
}

export function routeOf(input: RouteInput): string {
  const target = input.headers['x-amz-target'];
  if (target !== undefined) {
    for (const [prefix, service] of TARGET_PREFIXES) if (target.startsWith(prefix)) return service;
    // An unknown JSON service: route by signing name so a forwarder can claim it.
    return input.signature?.service ?? 'unknown';
  }
  const action = input.form?.get('Action') ?? input.query.get('Action');
  if (action !== null && action !== undefined && input.signature?.service !== 's3') {
    if (input.signature !== undefined) return input.signature.service;
    const version = input.form?.get('Version') ?? input.query.get('Version') ?? '';
    return QUERY_VERSIONS[version] ?? 'unknown';
  }
  const signingName = input.signature?.service;
  if (signingName !== undefined && REST_SERVICES.has(signingName)) return signingName;
  return 's3';
}

export interface RouteFacts {
  /** Whether the request is signed by a root session (those always stay in the emulator). */
  rootSession: boolean;
  /** Whether the emulator's scenario holds the queue at this URL. */
  ownsQueue(queueUrl: string): boolean;
}

/** The registry key that answers this request: {@link routeOf}, then the forwarding split. */
export function resolveRoute(input: RouteInput, registry: ServiceRegistry, facts: RouteFacts): string {
  const service = routeOf(input);
  if (
    service === 'lambda' &&
    input.method === 'POST' &&
    registry.has(LAMBDA_INVOKE_ROUTE) &&
    INVOKE_PATH.test(input.rawPath ?? '')
  ) {
    return LAMBDA_INVOKE_ROUTE;
  }
  if (!registry.has(MOTO_ROUTE) || ownedByEmulator(service, input, facts)) return service;
  return MOTO_ROUTE;
}

function ownedByEmulator(service: string, input: RouteInput, facts: RouteFacts): boolean {
  switch (service) {
    case 'sts':
    case 'organizations':
    case 's3':
      return true;
    case 'iam':
      return (
        facts.rootSession ||
        EMULATED_IAM_ACTIONS.has(input.form?.get('Action') ?? input.query.get('Action') ?? '')
      );
    case 'sqs': {
      if (facts.rootSession) return true;
      const queueUrl = sqsQueueUrl(input.body);
      return queueUrl !== undefined && facts.ownsQueue(queueUrl);
    }
    default:
      return false;
  }
}

function sqsQueueUrl(body: string | undefined): string | undefined {
  if (body === undefined || !body.includes('QueueUrl')) return undefined;
  try {
    const parsed = JSON.parse(body) as unknown;
    if (typeof parsed === 'object' && parsed !== null) {
      const url = (parsed as Record<string, unknown>)['QueueUrl'];
      return typeof url === 'string' ? url : undefined;
    }
  } catch {
    // Not JSON: the SQS service renders the error.
  }
  return undefined;
}

export function isFormEncoded(headers: Record<string, string>): boolean {
  return (headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
}

/**
 * The bucket named by a virtual-host-style request (`my-bucket.localhost:4566`,
 * `my-bucket.s3.localhost`), or undefined for path-style.
 */
export function virtualHostBucket(host: string | undefined): string | undefined {
  if (host === undefined) return undefined;
  const name = host.replace(/:\d+$/, '').toLowerCase();
  if (!name.endsWith('.localhost')) return undefined;
  const label = name.slice(0, -'.localhost'.length).replace(/(^|\.)s3$/, '');
  return label === '' ? undefined : label;
}
