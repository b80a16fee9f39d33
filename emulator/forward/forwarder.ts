/**
 * Forwards a request the emulator does not model to moto, byte for byte (method, raw path and
 * query, headers, body), and hands moto's answer back unchanged. moto does not verify SigV4, so
 * the original signature travels as-is; the emulator has already checked it for declared keys.
 *
 * Observers see each forwarded exchange; the Lambda runner uses that to keep the code of every
 * function as it passes through to moto (moto's own copy sits behind an S3 URL on amazonaws.com).
 */
import { Agent, request as httpRequest } from 'node:http';

import type { RawResponse, RequestContext } from '../model/request';
import { isMutatingAction } from '../server/call-log';
import type { RouteHandler, RoutedRequest } from '../server/router';
import { parseSignature } from '../server/sigv4';

export interface ForwardedExchange {
  /** The signing name: `lambda`, `iam`, `sqs`, `logs`... */
  service: string;
  action: string;
  request: RoutedRequest;
  response: RawResponse;
}

/**
 * Sees each forwarded exchange; may return a corrected response, to fill a gap in moto (see
 * `lambda-gaps.ts`). Observers run in registration order, each seeing the previous one's answer.
 */
export type ForwardObserver = (exchange: ForwardedExchange) => RawResponse | void;

/** Hop-by-hop headers and those the HTTP layer recomputes. */
const DROPPED_HEADERS = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'expect',
  'upgrade',
  'proxy-connection',
]);

export class MotoForwarder implements RouteHandler {
  readonly service = 'moto';
  readonly forwarded = true;
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 16 });
  private readonly observers: ForwardObserver[] = [];
  private readonly target: URL;

  constructor(motoEndpoint: string) {
    this.target = new URL(motoEndpoint);
  }

  observe(observer: ForwardObserver): void {
    this.observers.push(observer);
  }

  actionOf(request: RoutedRequest): string {
    return forwardedAction(request);
  }

  async handle(request: RoutedRequest, ctx: RequestContext): Promise<RawResponse> {
    const service = signingService(request);
    const action = forwardedAction(request);
    ctx.annotate({
      action,
      accountId: ctx.principal.accountId,
      mutating: isRestMutation(request, action),
    });
    let response = await this.send(request);
    for (const observer of this.observers) {
      response = observer({ service, action, request, response }) ?? response;
    }
    return response;
  }

  /** Sends a request to moto as-is; network failures become a 502 the SDK retries. */
  send(
    request: Pick<RoutedRequest, 'method' | 'rawPath' | 'rawQuery' | 'headers' | 'body'>,
  ): Promise<RawResponse> {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (!DROPPED_HEADERS.has(name)) headers[name] = value;
    }
    headers['host'] = this.target.host;
    const body = Buffer.from(request.body, 'utf8');
    headers['content-length'] = String(body.length);
    return new Promise((resolve) => {
      const req = httpRequest(
        {
          host: this.target.hostname,
          port: this.target.port,
          method: request.method,
          path: request.rawQuery === '' ? request.rawPath : `${request.rawPath}?${request.rawQuery}`,
          headers,
          agent: this.agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const out: Record<string, string> = {};
            for (const [name, value] of Object.entries(res.headers)) {
              if (value === undefined || DROPPED_HEADERS.has(name)) continue;
              out[name] = Array.isArray(value) ? value.join(', ') : value;
            }
            resolve({
              status: res.statusCode ?? 502,
              headers: out,
              body: Buffer.concat(chunks).toString('utf8'),
            });
          });
          res.on('error', (error) => resolve(badGateway(error)));
        },
      );
      req.on('error', (error) => resolve(badGateway(error)));
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

function badGateway(error: Error): RawResponse {
  return {
    status: 502,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ __type: 'ServiceUnavailable', message: `moto is unreachable: ${error.message}` }),
  };
}

function signingService(request: RoutedRequest): string {
  return parseSignature(request.headers, request.query)?.service ?? 'unknown';
}

/** REST calls name their action by verb and path; a non-GET REST call changes something. */
function isRestMutation(request: RoutedRequest, action: string): boolean {
  if (request.headers['x-amz-target'] !== undefined || actionParam(request) !== undefined) {
    return isMutatingAction(action);
  }
  return request.method !== 'GET' && request.method !== 'HEAD';
}

