/**
 * Scenario documents: validation, loading into emulator state, and the JSON view of state.
 *
 * A scenario is the contract between the emulator and every test that seeds it, so bad input
 * gets every problem at once (field, bad value, fix), never a stack trace. Whatever a document
 * leaves out (ids, credential ids, dates) is generated from a seed derived from the document
 * itself, so loading the same document twice yields the same organization.
 */
import { existsSync, readFileSync } from 'node:fs';

import type {
  Account,
  AccountState,
  Bucket,
  DelegatedAdministrator,
  EmulatorState,
  Faults,
  IamPrincipal,
  MfaDeviceKind,
  OrganizationalUnit,
  PolicyDocument,
  Principal,
  Queue,
  RootAccessKey,
  RootCredentials,
  RootFeature,
  RootMfaDevice,
  RootSigningCertificate,
  ServiceControlPolicy,
} from '../model/state';
import { ROOT_FEATURES } from '../model/state';
import { checkPolicyDocument, PolicyParseError, unsupportedOperators } from '../policy/evaluate';
import {
  FULL_AWS_ACCESS_CONTENT,
  FULL_AWS_ACCESS_DESCRIPTION,
  FULL_AWS_ACCESS_ID,
  FULL_AWS_ACCESS_NAME,
} from '../policy/root-task-policies';
import {
  DIGITS,
  KEY_ALPHABET,
  LOWER_ALNUM,
  SCENARIO_EPOCH,
  SeededRandom,
  seedFrom,
  UPPER_ALNUM,
} from './random';

export const ACCOUNT_ID_PATTERN = /^\d{12}$/;
export const OU_ID_PATTERN = /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/;
export const ROOT_ID_PATTERN = /^r-[0-9a-z]{4,32}$/;
export const POLICY_ID_PATTERN = /^p-[0-9a-zA-Z_]{8,128}$/;
export const ORGANIZATION_ID_PATTERN = /^o-[a-z0-9]{10,32}$/;

/** Root access keys per account (IAM quotas) and MFA devices per user (UG-MFA), reference §5.4. */
export const MAX_ROOT_ACCESS_KEYS = 2;
export const MAX_ROOT_MFA_DEVICES = 8;

export const DEFAULT_FAULTS: Readonly<Faults> = {
  seed: 1,
  latencyMs: 0,
  errorRate: 0,
  throttleRate: 0,
  rateLimits: {},
};

const ACCOUNT_STATES: readonly AccountState[] = [
  'ACTIVE',
  'SUSPENDED',
  'PENDING_CLOSURE',
  'CLOSED',
  'PENDING_ACTIVATION',
];
const MFA_KINDS: readonly MfaDeviceKind[] = ['virtual', 'fido', 'hardware'];

export interface ScenarioProblem {
  /** JSON path of the offending field, e.g. `accounts[3].parentId`. */
  field: string;
  /** What is wrong, with the bad value. */
  problem: string;
  /** How to fix it. */
  fix: string;
}

