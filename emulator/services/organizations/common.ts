/**
 * What the Organizations operations share: the request input reader, errors, pagination, the
 * response shapes, lookups, tags and the caller-rule types.
 */
import { createHash } from 'node:crypto';

import type { RequestContext } from '../../model/request';
import type { Account, EmulatorState, OrganizationalUnit, ServiceControlPolicy } from '../../model/state';
import { AwsError } from '../../model/state';
import { isPolicyType } from '../../model/policy-types';
import { scpArn } from '../../policy/authorize';
import type { JsonApi } from '../../protocol/json';
import { LOWER_ALNUM, SeededRandom, seedFrom } from '../../scenario/random';

export const API: JsonApi = { version: '1.1', targetPrefix: 'AWSOrganizationsV20161128' };

export const ACCOUNT_ID = /^\d{12}$/;
export const ROOT_ID = /^r-[0-9a-z]{4,32}$/;
export const OU_ID = /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/;
export const POLICY_ID = /^p-[0-9a-zA-Z_]{8,128}$/;

/** Who may call an operation (besides IAM/SCP authorization). */
export type CallerRule =
  | 'any-member'
  | 'management'
  | 'management-or-delegated'
  /** Accounts outside the organization too (AcceptHandshake is called by the invited account). */
  | 'any-account';

export interface Operation {
  rule: CallerRule;
  mutating: boolean;
  run(input: Input, call: Call): unknown;
}

/** What an operation needs beyond its input. */
export interface Call {
  state: EmulatorState;
  ctx: RequestContext;
  now: Date;
}

/** Typed access to the request's JSON members; a wrong type is the InvalidInputException AWS gives. */
export class Input {
  constructor(private readonly body: Record<string, unknown>) {}

  optionalString(name: string): string | undefined {
    const value = this.body[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string') throw invalidInput('INVALID_INPUT', `${name} must be a string.`);
    return value;
  }

  string(name: string, pattern?: RegExp): string {
    const value = this.optionalString(name);
    if (value === undefined || value === '') {
      throw invalidInput('INPUT_REQUIRED', `You must specify a value for ${name}.`);
    }
    if (pattern !== undefined && !pattern.test(value)) {
      throw invalidInput('INVALID_PATTERN', `The value for ${name} doesn't match the required pattern.`);
    }
    return value;
  }

  optionalNumber(name: string): number | undefined {
    const value = this.body[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value))
      throw invalidInput('INVALID_INPUT', `${name} must be an integer.`);
    return value;
  }

  record(name: string): Record<string, unknown> {
    const value = this.body[name];
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw invalidInput('INPUT_REQUIRED', `You must specify a value for ${name}.`);
    }
    return value as Record<string, unknown>;
  }

  list(name: string): unknown[] {
    const value = this.body[name];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) throw invalidInput('INVALID_INPUT', `${name} must be a list.`);
    return value as unknown[];
  }
}

export function invalidInput(reason: string, message: string): AwsError {
  return new AwsError('InvalidInputException', message, 400, { Reason: reason });
}

export function constraint(reason: string, message: string): AwsError {
  return new AwsError('ConstraintViolationException', message, 409, { Reason: reason });
}

export const ACCESS_DENIED_MESSAGE = "You don't have permissions to access this resource.";

// Pagination -----------------------------------------------------------------------------------

export const PAGE_DEFAULT = 20;
export const PAGE_MAX = 20;

/**
 * Tokens are opaque to callers but carry the operation, a digest of its filter and the offset,
 * so a token replayed against another call (or mangled) is INVALID_NEXT_TOKEN as in AWS.
 */
export function paginate<T>(
  input: Input,
  items: readonly T[],
  scope: string,
): { page: T[]; NextToken?: string } {
  const maxResults = input.optionalNumber('MaxResults');
  if (maxResults !== undefined && maxResults < 1) {
    throw invalidInput(
      'MIN_VALUE_EXCEEDED',
      'You provided a value that does not meet the required minimum value.',
    );
  }
  if (maxResults !== undefined && maxResults > PAGE_MAX) {
    throw invalidInput('MAX_VALUE_EXCEEDED', 'You provided a value that exceeds the maximum allowed value.');
  }
  const size = maxResults ?? PAGE_DEFAULT;
  const token = input.optionalString('NextToken');
  let offset = 0;
  if (token !== undefined) {
    const decoded = decodeToken(token, scope);
    if (decoded === undefined || decoded > items.length) {
      throw invalidInput('INVALID_NEXT_TOKEN', 'You specified an invalid value for nextToken.');
    }
    offset = decoded;
  }
  const page = items.slice(offset, offset + size);
  const next = offset + size;
  return next < items.length ? { page, NextToken: encodeToken(next, scope) } : { page };
}

