/**
 * SDK v3 client construction. Endpoints come from the SDK's standard configuration
 * (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>`, profile `endpoint_url`), so the emulator and
 * VPC endpoints work without code here. STS stays on its regional endpoint (the SDK v3 default),
 * which `AssumeRoot` requires (see docs/aws-behaviour.md#assume-root-request).
 */
import { IAMClient } from '@aws-sdk/client-iam';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';

import { EngineRetryStrategy } from './retry';
import { agentTransport, useTransport, type Transport } from './transport';

export const DEFAULT_MAX_ATTEMPTS = 8;
export const DEFAULT_REGION = 'us-east-1';

export interface ClientSettings {
  readonly region: string;
  readonly maxAttempts: number;
  readonly credentials?: AwsCredentialIdentityProvider;
  readonly agents: SharedAgents;
}

/**
 * One keep-alive connection pool for every client of an engine, caller and root sessions alike.
 * A session client per account would otherwise open (and TLS-handshake) fresh connections for
 * each of thousands of accounts; with the pool they reuse warm ones. Idle sockets are unref'd by
 * Node, so they never hold a process open.
 */
export interface SharedAgents {
  readonly httpAgent: HttpAgent;
  readonly httpsAgent: HttpsAgent;
  /** The hot path's transport over the same two agents (see `transport.ts`). */
  readonly transport: Transport;
}

export function createSharedAgents(maxSockets: number): SharedAgents {
  const httpAgent = new HttpAgent({ keepAlive: true, maxSockets });
  const httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets });
  return { httpAgent, httpsAgent, transport: agentTransport(httpAgent, httpsAgent) };
}

/** A client of the engine's: the hot path sends its calls over the engine's transport. */
function withTransport<C extends { config: object }>(client: C, settings: ClientSettings): C {
  useTransport(client.config, settings.agents.transport);
  return client;
}

/** Credentials of one root session, handed from AssumeRoot straight to the session's client. */
export type SessionCredentials = Required<
  Pick<AwsCredentialIdentity, 'accessKeyId' | 'secretAccessKey' | 'sessionToken'>
>;

export function resolveRegion(explicit: string | undefined): string {
  return explicit ?? process.env['AWS_REGION'] ?? process.env['AWS_DEFAULT_REGION'] ?? DEFAULT_REGION;
}

const strategies = new WeakMap<ClientSettings, Map<string, EngineRetryStrategy>>();

/**
 * One retry strategy per engine and service, shared by every client of that service: its
 * adaptive rate limiter learns IAM's rate once for all the workers' session clients instead of
 * once per client, and it has no retry quota to drain (see `retry.ts`).
 */
function retryStrategy(settings: ClientSettings, service: string): EngineRetryStrategy {
  let byService = strategies.get(settings);
  if (byService === undefined) {
    byService = new Map();
    strategies.set(settings, byService);
  }
  let strategy = byService.get(service);
  if (strategy === undefined) {
    strategy = new EngineRetryStrategy(settings.maxAttempts);
    byService.set(service, strategy);
  }
  return strategy;
}

function base(settings: ClientSettings, service: string) {
  return {
    region: settings.region,
    maxAttempts: settings.maxAttempts,
    // Adaptive retry (a client-side token bucket that backs off on throttling) so a concurrency
    // burst settles at the service's rate instead of exhausting attempts.
    retryStrategy: retryStrategy(settings, service),
    requestHandler: { httpAgent: settings.agents.httpAgent, httpsAgent: settings.agents.httpsAgent },
  };
}

function callerConfig(settings: ClientSettings, service: string) {
  return settings.credentials !== undefined
    ? { ...base(settings, service), credentials: settings.credentials }
    : base(settings, service);
}

export function createStsClient(settings: ClientSettings): STSClient {
  return withTransport(new STSClient(callerConfig(settings, 'sts')), settings);
}

export function createOrganizationsClient(settings: ClientSettings): OrganizationsClient {
  return withTransport(new OrganizationsClient(callerConfig(settings, 'organizations')), settings);
}

/** IAM as the caller (organization features), not as a root session. */
export function createCallerIamClient(settings: ClientSettings): IAMClient {
  return new IAMClient(callerConfig(settings, 'iam-caller'));
}

/**
 * Root-session clients take their credentials from a provider (see `SessionClient`) and live as
 * long as a worker, serving one request at a time, so they can resolve each command's middleware
 * stack once (`cacheMiddleware`, public client configuration) instead of on every call.
 */
function sessionConfig(
  settings: ClientSettings,
  service: string,
  credentials: AwsCredentialIdentityProvider,
) {
  return { ...base(settings, service), credentials, cacheMiddleware: true };
}

export function createSessionIamClient(
  settings: ClientSettings,
  credentials: AwsCredentialIdentityProvider,
): IAMClient {
  return withTransport(new IAMClient(sessionConfig(settings, 'iam', credentials)), settings);
}

/**
 * Path-style addressing only when an endpoint override is configured: a local endpoint has no
 * wildcard DNS for `<bucket>.host`, while real S3 wants virtual-hosted style.
 */
export function createSessionS3Client(
  settings: ClientSettings,
  credentials: AwsCredentialIdentityProvider,
  region: string,
): S3Client {
  const overridden =
    process.env['AWS_ENDPOINT_URL_S3'] !== undefined || process.env['AWS_ENDPOINT_URL'] !== undefined;
  return new S3Client({
    ...sessionConfig(settings, 's3', credentials),
    region,
    ...(overridden ? { forcePathStyle: true } : {}),
  });
}

export function createSessionSqsClient(
  settings: ClientSettings,
  credentials: AwsCredentialIdentityProvider,
  region: string,
): SQSClient {
  // The SDK sends each call to the host of its QueueUrl by default; with an endpoint override (an
  // emulator, a VPC endpoint) an AWS-style queue URL would then go to the internet instead.
  const overridden =
    process.env['AWS_ENDPOINT_URL_SQS'] !== undefined || process.env['AWS_ENDPOINT_URL'] !== undefined;
  return new SQSClient({
    ...sessionConfig(settings, 'sqs', credentials),
    region,
    ...(overridden ? { useQueueUrlAsEndpoint: false } : {}),
  });
}