export class ScenarioError extends Error {
  constructor(
    readonly problems: ScenarioProblem[],
    source?: string,
  ) {
    super(
      `${source === undefined ? 'scenario' : `scenario ${source}`} is invalid (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((p) => `  - ${p.field}: ${p.problem}; ${p.fix}`).join('\n'),
    );
    this.name = 'ScenarioError';
  }
}

/** Reads a scenario file as JSON; a missing file or malformed JSON is a ScenarioError, not a stack trace. */
export function readScenarioFile(path: string): unknown {
  if (!existsSync(path)) {
    throw new ScenarioError([
      {
        field: '(file)',
        problem: `no file at ${path}`,
        fix: 'pass the path of a scenario JSON file (see emulator/scenarios/)',
      },
    ]);
  }
  const text = readFileSync(path, 'utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ScenarioError(
      [
        {
          field: '(file)',
          problem: `not valid JSON: ${(error as Error).message}`,
          fix: 'fix the JSON syntax',
        },
      ],
      path,
    );
  }
}

/** Collects problems while walking the document so the error can list all of them. */
class Checker {
  readonly problems: ScenarioProblem[] = [];

  add(field: string, problem: string, fix: string): void {
    this.problems.push({ field, problem, fix });
  }

  record(value: unknown, field: string, known: readonly string[]): Record<string, unknown> | undefined {
    if (!isRecord(value)) {
      this.add(field, `expected an object, got ${show(value)}`, 'write a JSON object here');
      return undefined;
    }
    for (const key of Object.keys(value)) {
      if (!known.includes(key)) {
        this.add(`${field}.${key}`, `unknown field ${show(key)}`, `use one of: ${known.join(', ')}`);
      }
    }
    return value;
  }

  string(value: unknown, field: string, fix: string): string | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value === '') {
      this.add(field, `expected a non-empty string, got ${show(value)}`, fix);
      return undefined;
    }
    return value;
  }

  id(value: unknown, field: string, pattern: RegExp, fix: string): string | undefined {
    const text = this.string(value, field, fix);
    if (text !== undefined && !pattern.test(text)) {
      this.add(field, `malformed id ${show(text)} (must match ${pattern.source})`, fix);
      return undefined;
    }
    return text;
  }

  oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[]): T | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
      this.add(field, `unknown value ${show(value)}`, `use one of: ${allowed.join(', ')}`);
      return undefined;
    }
    return value as T;
  }

  boolean(value: unknown, field: string): boolean | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') {
      this.add(field, `expected true or false, got ${show(value)}`, 'write a JSON boolean');
      return undefined;
    }
    return value;
  }

  number(value: unknown, field: string, min: number, max: number): number | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
      this.add(
        field,
        `expected a number from ${min} to ${max}, got ${show(value)}`,
        `use a number in ${min}..${max}`,
      );
      return undefined;
    }
    return value;
  }

  date(value: unknown, field: string): Date | undefined {
    if (value === undefined) return undefined;
    const date = typeof value === 'string' ? new Date(value) : undefined;
    if (date === undefined || Number.isNaN(date.getTime())) {
      this.add(field, `expected an ISO-8601 date, got ${show(value)}`, 'write e.g. "2024-05-01T12:00:00Z"');
      return undefined;
    }
    return date;
  }

  array(value: unknown, field: string): unknown[] {
    if (value === undefined) return [];
    if (!Array.isArray(value)) {
      this.add(field, `expected a list, got ${show(value)}`, 'write a JSON array');
      return [];
    }
    return value as unknown[];
  }

  /** A policy document given as an object or a JSON string; returns the text to store. */
  policy(value: unknown, field: string): string | undefined {
    if (value === undefined) return undefined;
    const text = typeof value === 'string' ? value : JSON.stringify(value);
    let parsed: unknown;
    try {
      parsed = typeof value === 'string' ? JSON.parse(value) : value;
    } catch (error) {
      this.add(
        field,
        `policy is not valid JSON (${(error as Error).message})`,
        'write the policy as a JSON object',
      );
      return undefined;
    }
    let document: PolicyDocument;
    try {
      document = checkPolicyDocument(parsed);
    } catch (error) {
      if (!(error instanceof PolicyParseError)) throw error;
      this.add(
        field,
        error.message,
        'write an IAM policy document: {"Version": "2012-10-17", "Statement": [...]}',
      );
      return undefined;
    }
    const unsupported = unsupportedOperators(document);
    if (unsupported.length > 0) {
      this.add(
        field,
        `condition operators the emulator does not evaluate: ${unsupported.join(', ')}`,
        'use String*, Arn*, Bool or Null operators (with IfExists / ForAnyValue / ForAllValues)',
      );
    }
    return text;
  }
}

/** Validates a scenario document and builds the emulator state it describes. */
export function loadScenario(doc: unknown): EmulatorState {
  const check = new Checker();
  const random = new SeededRandom(seedFrom(stableJson(doc)));
  const top = check.record(doc, '(scenario)', [
    '$schema',
    'description',
    'region',
    'organization',
    'organizationalUnits',
    'accounts',
    'policies',
    'fullAwsAccess',
    'principals',
    'faults',
  ]);
  if (top === undefined) throw new ScenarioError(check.problems);

  const region =
    check.string(top['region'], 'region', 'write a region name such as "us-east-1"') ?? 'us-east-1';
  const orgInput =
    check.record(top['organization'], 'organization', [
      'id',
      'rootId',
      'managementAccountId',
      'managementAccountEmail',
      'featureSet',
      'trustedAccess',
      'rootFeatures',
      'delegatedAdministrators',
      'enabledPolicyTypes',
    ]) ?? {};

  const managementAccountId =
    orgInput['managementAccountId'] === undefined
      ? (check.add(
          'organization.managementAccountId',
          'missing',
          'name the management account, e.g. "111111111111"',
        ),
        '111111111111')
      : (check.id(
          orgInput['managementAccountId'],
          'organization.managementAccountId',
          ACCOUNT_ID_PATTERN,
          'use 12 digits',
        ) ?? '111111111111');
  const organizationId =
    check.id(
      orgInput['id'],
      'organization.id',
      ORGANIZATION_ID_PATTERN,
      'use "o-" and 10-32 lowercase letters or digits',
    ) ?? `o-${random.chars(LOWER_ALNUM, 10)}`;
  const rootId =
    check.id(
      orgInput['rootId'],
      'organization.rootId',
      ROOT_ID_PATTERN,
      'use "r-" and 4-32 lowercase letters or digits',
    ) ?? `r-${random.chars(LOWER_ALNUM, 4)}`;
  const featureSet =
    check.oneOf(orgInput['featureSet'], 'organization.featureSet', [
      'ALL',
      'CONSOLIDATED_BILLING',
    ] as const) ?? 'ALL';

  const trustedAccess = new Map<string, Date>();
  check.array(orgInput['trustedAccess'], 'organization.trustedAccess').forEach((item, index) => {
    const principal = check.string(
      item,
      `organization.trustedAccess[${index}]`,
      'write a service principal such as "iam.amazonaws.com"',
    );
    if (principal !== undefined) trustedAccess.set(principal, random.dateBefore(SCENARIO_EPOCH, 30));
  });
  const rootFeatures = new Set<RootFeature>();
  check.array(orgInput['rootFeatures'], 'organization.rootFeatures').forEach((item, index) => {
    const feature = check.oneOf(item, `organization.rootFeatures[${index}]`, ROOT_FEATURES);
    if (feature !== undefined) rootFeatures.add(feature);
  });
  const enabledPolicyTypes = new Set<string>(featureSet === 'ALL' ? ['SERVICE_CONTROL_POLICY'] : []);
  if (orgInput['enabledPolicyTypes'] !== undefined) {
    enabledPolicyTypes.clear();
    check.array(orgInput['enabledPolicyTypes'], 'organization.enabledPolicyTypes').forEach((item, index) => {
      const type = check.oneOf(item, `organization.enabledPolicyTypes[${index}]`, POLICY_TYPES);
      if (type !== undefined) enabledPolicyTypes.add(type);
    });
  }

  // Organizational units: ids first, so parents may be declared after their children.
  const organizationalUnits = new Map<string, OrganizationalUnit>();
  const rootSuffix = rootId.slice(2);
  check.array(top['organizationalUnits'], 'organizationalUnits').forEach((item, index) => {
    const field = `organizationalUnits[${index}]`;
    const ou = check.record(item, field, ['id', 'name', 'parentId']);
    if (ou === undefined) return;
    const id =
      check.id(
        ou['id'],
        `${field}.id`,
        OU_ID_PATTERN,
        'use "ou-<root suffix>-<8+ lowercase letters or digits>", or leave it out',
      ) ?? `ou-${rootSuffix}-${random.chars(LOWER_ALNUM, 8)}`;
    const name = check.string(ou['name'], `${field}.name`, 'give the OU a name') ?? id;
    if (ou['name'] === undefined) check.add(`${field}.name`, 'missing', 'give the OU a name');
    const parentId =
      check.string(ou['parentId'], `${field}.parentId`, 'use the root id or an OU id') ?? rootId;
    if (organizationalUnits.has(id)) {
      check.add(`${field}.id`, `duplicate OU id ${show(id)}`, 'give every OU its own id');
      return;
    }
    organizationalUnits.set(id, { id, name, parentId });
  });
  organizationalUnits.forEach((ou, id) => {
    if (ou.parentId !== rootId && !organizationalUnits.has(ou.parentId)) {
      check.add(
        `organizationalUnits[${id}].parentId`,
        `unknown parent ${show(ou.parentId)}`,
        `use ${show(rootId)} or the id of a declared OU`,
      );
    }
  });
  for (const id of organizationalUnits.keys()) {
    const seen = new Set<string>();
    let cursor: string | undefined = id;
    while (cursor !== undefined && cursor !== rootId && !seen.has(cursor)) {
      seen.add(cursor);
      cursor = organizationalUnits.get(cursor)?.parentId;
    }
    if (cursor !== undefined && seen.has(cursor) && cursor === id) {
      check.add(
        `organizationalUnits[${id}].parentId`,
        'OUs form a cycle',
        'every OU must lead up to the root',
      );
    }
  }
  const isParent = (id: string): boolean => id === rootId || organizationalUnits.has(id);

  // Accounts.
  const accounts = new Map<string, Account>();
  const bucketOwners = new Map<string, string>();
  const emailOwners = new Map<string, string>();
  check.array(top['accounts'], 'accounts').forEach((item, index) => {
    const field = `accounts[${index}]`;
    const input = check.record(item, field, [
      'id',
      'name',
      'email',
      'status',
      'parentId',
      'joinedMethod',
      'joinedTimestamp',
      'root',
      'buckets',
      'queues',
    ]);
    if (input === undefined) return;
    let id = check.id(
      input['id'],
      `${field}.id`,
      ACCOUNT_ID_PATTERN,
      'use 12 digits, or leave it out to generate one',
    );
    if (input['id'] === undefined) {
      do id = random.chars(DIGITS, 12).replace(/^0/, '9');
      while (accounts.has(id) || id === managementAccountId);
    }
    // A malformed id is already reported; keep checking the rest of the account under its raw value.
    id ??= `invalid-${index}`;
    if (accounts.has(id)) {
      check.add(`${field}.id`, `duplicate account id ${show(id)}`, 'list every account once');
      return;
    }
    const parentId =
      check.string(input['parentId'], `${field}.parentId`, 'use the root id or an OU id') ?? rootId;
    if (!isParent(parentId)) {
      check.add(
        `${field}.parentId`,
        `unknown parent ${show(parentId)}`,
        `use ${show(rootId)} or the id of a declared OU`,
      );
    }
    const name =
      check.string(input['name'], `${field}.name`, 'give the account a name') ??
      (id === managementAccountId ? 'management' : `account-${id}`);
    const state = check.oneOf(input['status'], `${field}.status`, ACCOUNT_STATES) ?? 'ACTIVE';
    if (id === managementAccountId && state !== 'ACTIVE') {
      check.add(
        `${field}.status`,
        `the management account cannot be ${show(state)}`,
        'leave the status out or write "ACTIVE"',
      );
    }
    const accountRandom = new SeededRandom(seedFrom(`${id}:${stableJson(input['root'])}`));
    const root = parseRoot(check, `${field}.root`, id, input['root'], accountRandom);
    const buckets: Bucket[] = [];
    check.array(input['buckets'], `${field}.buckets`).forEach((bucketItem, b) => {
      const bucketField = `${field}.buckets[${b}]`;
      const bucket = check.record(bucketItem, bucketField, ['name', 'policy']);
      if (bucket === undefined) return;
      const bucketName = check.string(bucket['name'], `${bucketField}.name`, 'name the bucket');
      if (bucketName === undefined) return check.add(`${bucketField}.name`, 'missing', 'name the bucket');
      if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucketName)) {
        check.add(
          `${bucketField}.name`,
          `invalid bucket name ${show(bucketName)}`,
          'use 3-63 lowercase letters, digits, dots and hyphens',
        );
      }
      const owner = bucketOwners.get(bucketName);
      if (owner !== undefined) {
        check.add(
          `${bucketField}.name`,
          `bucket ${show(bucketName)} already exists in account ${owner}`,
          'bucket names are global: pick another',
        );
        return;
      }
      bucketOwners.set(bucketName, id);
      buckets.push({ name: bucketName, policy: check.policy(bucket['policy'], `${bucketField}.policy`) });
    });
    const queues: Queue[] = [];
    check.array(input['queues'], `${field}.queues`).forEach((queueItem, q) => {
      const queueField = `${field}.queues[${q}]`;
      const queue = check.record(queueItem, queueField, ['name', 'policy', 'attributes']);
      if (queue === undefined) return;
      const queueName = check.string(queue['name'], `${queueField}.name`, 'name the queue');
      if (queueName === undefined) return check.add(`${queueField}.name`, 'missing', 'name the queue');
      if (!/^[A-Za-z0-9_-]{1,80}(\.fifo)?$/.test(queueName)) {
        check.add(
          `${queueField}.name`,
          `invalid queue name ${show(queueName)}`,
          'use up to 80 letters, digits, hyphens and underscores',
        );
      }
      if (queues.some((existing) => existing.name === queueName)) {
        check.add(
          `${queueField}.name`,
          `duplicate queue ${show(queueName)}`,
          'queue names are unique per account and region',
        );
        return;
      }
      const attributes = queueAttributes(region, id, queueName, accountRandom);
      const extra = queue['attributes'];
      if (extra !== undefined) {
        if (!isRecord(extra) || Object.values(extra).some((v) => typeof v !== 'string')) {
          check.add(
            `${queueField}.attributes`,
            `expected a map of strings, got ${show(extra)}`,
            'write e.g. {"VisibilityTimeout": "30"}',
          );
        } else Object.assign(attributes, extra);
      }
      const policy = check.policy(queue['policy'], `${queueField}.policy`);
      if (policy !== undefined) attributes['Policy'] = policy;
      queues.push({ name: queueName, region, attributes });
    });
    const email =
      check.string(input['email'], `${field}.email`, 'write an email address') ?? `aws+${name}@example.com`;
    // Organizations refuses two accounts with one root email address.
    const emailOwner = emailOwners.get(email.toLowerCase());
    if (emailOwner !== undefined) {
      check.add(
        `${field}.email`,
        `${show(email)} is already the email of account ${emailOwner}`,
        'give every account its own email',
      );
    }
    emailOwners.set(email.toLowerCase(), id);
    accounts.set(id, {
      id,
      name,
      email,
      state,
      parentId,
      joinedMethod:
        check.oneOf(input['joinedMethod'], `${field}.joinedMethod`, ['INVITED', 'CREATED'] as const) ??
        'CREATED',
      joinedTimestamp:
        check.date(input['joinedTimestamp'], `${field}.joinedTimestamp`) ??
        accountRandom.dateBefore(SCENARIO_EPOCH, 900),
      root,
      buckets,
      queues,
    });
  });
  const managementEmail =
    check.string(
      orgInput['managementAccountEmail'],
      'organization.managementAccountEmail',
      'write an email address',
    ) ??
    accounts.get(managementAccountId)?.email ??
    'management@example.com';
  if (!accounts.has(managementAccountId)) {
    accounts.set(managementAccountId, {
      id: managementAccountId,
      name: 'management',
      email: managementEmail,
      state: 'ACTIVE',
      parentId: rootId,
      joinedMethod: 'CREATED',
      joinedTimestamp: new Date(SCENARIO_EPOCH.getTime() - 1000 * 86_400 * 1000),
      root: emptyRoot(),
      buckets: [],
      queues: [],
    });
  }

  const delegatedAdministrators: DelegatedAdministrator[] = [];
  check
    .array(orgInput['delegatedAdministrators'], 'organization.delegatedAdministrators')
    .forEach((item, index) => {
      const field = `organization.delegatedAdministrators[${index}]`;
      const input = check.record(item, field, ['accountId', 'servicePrincipal']);
      if (input === undefined) return;
      const accountId = check.id(
        input['accountId'],
        `${field}.accountId`,
        ACCOUNT_ID_PATTERN,
        'use the 12-digit id of a member account',
      );
      const servicePrincipal = check.string(
        input['servicePrincipal'],
        `${field}.servicePrincipal`,
        'write e.g. "iam.amazonaws.com"',
      );
      if (input['servicePrincipal'] === undefined)
        check.add(`${field}.servicePrincipal`, 'missing', 'write e.g. "iam.amazonaws.com"');
      if (accountId === undefined || servicePrincipal === undefined) return;
      if (accountId === managementAccountId) {
        check.add(
          `${field}.accountId`,
          'the management account cannot be a delegated administrator',
          'name a member account',
        );
      } else if (!accounts.has(accountId)) {
        check.add(
          `${field}.accountId`,
          `unknown account ${show(accountId)}`,
          'declare the account under "accounts"',
        );
      }
      if (
        delegatedAdministrators.some(
          (d) => d.accountId === accountId && d.servicePrincipal === servicePrincipal,
        )
      ) {
        check.add(
          field,
          `duplicate delegation of ${servicePrincipal} to ${accountId}`,
          'list each delegation once',
        );
        return;
      }
      delegatedAdministrators.push({
        accountId,
        servicePrincipal,
        delegationEnabledDate: random.dateBefore(SCENARIO_EPOCH, 30),
      });
    });

  // Policies.
  const policies = new Map<string, ServiceControlPolicy>();
  const isTarget = (id: string): boolean => isParent(id) || accounts.has(id);
  check.array(top['policies'], 'policies').forEach((item, index) => {
    const field = `policies[${index}]`;
    const input = check.record(item, field, ['id', 'name', 'description', 'content', 'targets']);
    if (input === undefined) return;
    const id =
      input['id'] === FULL_AWS_ACCESS_ID
        ? FULL_AWS_ACCESS_ID
        : (check.id(
            input['id'],
            `${field}.id`,
            POLICY_ID_PATTERN,
            'use "p-" and 8-128 letters, digits or underscores, or leave it out',
          ) ?? `p-${random.chars(LOWER_ALNUM, 8)}`);
    if (policies.has(id)) {
      check.add(`${field}.id`, `duplicate policy id ${show(id)}`, 'give every policy its own id');
      return;
    }
    const awsManaged = id === FULL_AWS_ACCESS_ID;
    const content = awsManaged ? FULL_AWS_ACCESS_CONTENT : check.policy(input['content'], `${field}.content`);
    if (!awsManaged && input['content'] === undefined) {
      check.add(`${field}.content`, 'missing', 'write the SCP document (object or JSON string)');
    }
    const targets = new Set<string>();
    check.array(input['targets'], `${field}.targets`).forEach((target, t) => {
      if (typeof target !== 'string' || !isTarget(target)) {
        check.add(
          `${field}.targets[${t}]`,
          `unknown target ${show(target)}`,
          'use the root id, an OU id or an account id',
        );
      } else targets.add(target);
    });
    policies.set(id, {
      id,
      name: awsManaged
        ? FULL_AWS_ACCESS_NAME
        : (check.string(input['name'], `${field}.name`, 'name the policy') ?? id),
      description: awsManaged
        ? FULL_AWS_ACCESS_DESCRIPTION
        : (check.string(input['description'], `${field}.description`, 'describe the policy') ?? ''),
      awsManaged,
      content: content ?? '{"Version":"2012-10-17","Statement":[]}',
      targets,
    });
  });
  const fullAwsAccess = check.boolean(top['fullAwsAccess'], 'fullAwsAccess') ?? true;
  if (fullAwsAccess && !policies.has(FULL_AWS_ACCESS_ID)) {
    policies.set(FULL_AWS_ACCESS_ID, {
      id: FULL_AWS_ACCESS_ID,
      name: FULL_AWS_ACCESS_NAME,
      description: FULL_AWS_ACCESS_DESCRIPTION,
      awsManaged: true,
      content: FULL_AWS_ACCESS_CONTENT,
      // AWS attaches FullAWSAccess to every root, OU and account when SCPs are enabled.
      targets: new Set([rootId, ...organizationalUnits.keys(), ...accounts.keys()]),
    });
  }

  // Principals.
  const principals = new Map<string, Principal>();
  check.array(top['principals'], 'principals').forEach((item, index) => {
    const field = `principals[${index}]`;
    const input = check.record(item, field, [
      'accessKeyId',
      'secretAccessKey',
      'sessionToken',
      'accountId',
      'arn',
      'identityPolicies',
    ]);
    if (input === undefined) return;
    const accessKeyId = check.id(
      input['accessKeyId'],
      `${field}.accessKeyId`,
      /^[A-Z0-9]{16,128}$/,
      'use 16+ uppercase letters or digits, e.g. "AKIARECONCILER0001"',
    );
    const accountId = check.id(
      input['accountId'],
      `${field}.accountId`,
      ACCOUNT_ID_PATTERN,
      'use the 12-digit account id',
    );
    const arn = check.id(
      input['arn'],
      `${field}.arn`,
      /^arn:aws:(iam|sts)::\d{12}:.+$/,
      'write a user, role or assumed-role ARN',
    );
    for (const required of ['accessKeyId', 'accountId', 'arn']) {
      if (input[required] === undefined)
        check.add(`${field}.${required}`, 'missing', `write the principal's ${required}`);
    }
    if (arn !== undefined && accountId !== undefined && arn.split(':')[4] !== accountId) {
      check.add(
        `${field}.arn`,
        `ARN account ${arn.split(':')[4] ?? ''} differs from accountId ${accountId}`,
        'make them agree',
      );
    }
    let identityPolicies: PolicyDocument[] | undefined;
    if (input['identityPolicies'] !== undefined) {
      identityPolicies = [];
      check.array(input['identityPolicies'], `${field}.identityPolicies`).forEach((policy, p) => {
        const text = check.policy(policy, `${field}.identityPolicies[${p}]`);
        if (text !== undefined) identityPolicies?.push(JSON.parse(text) as PolicyDocument);
      });
    }
    if (accessKeyId === undefined || accountId === undefined || arn === undefined) return;
    if (principals.has(accessKeyId)) {
      check.add(
        `${field}.accessKeyId`,
        `duplicate access key ${show(accessKeyId)}`,
        'give every principal its own key',
      );
      return;
    }
    const principal: IamPrincipal = {
      kind: 'iam',
      accessKeyId,
      accountId,
      arn,
      secretAccessKey: check.string(
        input['secretAccessKey'],
        `${field}.secretAccessKey`,
        'write the secret, or leave it out to skip signature checks',
      ),
      sessionToken: check.string(
        input['sessionToken'],
        `${field}.sessionToken`,
        'write the session token or leave it out',
      ),
      identityPolicies,
    };
    principals.set(accessKeyId, principal);
  });

  const faults = parseFaults(check, top['faults']);

  if (check.problems.length > 0) throw new ScenarioError(check.problems);
  return {
    organization: {
      id: organizationId,
      managementAccountId,
      managementAccountEmail: managementEmail,
      featureSet,
      rootId,
      trustedAccess,
      rootFeatures,
      delegatedAdministrators,
      enabledPolicyTypes,
    },
    accounts,
    organizationalUnits,
    policies,
    principals,
    defaultCallerArn: `arn:aws:iam::${managementAccountId}:user/emulator-admin`,
    faults,
    region,
  };
}

