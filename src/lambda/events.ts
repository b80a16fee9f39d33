/**
 * The reconciler Lambda's input contract: every event it accepts, recognised by shape and
 * checked field by field. Anything else fails the invocation with a message that lists what
 * was wrong; nothing here touches AWS.
 */
import { z } from 'zod';

import { ACCOUNT_ID_PATTERN, ValidationError, issuesFromZod } from '../shared/desired-state';
import { isRecord } from '../shared/is-record';
import {
  CONTINUATION_SOURCE,
  DESIRED_STATE_DIGEST_PATTERN,
  DESIRED_STATE_ENV,
  LIFECYCLE_TASKS,
  ORGANIZATION_EVENT_DETAIL_TYPES,
  ORGANIZATION_EVENT_NAMES,
  REPAIR_DRIFT_ACTION,
  AUDIT_ACTION,
  SCHEDULE_SOURCE,
  TERRAFORM_KEY,
  type LifecycleTask,
  type OrganizationEventName,
} from '../shared/lambda-contract';

/** A continuation chain longer than this is a loop, not a big organization (10,000 accounts need a handful). */
export const MAX_CONTINUATION_GENERATION = 50;

/** Thrown for input the handler cannot act on; the message lists every problem. */
export class HandlerInputError extends ValidationError {
  constructor(issues: ConstructorParameters<typeof ValidationError>[0], source: string) {
    super(issues, source);
    this.name = 'HandlerInputError';
  }
}

/**
 * Why no event may carry a desired state: the function acts only on the one it was deployed with
 * (its environment). Anyone allowed `lambda:InvokeFunction` could otherwise widen what it deletes
 * to accounts the owner excluded or protected with a break-glass window.
 */
const NO_DESIRED_STATE_IN_EVENTS = `is not accepted in an event: the function acts only on the desired state it was deployed with (its ${DESIRED_STATE_ENV} environment variable). To change what it enforces, change the stack and run terraform apply`;

export type LifecycleAction = 'create' | 'update' | 'delete';

/** `aws_lambda_invocation` with `lifecycle_scope = "CRUD"`: the apply-time run. */
export interface LifecycleEvent {
  readonly kind: 'lifecycle';
  readonly action: LifecycleAction;
  /** `enforce` reconciles the desired state; `enable-trusted-access` turns on trusted access for IAM. */
  readonly task: LifecycleTask;
  /** SHA-256 of the deployed desired state, as the construct computed it; checked against the environment. */
  readonly desiredStateDigest?: string;
  readonly failOnNonCompliance: boolean;
  readonly hadPreviousInput: boolean;
}

export interface ScheduledEvent {
  readonly kind: 'schedule';
}

export interface OrganizationEvent {
  readonly kind: 'organization';
  readonly eventName: OrganizationEventName;
  /**
   * The account the event is about. Undefined with `ignoredBecause` when the event needs no run
   * (e.g. a failed CreateAccount); undefined without it when the event's shape did not say which
   * account, and the handler then runs every target as the schedule does rather than drop it.
   */
  readonly accountId?: string;
  /** Why the event is ignored, when it is. */
  readonly ignoredBecause?: string;
  /** Where the account id was looked for, when it was not found. */
  readonly accountIdNotFoundAt?: string;
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
  /**
   * Only these accounts (a subset of the deployed targets; the engine still applies targets,
   * exclusions and windows). The enforcer's after-repair check audits the accounts the repair
   * worked on; an empty list audits nothing and costs no call.
   * @default - every target
   */
  readonly accountIds?: readonly string[];
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
  /** What started the chain, for the logs; every continuation re-reads the deployed desired state. */
  readonly origin: 'lifecycle' | 'schedule' | 'organization' | 'drift' | 'continuation';
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
  task: z.enum(LIFECYCLE_TASKS).optional(),
  desiredStateDigest: z
    .string()
    .regex(DESIRED_STATE_DIGEST_PATTERN, { error: 'is not a SHA-256 digest (64 lower-case hex digits)' })
    .optional(),
  failOnNonCompliance: z.boolean().optional(),
});

const scheduleShape = z.strictObject({
  source: z.literal(SCHEDULE_SOURCE),
});

const auditShape = z.strictObject({
  action: z.literal(AUDIT_ACTION),
  onError: z.enum(['throw', 'report']).optional(),
  accountIds: z.array(accountId).optional(),
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
});

