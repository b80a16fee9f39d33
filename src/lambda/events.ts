/**
 * The reconciler Lambda's input contract: every event it accepts, recognised by shape and
 * checked field by field. Anything else fails the invocation with a message that lists what
 * was wrong; nothing here touches AWS.
 */
import { z } from 'zod';

import {
  ACCOUNT_ID_PATTERN,
  formatIssue,
  issuesFromZod,
  type ValidationIssue,
} from '../shared/desired-state';

/** `source` of the EventBridge Scheduler target input the enforcer construct configures. */
export const SCHEDULE_SOURCE = 'root-access.schedule';
/** `source` of the asynchronous self-invocation that carries deferred accounts on. */
export const CONTINUATION_SOURCE = 'root-access.continuation';
/** `aws_lambda_invocation`'s default `terraform_key`; the construct never changes it. */
export const TERRAFORM_KEY = 'tf';
/** The Organizations CloudTrail events that can bring a new account under the desired state. */
export const ORGANIZATION_EVENT_NAMES = ['CreateAccountResult', 'AcceptHandshake', 'MoveAccount'] as const;
/** A continuation chain longer than this is a loop, not a big organization (10,000 accounts need a handful). */
export const MAX_CONTINUATION_GENERATION = 50;

/** Thrown for input the handler cannot act on; the message lists every problem. */
export class HandlerInputError extends Error {
  constructor(
    readonly issues: readonly ValidationIssue[],
    readonly source: string,
  ) {
    super(`invalid ${source}:\n${issues.map((issue) => `  - ${formatIssue(issue)}`).join('\n')}`);
    this.name = 'HandlerInputError';
  }
}

export type LifecycleAction = 'create' | 'update' | 'delete';

/** `aws_lambda_invocation` with `lifecycle_scope = "CRUD"`: the apply-time run. */
export interface LifecycleEvent {
  readonly kind: 'lifecycle';
  readonly action: LifecycleAction;
  /** `enforce` reconciles the desired state; `enable-trusted-access` turns on trusted access for IAM. */
  readonly task: 'enforce' | 'enable-trusted-access';
  /** Unvalidated: the desired state is validated (with its own messages) only when it is used. */
  readonly desiredState: unknown;
  readonly failOnNonCompliance: boolean;
  readonly hadPreviousInput: boolean;
}

export interface ScheduledEvent {
  readonly kind: 'schedule';
  /** @default - the function's `DESIRED_STATE` environment variable */
  readonly desiredState?: unknown;
}

export interface OrganizationEvent {
  readonly kind: 'organization';
  readonly eventName: (typeof ORGANIZATION_EVENT_NAMES)[number];
  /** The account the event is about, or undefined when the event needs no run (e.g. a failed CreateAccount). */
  readonly accountId?: string;
  /** Why the event is ignored, when it is. */
  readonly ignoredBecause?: string;
}

export interface AuditRequest {
  readonly kind: 'audit';
  /**
   * `report`: a run that fails as a whole is answered with `{ error }` instead of failing the
   * invocation. The enforcer's unscoped plan-time data source asks for it, because a failing
   * data source outside a `check` block is a plan error, and a broken audit must not block the
   * apply that could fix it (the `check` block turns the error into a warning).
   */
  readonly onError: 'throw' | 'report';
}

/**
 * The enforcer's drift repair: an `aws_lambda_invocation` data source whose input is only known
 * at apply when the plan-time audit found drift, so Terraform reads it (and we enforce) during
 * apply, and reads it at plan time only with an empty list (then nothing is called).
 */
export interface DriftRepairRequest {
  readonly kind: 'drift';
  readonly accountIds: readonly string[];
  readonly failOnNonCompliance: boolean;
}

export interface ContinuationEvent {
  readonly kind: 'continuation';
  readonly runId: string;
  readonly accountIds: readonly string[];
  readonly generation: number;
  /** What started the chain; the continuation behaves like it (e.g. which desired state to use). */
  readonly origin: 'lifecycle' | 'schedule' | 'organization' | 'drift' | 'continuation';
  /** Carried only when the chain started from an event that brought its own desired state. */
  readonly desiredState?: unknown;
}

export type HandlerEvent =
  LifecycleEvent | ScheduledEvent | OrganizationEvent | AuditRequest | DriftRepairRequest | ContinuationEvent;

const accountId = z.string().regex(ACCOUNT_ID_PATTERN, { error: 'is not a 12-digit AWS account id' });

const lifecycleShape = z.object({
  // `.loose()` because the provider may add fields; `prev_input` is whatever we sent last time.
  [TERRAFORM_KEY]: z
    .object({
      action: z.enum(['create', 'update', 'delete']),
      prev_input: z.unknown().optional(),
    })
    .loose(),
  task: z.enum(['enforce', 'enable-trusted-access']).optional(),
  desiredState: z.unknown().optional(),
  failOnNonCompliance: z.boolean().optional(),
});