export const POLICY_TYPES = [
  'SERVICE_CONTROL_POLICY',
  'RESOURCE_CONTROL_POLICY',
  'TAG_POLICY',
  'BACKUP_POLICY',
  'AISERVICES_OPT_OUT_POLICY',
  'CHATBOT_POLICY',
  'DECLARATIVE_POLICY_EC2',
] as const;

function parseFaults(check: Checker, value: unknown): Faults {
  const faults: Faults = { ...DEFAULT_FAULTS, rateLimits: {} };
  if (value === undefined) return faults;
  const input = check.record(value, 'faults', [
    'seed',
    'latencyMs',
    'errorRate',
    'throttleRate',
    'rateLimits',
    'sessionLifetimeSeconds',
  ]);
  if (input === undefined) return faults;
  faults.seed = check.number(input['seed'], 'faults.seed', 0, 2 ** 32 - 1) ?? faults.seed;
  faults.latencyMs = check.number(input['latencyMs'], 'faults.latencyMs', 0, 60_000) ?? faults.latencyMs;
  faults.errorRate = check.number(input['errorRate'], 'faults.errorRate', 0, 1) ?? faults.errorRate;
  faults.throttleRate =
    check.number(input['throttleRate'], 'faults.throttleRate', 0, 1) ?? faults.throttleRate;
  const lifetime = check.number(input['sessionLifetimeSeconds'], 'faults.sessionLifetimeSeconds', 1, 43_200);
  if (lifetime !== undefined) faults.sessionLifetimeSeconds = lifetime;
  if (input['rateLimits'] !== undefined) {
    if (!isRecord(input['rateLimits'])) {
      check.add(
        'faults.rateLimits',
        `expected a map, got ${show(input['rateLimits'])}`,
        'write e.g. {"sts:AssumeRoot": 50}',
      );
    } else {
      for (const [key, limit] of Object.entries(input['rateLimits'])) {
        if (key !== '*' && !/^[a-z0-9-]+:[A-Za-z0-9]+$/.test(key)) {
          check.add(
            `faults.rateLimits.${key}`,
            `malformed key ${show(key)}`,
            'write "service:Action" (e.g. "iam:ListAccessKeys") or "*"',
          );
        }
        const rate = check.number(limit, `faults.rateLimits.${key}`, 0.001, 1_000_000);
        if (rate !== undefined) faults.rateLimits[key] = rate;
      }
    }
  }
  return faults;
}

