/**
 * One SigV4-signed HTTPS request to an AWS service, for the few calls the function makes to
 * services whose SDK client it does not bundle (Lambda `Invoke` for continuations, SSM for the
 * last drift repair's record).
 *
 * Why not the SDK clients: `@aws-sdk/client-lambda` alone added about 85 KB (schemas, error
 * classes, event-stream codec) to a bundle that must stay under 600 KB, for one call each. These
 * requests are documented wire calls signed with the same SigV4 signer and credential chain the
 * bundled SDK clients already carry, so they cost no extra code. Endpoints follow the SDK's own
 * settings: `AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL`, then AWS.
 */
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentityProvider, SourceData } from '@smithy/types';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';

/** SHA-256 (or its HMAC) over node:crypto, in the shape the SigV4 signer expects. */
class Sha256 {
  private readonly hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytes(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytes(data));
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
}

function bytes(data: SourceData): string | Uint8Array {
  if (typeof data === 'string') {
    return data;
  }
  return ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data);
}

let credentials: AwsCredentialIdentityProvider | undefined;
const signers = new Map<string, SignatureV4>();

export function region(): string {
  return process.env['AWS_REGION'] ?? process.env['AWS_DEFAULT_REGION'] ?? 'us-east-1';
}

/**
 * The service's endpoint as the SDK picks it. `service` is the signing name (`lambda`, `ssm`),
 * which is also the endpoint prefix and, upper-cased, the suffix of the override variable.
 */
export function endpoint(service: string): URL {
  const configured =
    process.env[`AWS_ENDPOINT_URL_${service.toUpperCase()}`] ?? process.env['AWS_ENDPOINT_URL'];
  return new URL(configured ?? `https://${service}.${region()}.amazonaws.com`);
}

export interface SignedRequest {
  /** Signing name and endpoint prefix: `lambda`, `ssm`. */
  readonly service: string;
  /** Path below the endpoint's own path, starting with `/`. */
  readonly path: string;
  /** Headers to sign and send besides `host` (lower-case names). */
  readonly headers: Record<string, string>;
  readonly body: string;
  /** @default 10_000 */
  readonly timeoutMs?: number;
}

export interface SignedResponse {
  readonly status: number;
  readonly text: string;
}

/** Thrown when the request could not be signed; the caller names what was at stake. */
export class SigningError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SigningError';
  }
}

/**
 * Signs and sends one POST. Any HTTP answer resolves (the caller reads the status and body);
 * network failures and timeouts reject with fetch's error, signing failures with {@link SigningError}.
 */
export async function sendSigned(request: SignedRequest): Promise<SignedResponse> {
  credentials ??= defaultProvider();
  let signer = signers.get(request.service);
  if (signer === undefined) {
    signer = new SignatureV4({ service: request.service, region: region(), credentials, sha256: Sha256 });
    signers.set(request.service, signer);
  }
  const url = endpoint(request.service);
  const path = `${url.pathname.replace(/\/$/, '')}${request.path}`;
  let signed;
  try {
    signed = await signer.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path,
      query: {},
      headers: { host: url.host, ...request.headers },
      body: request.body,
    });
  } catch (error) {
    throw new SigningError(`signing the request failed (${describeError(error)})`, { cause: error });
  }
  const response = await fetch(new URL(path, url), {
    method: 'POST',
    headers: signed.headers,
    body: request.body,
    signal: AbortSignal.timeout(request.timeoutMs ?? 10_000),
  });
  return { status: response.status, text: await response.text() };
}

/** An error's name and message (and its cause's message): never its stack or request. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
    return `${error.name}: ${error.message}${cause}`;
  }
  return String(error);
}
