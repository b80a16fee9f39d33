/**
 * The `accounts` section of a scenario: each member with its root credentials, buckets and
 * queues; names, emails and bucket names checked for the uniqueness AWS enforces.
 */
import type { Account, AccountState, Bucket, Queue } from '../model/state';
import { type Checker, isRecord, show, stableJson } from './checker';
import { ACCOUNT_ID_PATTERN } from './organization';
import { DIGITS, SCENARIO_EPOCH, SeededRandom, seedFrom } from './random';
import { emptyRoot, parseRoot } from './root';

const ACCOUNT_STATES: readonly AccountState[] = [
  'ACTIVE',
  'SUSPENDED',
  'PENDING_CLOSURE',
  'CLOSED',
  'PENDING_ACTIVATION',
];

export interface AccountsContext {
  region: string;
  managementAccountId: string;
  rootId: string;
  isParent: (id: string) => boolean;
}

export function parseAccounts(
  check: Checker,
  random: SeededRandom,
  value: unknown,
  { region, managementAccountId, rootId, isParent }: AccountsContext,
): Map<string, Account> {
  const accounts = new Map<string, Account>();
  const bucketOwners = new Map<string, string>();
  const emailOwners = new Map<string, string>();
  check.array(value, 'accounts').forEach((item, index) => {
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
  return accounts;
}

/** The management account is always an account of the organization, declared or not. */
export function ensureManagementAccount(
  check: Checker,
  accounts: Map<string, Account>,
  orgInput: Record<string, unknown>,
  managementAccountId: string,
  rootId: string,
): string {
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
  return managementEmail;
}

export function queueAttributes(
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