function emptyRoot(): RootCredentials {
  return { accessKeys: [], signingCertificates: [], mfaDevices: [], unassignedVirtualMfaDevices: [] };
}

/**
 * Root credentials from a scenario's `root` block (also used by the admin path to reseed one
 * account); ids and dates left out are generated from the account id and the block.
 */
export function rootCredentialsFromScenario(accountId: string, root: unknown): RootCredentials {
  const check = new Checker();
  const credentials = parseRoot(
    check,
    'root',
    accountId,
    root,
    new SeededRandom(seedFrom(`${accountId}:${stableJson(root)}`)),
  );
  if (check.problems.length > 0) throw new ScenarioError(check.problems);
  return credentials;
}

function parseRoot(
  check: Checker,
  field: string,
  accountId: string,
  value: unknown,
  random: SeededRandom,
): RootCredentials {
  const root = emptyRoot();
  if (value === undefined) return root;
  const input = check.record(value, field, [
    'password',
    'accessKeys',
    'signingCertificates',
    'mfaDevices',
    'unassignedVirtualMfaDevices',
  ]);
  if (input === undefined) return root;

  const password = input['password'];
  if (password === true) {
    root.loginProfile = { createDate: random.dateBefore(SCENARIO_EPOCH, 700), passwordResetRequired: false };
  } else if (isRecord(password)) {
    const profile = check.record(password, `${field}.password`, ['createDate', 'passwordResetRequired']);
    root.loginProfile = {
      createDate:
        check.date(profile?.['createDate'], `${field}.password.createDate`) ??
        random.dateBefore(SCENARIO_EPOCH, 700),
      passwordResetRequired:
        check.boolean(profile?.['passwordResetRequired'], `${field}.password.passwordResetRequired`) ?? false,
    };
  } else if (password !== undefined && password !== false) {
    check.add(
      `${field}.password`,
      `expected true, false or {createDate, passwordResetRequired}, got ${show(password)}`,
      'write true for a console password',
    );
  }

  root.accessKeys = countOrList(check, `${field}.accessKeys`, input['accessKeys'], (item, itemField) => {
    const key =
      item === undefined ? {} : check.record(item, itemField, ['accessKeyId', 'status', 'createDate']);
    if (key === undefined) return undefined;
    const accessKey: RootAccessKey = {
      accessKeyId:
        check.id(
          key['accessKeyId'],
          `${itemField}.accessKeyId`,
          /^AKIA[A-Z0-9]{12,124}$/,
          'use "AKIA" and 12+ uppercase letters or digits',
        ) ?? `AKIA${random.chars(KEY_ALPHABET, 16)}`,
      status: check.oneOf(key['status'], `${itemField}.status`, ['Active', 'Inactive'] as const) ?? 'Active',
      createDate:
        check.date(key['createDate'], `${itemField}.createDate`) ?? random.dateBefore(SCENARIO_EPOCH, 700),
    };
    return accessKey;
  });
  if (root.accessKeys.length > MAX_ROOT_ACCESS_KEYS) {
    check.add(
      `${field}.accessKeys`,
      `${root.accessKeys.length} access keys`,
      `the root user can hold at most ${MAX_ROOT_ACCESS_KEYS}`,
    );
  }
  duplicates(root.accessKeys.map((k) => k.accessKeyId)).forEach((id) =>
    check.add(`${field}.accessKeys`, `duplicate access key id ${show(id)}`, 'give each key its own id'),
  );

  root.signingCertificates = countOrList(
    check,
    `${field}.signingCertificates`,
    input['signingCertificates'],
    (item, itemField) => {
      const cert =
        item === undefined
          ? {}
          : check.record(item, itemField, ['certificateId', 'status', 'uploadDate', 'body']);
      if (cert === undefined) return undefined;
      const certificateId =
        check.id(
          cert['certificateId'],
          `${itemField}.certificateId`,
          /^[A-Z0-9]{24,128}$/,
          'use 24+ uppercase letters or digits',
        ) ?? random.chars(UPPER_ALNUM, 32);
      const certificate: RootSigningCertificate = {
        certificateId,
        status:
          check.oneOf(cert['status'], `${itemField}.status`, ['Active', 'Inactive'] as const) ?? 'Active',
        body:
          check.string(cert['body'], `${itemField}.body`, 'write a PEM certificate or leave it out') ??
          fakeCertificate(certificateId),
        uploadDate:
          check.date(cert['uploadDate'], `${itemField}.uploadDate`) ?? random.dateBefore(SCENARIO_EPOCH, 700),
      };
      return certificate;
    },
  );

  let virtualCount = 0;
  let fidoCount = 0;
  root.mfaDevices = countOrList(check, `${field}.mfaDevices`, input['mfaDevices'], (item, itemField) => {
    const device =
      item === undefined
        ? { kind: 'virtual' }
        : check.record(item, itemField, ['kind', 'serialNumber', 'enableDate']);
    if (device === undefined) return undefined;
    const kind = check.oneOf(device['kind'] ?? 'virtual', `${itemField}.kind`, MFA_KINDS) ?? 'virtual';
    let serialNumber = check.string(
      device['serialNumber'],
      `${itemField}.serialNumber`,
      'write the device serial or leave it out',
    );
    if (serialNumber === undefined) {
      if (kind === 'virtual') {
        // The console historically named the root's first virtual device root-account-mfa-device.
        serialNumber = `arn:aws:iam::${accountId}:mfa/${virtualCount === 0 ? 'root-account-mfa-device' : `root-mfa-${virtualCount + 1}`}`;
        virtualCount++;
      } else if (kind === 'fido') {
        fidoCount++;
        serialNumber = `arn:aws:iam::${accountId}:u2f/root/security-key-${fidoCount}-${random.chars(UPPER_ALNUM, 26)}`;
      } else {
        serialNumber = `GAHT${random.chars(DIGITS, 8)}`;
      }
    } else if (kind === 'virtual' && !serialNumber.startsWith(`arn:aws:iam::${accountId}:mfa/`)) {
      check.add(
        `${itemField}.serialNumber`,
        `virtual device serial ${show(serialNumber)} is not arn:aws:iam::${accountId}:mfa/<name>`,
        'use the device ARN in this account',
      );
    } else if (kind === 'fido' && !serialNumber.startsWith(`arn:aws:iam::${accountId}:u2f/`)) {
      check.add(
        `${itemField}.serialNumber`,
        `FIDO serial ${show(serialNumber)} is not arn:aws:iam::${accountId}:u2f/root/<name>`,
        'use the key ARN in this account',
      );
    }
    const mfa: RootMfaDevice = {
      serialNumber,
      kind,
      enableDate:
        check.date(device['enableDate'], `${itemField}.enableDate`) ?? random.dateBefore(SCENARIO_EPOCH, 700),
    };
    return mfa;
  });
  if (root.mfaDevices.length > MAX_ROOT_MFA_DEVICES) {
    check.add(
      `${field}.mfaDevices`,
      `${root.mfaDevices.length} MFA devices`,
      `the root user can register at most ${MAX_ROOT_MFA_DEVICES}`,
    );
  }
  duplicates(root.mfaDevices.map((d) => d.serialNumber)).forEach((serial) =>
    check.add(`${field}.mfaDevices`, `duplicate serial ${show(serial)}`, 'give each device its own serial'),
  );

  const unassigned = input['unassignedVirtualMfaDevices'];
  if (typeof unassigned === 'number') {
    for (let i = 0; i < unassigned; i++)
      root.unassignedVirtualMfaDevices.push(`arn:aws:iam::${accountId}:mfa/unassigned-${i + 1}`);
  } else {
    check.array(unassigned, `${field}.unassignedVirtualMfaDevices`).forEach((serial, i) => {
      const text = check.string(serial, `${field}.unassignedVirtualMfaDevices[${i}]`, 'write the device ARN');
      if (text !== undefined) root.unassignedVirtualMfaDevices.push(text);
    });
  }
  return root;
}

