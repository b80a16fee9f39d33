/**
 * Picks the service a request is for from its shape alone, as AWS's front doors do: JSON
 * services by `X-Amz-Target`, query services by the form `Action` and the SigV4 signing name,
 * and everything else is S3's REST API (path-style or `bucket.localhost` virtual hosts).
 */
import type { ServiceHandler } from '../model/service';
import type { SignatureInfo } from './sigv4';

/**
 * The services the server can answer, keyed by route name. Keys are strings, not
 * `ServiceName`, so a later route (a moto forwarder, Lambda Invoke in a child process) can be
 * registered under the signing name it arrives with, without touching the router.
 */
export type ServiceRegistry = ReadonlyMap<string, ServiceHandler>;

const TARGET_PREFIXES: ReadonlyArray<readonly [string, string]> = [
  ['AWSOrganizationsV20161128.', 'organizations'],
  ['AmazonSQS.', 'sqs'],
];

const QUERY_VERSIONS: Record<string, string> = { '2011-06-15': 'sts', '2010-05-08': 'iam' };

export interface RouteInput {
  method: string;
  headers: Record<string, string>;
  query: URLSearchParams;
  /** Parsed form body when the request is form-encoded. */
  form?: URLSearchParams;
  signature?: SignatureInfo;
}

export function routeOf(input: RouteInput): string {
  const target = input.headers['x-amz-target'];
  if (target !== undefined) {
    for (const [prefix, service] of TARGET_PREFIXES) if (target.startsWith(prefix)) return service;
    // An unknown JSON service: route by signing name so a forwarder can claim it later.
    return input.signature?.service ?? 'unknown';
  }
  const action = input.form?.get('Action') ?? input.query.get('Action');
  if (action !== null && action !== undefined && input.signature?.service !== 's3') {
    if (input.signature !== undefined) return input.signature.service;
    const version = input.form?.get('Version') ?? input.query.get('Version') ?? '';
    return QUERY_VERSIONS[version] ?? 'unknown';
  }
  return 's3';
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
