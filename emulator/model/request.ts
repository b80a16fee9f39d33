/**
 * How the transport hands a request to a service, and what the service gives back.
 *
 * The server (emulator/server/) reads the HTTP request, verifies SigV4 and resolves the
 * principal, applies faults, then calls the service chosen by the request's shape
 * (X-Amz-Target prefix, form `Action` and signing service, or S3's REST path). The service
 * parses its own wire protocol, authorizes through `ctx.authorize`, changes state and renders
 * its own response envelope, errors included.
 */
import type { EmulatorState, Principal } from './state';

export type ServiceName = 'sts' | 'iam' | 'organizations' | 's3' | 'sqs';

export interface RawRequest {
  method: string;
  /** Path without the query string, e.g. `/` or `/my-bucket`. */
  path: string;
  query: URLSearchParams;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: string;
  /** Region from the SigV4 credential scope. */
  region: string;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface AuthorizationRequest {
  /** e.g. `iam:DeleteLoginProfile` */
  action: string;
  /** e.g. `arn:aws:iam::222222222222:root` */
  resource: string;
  /** The account that owns the resource. SCPs follow the principal's account, not this one (for root sessions the two are the same). */
  resourceAccountId: string;
  /** Extra request-context keys, e.g. `{ 'sts:TaskPolicyArn': '...' }`. */
  context?: Record<string, string>;
}

export type Decision =
  | { allowed: true }
  | {
      allowed: false;
      /** AWS's wording: `User: <arn> is not authorized to perform: <action> on resource: <res> with an explicit deny in a service control policy: <policy arn>` */
      message: string;
      /** What denied it, for tests and diagnoses. For an implicit SCP deny, `policyId` is the root, OU or account that has no allowing SCP. */
      deniedBy: 'identity-policy' | 'task-policy' | 'service-control-policy' | 'implicit';
      policyId?: string;
    };

/** What the service tells the call log about the request, set as soon as it is known. */
export interface CallAnnotation {
  action: string;
  accountId?: string;
  mutating: boolean;
}

export interface RequestContext {
  readonly state: EmulatorState;
  readonly principal: Principal;
  readonly now: Date;
  /** Evaluates identity, task and service control policies for the principal. */
  authorize(request: AuthorizationRequest): Decision;
  /** Records the action, target account and whether it mutates, for the call log. */
  annotate(annotation: CallAnnotation): void;
  /**
   * Records an Organizations event the call caused (AccountJoinedOrganization...); the core
   * publishes it through the deployed event rules once the call is answered. Optional: services
   * driven outside the core (unit tests) have nowhere to publish.
   */
  publish?(event: OrganizationsEvent): void;
}

/** An Organizations CloudTrail event, before EventBridge's envelope is put around it. */
export interface OrganizationsEvent {
  eventName: string;
  eventType?: 'AwsApiCall' | 'AwsServiceEvent';
  requestParameters?: Record<string, unknown>;
  responseElements?: Record<string, unknown>;
  serviceEventDetails?: Record<string, unknown>;
}

export interface ServiceHandler {
  readonly service: ServiceName;
  /** Answers one request; never throws for AWS errors (renders them), may throw for bugs. */
  handle(request: RawRequest, ctx: RequestContext): Promise<RawResponse> | RawResponse;
  /** The action a raw request names (for faults and logging before the handler runs). */
  actionOf(request: RawRequest): string;
}
