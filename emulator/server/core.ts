/**
 * The emulator's request pipeline, independent of the HTTP socket: route, authenticate,
 * inject faults, hand the request to its service, log the call.
 */
import { forwardedResource } from '../forward/resources';
import { authorize } from '../policy/authorize';
import { DEFAULT_FAULTS, loadScenario, rootCredentialsFromScenario } from '../scenario/load';
import { findQueue } from '../services/sqs';
import type {
  CallAnnotation,
  Decision,
  OrganizationsEvent,
  RawResponse,
  RequestContext,
} from '../model/request';
import { AwsError, type EmulatorState, type Faults, type Principal } from '../model/state';
import { escapeXml, newRequestId } from '../protocol/query';
import { CallLog, isMutatingAction } from './call-log';
import {
  type AuthFailure,
  DENIAL_CODES,
  authError,
  errorCodeOf,
  internalError,
  renderError,
  throttlingError,
} from './errors';
import type { EventDispatcher } from '../events/dispatch';
import { FaultInjector } from './faults';
import {
  type RoutedRequest,
  type ServiceRegistry,
  isFormEncoded,
  resolveRoute,
  virtualHostBucket,
} from './router';
import {
  type SignatureInfo,
  type WireRequest,
  amzDateToDate,
  parseSignature,
  signatureMatches,
} from './sigv4';

/** Header-signed requests older or newer than this are refused, as AWS does. */
const MAX_CLOCK_SKEW_MS = 15 * 60 * 1000;

export interface EmulatorCoreOptions {
  /** The scenario document (already read from disk). */
  scenario: unknown;
  /** Overrides on top of the scenario's faults; kept across resets. */
  faults?: Partial<Faults>;
  services: ServiceRegistry;
  /** Where transport bugs are reported; never given credentials. */
  onInternalError?: (error: unknown) => void;
}

type Authenticated =
  { ok: true; principal: Principal } | { ok: false; failure: AuthFailure; principal?: Principal };

export class EmulatorCore {
  state: EmulatorState;
  /** `http://127.0.0.1:PORT` once listening; services and the state dump build URLs from it. */
  endpoint = 'http://127.0.0.1';
  readonly log = new CallLog();
  /** With forwarding: fires schedules and routes organization events (the admin path's). */
  events?: EventDispatcher;
  /** Organizations events the calls caused (AccountJoinedOrganization...), oldest first. */
  readonly organizationEvents: OrganizationsEvent[] = [];
  private readonly faults: FaultInjector;
  /**
   * Access keys of sessions dropped by a reset or retired: refused as an invalid security token
   * (what AWS says of a session it no longer knows), not as an unknown access key.
   */
  private readonly retiredSessionKeys = new Set<string>();
  /** Keys of principals declared at run time, retired like sessions on reset. */
  private readonly runtimeKeys = new Set<string>();

  constructor(private readonly options: EmulatorCoreOptions) {
    this.state = this.load();
    this.faults = new FaultInjector(() => this.state.faults);
  }

  private load(): EmulatorState {
    const state = loadScenario(this.options.scenario);
    state.faults = { ...DEFAULT_FAULTS, ...state.faults, ...this.options.faults };
    return state;
  }

  /** Reloads the scenario: state, faults and sessions as at start-up; the call log is emptied. */
  reset(): void {
    for (const [key, principal] of this.state.principals) {
      if (principal.kind === 'root-session') this.retiredSessionKeys.add(key);
    }
    for (const key of this.runtimeKeys) this.retiredSessionKeys.add(key);
    this.runtimeKeys.clear();
    this.state = this.load();
    this.log.clear();
    this.organizationEvents.length = 0;
    this.faults.reseed();
  }

  setFaults(faults: Partial<Faults>): void {
    this.state.faults = { ...this.state.faults, ...faults };
    this.faults.reseed();
  }

  /**
   * Declares a principal at run time (the emulated Lambda's role session). Its key stays valid
   * until {@link retirePrincipal} or a reset, after which it is refused, never defaulted.
   */
  declarePrincipal(principal: Principal): void {
    this.state.principals.set(principal.accessKeyId, principal);
    this.runtimeKeys.add(principal.accessKeyId);
  }

  retirePrincipal(accessKeyId: string): void {
    this.state.principals.delete(accessKeyId);
    this.runtimeKeys.delete(accessKeyId);
    this.retiredSessionKeys.add(accessKeyId);
  }

  /** Replaces one account's root credentials; false when the account is unknown. */
  setRootCredentials(accountId: string, root: unknown): boolean {
    const account = this.state.accounts.get(accountId);
    if (account === undefined) return false;
    account.root = rootCredentialsFromScenario(accountId, root);
    return true;
  }

