/**
 * The `root` block of an account: the member's root user credentials (password, access keys,
 * signing certificates, MFA devices), with ids and dates generated where the block leaves them out.
 */
import type {
  MfaDeviceKind,
  RootAccessKey,
  RootCredentials,
  RootMfaDevice,
  RootSigningCertificate,
} from '../model/state';
import { Checker, ScenarioError, countOrList, duplicates, isRecord, show, stableJson } from './checker';
import { DIGITS, KEY_ALPHABET, SCENARIO_EPOCH, SeededRandom, seedFrom, UPPER_ALNUM } from './random';

/** Root access keys per account (IAM quotas) and MFA devices per user (IAM guide, MFA): docs/aws-behaviour.md#root-credential-limits. */
export const MAX_ROOT_ACCESS_KEYS = 2;
export const MAX_ROOT_MFA_DEVICES = 8;

const MFA_KINDS: readonly MfaDeviceKind[] = ['virtual', 'fido', 'hardware'];

export function emptyRoot(): RootCredentials {
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

export function parseRoot(
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

export function fakeCertificate(id: string): string {
  const payload = Buffer.from(`emulated root signing certificate ${id}`).toString('base64');
  return `-----BEGIN CERTIFICATE-----\n${payload}\n-----END CERTIFICATE-----`;
}
