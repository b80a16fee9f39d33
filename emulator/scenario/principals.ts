/** The `principals` and `faults` sections of a scenario. */
import type { Faults, IamPrincipal, PolicyDocument, Principal } from '../model/state';
import { type Checker, isRecord, show } from './checker';
import { ACCOUNT_ID_PATTERN } from './organization';

export const DEFAULT_FAULTS: Readonly<Faults> = {
  seed: 1,
  latencyMs: 0,
  errorRate: 0,
  throttleRate: 0,
  rateLimits: {},
};

/**
 * The management account's administrator that `npm run emulator` prints: a declared principal
 * like any other (its secret is checked), added to every scenario unless the scenario declares
 * a principal with the same access key. Throwaway emulator credentials, not AWS secrets.
 */
export const MANAGEMENT_ADMINISTRATOR = {
  accessKeyId: 'AKIAEMULATORADMIN001',
  secretAccessKey: 'emulator-management-secret',
  userName: 'emulator-admin',
} as const;

export function withManagementAdministrator(
  principals: Map<string, Principal>,
  managementAccountId: string,
): Map<string, Principal> {
  if (!principals.has(MANAGEMENT_ADMINISTRATOR.accessKeyId)) {
    principals.set(MANAGEMENT_ADMINISTRATOR.accessKeyId, {
      kind: 'iam',
      accessKeyId: MANAGEMENT_ADMINISTRATOR.accessKeyId,
      secretAccessKey: MANAGEMENT_ADMINISTRATOR.secretAccessKey,
      accountId: managementAccountId,
      arn: `arn:aws:iam::${managementAccountId}:user/${MANAGEMENT_ADMINISTRATOR.userName}`,
    });
  }
  return principals;
}

export function parsePrincipals(check: Checker, value: unknown): Map<string, Principal> {
  const principals = new Map<string, Principal>();
  check.array(value, 'principals').forEach((item, index) => {
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
    for (const required of ['accessKeyId', 'secretAccessKey', 'accountId', 'arn']) {
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
    // Every request is signature-checked, as in AWS: a principal without a secret could never call.
    const secretAccessKey = check.string(
      input['secretAccessKey'],
      `${field}.secretAccessKey`,
      'write the secret the principal signs with',
    );
    if (
      accessKeyId === undefined ||
      secretAccessKey === undefined ||
      accountId === undefined ||
      arn === undefined
    )
      return;
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
      secretAccessKey,
      sessionToken: check.string(
        input['sessionToken'],
        `${field}.sessionToken`,
        'write the session token or leave it out',
      ),
      identityPolicies,
    };
    principals.set(accessKeyId, principal);
  });
  return principals;
}

export function parseFaults(check: Checker, value: unknown): Faults {
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
