/**
 * Diagnoses against the emulator: a Control Tower SCP without the AssumeRoot exemption, and each
 * organization gate that refuses AssumeRoot, each with its own message.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { desired, startHarness, type EngineHarness } from './helpers';

const SCENARIOS = join(__dirname, '../../emulator/scenarios');
interface ScenarioDocument {
  organization: { trustedAccess: string[]; rootFeatures: string[] };
  principals?: unknown[];
}
const scenario = (name: string) =>
  JSON.parse(readFileSync(join(SCENARIOS, name), 'utf8')) as ScenarioDocument;

describe('Control Tower landing zone with AWS-GR_RESTRICT_ROOT_USER', () => {
  let h: EngineHarness;

  beforeAll(async () => {
    h = await startHarness(join(SCENARIOS, 'control-tower.json'));
  });
  afterAll(async () => {
    await h.stop();
  });

  it('preflight names the SCP without the exemption and the accounts it blocks, before any change', async () => {
    // WHEN
    const preflight = await h.engine.preflight(desired({ mode: 'enforce' }));

    // THEN
    expect(preflight.ok).toBe(false);
    const failing = preflight.checks.filter((c) => !c.ok);
    expect(failing).toEqual([
      {
        name: 'scp p-ctrestrictroot1 on ou-ct12-workload',
        ok: false,
        detail:
          "service control policy p-ctrestrictroot1 (aws-guardrails-restrict-root-workloads) attached to ou-ct12-workload: it denies arn:aws:iam::*:root without exempting aws:AssumedRoot (add Condition Null aws:AssumedRoot=true, or Control Tower's ExemptAssumeRoot parameter); it blocks root sessions in 2 targeted account(s)",
        blockedAccountIds: ['333333333333', '444444444444'],
      },
    ]);
    const calls = await h.calls();
    expect(calls.filter((c) => c.mutating || c.action === 'AssumeRoot')).toEqual([]);
  });

  it('fails the blocked accounts with the SCP diagnosis and remediates all the others', async () => {
    // GIVEN
    await h.emulator.clearCalls();

    // WHEN
    const report = await h.engine.run(desired({ mode: 'enforce' }));

    // THEN
    const line = (id: string) => report.accounts.find((a) => a.accountId === id);
    for (const id of ['333333333333', '444444444444']) {
      expect(line(id)).toMatchObject({
        status: 'failed',
        error:
          "AccessDenied by service control policy p-ctrestrictroot1 (aws-guardrails-restrict-root-workloads) attached to ou-ct12-workload: it denies arn:aws:iam::*:root without exempting aws:AssumedRoot (add Condition Null aws:AssumedRoot=true, or Control Tower's ExemptAssumeRoot parameter) (on iam:GetAccountSummary)",
      });
    }
    expect(line('555555555555')?.status).toBe('remediated');
    expect(line('222222222222')?.status).toBe('compliant');
    // The policy was looked up once for both accounts.
    const lookups = (await h.calls()).filter(
      (c) => c.action === 'DescribePolicy' || c.action === 'ListPoliciesForTarget',
    );
    expect(lookups.filter((c) => c.action === 'DescribePolicy')).toHaveLength(1);
  });
});

describe('AssumeRoot refused by an organization gate', () => {
  const cases: Array<{ name: string; edit: (s: ScenarioDocument) => void; expected: RegExp }> = [
    {
      name: 'trusted access for IAM missing',
      edit: (s) => {
        s.organization.trustedAccess = [];
      },
      expected:
        /: trusted access for iam\.amazonaws\.com is not enabled; run aws organizations enable-aws-service-access/,
    },
    {
      name: 'RootSessions disabled',
      edit: (s) => {
        s.organization.rootFeatures = ['RootCredentialsManagement'];
      },
      expected: /: RootSessions is not enabled; run aws iam enable-organizations-root-sessions/,
    },
  ];

  for (const { name, edit, expected } of cases) {
    it(`says so when ${name}, checking the gates once per run`, async () => {
      // GIVEN
      const document = scenario('default.json');
      edit(document);
      const h = await startHarness(document);
      try {
        // WHEN
        const report = await h.engine.run(desired({ mode: 'audit' }));

        // THEN
        const failed = report.accounts.filter((a) => a.status === 'failed');
        expect(failed).toHaveLength(7);
        for (const account of failed) {
          expect(account.error).toMatch(
            new RegExp(`^AssumeRoot refused for ${account.accountId}${expected.source}`),
          );
        }
        const calls = await h.calls();
        expect(calls.filter((c) => c.action === 'ListAWSServiceAccessForOrganization')).toHaveLength(1);
      } finally {
        await h.stop();
      }
    });
  }

  it('says when the caller is neither the management account nor the IAM delegated administrator', async () => {
    // GIVEN an administrator of a plain member account
    const document = scenario('default.json');
    const member = {
      accessKeyId: 'AKIAMEMBERADMIN00001',
      secretAccessKey: 'member-admin-secret-0000000000000000000',
    };
    document.principals = [
      { ...member, accountId: '333333333333', arn: 'arn:aws:iam::333333333333:user/admin' },
    ];
    const h = await startHarness(document, { engine: { credentials: async () => member } });
    try {
      // WHEN
      const preflight = await h.engine.preflight(desired({ targets: { accountIds: ['444444444444'] } }));

      // THEN
      expect(preflight.checks.find((c) => c.name === 'caller')).toMatchObject({
        ok: false,
        detail: expect.stringMatching(
          /^the caller arn:aws:iam::333333333333:user\/admin is in 333333333333, which is neither the management account \(111111111111\) nor the IAM delegated administrator/,
        ),
      });
    } finally {
      await h.stop();
    }
  });

  it('says when the caller lacks sts:AssumeRoot for the task policy it needs', async () => {
    // GIVEN a management-account role allowed the audit task only
    const document = scenario('default.json');
    const role = {
      accessKeyId: 'AKIAAUDITONLYROLE001',
      secretAccessKey: 'audit-only-secret-000000000000000000000',
    };
    document.principals = [
      {
        ...role,
        accountId: '111111111111',
        arn: 'arn:aws:sts::111111111111:assumed-role/AuditOnly/session',
        identityPolicies: [
          {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Action: ['organizations:*', 'iam:ListOrganizationsFeatures', 'sts:GetCallerIdentity'],
                Resource: '*',
              },
              {
                Effect: 'Allow',
                Action: 'sts:AssumeRoot',
                Resource: '*',
                Condition: {
                  ArnEquals: {
                    'sts:TaskPolicyArn': 'arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials',
                  },
                },
              },
            ],
          },
        ],
      },
    ];
    const h = await startHarness(document, { engine: { credentials: async () => role } });
    try {
      // WHEN
      const report = await h.engine.run(
        desired({ mode: 'enforce', targets: { accountIds: ['333333333333'] } }),
      );

      // THEN the audit worked, the delete session was refused, with the reason
      expect(report.accounts[0]).toMatchObject({
        status: 'failed',
        error: expect.stringMatching(
          /^AssumeRoot refused for 333333333333 \(.*\): the caller lacks sts:AssumeRoot on arn:aws:iam::333333333333:root for task policy arn:aws:iam::aws:policy\/root-task\/IAMDeleteRootUserCredentials/,
        ),
      });
    } finally {
      await h.stop();
    }
  });
});