/** A count (generate that many) or a list of item objects. */
function countOrList<T>(
  check: Checker,
  field: string,
  value: unknown,
  build: (item: unknown, field: string) => T | undefined,
): T[] {
  if (value === undefined) return [];
  const items: unknown[] =
    typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 100
      ? Array.from({ length: value }, () => undefined)
      : Array.isArray(value)
        ? (value as unknown[])
        : (check.add(
            field,
            `expected a count or a list, got ${show(value)}`,
            'write a number such as 1 or a list of objects',
          ),
          []);
  const out: T[] = [];
  items.forEach((item, index) => {
    const built = build(item, `${field}[${index}]`);
    if (built !== undefined) out.push(built);
  });
  return out;
}

function queueAttributes(
  region: string,
  accountId: string,
  name: string,
  random: SeededRandom,
): Record<string, string> {
  const created = String(Math.floor(random.dateBefore(SCENARIO_EPOCH, 400).getTime() / 1000));
  return {
    QueueArn: `arn:aws:sqs:${region}:${accountId}:${name}`,
    ApproximateNumberOfMessages: '0',
    ApproximateNumberOfMessagesNotVisible: '0',
    ApproximateNumberOfMessagesDelayed: '0',
    CreatedTimestamp: created,
    LastModifiedTimestamp: created,
    VisibilityTimeout: '30',
    MaximumMessageSize: '262144',
    MessageRetentionPeriod: '345600',
    DelaySeconds: '0',
    ReceiveMessageWaitTimeSeconds: '0',
    SqsManagedSseEnabled: 'true',
  };
}