export function tokenDigest(offset: number, scope: string): string {
  return createHash('sha256').update(`${scope}#${offset}`).digest('base64url').slice(0, 16);
}

export function encodeToken(offset: number, scope: string): string {
  return Buffer.from(`${offset}:${tokenDigest(offset, scope)}`).toString('base64url');
}

export function decodeToken(token: string, scope: string): number | undefined {
  const text = Buffer.from(token, 'base64url').toString('utf8');
  const match = /^(\d+):([\w-]{16})$/.exec(text);
  if (match === null) return undefined;
  const offset = Number(match[1]);
  return match[2] === tokenDigest(offset, scope) ? offset : undefined;
}

// Shapes ---------------------------------------------------------------------------------------

export const epochSeconds = (date: Date): number => date.getTime() / 1000;

export function accountArn(state: EmulatorState, accountId: string): string {
  const org = state.organization;
  return `arn:aws:organizations::${org.managementAccountId}:account/${org.id}/${accountId}`;
}

export function ouArn(state: EmulatorState, ouId: string): string {
  const org = state.organization;
  return `arn:aws:organizations::${org.managementAccountId}:ou/${org.id}/${ouId}`;
}

export function rootArnOf(state: EmulatorState): string {
  const org = state.organization;
  return `arn:aws:organizations::${org.managementAccountId}:root/${org.id}/${org.rootId}`;
}

export function organizationArn(state: EmulatorState): string {
  const org = state.organization;
  return `arn:aws:organizations::${org.managementAccountId}:organization/${org.id}`;
}

/** Parent chain from the root down to (and including) `id`. */
export function lineage(state: EmulatorState, parentId: string): string[] {
  const chain: string[] = [];
  let cursor: string | undefined = parentId;
  while (cursor !== undefined && cursor !== state.organization.rootId && !chain.includes(cursor)) {
    chain.unshift(cursor);
    cursor = state.organizationalUnits.get(cursor)?.parentId;
  }
  return [state.organization.id, state.organization.rootId, ...chain];
}

/** Status is the retiring field (docs/aws-behaviour.md#organizations-paging): it only knows ACTIVE, SUSPENDED and PENDING_CLOSURE. */
export function legacyStatus(account: Account): string {
  if (account.state === 'PENDING_CLOSURE') return 'PENDING_CLOSURE';
  if (account.state === 'SUSPENDED' || account.state === 'CLOSED') return 'SUSPENDED';
  return 'ACTIVE';
}

export function accountShape(state: EmulatorState, account: Account): Record<string, unknown> {
  return {
    Id: account.id,
    Arn: accountArn(state, account.id),
    Email: account.email,
    Name: account.name,
    Status: legacyStatus(account),
    State: account.state,
    JoinedMethod: account.joinedMethod,
    JoinedTimestamp: epochSeconds(account.joinedTimestamp),
    Paths: [`${lineage(state, account.parentId).join('/')}/${account.id}/`],
  };
}

export function ouShape(state: EmulatorState, ou: OrganizationalUnit): Record<string, unknown> {
  return { Id: ou.id, Arn: ouArn(state, ou.id), Name: ou.name, Path: `${lineage(state, ou.id).join('/')}/` };
}

export function rootShape(state: EmulatorState): Record<string, unknown> {
  return {
    Id: state.organization.rootId,
    Arn: rootArnOf(state),
    Name: 'Root',
    PolicyTypes: [...state.organization.enabledPolicyTypes].map((type) => ({
      Type: type,
      Status: 'ENABLED',
    })),
  };
}

export function policySummary(state: EmulatorState, policy: ServiceControlPolicy): Record<string, unknown> {
  return {
    Id: policy.id,
    Arn: scpArn(state, policy),
    Name: policy.name,
    Description: policy.description,
    Type: 'SERVICE_CONTROL_POLICY',
    AwsManaged: policy.awsManaged,
  };
}

// Lookups --------------------------------------------------------------------------------------

export function findAccount(state: EmulatorState, accountId: string): Account {
  const account = state.accounts.get(accountId);
  if (account === undefined) {
    throw new AwsError('AccountNotFoundException', "You specified an account that doesn't exist.", 404);
  }
  return account;
}