function actionParam(request: RoutedRequest): string | undefined {
  const fromQuery = request.query.get('Action');
  if (fromQuery !== null) return fromQuery;
  if ((request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')) {
    return new URLSearchParams(request.body).get('Action') ?? undefined;
  }
  return undefined;
}

/** REST routes of the services Terraform drives through moto, as `[method, path, action]`. */
const REST_ACTIONS: ReadonlyArray<readonly [string, RegExp, string]> = [
  ['POST', /^\/2015-03-31\/functions\/?$/, 'CreateFunction'],
  ['GET', /^\/2015-03-31\/functions\/?$/, 'ListFunctions'],
  ['GET', /^\/2015-03-31\/functions\/[^/]+\/?$/, 'GetFunction'],
  ['DELETE', /^\/2015-03-31\/functions\/[^/]+\/?$/, 'DeleteFunction'],
  ['GET', /^\/2015-03-31\/functions\/[^/]+\/configuration$/, 'GetFunctionConfiguration'],
  ['PUT', /^\/2015-03-31\/functions\/[^/]+\/configuration$/, 'UpdateFunctionConfiguration'],
  ['PUT', /^\/2015-03-31\/functions\/[^/]+\/code$/, 'UpdateFunctionCode'],
  ['POST', /^\/2015-03-31\/functions\/[^/]+\/policy$/, 'AddPermission'],
  ['GET', /^\/2015-03-31\/functions\/[^/]+\/policy$/, 'GetPolicy'],
  ['DELETE', /^\/2015-03-31\/functions\/[^/]+\/policy\/[^/]+$/, 'RemovePermission'],
  ['GET', /^\/2015-03-31\/functions\/[^/]+\/versions$/, 'ListVersionsByFunction'],
  ['POST', /^\/2015-03-31\/functions\/[^/]+\/versions$/, 'PublishVersion'],
  ['POST', /^\/2015-03-31\/functions\/[^/]+\/invocations$/, 'Invoke'],
  ['GET', /^\/20\d\d-\d\d-\d\d\/functions\/[^/]+\/code-signing-config$/, 'GetFunctionCodeSigningConfig'],
  ['GET', /^\/20\d\d-\d\d-\d\d\/functions\/[^/]+\/concurrency$/, 'GetFunctionConcurrency'],
  ['PUT', /^\/20\d\d-\d\d-\d\d\/functions\/[^/]+\/concurrency$/, 'PutFunctionConcurrency'],
  ['DELETE', /^\/20\d\d-\d\d-\d\d\/functions\/[^/]+\/concurrency$/, 'DeleteFunctionConcurrency'],
  ['GET', /^\/20\d\d-\d\d-\d\d\/functions\/[^/]+\/event-invoke-config$/, 'GetFunctionEventInvokeConfig'],
  ['GET', /^\/20\d\d-\d\d-\d\d\/functions\/[^/]+\/recursion-config$/, 'GetFunctionRecursionConfig'],
  ['GET', /^\/20\d\d-\d\d-\d\d\/tags\/.+$/, 'ListTags'],
  ['POST', /^\/20\d\d-\d\d-\d\d\/tags\/.+$/, 'TagResource'],
  ['DELETE', /^\/20\d\d-\d\d-\d\d\/tags\/.+$/, 'UntagResource'],
  ['POST', /^\/schedules\/[^/]+$/, 'CreateSchedule'],
  ['GET', /^\/schedules\/[^/]+$/, 'GetSchedule'],
  ['PUT', /^\/schedules\/[^/]+$/, 'UpdateSchedule'],
  ['DELETE', /^\/schedules\/[^/]+$/, 'DeleteSchedule'],
  ['GET', /^\/schedules\/?$/, 'ListSchedules'],
  ['POST', /^\/schedule-groups\/[^/]+$/, 'CreateScheduleGroup'],
  ['GET', /^\/schedule-groups\/[^/]+$/, 'GetScheduleGroup'],
  ['DELETE', /^\/schedule-groups\/[^/]+$/, 'DeleteScheduleGroup'],
];

/** The AWS action a forwarded request names: `X-Amz-Target`, form `Action`, or its REST route. */
export function forwardedAction(request: RoutedRequest): string {
  const target = request.headers['x-amz-target'];
  if (target !== undefined) return target.slice(target.lastIndexOf('.') + 1) || 'Unknown';
  const action = actionParam(request);
  if (action !== undefined) return action;
  const path = request.rawPath.replace(/\/+$/, '') || '/';
  for (const [method, pattern, name] of REST_ACTIONS) {
    if (method === request.method && (pattern.test(path) || pattern.test(`${path}/`))) return name;
  }
  return `${request.method} ${path}`;
}