  /** Answers one AWS API request (never the admin path). */
  async handle(wire: WireRequest, query: URLSearchParams): Promise<RawResponse> {
    const now = new Date();
    const signature = parseSignature(wire.headers, query);
    const form = isFormEncoded(wire.headers) ? new URLSearchParams(wire.body) : undefined;
    const services = this.options.services;
    const serviceKey = resolveRoute(
      {
        method: wire.method,
        headers: wire.headers,
        query,
        form,
        signature,
        rawPath: wire.rawPath,
        body: wire.body,
      },
      services,
      {
        rootSession:
          signature !== undefined &&
          this.state.principals.get(signature.accessKeyId)?.kind === 'root-session',
        ownsQueue: (url) => findQueue(this.state, url) !== undefined,
      },
    );
    const handler = services.get(serviceKey);
    const forwarded = handler?.forwarded === true;
    const raw = toRawRequest(wire, query, serviceKey, signature, this.state.region);

    let action = unknownAction(wire, query, form);
    if (handler !== undefined) {
      try {
        action = handler.actionOf(raw);
      } catch {
        // A request the service cannot even name still gets answered (and logged) as Unknown.
      }
    }

    const latency = forwarded ? 0 : this.state.faults.latencyMs;
    if (latency > 0) await sleep(latency);

    const auth = this.authenticate(signature, wire, now);
    let annotation: CallAnnotation = {
      action,
      accountId: auth.principal?.accountId,
      mutating: isMutatingAction(action),
    };
    let denied = false;

    let response: RawResponse;
    const unmodelledDenial =
      auth.ok && (handler === undefined || forwarded)
        ? this.authorizeUnmodelled(
            auth.principal,
            signature?.service ?? serviceKey,
            action,
            wire,
            query,
            signature?.region ?? this.state.region,
          )
        : undefined;
    if (unmodelledDenial !== undefined) {
      denied = true;
      response = unmodelledDenial;
    } else if (handler === undefined) {
      response = renderError(
        serviceKey,
        new AwsError(
          'InvalidAction',
          `The emulator does not serve this request (service ${serviceKey}).`,
          400,
        ),
      );
    } else if (!auth.ok) {
      response = renderError(serviceKey, authError(serviceKey, auth.failure));
    } else {
      // A forwarded call's service is its signing name (the route is moto's).
      const faultService = forwarded ? (signature?.service ?? serviceKey) : serviceKey;
      const outcome = forwarded
        ? this.faults.decideForwarded(faultService, action)
        : this.faults.decide(serviceKey, action);
      if (outcome.kind === 'throttle') {
        response = renderError(faultService, throttlingError(faultService, outcome.reason));
      } else if (outcome.kind === 'error') {
        response = renderError(serviceKey, internalError(serviceKey));
      } else {
        const state = this.state;
        const principal = auth.principal;
        const caused: OrganizationsEvent[] = [];
        const ctx: RequestContext = {
          publish(event) {
            caused.push(event);
          },
          state,
          principal,
          now,
          authorize(request): Decision {
            const decision = authorize(state, principal, request);
            if (!decision.allowed) denied = true;
            return decision;
          },
          annotate(next) {
            annotation = next;
          },
        };
        try {
          response = await handler.handle(raw, ctx);
          if (response.status < 300) await this.publishAll(caused);
        } catch (error) {
          if (error instanceof AwsError) {
            response = renderError(serviceKey, error);
          } else {
            this.options.onInternalError?.(error);
            response = renderError(serviceKey, internalError(serviceKey));
          }
        }
      }
    }

    const errorCode = errorCodeOf(response);
    const principal = auth.principal;
    this.log.add(
      {
        // Forwarders name the real service (`lambda`, `logs`...), not the route.
        service: forwarded ? (signature?.service ?? serviceKey) : serviceKey,
        action: annotation.action,
        accountId: annotation.accountId,
        principalArn: principal?.arn,
        taskPolicyArn: principal?.kind === 'root-session' ? principal.taskPolicyArn : undefined,
        mutating: annotation.mutating,
        decision: denied || (errorCode !== undefined && DENIAL_CODES.has(errorCode)) ? 'deny' : 'allow',
        status: response.status,
        errorCode,
        ...(forwarded ? { forwarded: true } : {}),
      },
      now,
    );
    return response;
  }

  /** Records the events a call caused and, with forwarding, routes them through the deployed rules. */
  private async publishAll(events: OrganizationsEvent[]): Promise<void> {
    for (const event of events) {
      this.organizationEvents.push(event);
      if (this.organizationEvents.length > 1000) this.organizationEvents.shift();
      try {
        await this.events?.publishOrganizationsEvent(event);
      } catch (error) {
        // The call itself succeeded; a failed delivery is the emulator's problem, not the caller's.
        this.options.onInternalError?.(error);
      }
    }
  }

