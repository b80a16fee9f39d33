/**
 * Scenario documents: validation messages (field, bad value, fix), defaults, deterministic
 * generation, the bundled scenario files and the organization generator.
 */
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { authorize } from '../../emulator/policy/authorize';
import { generateScenario } from '../../emulator/scenario/generate';
import {
  loadScenario,
  readScenarioFile,
  rootCredentialsFromScenario,
  ScenarioError,
  stateToJson,
} from '../../emulator/scenario/load';

const SCENARIOS = path.join(__dirname, '../../emulator/scenarios');

function minimal(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { organization: { managementAccountId: '111111111111' }, ...extra };
}

function problemsOf(doc: unknown): Array<{ field: string; problem: string; fix: string }> {
  try {
    loadScenario(doc);
  } catch (error) {
    if (error instanceof ScenarioError) return error.problems;
    throw error;
  }
  throw new Error('expected the scenario to be rejected');
}

describe('loadScenario', () => {
  it('fills the defaults: management account in the root, FullAWSAccess everywhere, default faults and caller', () => {
    // GIVEN a document with only the management account and one member
    const state = loadScenario(minimal({ accounts: [{ id: '222222222222', name: 'a' }] }));

    // THEN the management account exists as an ACTIVE account under the root
    const management = state.accounts.get('111111111111');
    expect(management).toMatchObject({ state: 'ACTIVE', parentId: state.organization.rootId });
    expect(state.organization.featureSet).toBe('ALL');
    expect(state.organization.id).toMatch(/^o-[a-z0-9]{10}$/);
    expect(state.organization.rootId).toMatch(/^r-[0-9a-z]{4}$/);
    expect([...state.organization.enabledPolicyTypes]).toEqual(['SERVICE_CONTROL_POLICY']);
    expect([...(state.policies.get('p-FullAWSAccess')?.targets ?? [])].sort()).toEqual(
      [state.organization.rootId, '111111111111', '222222222222'].sort(),
    );
    expect(state.faults).toEqual({ seed: 1, latencyMs: 0, errorRate: 0, throttleRate: 0, rateLimits: {} });
    // The management administrator `npm run emulator` prints is a declared principal with a secret.
    expect(state.principals.get('AKIAEMULATORADMIN001')).toMatchObject({
      kind: 'iam',
      accountId: '111111111111',
      arn: 'arn:aws:iam::111111111111:user/emulator-admin',
      secretAccessKey: 'emulator-management-secret',
    });
    expect(state.region).toBe('us-east-1');
  });

  it('omits FullAWSAccess when fullAwsAccess is false', () => {
    const state = loadScenario(minimal({ fullAwsAccess: false }));
    expect(state.policies.has('p-FullAWSAccess')).toBe(false);
  });

  it('expands credential counts into ids, serials and dates, the same way on every load', () => {
    const doc = minimal({
      accounts: [
        {
          id: '222222222222',
          root: {
            password: true,
            accessKeys: 2,
            signingCertificates: 1,
            mfaDevices: [{ kind: 'virtual' }, { kind: 'fido' }, { kind: 'hardware' }],
          },
        },
      ],
    });

    const first = loadScenario(doc).accounts.get('222222222222')?.root;
    const second = loadScenario(doc).accounts.get('222222222222')?.root;

    expect(first).toEqual(second);
    expect(first?.loginProfile?.createDate).toBeInstanceOf(Date);
    expect(first?.accessKeys.map((k) => k.accessKeyId)).toEqual([
      expect.stringMatching(/^AKIA[A-Z2-7]{16}$/),
      expect.stringMatching(/^AKIA/),
    ]);
    expect(first?.signingCertificates[0]?.certificateId).toMatch(/^[A-Z0-9]{32}$/);
    expect(first?.mfaDevices.map((d) => d.serialNumber)).toEqual([
      'arn:aws:iam::222222222222:mfa/root-account-mfa-device',
      expect.stringMatching(/^arn:aws:iam::222222222222:u2f\/root\/security-key-1-/),
      expect.stringMatching(/^GAHT\d{8}$/),
    ]);
  });

  it('generates missing ids deterministically from the document', () => {
    const doc = minimal({ organizationalUnits: [{ name: 'Prod' }], accounts: [{ name: 'x' }] });
    const a = stateToJson(loadScenario(doc));
    const b = stateToJson(loadScenario(doc));
    expect(a).toEqual(b);
    const state = loadScenario(doc);
    expect([...state.organizationalUnits.keys()][0]).toMatch(/^ou-[0-9a-z]{4}-[a-z0-9]{8}$/);
  });

  it('fails listing every problem with its field, the bad value and a fix', () => {
    const problems = problemsOf({
      organization: { managementAccountId: '1111', colour: 'blue' },
      organizationalUnits: [
        { id: 'ou-ex12-prod0001', name: 'Prod', parentId: 'r-ex12' },
        { id: 'ou-ex12-prod0001', name: 'Again', parentId: 'r-ex12' },
        { id: 'OU-BAD', name: 'Bad' },
      ],
      accounts: [
        { id: '222222222222', parentId: 'ou-ex12-missing1' },
        { id: '222222222222' },
        { id: '12345', root: { accessKeys: 3, mfaDevices: 9 } },
      ],
      policies: [{ id: 'p-short', name: 'x', content: { Statement: [] }, targets: ['ou-nowhere'] }],
    });

    const byField = new Map(problems.map((p) => [p.field, p]));
    expect(byField.get('organization.managementAccountId')?.problem).toContain('"1111"');
    expect(byField.get('organization.colour')).toMatchObject({ problem: 'unknown field "colour"' });
    expect(byField.get('organizationalUnits[1].id')?.problem).toContain('duplicate OU id "ou-ex12-prod0001"');
    expect(byField.get('organizationalUnits[2].id')?.problem).toContain('malformed id "OU-BAD"');
    expect(byField.get('accounts[0].parentId')?.problem).toContain('unknown parent "ou-ex12-missing1"');
    expect(byField.get('accounts[1].id')?.problem).toContain('duplicate account id "222222222222"');
    expect(byField.get('accounts[2].id')?.fix).toContain('12 digits');
    expect(byField.get('accounts[2].root.accessKeys')?.fix).toContain('at most 2');
    expect(byField.get('accounts[2].root.mfaDevices')?.fix).toContain('at most 8');
    expect(byField.get('policies[0].id')?.problem).toContain('"p-short"');
    expect(byField.get('policies[0].content')?.problem).toContain('no "Statement"');
    expect(byField.get('policies[0].targets[0]')?.problem).toContain('"ou-nowhere"');
    expect(problems.every((p) => p.fix.length > 0)).toBe(true);
  });

  it('renders all problems in the error message, one per line', () => {
    const error = (() => {
      try {
        loadScenario({ organization: { managementAccountId: 'x' }, faults: { errorRate: 2 } });
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ScenarioError);
    expect(error?.message).toMatch(/2 problems/);
    expect(error?.message).toContain(
      '  - faults.errorRate: expected a number from 0 to 1, got 2; use a number in 0..1',
    );
  });

  it('fails on a bucket name already used by another account', () => {
    const problems = problemsOf(
      minimal({
        accounts: [
          { id: '222222222222', buckets: [{ name: 'shared-name' }] },
          { id: '333333333333', buckets: [{ name: 'shared-name' }] },
        ],
      }),
    );
    expect(problems).toEqual([
      expect.objectContaining({
        field: 'accounts[1].buckets[0].name',
        problem: expect.stringContaining('222222222222'),
      }),
    ]);
  });

  it('fails on two accounts with the same email address', () => {
    const problems = problemsOf(
      minimal({
        accounts: [
          { id: '222222222222', email: 'Same@example.com' },
          { id: '333333333333', email: 'same@example.com' },
        ],
      }),
    );
    expect(problems).toEqual([
      expect.objectContaining({
        field: 'accounts[1].email',
        problem: expect.stringContaining('222222222222'),
      }),
    ]);
  });

  it('fails when a policy uses a condition operator the emulator cannot evaluate', () => {
    const problems = problemsOf(
      minimal({
        policies: [
          {
            id: 'p-numeric01',
            name: 'n',
            content: {
              Statement: [
                {
                  Effect: 'Deny',
                  Action: '*',
                  Resource: '*',
                  Condition: { DateRoughlyBefore: { 'aws:CurrentTime': '2020-01-01' } },
                },
              ],
            },
          },
        ],
      }),
    );
    expect(problems[0]?.problem).toContain('DateRoughlyBefore');
  });

  it('keeps declared principals with their identity policies and an admin when none are given', () => {
    const state = loadScenario(
      minimal({
        principals: [
          {
            accessKeyId: 'AKIARECONCILER0001',
            secretAccessKey: 'reconciler-secret',
            accountId: '111111111111',
            arn: 'arn:aws:sts::111111111111:assumed-role/Reconciler/s',
            identityPolicies: [{ Statement: [{ Effect: 'Allow', Action: 'sts:AssumeRoot', Resource: '*' }] }],
          },
          {
            accessKeyId: 'AKIAADMINISTRATOR1',
            secretAccessKey: 'administrator-secret',
            accountId: '111111111111',
            arn: 'arn:aws:iam::111111111111:user/admin',
          },
        ],
      }),
    );
    const reconciler = state.principals.get('AKIARECONCILER0001');
    expect(reconciler).toMatchObject({
      kind: 'iam',
      identityPolicies: [{ Statement: [{ Action: 'sts:AssumeRoot' }] }],
    });
    expect(state.principals.get('AKIAADMINISTRATOR1')).toMatchObject({
      kind: 'iam',
      identityPolicies: undefined,
    });
  });
});

describe('principals', () => {
  it('refuses a principal without a secret, since every request is signature-checked', () => {
    const problems = problemsOf(
      minimal({
        principals: [
          {
            accessKeyId: 'AKIANOSECRET000001',
            accountId: '111111111111',
            arn: 'arn:aws:iam::111111111111:user/x',
          },
        ],
      }),
    );
    expect(problems).toContainEqual(
      expect.objectContaining({ field: 'principals[0].secretAccessKey', problem: 'missing' }),
    );
  });
});

describe('readScenarioFile', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'scenario-'));

  it('fails with a ScenarioError naming a missing file', () => {
    expect(() => readScenarioFile(path.join(dir, 'absent.json'))).toThrow(/no file at .*absent\.json/);
  });

  it('fails with a ScenarioError for malformed JSON', () => {
    const file = path.join(dir, 'broken.json');
    writeFileSync(file, '{ "organization": ');
    expect(() => readScenarioFile(file)).toThrow(ScenarioError);
    expect(() => readScenarioFile(file)).toThrow(/not valid JSON/);
  });
});