export function checkParent(state: EmulatorState, parentId: string): void {
  if (!ROOT_ID.test(parentId) && !OU_ID.test(parentId)) {
    throw invalidInput('INVALID_PATTERN', "The value for ParentId doesn't match the required pattern.");
  }
  if (parentId !== state.organization.rootId && !state.organizationalUnits.has(parentId)) {
    throw new AwsError(
      'ParentNotFoundException',
      "We can't find a root or OU with the ParentId that you specified.",
      404,
    );
  }
}

export function findPolicy(state: EmulatorState, policyId: string): ServiceControlPolicy {
  const policy = state.policies.get(policyId);
  if (policy === undefined) {
    throw new AwsError(
      'PolicyNotFoundException',
      "We can't find a policy with the PolicyId that you specified.",
      404,
    );
  }
  return policy;
}

export type TargetType = 'ROOT' | 'ORGANIZATIONAL_UNIT' | 'ACCOUNT';

export function findTarget(
  state: EmulatorState,
  targetId: string,
): { type: TargetType; name: string; arn: string } {
  if (targetId === state.organization.rootId) return { type: 'ROOT', name: 'Root', arn: rootArnOf(state) };
  const ou = state.organizationalUnits.get(targetId);
  if (ou !== undefined) return { type: 'ORGANIZATIONAL_UNIT', name: ou.name, arn: ouArn(state, ou.id) };
  const account = state.accounts.get(targetId);
  if (account !== undefined)
    return { type: 'ACCOUNT', name: account.name, arn: accountArn(state, account.id) };
  throw new AwsError(
    'TargetNotFoundException',
    "We can't find a root, OU, account, or email target with the TargetId that you specified.",
    404,
  );
}

/** Tags are not part of the shared state; the Terraform provider only needs them to round-trip. */
export const tagStore = new WeakMap<EmulatorState, Map<string, Map<string, string>>>();

export function tagsOf(state: EmulatorState, resourceId: string): Map<string, string> {
  let byResource = tagStore.get(state);
  if (byResource === undefined) tagStore.set(state, (byResource = new Map<string, Map<string, string>>()));
  let tags = byResource.get(resourceId);
  if (tags === undefined) byResource.set(resourceId, (tags = new Map<string, string>()));
  return tags;
}

export function checkTaggable(state: EmulatorState, resourceId: string): void {
  if (state.policies.has(resourceId)) return;
  findTarget(state, resourceId);
}

export function readTags(input: Input): Array<[string, string]> {
  return input.list('Tags').map((tag) => {
    const record = tag as { Key?: unknown; Value?: unknown };
    if (typeof record.Key !== 'string' || typeof record.Value !== 'string') {
      throw invalidInput('INVALID_INPUT', 'Each tag needs a Key and a Value.');
    }
    return [record.Key, record.Value];
  });
}

/** Deterministic new ids, so a rerun of the same test creates the same policy ids. */
export function newPolicyId(state: EmulatorState): string {
  const random = new SeededRandom(seedFrom(`${state.organization.id}:policy:${state.policies.size}`));
  let id: string;
  do id = `p-${random.chars(LOWER_ALNUM, 8)}`;
  while (state.policies.has(id));
  return id;
}

export function servicePrincipal(input: Input): string {
  const principal = input.string('ServicePrincipal');
  if (principal.length > 128 || !/^[\w+=,.@-]*\.amazonaws\.com(\.cn)?$/.test(principal)) {
    throw invalidInput('UNRECOGNIZED_SERVICE_PRINCIPAL', 'You specified an unrecognized service principal.');
  }
  return principal;
}

export function checkRoot(state: EmulatorState, rootId: string): void {
  if (rootId !== state.organization.rootId) {
    throw new AwsError(
      'RootNotFoundException',
      "We can't find a root with the RootId that you specified.",
      404,
    );
  }
}

export function requireScpsEnabled(state: EmulatorState): void {
  if (!state.organization.enabledPolicyTypes.has('SERVICE_CONTROL_POLICY')) {
    throw new AwsError(
      'PolicyTypeNotEnabledException',
      'This operation can be performed only for enabled policy types.',
      409,
    );
  }
}

export function refuseAwsManaged(policy: ServiceControlPolicy): void {
  // [U] the exact error for changing an AWS-managed policy is not in the reference.
  if (policy.awsManaged)
    throw new AwsError('AccessDeniedException', 'You cannot modify or delete an AWS managed policy.', 403);
}

/** The `Filter` of the List*Policies calls; true when it asks for SCPs (the only type held). */
export function policyTypeFilter(input: Input): boolean {
  const filter = input.string('Filter');
  if (!isPolicyType(filter))
    throw invalidInput('INVALID_ENUM', `You specified an invalid value for Filter: ${filter}.`);
  return filter === 'SERVICE_CONTROL_POLICY';
}
