/**
 * SigV4: reads the credential scope from an `Authorization` header or a presigned URL, and
 * verifies the signature when the principal's secret is known.
 *
 * The canonical request is rebuilt from the bytes on the wire (raw path, raw query), because
 * re-serialising parsed values would hide the encoding mistakes a real signature check catches.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface SignatureInfo {
  accessKeyId: string;
  /** `yyyymmdd` of the credential scope. */
  scopeDate: string;
  region: string;
  /** The signing name: `sts`, `iam`, `organizations`, `s3`, `sqs`. */
  service: string;
  signedHeaders: string[];
  signature: string;
  /** `yyyymmddThhmmssZ` */
  amzDate: string;
  sessionToken?: string;
  presigned: boolean;
  /** Presigned URLs only: seconds the URL stays valid. */
  expiresSeconds?: number;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
const HEADER_AUTH =
  /^AWS4-HMAC-SHA256\s+Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]+)\s*$/;

/** `undefined` when the request carries no SigV4 credentials at all. */
export function parseSignature(
  headers: Record<string, string>,
  query: URLSearchParams,
): SignatureInfo | undefined {
  const authorization = headers['authorization'];
  if (authorization !== undefined) {
    const match = HEADER_AUTH.exec(authorization);
    if (!match) return undefined;
    const scope = parseScope(match[1] ?? '');
    if (!scope) return undefined;
    return {
      ...scope,
      signedHeaders: (match[2] ?? '').split(';'),
      signature: match[3] ?? '',
      amzDate: headers['x-amz-date'] ?? '',
      sessionToken: headers['x-amz-security-token'],
      presigned: false,
    };
  }
  if (query.get('X-Amz-Algorithm') === ALGORITHM) {
    const scope = parseScope(query.get('X-Amz-Credential') ?? '');
    if (!scope) return undefined;
    return {
      ...scope,
      signedHeaders: (query.get('X-Amz-SignedHeaders') ?? '').split(';'),
      signature: query.get('X-Amz-Signature') ?? '',
      amzDate: query.get('X-Amz-Date') ?? '',
      sessionToken: query.get('X-Amz-Security-Token') ?? undefined,
      presigned: true,
      expiresSeconds: Number(query.get('X-Amz-Expires') ?? '900'),
    };
  }
  return undefined;
}

function parseScope(credential: string) {
  const parts = credential.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request') return undefined;
  const [accessKeyId, scopeDate, region, service] = parts as [string, string, string, string];
  return { accessKeyId, scopeDate, region, service };
}

export function amzDateToDate(amzDate: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate);
  if (!m) return undefined;
  return new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
}

export interface WireRequest {
  method: string;
  /** Path exactly as received, still percent-encoded. */
  rawPath: string;
  /** Query string exactly as received, without the `?`. */
  rawQuery: string;
  headers: Record<string, string>;
  body: string;
}

/** RFC 3986 encoding as SigV4 specifies it (encodeURIComponent leaves `!'()*` alone). */
function uriEncode(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function canonicalQuery(rawQuery: string, presigned: boolean): string {
  if (rawQuery === '') return '';
  const pairs: Array<[string, string]> = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = safeDecode(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : safeDecode(part.slice(eq + 1));
    if (presigned && key === 'X-Amz-Signature') continue;
    pairs.push([uriEncode(key), uriEncode(value)]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join('&');
}

/**
 * S3 signs the path as sent; every other service normalises it and encodes it a second time
 * (the SDK's `uriEscapePath`), so `%2F` in an S3 key and in an IAM path differ on purpose.
 */
function canonicalPath(rawPath: string, service: string): string {
  if (service === 's3') return rawPath === '' ? '/' : rawPath;
  const segments: string[] = [];
  for (const segment of rawPath.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  const normalized = `/${segments.join('/')}${segments.length > 0 && rawPath.endsWith('/') ? '/' : ''}`;
  return uriEncode(normalized).replace(/%2F/g, '/');
}

function sha256Hex(data: string): string {
  return createHash('sha256').update(data, 'utf8').digest('hex');
}

const signingKeys = new Map<string, Buffer>();

function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const cacheKey = `${secret}\n${date}\n${region}\n${service}`;
  let key = signingKeys.get(cacheKey);
  if (key === undefined) {
    const kDate = createHmac('sha256', `AWS4${secret}`).update(date).digest();
    const kRegion = createHmac('sha256', kDate).update(region).digest();
    const kService = createHmac('sha256', kRegion).update(service).digest();
    key = createHmac('sha256', kService).update('aws4_request').digest();
    // Bounded so a client rotating keys cannot grow the cache without limit.
    if (signingKeys.size > 1000) signingKeys.clear();
    signingKeys.set(cacheKey, key);
  }
  return key;
}

/**
 * The payload hash the signature covers. S3 presigned URLs never sign the payload; other
 * presigned requests sign the (usually empty) body. A declared `x-amz-content-sha256` must
 * match the body unless it opts out (`UNSIGNED-PAYLOAD`, streaming); `undefined` means it lied.
 */
function payloadHashOf(request: WireRequest, info: SignatureInfo): string | undefined {
  if (info.presigned && info.service === 's3') return 'UNSIGNED-PAYLOAD';
  const declared = request.headers['x-amz-content-sha256'];
  const actual = sha256Hex(request.body);
  if (declared === undefined) return actual;
  if (declared === 'UNSIGNED-PAYLOAD' || declared.startsWith('STREAMING-')) return declared;
  return declared === actual ? declared : undefined;
}

/** The signature AWS would compute for this request with this secret; '' when the payload hash is false. */
export function expectedSignature(request: WireRequest, info: SignatureInfo, secret: string): string {
  const headerLines = info.signedHeaders.map((name) => {
    const value = request.headers[name] ?? '';
    return `${name}:${value.trim().replace(/\s+/g, ' ')}\n`;
  });
  const payloadHash = payloadHashOf(request, info);
  if (payloadHash === undefined) return '';
  const canonicalRequest = [
    request.method,
    canonicalPath(request.rawPath, info.service),
    canonicalQuery(request.rawQuery, info.presigned),
    headerLines.join(''),
    info.signedHeaders.join(';'),
    payloadHash,
  ].join('\n');
  const scope = `${info.scopeDate}/${info.region}/${info.service}/aws4_request`;
  const stringToSign = `${ALGORITHM}\n${info.amzDate}\n${scope}\n${sha256Hex(canonicalRequest)}`;
  return createHmac('sha256', signingKey(secret, info.scopeDate, info.region, info.service))
    .update(stringToSign)
    .digest('hex');
}

export function signatureMatches(request: WireRequest, info: SignatureInfo, secret: string): boolean {
  const computed = expectedSignature(request, info, secret);
  if (computed === '') return false;
  const expected = Buffer.from(computed, 'utf8');
  const given = Buffer.from(info.signature, 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given);
}