  /**
   * A root session's call to a service the emulator does not model (forwarded to moto, or not
   * served at all) is authorized against its task policy first, as AWS would, so it meets the
   * task policy's AccessDenied rather than moto's answer or InvalidAction. A principal declared
   * with identity policies (a function's role session) is held to them on the forwarded calls
   * whose resource the emulator can name (`forward/resources.ts`), since moto checks no policy.
   * Other forwarded calls are not evaluated (the README says so): moto holds their policies.
   */
  private authorizeUnmodelled(
    principal: Principal,
    service: string,
    action: string,
    wire: WireRequest,
    query: URLSearchParams,
    region: string,
  ): RawResponse | undefined {
    let resource = '*';
    if (principal.kind !== 'root-session') {
      if (principal.kind !== 'iam' || principal.identityPolicies === undefined) return undefined;
      const named = forwardedResource({
        service,
        action,
        body: wire.body,
        region,
        accountId: principal.accountId,
      });
      if (named === undefined) return undefined;
      resource = named;
    }
    const decision = authorize(this.state, principal, {
      action: `${service}:${action}`,
      resource,
      resourceAccountId: principal.accountId,
    });
    if (decision.allowed) return undefined;
    return genericAccessDenied(decision.message, isQueryStyle(wire, query));
  }

  /**
   * SigV4 as AWS checks it: the key must be declared (or a live session), the signature must be
   * made with its secret, and a header-signed request must be within 15 minutes of the clock
   * (a presigned one within its X-Amz-Expires). No key is ever defaulted to an identity.
   */
  private authenticate(signature: SignatureInfo | undefined, wire: WireRequest, now: Date): Authenticated {
    if (signature === undefined) return { ok: false, failure: { kind: 'missing' } };
    const declared = this.state.principals.get(signature.accessKeyId);
    if (declared === undefined) {
      return {
        ok: false,
        failure: {
          kind: this.retiredSessionKeys.has(signature.accessKeyId) ? 'unknown-token' : 'unknown-key',
        },
      };
    }
    if (declared.sessionToken !== undefined && signature.sessionToken !== declared.sessionToken) {
      return { ok: false, failure: { kind: 'unknown-token' }, principal: declared };
    }
    if (!signatureMatches(wire, signature, declared.secretAccessKey)) {
      return { ok: false, failure: { kind: 'bad-signature' }, principal: declared };
    }
    const signedAt = amzDateToDate(signature.amzDate);
    if (signedAt === undefined) {
      return { ok: false, failure: { kind: 'bad-signature' }, principal: declared };
    }
    if (signature.presigned) {
      if (now.getTime() > signedAt.getTime() + (signature.expiresSeconds ?? 0) * 1000) {
        return { ok: false, failure: { kind: 'request-expired' }, principal: declared };
      }
    } else if (Math.abs(now.getTime() - signedAt.getTime()) > MAX_CLOCK_SKEW_MS) {
      return {
        ok: false,
        failure: { kind: 'skewed', requestTime: signedAt, serverTime: now, maxSkewMs: MAX_CLOCK_SKEW_MS },
        principal: declared,
      };
    }
    if (declared.kind === 'root-session' && declared.expiresAt.getTime() <= now.getTime()) {
      return { ok: false, failure: { kind: 'expired' }, principal: declared };
    }
    return { ok: true, principal: declared };
  }
}

/** The action a request names before any service parses it: `X-Amz-Target` or the query `Action`. */
function unknownAction(wire: WireRequest, query: URLSearchParams, form: URLSearchParams | undefined): string {
  const target = wire.headers['x-amz-target'];
  if (target !== undefined) return target.slice(target.lastIndexOf('.') + 1) || 'Unknown';
  return form?.get('Action') ?? query.get('Action') ?? 'Unknown';
}

function isQueryStyle(wire: WireRequest, query: URLSearchParams): boolean {
  return (
    wire.headers['x-amz-target'] === undefined &&
    (query.has('Action') || (isFormEncoded(wire.headers) && new URLSearchParams(wire.body).has('Action')))
  );
}

/** An AccessDenied in the query (XML) or JSON shape, for services the emulator does not model. */
function genericAccessDenied(message: string, queryStyle: boolean): RawResponse {
  const requestId = newRequestId();
  if (queryStyle) {
    return {
      status: 403,
      headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
      body:
        `<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>${escapeXml(message)}</Message>` +
        `</Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
    };
  }
  return {
    status: 403,
    headers: {
      'content-type': 'application/json',
      'x-amzn-requestid': requestId,
      'x-amzn-errortype': 'AccessDeniedException',
    },
    body: JSON.stringify({ __type: 'AccessDeniedException', message, Message: message }),
  };
}

function toRawRequest(
  wire: WireRequest,
  query: URLSearchParams,
  service: string,
  signature: SignatureInfo | undefined,
  defaultRegion: string,
): RoutedRequest {
  let path = safeDecodePath(wire.rawPath);
  if (service === 's3') {
    // Services see one S3 addressing style: virtual-host requests are rewritten to path-style.
    const bucket = virtualHostBucket(wire.headers['host']);
    if (bucket !== undefined) path = `/${bucket}${path === '/' ? '' : path}`;
  }
  return {
    method: wire.method,
    path,
    query,
    headers: wire.headers,
    body: wire.body,
    region: signature?.region ?? defaultRegion,
    rawPath: wire.rawPath,
    rawQuery: wire.rawQuery,
  };
}

function safeDecodePath(rawPath: string): string {
  try {
    return decodeURIComponent(rawPath);
  } catch {
    return rawPath;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