describe('rootCredentialsFromScenario', () => {
  it('builds the same credentials for the same block and rejects too many keys', () => {
    const block = {
      password: { passwordResetRequired: true },
      accessKeys: [{ accessKeyId: 'AKIAEXPLICITKEY00001', status: 'Inactive' }],
    };
    const a = rootCredentialsFromScenario('333333333333', block);
    expect(a).toEqual(rootCredentialsFromScenario('333333333333', block));
    expect(a.loginProfile?.passwordResetRequired).toBe(true);
    expect(a.accessKeys).toEqual([
      expect.objectContaining({ accessKeyId: 'AKIAEXPLICITKEY00001', status: 'Inactive' }),
    ]);
    expect(() => rootCredentialsFromScenario('333333333333', { accessKeys: 3 })).toThrow(/at most 2/);
  });
});

describe('bundled scenarios', () => {
  const files = readdirSync(SCENARIOS).filter((f) => f.endsWith('.json'));

  it.each(files)('%s loads without problems', (file) => {
    const state = loadScenario(readScenarioFile(path.join(SCENARIOS, file)));
    expect(state.accounts.get(state.organization.managementAccountId)?.state).toBe('ACTIVE');
  });

  it('has the demo, preflight, Control Tower and unlock scenarios', () => {
    expect(files.sort()).toEqual(
      expect.arrayContaining(['control-tower.json', 'default.json', 'not-enabled.json', 'unlock.json']),
    );
  });

  it('control-tower.json blocks root sessions in Workloads and not in Sandbox', () => {
    const state = loadScenario(readScenarioFile(path.join(SCENARIOS, 'control-tower.json')));
    const session = (accountId: string) => ({
      kind: 'root-session' as const,
      accessKeyId: 'ASIA',
      secretAccessKey: 's',
      sessionToken: 't',
      accountId,
      arn: `arn:aws:iam::${accountId}:root`,
      taskPolicyArn: 'arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials',
      expiresAt: new Date(),
      issuedTo: 'x',
    });
    const audit = (accountId: string) => ({
      action: 'iam:GetAccountSummary',
      resource: `arn:aws:iam::${accountId}:root`,
      resourceAccountId: accountId,
    });
    expect(authorize(state, session('333333333333'), audit('333333333333'))).toMatchObject({
      allowed: false,
      policyId: 'p-ctrestrictroot1',
    });
    expect(authorize(state, session('555555555555'), audit('555555555555'))).toEqual({ allowed: true });
  });

  it('default.json serializes to the admin state shape', () => {
    const json = stateToJson(
      loadScenario(readScenarioFile(path.join(SCENARIOS, 'default.json'))),
      'http://127.0.0.1:4566',
    ) as {
      accounts: Array<Record<string, unknown>>;
      policies: unknown[];
    };
    const sandbox = json.accounts.find((a) => a['id'] === '777777777777');
    expect(sandbox).toMatchObject({
      status: 'ACTIVE',
      parentId: 'ou-ex12-sandbox1',
      root: {
        password: true,
        accessKeys: [expect.stringMatching(/^AKIA/)],
        signingCertificates: [expect.any(String)],
        mfaDevices: [
          { serialNumber: 'arn:aws:iam::777777777777:mfa/root-account-mfa-device', kind: 'virtual' },
        ],
        unassignedVirtualMfaDevices: [],
      },
      buckets: [],
      queues: [],
    });
    expect(json.accounts.find((a) => a['id'] === '888888888888')?.['status']).toBe('SUSPENDED');
  });
});