function fakeCertificate(id: string): string {
  const payload = Buffer.from(`emulated root signing certificate ${id}`).toString('base64');
  return `-----BEGIN CERTIFICATE-----\n${payload}\n-----END CERTIFICATE-----`;
}

function duplicates(values: string[]): string[] {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  for (const value of values) (seen.has(value) ? repeated : seen).add(value);
  return [...repeated];
}

/** JSON with sorted keys, so the derived seed does not depend on key order. */
function stableJson(value: unknown): string {
  return (
    JSON.stringify(value, (_key, item: unknown) =>
      isRecord(item)
        ? Object.fromEntries(
            Object.keys(item)
              .sort()
              .map((k) => [k, item[k]]),
          )
        : item,
    ) ?? 'undefined'
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? typeof value;
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** The body of `GET /_emulator/state`; `endpoint` (e.g. `http://127.0.0.1:4566`) prefixes queue URLs. */
export function stateToJson(state: EmulatorState, endpoint = 'http://127.0.0.1'): unknown {
  const organization = state.organization;
  return {
    organization: {
      id: organization.id,
      rootId: organization.rootId,
      managementAccountId: organization.managementAccountId,
      managementAccountEmail: organization.managementAccountEmail,
      featureSet: organization.featureSet,
      trustedAccess: [...organization.trustedAccess.keys()].sort(),
      rootFeatures: [...organization.rootFeatures].sort(),
      enabledPolicyTypes: [...organization.enabledPolicyTypes].sort(),
      delegatedAdministrators: organization.delegatedAdministrators.map((d) => ({
        accountId: d.accountId,
        servicePrincipal: d.servicePrincipal,
      })),
    },
    organizationalUnits: [...state.organizationalUnits.values()].map((ou) => ({
      id: ou.id,
      name: ou.name,
      parentId: ou.parentId,
    })),
    accounts: [...state.accounts.values()].map((account) => ({
      id: account.id,
      name: account.name,
      email: account.email,
      status: account.state,
      parentId: account.parentId,
      joinedMethod: account.joinedMethod,
      root: {
        password: account.root.loginProfile !== undefined,
        accessKeys: account.root.accessKeys.map((k) => k.accessKeyId),
        signingCertificates: account.root.signingCertificates.map((c) => c.certificateId),
        mfaDevices: account.root.mfaDevices.map((d) => ({ serialNumber: d.serialNumber, kind: d.kind })),
        unassignedVirtualMfaDevices: [...account.root.unassignedVirtualMfaDevices],
      },
      buckets: account.buckets.map((b) => ({ name: b.name, policy: b.policy ?? null })),
      queues: account.queues.map((q) => ({
        name: q.name,
        url: `${endpoint.replace(/\/$/, '')}/${account.id}/${q.name}`,
        policy: q.attributes['Policy'] ?? null,
      })),
    })),
    policies: [...state.policies.values()].map((p) => ({
      id: p.id,
      name: p.name,
      awsManaged: p.awsManaged,
      targets: [...p.targets],
    })),
  };
}