// Only the fields we read are declared; CloudTrail detail is large and its other fields are ignored.
const organizationShape = z.object({
  source: z.literal('aws.organizations'),
  'detail-type': z.enum(ORGANIZATION_EVENT_DETAIL_TYPES),
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
  if ('desiredState' in record) {
    throw new HandlerInputError([{ path: 'desiredState', message: NO_DESIRED_STATE_IN_EVENTS }], 'event');
  }
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
    return {
      kind: 'audit',
      onError: parsed.onError ?? 'throw',
      ...(parsed.accountIds !== undefined ? { accountIds: [...new Set(parsed.accountIds)] } : {}),
    };
  }
  switch (record['source']) {
    case SCHEDULE_SOURCE: {
      parseWith(scheduleShape, record, 'scheduled event');
      return { kind: 'schedule' };
    }
    case CONTINUATION_SOURCE: {
      const parsed = parseWith(continuationShape, record, 'continuation event');
      return {
        kind: 'continuation',
        runId: parsed.runId,
        accountIds: parsed.accountIds,
        generation: parsed.generation,
        origin: parsed.origin,
      };
    }
    case 'aws.organizations':
      return parseOrganizationEvent(record);
    default:
      throw new HandlerInputError(
        [
          {
            path: '',
            message: `unrecognised event with fields ${describeKeys(record)}; expected an aws_lambda_invocation input (with "${TERRAFORM_KEY}"), {"action": "${AUDIT_ACTION}"}, {"action": "${REPAIR_DRIFT_ACTION}", ...}, or an event whose "source" is "${SCHEDULE_SOURCE}", "${CONTINUATION_SOURCE}" or "aws.organizations"`,
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
  if (task === 'enforce' && lifecycle.action !== 'delete' && parsed.desiredStateDigest === undefined) {
    throw new HandlerInputError(
      [
        {
          path: 'desiredStateDigest',
          message:
            'is missing; the apply-time input carries the SHA-256 digest of the deployed desired state, which the enforcer construct computes',
        },
      ],
      'aws_lambda_invocation input',
    );
  }
  return {
    kind: 'lifecycle',
    action: lifecycle.action,
    task,
    ...(parsed.desiredStateDigest !== undefined ? { desiredStateDigest: parsed.desiredStateDigest } : {}),
    failOnNonCompliance: parsed.failOnNonCompliance ?? true,
    hadPreviousInput: lifecycle.prev_input !== undefined && lifecycle.prev_input !== null,
  };
}

/**
 * Which account an Organizations event is about.
 *
 * - `CreateAccountResult` (a service event): `serviceEventDetails.createAccountStatus.accountId`,
 *   only when its `state` is `SUCCEEDED`; a failed creation made no account
 *   (see docs/aws-behaviour.md#create-account-result).
 * - `AccountJoinedOrganization` (a service event in the management account when an invited
 *   account joins): where it carries the account id is not documented (see
 *   docs/aws-behaviour.md#account-joined-organization), so `serviceEventDetails` is searched for an `accountId` field.
 * - `MoveAccount`: `requestParameters.accountId` (the destination parent only matters for
 *   targeting, which the engine decides from the live organization).
 * Calls that failed (`errorCode` set) changed nothing and are ignored. An event whose account id
 * cannot be read is not dropped: it comes back without `accountId`, and the handler runs every
 * target as the schedule does.
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
    case 'AccountJoinedOrganization':
      ({ candidate, path } = findAccountId(detail.serviceEventDetails, 'detail.serviceEventDetails'));
      break;
    case 'MoveAccount':
      candidate = detail.requestParameters?.['accountId'];
      path = 'detail.requestParameters.accountId';
      break;
  }
  if (typeof candidate !== 'string' || !ACCOUNT_ID_PATTERN.test(candidate)) {
    return { kind: 'organization', eventName, accountIdNotFoundAt: path };
  }
  return { kind: 'organization', eventName, accountId: candidate };
}

/** Breadth-first, a few levels deep: the first `accountId` string under `value`. */
function findAccountId(value: unknown, root: string): { candidate: unknown; path: string } {
  let level: Array<{ node: unknown; path: string }> = [{ node: value, path: root }];
  for (let depth = 0; depth < 4 && level.length > 0; depth++) {
    const next: Array<{ node: unknown; path: string }> = [];
    for (const { node, path } of level) {
      const record = asRecord(node);
      if (record === undefined) continue;
      if (typeof record['accountId'] === 'string') {
        return { candidate: record['accountId'], path: `${path}.accountId` };
      }
      for (const [key, child] of Object.entries(record)) {
        next.push({ node: child, path: `${path}.${key}` });
      }
    }
    level = next;
  }
  return { candidate: undefined, path: `${root}..accountId` };
}

function parseWith<T extends z.ZodType>(shape: T, input: unknown, source: string): z.infer<T> {
  const result = shape.safeParse(input);
  if (!result.success) {
    throw new HandlerInputError(issuesFromZod(result.error, input), source);
  }
  return result.data;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return isRecord(value) ? value : undefined;
}

/** Field names only: an unknown event may carry anything, and its values are not ours to log. */
function describeKeys(record: Record<string, unknown>): string {
  const keys = Object.keys(record).slice(0, 10);
  return keys.length === 0 ? '(none)' : keys.map((key) => JSON.stringify(key.slice(0, 40))).join(', ');
}
