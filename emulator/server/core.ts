/**
 * The emulator's request pipeline, independent of the HTTP socket: route, authenticate,
 * inject faults, hand the request to its service, log the call.
 */
import { authorize } from '../policy/authorize';
import { DEFAULT_FAULTS, loadScenario, rootCredentialsFromScenario } from '../scenario/load';
import { findQueue } from '../services/sqs';
import type { CallAnnotation, Decision, RawResponse, RequestContext } from '../model/request';
import { AwsError, type EmulatorState, type Faults, type Principal } from '../model/state';
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

    let action = 'Unknown';
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
    if (handler === undefined) {
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
      const outcome = forwarded ? ({ kind: 'none' } as const) : this.faults.decide(serviceKey, action);
      if (outcome.kind === 'throttle') {
        response = renderError(serviceKey, throttlingError(serviceKey, outcome.reason));
      } else if (outcome.kind === 'error') {
        response = renderError(serviceKey, internalError(serviceKey));
      } else {
        const state = this.state;
        const principal = auth.principal;
        const ctx: RequestContext = {
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