describe('generateScenario', () => {
  it('builds 10,000 accounts repeatably and loadably', () => {
    const doc = generateScenario({
      accounts: 10_000,
      seed: 42,
      nonCompliantShare: 0.25,
      suspendedShare: 0.01,
    });
    const state = loadScenario(doc);

    expect(state.accounts.size).toBe(10_001);
    expect(
      JSON.stringify(
        generateScenario({ accounts: 10_000, seed: 42, nonCompliantShare: 0.25, suspendedShare: 0.01 }),
      ),
    ).toBe(JSON.stringify(doc));
    const members = [...state.accounts.values()].filter(
      (a) => a.id !== state.organization.managementAccountId,
    );
    const nonCompliant = members.filter(
      (a) =>
        a.root.loginProfile !== undefined ||
        a.root.accessKeys.length + a.root.signingCertificates.length + a.root.mfaDevices.length > 0,
    );
    expect(nonCompliant.length / members.length).toBeGreaterThan(0.2);
    expect(nonCompliant.length / members.length).toBeLessThan(0.3);
    expect(members.some((a) => a.state === 'SUSPENDED')).toBe(true);
    // Accounts sit at every depth: the root, top-level OUs and their children.
    const depths = new Set(
      members.map((a) =>
        a.parentId.startsWith('r-')
          ? 0
          : state.organizationalUnits.get(a.parentId)?.parentId.startsWith('r-')
            ? 1
            : 2,
      ),
    );
    expect([...depths].sort()).toEqual([0, 1, 2]);
  });

  it('differs with the seed and rejects shares outside 0..1', () => {
    const a = generateScenario({ accounts: 50, seed: 1, nonCompliantShare: 0.5 });
    const b = generateScenario({ accounts: 50, seed: 2, nonCompliantShare: 0.5 });
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(b));
    expect(() => generateScenario({ accounts: 5, seed: 1, nonCompliantShare: 1.5 })).toThrow(
      /nonCompliantShare/,
    );
  });
});
