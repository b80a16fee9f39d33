import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import {
  formatConfigIssue,
  loadAppConfig,
  locateJsonError,
  parseAppConfig,
  validateAppConfig,
  type AppConfigResult,
} from '../../app/config';

const NOW = { now: new Date('2026-06-01T00:00:00Z') };
const FILE = 'root-access.config.json';

/** The one-line messages app/main.ts would print for a document. */
function linesFor(document: unknown): string[] {
  return lines(validateAppConfig(document, NOW));
}

function lines(result: AppConfigResult): string[] {
  expect(result.ok).toBe(false);
  return result.ok ? [] : result.errors.map((issue) => formatConfigIssue(FILE, issue));
}

describe('loadAppConfig', () => {
  it('parses the example file in the repository', () => {
    // GIVEN / WHEN
    const result = loadAppConfig(path.join(__dirname, '..', '..', FILE), NOW);

    // THEN
    expect(result.ok && result.warnings).toEqual([]);
    if (!result.ok) {
      throw new Error(result.errors.map((issue) => formatConfigIssue(FILE, issue)).join('\n'));
    }
    expect(result.config).toMatchObject({
      stackName: 'centralized-root-access',
      region: 'us-east-1',
      backend: { kind: 'local' },
      organization: {
        managementAccountId: '111111111111',
        enabledFeatures: ['RootCredentialsManagement', 'RootSessions'],
        // Written for the default emulator scenario (the README rehearsal deploys it): its root,
        // and no delegated administrator, which that scenario has already registered.
        rootRestrictionPolicy: { variant: 'deny-long-term-root', targetIds: ['r-ex12'] },
      },
      enforcement: {
        targets: { allAccounts: true, accountIds: [], organizationalUnitIds: [] },
        mode: 'audit',
        schedule: 'rate(12 hours)',
        // The organization's management account guards the enforcement section too.
        managementAccountId: '111111111111',
      },
    });
    expect(result.config.organization.delegatedAdministratorAccountId).toBeUndefined();
  });

  it('fails with one line when the file does not exist', () => {
    // GIVEN
    const missing = path.join(mkdtempSync(path.join(tmpdir(), 'root-access-')), 'absent.json');

    // WHEN / THEN
    expect(lines(loadAppConfig(missing))).toEqual([
      `${FILE}: cannot read the config file: it does not exist; create it (see root-access.config.json in the repository) or point ROOT_ACCESS_CONFIG at it`,
    ]);
  });

  it('reads a file with a byte order mark', () => {
    // GIVEN
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'root-access-')), 'bom.json');
    writeFileSync(file, '\uFEFF{"region": "eu-west-1"}');

    // WHEN
    const result = loadAppConfig(file);

    // THEN
    expect(result.ok && result.config.region).toBe('eu-west-1');
  });
});

describe('parseAppConfig', () => {
  it('fills in every default for an empty document', () => {
    // GIVEN / WHEN
    const result = parseAppConfig('{}');

    // THEN
    expect(result).toEqual({
      ok: true,
      warnings: [],
      config: {
        stackName: 'centralized-root-access',
        region: 'us-east-1',
        backend: { kind: 'local' },
        tags: {},
        organization: {},
        enforcer: {},
      },
    });
  });

  it.each([
    [
      'a trailing comma',
      '{\n  "region": "us-east-1",\n}\n',
      'line 3, column 1: is not valid JSON: expected a double-quoted property name, found "}"',
    ],
    [
      'a missing comma',
      '{\n  "region": "us-east-1"\n  "stackName": "x"\n}',
      'line 3, column 3: is not valid JSON: expected "," or "}" after a property value, found "\\""',
    ],
    [
      'an unquoted value',
      '{"organization": {"managementAccountId": 1111x}}',
      'line 1, column 46: is not valid JSON: expected "," or "}" after a property value, found "x"',
    ],
    ['an empty file', '', 'line 1, column 1: is not valid JSON: expected a value'],
    [
      'a comment',
      '{\n  // which region\n  "region": "us-east-1"\n}',
      'line 2, column 3: is not valid JSON: expected a double-quoted property name, found "/"',
    ],
    [
      'an unterminated string',
      '{"region": "us-east-1',
      'line 1, column 22: is not valid JSON: unterminated string',
    ],
  ])('fails on malformed JSON with %s, naming line and column', (_name, text, message) => {
    // GIVEN / WHEN
    const reported = lines(parseAppConfig(text));

    // THEN
    expect(reported).toHaveLength(1);
    expect(reported[0]).toContain(`${FILE}: ${message}`);
    expect(reported[0]).toContain('fix the syntax');
  });

  it('locates errors V8 reports without a position', () => {
    // GIVEN: V8 says "Unexpected token ',', "[1,2,,3]" is not valid JSON", with no offset.
    const text = '[1,2,,3]';

    // WHEN / THEN
    expect(locateJsonError(text)).toEqual({
      offset: 5,
      message: 'expected a value (an object, list, string, number, true, false or null), found ","',
    });
  });
});

