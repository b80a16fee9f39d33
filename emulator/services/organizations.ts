/**
 * AWS Organizations (JSON 1.1, `AWSOrganizationsV20161128.<Op>`), reference §1.2 and §6.
 *
 * Each call is authorized through the request context first (an IAM or SCP denial is an
 * `AccessDeniedException` naming the policy), then checked against Organizations' own caller
 * rules: management-only operations, and List/Describe operations that the management account
 * or any delegated administrator may call. Errors carry the model's shape name as `__type`, its
 * HTTP status and the `Reason` member where the model has one.
 */
import { createHash } from 'node:crypto';

import type { RawRequest, RawResponse, RequestContext, ServiceHandler } from '../model/request';
import type { Account, EmulatorState, OrganizationalUnit, ServiceControlPolicy } from '../model/state';
import { AwsError } from '../model/state';
import { scpArn } from '../policy/authorize';
import { checkPolicyDocument, PolicyParseError, unsupportedOperators } from '../policy/evaluate';
import {
  FULL_AWS_ACCESS_CONTENT,
  FULL_AWS_ACCESS_DESCRIPTION,
  FULL_AWS_ACCESS_ID,
  FULL_AWS_ACCESS_NAME,
} from '../policy/root-task-policies';
import { jsonError, jsonInput, jsonOperation, jsonResponse, type JsonApi } from '../protocol/json';
import { LOWER_ALNUM, SeededRandom, seedFrom } from '../scenario/random';

const API: JsonApi = { version: '1.1', targetPrefix: 'AWSOrganizationsV20161128' };

const ACCOUNT_ID = /^\d{12}$/;
const ROOT_ID = /^r-[0-9a-z]{4,32}$/;
const OU_ID = /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/;
const POLICY_ID = /^p-[0-9a-zA-Z_]{8,128}$/;

/** Who may call an operation (besides IAM/SCP authorization). */
type CallerRule = 'any-member' | 'management' | 'management-or-delegated';

interface Operation {
  rule: CallerRule;
  mutating: boolean;
  run(input: Input, call: Call): unknown;
}

/** What an operation needs beyond its input. */
interface Call {
  state: EmulatorState;
  ctx: RequestContext;
  now: Date;
}

/** Typed access to the request's JSON members; a wrong type is the InvalidInputException AWS gives. */
class Input {
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

  list(name: string): unknown[] {
    const value = this.body[name];
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value)) throw invalidInput('INVALID_INPUT', `${name} must be a list.`);
    return value as unknown[];
  }
}

function invalidInput(reason: string, message: string): AwsError {
  return new AwsError('InvalidInputException', message, 400, { Reason: reason });
}

function constraint(reason: string, message: string): AwsError {
  return new AwsError('ConstraintViolationException', message, 409, { Reason: reason });
}

const ACCESS_DENIED_MESSAGE = "You don't have permissions to access this resource.";

// Pagination -----------------------------------------------------------------------------------

const PAGE_DEFAULT = 20;
const PAGE_MAX = 20;

/**
 * Tokens are opaque to callers but carry the operation, a digest of its filter and the offset,
 * so a token replayed against another call (or mangled) is INVALID_NEXT_TOKEN as in AWS.
 */