const scheduleShape = z.strictObject({
  source: z.literal(SCHEDULE_SOURCE),
  desiredState: z.unknown().optional(),
});

/** `action` of the enforcer's drift-repair data source. */
export const REPAIR_DRIFT_ACTION = 'repair-drift';

const auditShape = z.strictObject({
  action: z.literal('audit'),
  onError: z.enum(['throw', 'report']).optional(),
});

const driftRepairShape = z
  .strictObject({
    action: z.literal(REPAIR_DRIFT_ACTION),
    accountIds: z.array(accountId),
    // Terraform's timestamp() when accounts are listed: unknown while planning, so a list can
    // only reach us during apply. An empty list comes with null.
    requestedAt: z.string().min(1).nullable(),
    failOnNonCompliance: z.boolean().optional(),
  })
  .refine((event) => event.accountIds.length === 0 || event.requestedAt !== null, {
    path: ['requestedAt'],
    error:
      'must be set when accounts are listed; the enforcer sets it to timestamp() so that the repair runs at apply time only',
  });

const continuationShape = z.strictObject({
  source: z.literal(CONTINUATION_SOURCE),
  runId: z.string().min(1, { error: 'must not be empty' }),
  accountIds: z.array(accountId).min(1, { error: 'must list at least one account' }),
  generation: z
    .number()
    .int()
    .min(1)
    .max(MAX_CONTINUATION_GENERATION, {
      error: `exceeds ${MAX_CONTINUATION_GENERATION}: the continuation chain is looping instead of making progress`,
    }),
  origin: z.enum(['lifecycle', 'schedule', 'organization', 'drift', 'continuation']),
  desiredState: z.unknown().optional(),
});

// Only the fields we read are declared; CloudTrail detail is large and its other fields are ignored.
const organizationShape = z.object({
  source: z.literal('aws.organizations'),
  'detail-type': z.enum(['AWS API Call via CloudTrail', 'AWS Service Event via CloudTrail']),
  detail: z.object({
    eventName: z.string(),
    errorCode: z.string().optional(),
    userIdentity: z.object({ accountId: z.string().optional() }).loose().optional(),
    requestParameters: z.record(z.string(), z.unknown()).nullish(),
    responseElements: z.record(z.string(), z.unknown()).nullish(),
    serviceEventDetails: z.record(z.string(), z.unknown()).nullish(),
  }),
});

/**
 * Recognises the event by its discriminating field, then validates it in full. The error names
 * the event kind it was taken for, and never echoes field values it does not understand.
 */
export function parseEvent(event: unknown): HandlerEvent {
  if (event === null || typeof event !== 'object' || Array.isArray(event)) {
    throw new HandlerInputError(
      [
        {
          path: '',
          message: `got ${event === null ? 'null' : Array.isArray(event) ? 'a list' : typeof event}; expected a JSON object`,
        },
      ],
      'event',
    );
  }
  const record = event as Record<string, unknown>;
  if (TERRAFORM_KEY in record) {
    return parseLifecycle(record);
  }
  if (record['action'] === REPAIR_DRIFT_ACTION) {
    const parsed = parseWith(driftRepairShape, record, 'drift repair request');
    return {
      kind: 'drift',
      accountIds: [...new Set(parsed.accountIds)],
      failOnNonCompliance: parsed.failOnNonCompliance ?? true,
    };
  }
  if (record['action'] !== undefined) {
    const parsed = parseWith(auditShape, record, 'plan-time audit request');
    return { kind: 'audit', onError: parsed.onError ?? 'throw' };
  }
  switch (record['source']) {
    case SCHEDULE_SOURCE: {
      const parsed = parseWith(scheduleShape, record, 'scheduled event');
      return parsed.desiredState === undefined
        ? { kind: 'schedule' }
        : { kind: 'schedule', desiredState: parsed.desiredState };
    }
    case CONTINUATION_SOURCE: {
      const parsed = parseWith(continuationShape, record, 'continuation event');
      return {
        kind: 'continuation',
        runId: parsed.runId,
        accountIds: parsed.accountIds,
        generation: parsed.generation,
        origin: parsed.origin,
        ...(parsed.desiredState === undefined ? {} : { desiredState: parsed.desiredState }),
      };
    }
    case 'aws.organizations':
      return parseOrganizationEvent(record);
    default:
      throw new HandlerInputError(
        [
          {
            path: '',
            message: `unrecognised event with fields ${describeKeys(record)}; expected an aws_lambda_invocation input (with "${TERRAFORM_KEY}"), {"action": "audit"}, {"action": "${REPAIR_DRIFT_ACTION}", ...}, or an event whose "source" is "${SCHEDULE_SOURCE}", "${CONTINUATION_SOURCE}" or "aws.organizations"`,
          },
        ],
        'event',
      );
  }
}