describe('validateAppConfig', () => {
  it.each([
    [{ regoin: 'us-east-1' }, `${FILE}: unknown field "regoin"; remove it or check the spelling`],
    [
      { organization: { delegatedAdmin: '222222222222' } },
      `${FILE}: organization: unknown field "delegatedAdmin"; remove it or check the spelling`,
    ],
    [
      { organization: { rootRestrictionPolicy: { targetIds: ['r-ab12'], targets: [] } } },
      `${FILE}: organization.rootRestrictionPolicy: unknown field "targets"; remove it or check the spelling`,
    ],
    [
      { organization: { manageOrganization: { principals: [] } } },
      `${FILE}: organization.manageOrganization: unknown field "principals"; remove it or check the spelling`,
    ],
    [
      { enforcement: { targets: { allAccounts: true }, dryrun: true } },
      `${FILE}: enforcement: unknown field "dryrun"; remove it or check the spelling`,
    ],
  ])('fails with an unknown field: %j', (document, line) => {
    expect(linesFor(document)).toEqual([line]);
  });

  it.each([
    [
      { organization: { delegatedAdministratorAccountId: '12' } },
      `${FILE}: organization.delegatedAdministratorAccountId: "12" is not a 12-digit AWS account id; write it as 12 digits, e.g. "123456789012"`,
    ],
    [
      { organization: { managementAccountId: '1111-2222-3333' } },
      `${FILE}: organization.managementAccountId: "1111-2222-3333" is not a 12-digit AWS account id; write it as 12 digits, e.g. "123456789012"`,
    ],
    [
      { organization: { rootRestrictionPolicy: { targetIds: ['ou-abc'] } } },
      `${FILE}: organization.rootRestrictionPolicy.targetIds[0]: "ou-abc" is not an organizational unit id; OU ids look like "ou-ab12-cdef3456" (see \`aws organizations list-organizational-units-for-parent\`)`,
    ],
    [
      { organization: { rootRestrictionPolicy: { targetIds: ['r-ab12', 'r-ab12'] } } },
      `${FILE}: organization.rootRestrictionPolicy.targetIds[1]: "r-ab12" is listed twice (first at index 0); remove the duplicate`,
    ],
    [
      { organization: { enabledFeatures: ['RootSessions', 'RootPasswords'] } },
      `${FILE}: organization.enabledFeatures[1]: "RootPasswords" is not a centralized root access feature; use "RootCredentialsManagement" or "RootSessions"`,
    ],
    [
      { organization: { rootRestrictionPolicy: { variant: 'deny-all', targetIds: [] } } },
      `${FILE}: organization.rootRestrictionPolicy.variant: "deny-all" is not a root restriction variant; use "deny-long-term-root" or "allow-root-tasks-only"`,
    ],
    [{ region: 'US East' }, `${FILE}: region: "US East" is not an AWS region; write it like "us-east-1"`],
    [
      { organization: { manageOrganization: 'yes' } },
      `${FILE}: organization.manageOrganization: got "yes"; expected true, false or an object with "servicePrincipals", "enabledPolicyTypes" and "preventDestroy"`,
    ],
    [
      { organization: { enabledFeatures: 'RootSessions' } },
      `${FILE}: organization.enabledFeatures: got "RootSessions"; expected a list`,
    ],
    [
      { backend: { local: {}, s3: { bucket: 'b', key: 'k' } } },
      `${FILE}: backend: sets both "local" and "s3"; keep only the one Terraform should use`,
    ],
  ])('fails with a bad value: %j', (document, line) => {
    expect(linesFor(document)).toEqual([line]);
  });

  it('fails with a bad enforcement section, naming enforcement fields', () => {
    // GIVEN / WHEN
    const reported = linesFor({
      enforcement: { targets: { accountIds: ['123'] }, mode: 'fix', concurrency: 0 },
    });

    // THEN
    expect(reported).toEqual([
      `${FILE}: enforcement.targets.accountIds[0]: "123" is not a 12-digit AWS account id; write it as 12 digits, e.g. "123456789012"`,
      `${FILE}: enforcement.mode: got "fix"; expected one of "audit", "enforce"`,
      `${FILE}: enforcement.concurrency: got 0; must be at least 1`,
    ]);
  });

  it('fails when the enforcement section targets the management account named by the organization', () => {
    expect(
      linesFor({
        organization: { managementAccountId: '111111111111' },
        enforcement: { targets: { accountIds: ['111111111111'] } },
      }),
    ).toEqual([
      `${FILE}: enforcement.targets.accountIds[0]: 111111111111 is the management account, which AssumeRoot cannot reach and the reconciler never targets; remove it (secure its root user by hand: MFA, no access keys)`,
    ]);
  });

  it('fails when the two sections disagree about the management account', () => {
    expect(
      linesFor({
        organization: { managementAccountId: '111111111111' },
        enforcement: { targets: { allAccounts: true }, managementAccountId: '999999999999' },
      }),
    ).toEqual([
      `${FILE}: enforcement.managementAccountId: "999999999999" differs from organization.managementAccountId "111111111111"; remove it here (the organization's value is used) or make them equal`,
    ]);
  });

  it('reports the problems of every section at once', () => {
    // GIVEN / WHEN
    const result = validateAppConfig({
      region: 'mars-1',
      extra: true,
      organization: { delegatedAdministratorAccountId: '12', rootRestrictionPolicy: { targetIds: ['x'] } },
      enforcement: { targets: {} },
    });

    // THEN
    const reported = lines(result);
    expect(result.ok ? [] : result.errors.map((issue) => issue.path)).toEqual([
      'region',
      '',
      'organization.delegatedAdministratorAccountId',
      'organization.rootRestrictionPolicy.targetIds[0]',
      'enforcement.targets',
    ]);
    expect(reported[1]).toBe(`${FILE}: unknown field "extra"; remove it or check the spelling`);
  });

  it('accepts manageOrganization as true or as options', () => {
    // GIVEN / WHEN
    const shorthand = validateAppConfig({ organization: { manageOrganization: true } });
    const options = validateAppConfig({
      organization: {
        manageOrganization: {
          servicePrincipals: ['sso.amazonaws.com'],
          enabledPolicyTypes: ['SERVICE_CONTROL_POLICY'],
        },
      },
    });
    const off = validateAppConfig({ organization: { manageOrganization: false } });

    // THEN
    expect(shorthand.ok && shorthand.config.organization).toEqual({ manageOrganization: {} });
    expect(options.ok && options.config.organization.manageOrganization).toEqual({
      servicePrincipals: ['sso.amazonaws.com'],
      enabledPolicyTypes: ['SERVICE_CONTROL_POLICY'],
    });
    expect(off.ok && off.config.organization).toEqual({});
  });

  it('fills in the s3 backend defaults', () => {
    // GIVEN / WHEN
    const result = validateAppConfig({
      region: 'eu-central-1',
      backend: { s3: { bucket: 'state', key: 'root.tfstate' } },
    });

    // THEN
    expect(result.ok && result.config.backend).toEqual({
      kind: 's3',
      bucket: 'state',
      key: 'root.tfstate',
      region: 'eu-central-1',
      encrypt: true,
      useLockfile: true,
    });
  });

  it('passes warnings through without failing', () => {
    // GIVEN / WHEN
    const result = validateAppConfig(
      {
        organization: { rootRestrictionPolicy: { targetIds: [] } },
        enforcement: {
          targets: { allAccounts: true },
          breakGlass: [{ accountId: '333333333333', until: '2026-01-01T00:00:00Z', reason: 'INC-1' }],
        },
      },
      NOW,
    );

    // THEN
    expect(result.ok).toBe(true);
    expect(result.warnings.map((warning) => warning.path)).toEqual([
      'organization.rootRestrictionPolicy.targetIds',
      'enforcement.breakGlass[0].until',
    ]);
  });
});