function paginate<T>(input: Input, items: readonly T[], scope: string): { page: T[]; NextToken?: string } {
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

function tokenDigest(offset: number, scope: string): string {
  return createHash('sha256').update(`${scope}#${offset}`).digest('base64url').slice(0, 16);
}

function encodeToken(offset: number, scope: string): string {
  return Buffer.from(`${offset}:${tokenDigest(offset, scope)}`).toString('base64url');
}

function decodeToken(token: string, scope: string): number | undefined {
  const text = Buffer.from(token, 'base64url').toString('utf8');
  const match = /^(\d+):([\w-]{16})$/.exec(text);
  if (match === null) return undefined;
  const offset = Number(match[1]);
  return match[2] === tokenDigest(offset, scope) ? offset : undefined;
}

// Shapes ---------------------------------------------------------------------------------------

const epochSeconds = (date: Date): number => date.getTime() / 1000;

function accountArn(state: EmulatorState, accountId: string): string {
  const org = state.organization;
  return `arn:aws:organizations::${org.managementAccountId}:account/${org.id}/${accountId}`;
}

function ouArn(state: EmulatorState, ouId: string): string {
  const org = state.organization;
  return `arn:aws:organizations::${org.managementAccountId}:ou/${org.id}/${ouId}`;
}

function rootArnOf(state: EmulatorState): string {
  const org = state.organization;
  return `arn:aws:organizations::${org.managementAccountId}:root/${org.id}/${org.rootId}`;
}

function organizationArn(state: EmulatorState): string {
  const org = state.organization;
  return `arn:aws:organizations::${org.managementAccountId}:organization/${org.id}`;
}

/** Parent chain from the root down to (and including) `id`. */
function lineage(state: EmulatorState, parentId: string): string[] {
  const chain: string[] = [];
  let cursor: string | undefined = parentId;
  while (cursor !== undefined && cursor !== state.organization.rootId && !chain.includes(cursor)) {
    chain.unshift(cursor);
    cursor = state.organizationalUnits.get(cursor)?.parentId;
  }
  return [state.organization.id, state.organization.rootId, ...chain];
}

/** Status is the retiring field (reference §6.1): it only knows ACTIVE, SUSPENDED and PENDING_CLOSURE. */
function legacyStatus(account: Account): string {
  if (account.state === 'PENDING_CLOSURE') return 'PENDING_CLOSURE';
  if (account.state === 'SUSPENDED' || account.state === 'CLOSED') return 'SUSPENDED';
  return 'ACTIVE';
}

function accountShape(state: EmulatorState, account: Account): Record<string, unknown> {
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

function ouShape(state: EmulatorState, ou: OrganizationalUnit): Record<string, unknown> {
  return { Id: ou.id, Arn: ouArn(state, ou.id), Name: ou.name, Path: `${lineage(state, ou.id).join('/')}/` };
}

function rootShape(state: EmulatorState): Record<string, unknown> {
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

function policySummary(state: EmulatorState, policy: ServiceControlPolicy): Record<string, unknown> {
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

function findAccount(state: EmulatorState, accountId: string): Account {
  const account = state.accounts.get(accountId);
  if (account === undefined) {
    throw new AwsError('AccountNotFoundException', "You specified an account that doesn't exist.", 404);
  }
  return account;
}

function checkParent(state: EmulatorState, parentId: string): void {
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

function findPolicy(state: EmulatorState, policyId: string): ServiceControlPolicy {
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

type TargetType = 'ROOT' | 'ORGANIZATIONAL_UNIT' | 'ACCOUNT';

function findTarget(state: EmulatorState, targetId: string): { type: TargetType; name: string; arn: string } {
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

function policyTypeFilter(input: Input): boolean {
  const filter = input.string('Filter');
  if (!POLICY_TYPES.has(filter))
    throw invalidInput('INVALID_ENUM', `You specified an invalid value for Filter: ${filter}.`);
  return filter === 'SERVICE_CONTROL_POLICY';
}

const POLICY_TYPES = new Set([
  'SERVICE_CONTROL_POLICY',
  'RESOURCE_CONTROL_POLICY',
  'DECLARATIVE_POLICY_EC2',
  'BACKUP_POLICY',
  'TAG_POLICY',
  'CHATBOT_POLICY',
  'AISERVICES_OPT_OUT_POLICY',
  'SECURITYHUB_POLICY',
]);

function checkPolicyContent(content: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
    const unsupported = unsupportedOperators(checkPolicyDocument(parsed));
    if (unsupported.length > 0)
      throw new PolicyParseError(`unsupported condition operators: ${unsupported.join(', ')}`);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new AwsError(
      'MalformedPolicyDocumentException',
      `The provided policy document doesn't meet the requirements of the specified policy type: ${detail}`,
      400,
    );
  }
  if (content.length > 5120) {
    throw constraint(
      'POLICY_CONTENT_LIMIT_EXCEEDED',
      'The policy document exceeds the maximum size of 5120 characters.',
    );
  }
}

/** Tags are not part of the shared state; the Terraform provider only needs them to round-trip. */
const tagStore = new WeakMap<EmulatorState, Map<string, Map<string, string>>>();

function tagsOf(state: EmulatorState, resourceId: string): Map<string, string> {
  let byResource = tagStore.get(state);
  if (byResource === undefined) tagStore.set(state, (byResource = new Map<string, Map<string, string>>()));
  let tags = byResource.get(resourceId);
  if (tags === undefined) byResource.set(resourceId, (tags = new Map<string, string>()));
  return tags;
}

function checkTaggable(state: EmulatorState, resourceId: string): void {
  if (state.policies.has(resourceId)) return;
  findTarget(state, resourceId);
}

function readTags(input: Input): Array<[string, string]> {
  return input.list('Tags').map((tag) => {
    const record = tag as { Key?: unknown; Value?: unknown };
    if (typeof record.Key !== 'string' || typeof record.Value !== 'string') {
      throw invalidInput('INVALID_INPUT', 'Each tag needs a Key and a Value.');
    }
    return [record.Key, record.Value];
  });
}

/** Deterministic new ids, so a rerun of the same test creates the same policy ids. */
function newPolicyId(state: EmulatorState): string {
  const random = new SeededRandom(seedFrom(`${state.organization.id}:policy:${state.policies.size}`));
  let id: string;
  do id = `p-${random.chars(LOWER_ALNUM, 8)}`;
  while (state.policies.has(id));
  return id;
}

// Operations -----------------------------------------------------------------------------------

const OPERATIONS: Record<string, Operation> = {
  DescribeOrganization: {
    rule: 'any-member',
    mutating: false,
    run: (_input, { state }) => {
      const org = state.organization;
      return {
        Organization: {
          Id: org.id,
          Arn: organizationArn(state),
          FeatureSet: org.featureSet,
          MasterAccountArn: accountArn(state, org.managementAccountId),
          MasterAccountId: org.managementAccountId,
          MasterAccountEmail: org.managementAccountEmail,
          AvailablePolicyTypes: [...org.enabledPolicyTypes].map((type) => ({
            Type: type,
            Status: 'ENABLED',
          })),
        },
      };
    },
  },
  ListRoots: {
    rule: 'management-or-delegated',
    mutating: false,
    run: (input, { state }) => {
      const { page, NextToken } = paginate(input, [rootShape(state)], 'ListRoots');
      return { Roots: page, NextToken };
    },
  },
  ListAccounts: {
    rule: 'management-or-delegated',
    mutating: false,
    run: (input, { state }) => {
      const { page, NextToken } = paginate(input, [...state.accounts.values()], 'ListAccounts');
      return { Accounts: page.map((account) => accountShape(state, account)), NextToken };
    },
  },
  ListAccountsForParent: {
    rule: 'management-or-delegated',
    mutating: false,
    run: (input, { state }) => {
      const parentId = input.string('ParentId');
      checkParent(state, parentId);
      const children = [...state.accounts.values()].filter((account) => account.parentId === parentId);
      const { page, NextToken } = paginate(input, children, `ListAccountsForParent:${parentId}`);
      return { Accounts: page.map((account) => accountShape(state, account)), NextToken };
    },
  },
  ListOrganizationalUnitsForParent: {
    rule: 'management-or-delegated',
    mutating: false,
    run: (input, { state }) => {
      const parentId = input.string('ParentId');
      checkParent(state, parentId);
      const children = [...state.organizationalUnits.values()].filter((ou) => ou.parentId === parentId);
      const { page, NextToken } = paginate(input, children, `ListOrganizationalUnitsForParent:${parentId}`);
      return { OrganizationalUnits: page.map((ou) => ouShape(state, ou)), NextToken };
    },
  },
  ListChildren: {
    rule: 'management-or-delegated',
    mutating: false,
    run: (input, { state }) => {
      const parentId = input.string('ParentId');
      const childType = input.string('ChildType');
      if (childType !== 'ACCOUNT' && childType !== 'ORGANIZATIONAL_UNIT') {
        throw invalidInput('INVALID_ENUM', `You specified an invalid value for ChildType: ${childType}.`);
      }
      checkParent(state, parentId);
      const ids =
        childType === 'ACCOUNT'
          ? [...state.accounts.values()].filter((a) => a.parentId === parentId).map((a) => a.id)
          : [...state.organizationalUnits.values()]
              .filter((ou) => ou.parentId === parentId)
              .map((ou) => ou.id);
      const { page, NextToken } = paginate(input, ids, `ListChildren:${parentId}:${childType}`);
      return { Children: page.map((id) => ({ Id: id, Type: childType })), NextToken };
    },
  },
  ListParents: {
    rule: 'management-or-delegated',
    mutating: false,
    run: (input, { state }) => {
      const childId = input.string('ChildId');
      const parentId =
        state.accounts.get(childId)?.parentId ?? state.organizationalUnits.get(childId)?.parentId;
      if (parentId === undefined) {
        throw new AwsError(
          'ChildNotFoundException',
          "We can't find an organizational unit (OU) or AWS account with the ChildId that you specified.",
          404,
        );
      }
      const { page, NextToken } = paginate(input, [parentId], `ListParents:${childId}`);
      return {
        Parents: page.map((id) => ({
          Id: id,
          Type: id === state.organization.rootId ? 'ROOT' : 'ORGANIZATIONAL_UNIT',
        })),
        NextToken,
      };
    },
  },
  DescribeAccount: {
    rule: 'management-or-delegated',
    mutating: false,
    run: (input, { state }) => ({
      Account: accountShape(state, findAccount(state, input.string('AccountId', ACCOUNT_ID))),
    }),
  },
  DescribeOrganizationalUnit: {
    rule: 'management-or-delegated',
    mutating: false,
    run: (input, { state }) => {
      const ou = state.organizationalUnits.get(input.string('OrganizationalUnitId', OU_ID));
      if (ou === undefined) {
        throw new AwsError(
          'OrganizationalUnitNotFoundException',
          "We can't find an OU with the OrganizationalUnitId that you specified.",
          404,
        );
      }
      return { OrganizationalUnit: ouShape(state, ou) };
    },
  },
  EnableAWSServiceAccess: {
    rule: 'management',
    mutating: true,
    run: (input, { state, now }) => {
      const principal = servicePrincipal(input);
      if (state.organization.featureSet !== 'ALL') {
        throw constraint(
          'ORGANIZATION_NOT_IN_ALL_FEATURES_MODE',
          'Trusted access requires an organization with all features enabled.',
        );
      }
      // [U] reference §6.2: enabling an already-enabled principal is treated as a no-op success.
      if (!state.organization.trustedAccess.has(principal))
        state.organization.trustedAccess.set(principal, now);
      return {};
    },
  },
  DisableAWSServiceAccess: {
    rule: 'management',
    mutating: true,
    run: (input, { state }) => {
      state.organization.trustedAccess.delete(servicePrincipal(input));
      return {};
    },
  },
  ListAWSServiceAccessForOrganization: {
    rule: 'management-or-delegated',
    mutating: false,
    run: (input, { state }) => {
      const entries = [...state.organization.trustedAccess.entries()];
      const { page, NextToken } = paginate(input, entries, 'ListAWSServiceAccessForOrganization');
      return {
        EnabledServicePrincipals: page.map(([principal, date]) => ({
          ServicePrincipal: principal,
          DateEnabled: epochSeconds(date),
        })),
        NextToken,
      };
    },
  },
  RegisterDelegatedAdministrator: {
    rule: 'management',
    mutating: true,
    run: (input, { state, now }) => {
      const accountId = input.string('AccountId', ACCOUNT_ID);
      const principal = servicePrincipal(input);
      const org = state.organization;
      const account = findAccount(state, accountId);
      if (accountId === org.managementAccountId) {
        throw constraint(
          'CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR',
          'You cannot register the management account of the organization as a delegated administrator for an AWS service integrated with Organizations.',
        );
      }
      if (account.state !== 'ACTIVE') {
        throw constraint(
          'CANNOT_REGISTER_SUSPENDED_ACCOUNT_AS_DELEGATED_ADMINISTRATOR',
          'You cannot register a suspended account as a delegated administrator.',
        );
      }
      if (!org.trustedAccess.has(principal)) {
        throw constraint(
          'SERVICE_ACCESS_NOT_ENABLED',
          `You must enable trusted access for ${principal} before you can register a delegated administrator.`,
        );
      }
      if (
        org.delegatedAdministrators.some((d) => d.accountId === accountId && d.servicePrincipal === principal)
      ) {
        throw new AwsError(
          'AccountAlreadyRegisteredException',
          'The provided account is already a delegated administrator for your organization.',
          409,
        );
      }
      // [U] reference §6.2: IAM accepts one delegated administrator; other services are not capped here.
      if (
        principal === 'iam.amazonaws.com' &&
        org.delegatedAdministrators.some((d) => d.servicePrincipal === principal)
      ) {
        throw constraint(
          'MAX_DELEGATED_ADMINISTRATORS_FOR_SERVICE_LIMIT_EXCEEDED',
          'You attempted to register more delegated administrators than allowed for the service principal.',
        );
      }
      org.delegatedAdministrators.push({
        accountId,
        servicePrincipal: principal,
        delegationEnabledDate: now,
      });
      return {};
    },
  },
  DeregisterDelegatedAdministrator: {
    rule: 'management',
    mutating: true,
    run: (input, { state }) => {
      const accountId = input.string('AccountId', ACCOUNT_ID);
      const principal = servicePrincipal(input);
      findAccount(state, accountId);
      const list = state.organization.delegatedAdministrators;
      const index = list.findIndex((d) => d.accountId === accountId && d.servicePrincipal === principal);
      if (index === -1) {
        throw new AwsError(
          'AccountNotRegisteredException',
          'The provided account is not a registered delegated administrator for your organization.',
          409,
        );
      }
      list.splice(index, 1);
      return {};
    },
  },
  ListDelegatedAdministrators: {
    rule: 'management-or-delegated',
    mutating: false,
    run: (input, { state }) => {
      const filter = input.optionalString('ServicePrincipal');
      const first = new Map<string, Date>();
      for (const d of state.organization.delegatedAdministrators) {
        if (filter !== undefined && d.servicePrincipal !== filter) continue;
        const seen = first.get(d.accountId);
        if (seen === undefined || d.delegationEnabledDate < seen)
          first.set(d.accountId, d.delegationEnabledDate);
      }
      const entries = [...first.entries()].filter(([id]) => state.accounts.has(id));
      const { page, NextToken } = paginate(input, entries, `ListDelegatedAdministrators:${filter ?? ''}`);
      return {
        DelegatedAdministrators: page.map(([id, date]) => {
          const account = findAccount(state, id);
          return { ...accountShape(state, account), DelegationEnabledDate: epochSeconds(date) };
        }),
        NextToken,
      };
    },
  },
  ListDelegatedServicesForAccount: {
    rule: 'management-or-delegated',
    mutating: false,
    run: (input, { state }) => {
      const accountId = input.string('AccountId', ACCOUNT_ID);
      findAccount(state, accountId);
      const services = state.organization.delegatedAdministrators.filter((d) => d.accountId === accountId);
      if (services.length === 0) {
        throw new AwsError(
          'AccountNotRegisteredException',
          'The provided account is not a registered delegated administrator for your organization.',
          409,
        );
      }
      const { page, NextToken } = paginate(input, services, `ListDelegatedServicesForAccount:${accountId}`);
      return {
        DelegatedServices: page.map((d) => ({
          ServicePrincipal: d.servicePrincipal,
          DelegationEnabledDate: epochSeconds(d.delegationEnabledDate),
        })),
        NextToken,
      };
    },
  },
  ListPolicies: {
    rule: 'management-or-delegated',
    mutating: false,
    run: (input, { state }) => {
      const policies = policyTypeFilter(input) ? [...state.policies.values()] : [];
      const { page, NextToken } = paginate(input, policies, `ListPolicies:${input.string('Filter')}`);
      return { Policies: page.map((policy) => policySummary(state, policy)), NextToken };
    },
  },
  ListPoliciesForTarget: {
    rule: 'management-or-delegated',
    mutating: false,
    run: (input, { state }) => {
      const targetId = input.string('TargetId');
      findTarget(state, targetId);
      const scps = policyTypeFilter(input);
      const attached = scps
        ? [...state.policies.values()].filter((policy) => policy.targets.has(targetId))
        : [];
      const { page, NextToken } = paginate(
        input,
        attached,
        `ListPoliciesForTarget:${targetId}:${input.string('Filter')}`,
      );
      return { Policies: page.map((policy) => policySummary(state, policy)), NextToken };
    },
  },
  ListTargetsForPolicy: {
    rule: 'management-or-delegated',
    mutating: false,
    run: (input, { state }) => {
      const policy = findPolicy(state, input.string('PolicyId', POLICY_ID));
      const { page, NextToken } = paginate(input, [...policy.targets], `ListTargetsForPolicy:${policy.id}`);
      return {
        Targets: page.map((id) => {
          const target = findTarget(state, id);
          return { TargetId: id, Arn: target.arn, Name: target.name, Type: target.type };
        }),
        NextToken,
      };
    },
  },
  DescribePolicy: {
    rule: 'management-or-delegated',
    mutating: false,
    run: (input, { state }) => {
      const policy = findPolicy(state, input.string('PolicyId', POLICY_ID));
      return { Policy: { PolicySummary: policySummary(state, policy), Content: policy.content } };
    },
  },
  CreatePolicy: {
    rule: 'management',
    mutating: true,
    run: (input, { state }) => {
      const type = input.string('Type');
      if (type !== 'SERVICE_CONTROL_POLICY') {
        throw new AwsError(
          'PolicyTypeNotEnabledException',
          `The emulator supports only SERVICE_CONTROL_POLICY, not ${type}.`,
          400,
        );
      }
      const name = input.string('Name');
      const content = input.string('Content');
      checkPolicyContent(content);
      if ([...state.policies.values()].some((policy) => policy.name === name)) {
        throw new AwsError('DuplicatePolicyException', 'A policy with the same name already exists.', 409);
      }
      const policy: ServiceControlPolicy = {
        id: newPolicyId(state),
        name,
        description: input.optionalString('Description') ?? '',
        awsManaged: false,
        content,
        targets: new Set(),
      };
      state.policies.set(policy.id, policy);
      const tags = tagsOf(state, policy.id);
      for (const [key, value] of readTags(input)) tags.set(key, value);
      return { Policy: { PolicySummary: policySummary(state, policy), Content: policy.content } };
    },
  },
  UpdatePolicy: {
    rule: 'management',
    mutating: true,
    run: (input, { state }) => {
      const policy = findPolicy(state, input.string('PolicyId', POLICY_ID));
      refuseAwsManaged(policy);
      const name = input.optionalString('Name');
      const content = input.optionalString('Content');
      if (content !== undefined) checkPolicyContent(content);
      if (
        name !== undefined &&
        [...state.policies.values()].some((p) => p.name === name && p.id !== policy.id)
      ) {
        throw new AwsError('DuplicatePolicyException', 'A policy with the same name already exists.', 409);
      }
      if (name !== undefined) policy.name = name;
      if (content !== undefined) policy.content = content;
      policy.description = input.optionalString('Description') ?? policy.description;
      return { Policy: { PolicySummary: policySummary(state, policy), Content: policy.content } };
    },
  },
  DeletePolicy: {
    rule: 'management',
    mutating: true,
    run: (input, { state }) => {
      const policy = findPolicy(state, input.string('PolicyId', POLICY_ID));
      refuseAwsManaged(policy);
      if (policy.targets.size > 0) {
        throw new AwsError(
          'PolicyInUseException',
          'The policy is attached to one or more entities. You must detach it from all roots, OUs, and accounts before performing this operation.',
          409,
        );
      }
      state.policies.delete(policy.id);
      return {};
    },
  },
  AttachPolicy: {
    rule: 'management',
    mutating: true,
    run: (input, { state }) => {
      const policy = findPolicy(state, input.string('PolicyId', POLICY_ID));
      const targetId = input.string('TargetId');
      findTarget(state, targetId);
      requireScpsEnabled(state);
      if (policy.targets.has(targetId)) {
        throw new AwsError(
          'DuplicatePolicyAttachmentException',
          'The selected policy is already attached to the specified target.',
          409,
        );
      }
      policy.targets.add(targetId);
      return {};
    },
  },
  DetachPolicy: {
    rule: 'management',
    mutating: true,
    run: (input, { state }) => {
      const policy = findPolicy(state, input.string('PolicyId', POLICY_ID));
      const targetId = input.string('TargetId');
      findTarget(state, targetId);
      if (!policy.targets.has(targetId)) {
        throw new AwsError(
          'PolicyNotAttachedException',
          "The policy isn't attached to the specified target in the specified root.",
          404,
        );
      }
      // Every root, OU and account must keep at least one SCP while the policy type is enabled.
      const remaining = [...state.policies.values()].filter((p) => p.targets.has(targetId)).length;
      if (remaining <= 1 && state.organization.enabledPolicyTypes.has('SERVICE_CONTROL_POLICY')) {
        throw constraint(
          'MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED',
          'You attempted to detach a policy from an entity that would leave it with fewer than the minimum number of policies of that type.',
        );
      }
      policy.targets.delete(targetId);
      return {};
    },
  },
  EnablePolicyType: {
    rule: 'management',
    mutating: true,
    run: (input, { state }) => {
      const rootId = input.string('RootId', ROOT_ID);
      const type = input.string('PolicyType');
      checkRoot(state, rootId);
      if (type !== 'SERVICE_CONTROL_POLICY') {
        throw invalidInput('INVALID_ENUM', `The emulator supports only SERVICE_CONTROL_POLICY, not ${type}.`);
      }
      const org = state.organization;
      if (org.featureSet !== 'ALL') {
        throw constraint(
          'ORGANIZATION_NOT_IN_ALL_FEATURES_MODE',
          'Service control policies require an organization with all features enabled.',
        );
      }
      if (org.enabledPolicyTypes.has(type)) {
        throw new AwsError(
          'PolicyTypeAlreadyEnabledException',
          'The specified policy type is already enabled.',
          409,
        );
      }
      org.enabledPolicyTypes.add(type);
      // Enabling SCPs attaches FullAWSAccess everywhere, so nothing is denied by the switch itself.
      let full = state.policies.get(FULL_AWS_ACCESS_ID);
      if (full === undefined) {
        full = {
          id: FULL_AWS_ACCESS_ID,
          name: FULL_AWS_ACCESS_NAME,
          description: FULL_AWS_ACCESS_DESCRIPTION,
          awsManaged: true,
          content: FULL_AWS_ACCESS_CONTENT,
          targets: new Set(),
        };
        state.policies.set(full.id, full);
      }
      for (const id of [org.rootId, ...state.organizationalUnits.keys(), ...state.accounts.keys()])
        full.targets.add(id);
      return { Root: rootShape(state) };
    },
  },
  DisablePolicyType: {
    rule: 'management',
    mutating: true,
    run: (input, { state }) => {
      const rootId = input.string('RootId', ROOT_ID);
      const type = input.string('PolicyType');
      checkRoot(state, rootId);
      if (!state.organization.enabledPolicyTypes.delete(type)) {
        throw new AwsError(
          'PolicyTypeNotEnabledException',
          'This operation can be performed only for enabled policy types.',
          409,
        );
      }
      // Disabling the type detaches every policy of that type.
      if (type === 'SERVICE_CONTROL_POLICY')
        for (const policy of state.policies.values()) policy.targets.clear();
      return { Root: rootShape(state) };
    },
  },
  ListTagsForResource: {
    rule: 'management-or-delegated',
    mutating: false,
    run: (input, { state }) => {
      const resourceId = input.string('ResourceId');
      checkTaggable(state, resourceId);
      const tags = [...tagsOf(state, resourceId).entries()].map(([Key, Value]) => ({ Key, Value }));
      const { page, NextToken } = paginate(input, tags, `ListTagsForResource:${resourceId}`);
      return { Tags: page, NextToken };
    },
  },
  TagResource: {
    rule: 'management',
    mutating: true,
    run: (input, { state }) => {
      const resourceId = input.string('ResourceId');
      checkTaggable(state, resourceId);
      const tags = tagsOf(state, resourceId);
      for (const [key, value] of readTags(input)) tags.set(key, value);
      return {};
    },
  },
  UntagResource: {
    rule: 'management',
    mutating: true,
    run: (input, { state }) => {
      const resourceId = input.string('ResourceId');
      checkTaggable(state, resourceId);
      const tags = tagsOf(state, resourceId);
      for (const key of input.list('TagKeys')) if (typeof key === 'string') tags.delete(key);
      return {};
    },
  },
};

function servicePrincipal(input: Input): string {
  const principal = input.string('ServicePrincipal');
  if (principal.length > 128 || !/^[\w+=,.@-]*\.amazonaws\.com(\.cn)?$/.test(principal)) {
    throw invalidInput('UNRECOGNIZED_SERVICE_PRINCIPAL', 'You specified an unrecognized service principal.');
  }
  return principal;
}

function checkRoot(state: EmulatorState, rootId: string): void {
  if (rootId !== state.organization.rootId) {
    throw new AwsError(
      'RootNotFoundException',
      "We can't find a root with the RootId that you specified.",
      404,
    );
  }
}

function requireScpsEnabled(state: EmulatorState): void {
  if (!state.organization.enabledPolicyTypes.has('SERVICE_CONTROL_POLICY')) {
    throw new AwsError(
      'PolicyTypeNotEnabledException',
      'This operation can be performed only for enabled policy types.',
      409,
    );
  }
}

function refuseAwsManaged(policy: ServiceControlPolicy): void {
  // [U] the exact error for changing an AWS-managed policy is not in the reference.
  if (policy.awsManaged)
    throw new AwsError('AccessDeniedException', 'You cannot modify or delete an AWS managed policy.', 403);
}

/** The resource an action is authorized on: the named entity's ARN where there is one. */
function resourceOf(state: EmulatorState, input: Record<string, unknown>): string {
  const accountId = input['AccountId'];
  if (typeof accountId === 'string' && state.accounts.has(accountId)) return accountArn(state, accountId);
  const policyId = input['PolicyId'];
  const policy = typeof policyId === 'string' ? state.policies.get(policyId) : undefined;
  if (policy !== undefined) return scpArn(state, policy);
  const ouId = input['OrganizationalUnitId'] ?? input['ParentId'];
  if (typeof ouId === 'string' && state.organizationalUnits.has(ouId)) return ouArn(state, ouId);
  if (ouId === state.organization.rootId) return rootArnOf(state);
  return '*';
}

function checkCaller(rule: CallerRule, ctx: RequestContext): void {
  const state = ctx.state;
  const accountId = ctx.principal.accountId;
  if (!state.accounts.has(accountId)) {
    throw new AwsError(
      'AWSOrganizationsNotInUseException',
      'Your account is not a member of an organization.',
      404,
    );
  }
  if (rule === 'any-member' || accountId === state.organization.managementAccountId) return;
  const delegated = state.organization.delegatedAdministrators.some((d) => d.accountId === accountId);
  // A root session is never an administrator of the organization, whatever its account is.
  if (rule === 'management-or-delegated' && delegated && ctx.principal.kind === 'iam') return;
  throw new AwsError('AccessDeniedException', ACCESS_DENIED_MESSAGE, 403);
}

export function renderError(err: AwsError): RawResponse {
  return jsonError(API, err, err.code, 'Message');
}

export const organizationsService: ServiceHandler = {
  service: 'organizations',

  actionOf(request: RawRequest): string {
    return jsonOperation(API, request);
  },

  handle(request: RawRequest, ctx: RequestContext): RawResponse {
    const name = jsonOperation(API, request);
    const operation = Object.prototype.hasOwnProperty.call(OPERATIONS, name) ? OPERATIONS[name] : undefined;
    try {
      if (operation === undefined) {
        ctx.annotate({ action: name || 'Unknown', accountId: ctx.principal.accountId, mutating: false });
        // Authorized before it is refused as unknown, as AWS evaluates policies first.
        const decision = ctx.authorize({
          action: `organizations:${name || 'Unknown'}`,
          resource: '*',
          resourceAccountId: ctx.state.organization.managementAccountId,
        });
        if (!decision.allowed) throw new AwsError('AccessDeniedException', decision.message, 403);
        throw new AwsError(
          'UnknownOperationException',
          `The operation ${name || '(none)'} is not supported by AWS Organizations.`,
          400,
        );
      }
      // Annotated before parsing, so even a malformed body is logged under its operation.
      ctx.annotate({ action: name, accountId: ctx.principal.accountId, mutating: operation.mutating });
      const body = jsonInput(request);
      const state = ctx.state;
      if (typeof body['AccountId'] === 'string') {
        ctx.annotate({ action: name, accountId: body['AccountId'], mutating: operation.mutating });
      }
      const servicePrincipal = body['ServicePrincipal'];
      const decision = ctx.authorize({
        action: `organizations:${name}`,
        resource: resourceOf(state, body),
        resourceAccountId: state.organization.managementAccountId,
        // The condition key IAM documents for the service-access and delegated-admin actions, so a
        // role limited to one service principal is evaluated as AWS would.
        ...(typeof servicePrincipal === 'string'
          ? { context: { 'organizations:ServicePrincipal': servicePrincipal } }
          : {}),
      });
      if (!decision.allowed) throw new AwsError('AccessDeniedException', decision.message, 403);
      checkCaller(operation.rule, ctx);
      return jsonResponse(API, operation.run(new Input(body), { state, ctx, now: ctx.now }));
    } catch (error) {
      if (error instanceof AwsError) return renderError(error);
      throw error;
    }
  },
};