function parseLifecycle(record: Record<string, unknown>): LifecycleEvent {
  const parsed = parseWith(lifecycleShape, record, 'aws_lambda_invocation input');
  const lifecycle = parsed[TERRAFORM_KEY];
  const task = parsed.task ?? 'enforce';
  if (task === 'enforce' && lifecycle.action !== 'delete' && parsed.desiredState === undefined) {
    throw new HandlerInputError(
      [{ path: 'desiredState', message: 'is missing; the apply-time input must carry the desired state' }],
      'aws_lambda_invocation input',
    );
  }
  return {
    kind: 'lifecycle',
    action: lifecycle.action,
    task,
    desiredState: parsed.desiredState,
    failOnNonCompliance: parsed.failOnNonCompliance ?? true,
    hadPreviousInput: lifecycle.prev_input !== undefined && lifecycle.prev_input !== null,
  };
}

/**
 * Which account an Organizations event is about.
 *
 * - `CreateAccountResult` (a service event): `serviceEventDetails.createAccountStatus.accountId`,
 *   only when its `state` is `SUCCEEDED`; a failed creation made no account.
 * - `AcceptHandshake` (an API call made by the invited account): the joining account is the
 *   handshake party of type `ACCOUNT` in `responseElements.handshake.parties`; when the response
 *   is absent we fall back to `userIdentity.accountId`, because only the invitee can accept.
 * - `MoveAccount`: `requestParameters.accountId` (the destination parent only matters for
 *   targeting, which the engine decides from the live organization).
 * Calls that failed (`errorCode` set) changed nothing and are ignored.
 */
function parseOrganizationEvent(record: Record<string, unknown>): OrganizationEvent {
  const parsed = parseWith(organizationShape, record, 'organization event');
  const { detail } = parsed;
  const eventName = ORGANIZATION_EVENT_NAMES.find((name) => name === detail.eventName);
  if (eventName === undefined) {
    throw new HandlerInputError(
      [
        {
          path: 'detail.eventName',
          message: `got ${JSON.stringify(detail.eventName)}; expected one of ${ORGANIZATION_EVENT_NAMES.join(', ')} (the event rule should not send others)`,
        },
      ],
      'organization event',
    );
  }
  if (detail.errorCode !== undefined) {
    return {
      kind: 'organization',
      eventName,
      ignoredBecause: `the ${eventName} call failed (${detail.errorCode})`,
    };
  }
  let candidate: unknown;
  let path: string;
  switch (eventName) {
    case 'CreateAccountResult': {
      const status = asRecord(detail.serviceEventDetails?.['createAccountStatus']);
      const state = status?.['state'];
      if (state !== 'SUCCEEDED') {
        return {
          kind: 'organization',
          eventName,
          ignoredBecause: `account creation ended in state ${JSON.stringify(state ?? null)}, not SUCCEEDED`,
        };
      }
      candidate = status?.['accountId'];
      path = 'detail.serviceEventDetails.createAccountStatus.accountId';
      break;
    }
    case 'AcceptHandshake': {
      const handshake = asRecord(detail.responseElements?.['handshake']);
      const parties = Array.isArray(handshake?.['parties']) ? (handshake['parties'] as unknown[]) : [];
      const invitee = parties.map(asRecord).find((party) => party?.['type'] === 'ACCOUNT');
      candidate = invitee?.['id'] ?? detail.userIdentity?.accountId;
      path = invitee
        ? 'detail.responseElements.handshake.parties[type=ACCOUNT].id'
        : 'detail.userIdentity.accountId';
      break;
    }
    case 'MoveAccount':
      candidate = detail.requestParameters?.['accountId'];
      path = 'detail.requestParameters.accountId';
      break;
  }
  if (typeof candidate !== 'string' || !ACCOUNT_ID_PATTERN.test(candidate)) {
    throw new HandlerInputError(
      [
        {
          path,
          message: `${candidate === undefined ? 'is missing' : `got ${JSON.stringify(candidate)}`}; expected the 12-digit id of the account the ${eventName} event is about`,
        },
      ],
      'organization event',
    );
  }
  return { kind: 'organization', eventName, accountId: candidate };
}

function parseWith<T extends z.ZodType>(shape: T, input: unknown, source: string): z.infer<T> {
  const result = shape.safeParse(input);
  if (!result.success) {
    throw new HandlerInputError(issuesFromZod(result.error, input), source);
  }
  return result.data;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** Field names only: an unknown event may carry anything, and its values are not ours to log. */
function describeKeys(record: Record<string, unknown>): string {
  const keys = Object.keys(record).slice(0, 10);
  return keys.length === 0 ? '(none)' : keys.map((key) => JSON.stringify(key.slice(0, 40))).join(', ');
}
