import { BY_ID_LIMIT, breakGlassAt, resolveTargets, type ResolvedTarget } from '../../src/engine/targets';
import { MANAGEMENT, MemoryOrganization, desired } from './helpers';

const NOW = new Date('2026-06-01T00:00:00Z');
const ROOT = 'r-test';
const PROD = 'ou-test-prod0001';
const PROD_APP = 'ou-test-prodapp1';
const SANDBOX = 'ou-test-sandbox1';

function organization(
  extra: Array<{ id: string; parentId: string; state?: string }> = [],
): MemoryOrganization {
  return new MemoryOrganization(
    { id: 'o-test000001', managementAccountId: MANAGEMENT, featureSet: 'ALL' },
    ROOT,
    [
      { id: PROD, parentId: ROOT },
      { id: PROD_APP, parentId: PROD },
      { id: SANDBOX, parentId: ROOT },
    ],
    [
      { id: MANAGEMENT, parentId: ROOT },
      { id: '200000000001', parentId: PROD },
      { id: '200000000002', parentId: PROD, state: 'SUSPENDED' },
      { id: '200000000003', parentId: PROD_APP },
      { id: '200000000004', parentId: SANDBOX },
      { id: '200000000005', parentId: SANDBOX },
      { id: '200000000006', parentId: ROOT, state: 'PENDING_CLOSURE' },
      ...extra,
    ],
  );
}

async function resolve(
  org: MemoryOrganization,
  doc: Parameters<typeof desired>[0],
  options: { onlyAccountIds?: string[]; needPaths?: boolean } = {},
): Promise<{ targets: Map<string, ResolvedTarget>; warnings: readonly string[] }> {
  const targets = new Map<string, ResolvedTarget>();
  const result = await resolveTargets(org, desired(doc, NOW), { now: NOW, ...options }, (t) => {
    // Each account must be emitted once, however many targets select it.
    expect(targets.has(t.accountId)).toBe(false);
    targets.set(t.accountId, t);
  });
  return { targets, warnings: result.warnings };
}

const dispositions = (targets: Map<string, ResolvedTarget>) =>
  Object.fromEntries([...targets.values()].map((t) => [t.accountId, t.disposition]));

describe('target resolution', () => {
  it('selects every member for allAccounts and reports the management account and inactive ones as skipped', async () => {
    // WHEN
    const { targets, warnings } = await resolve(organization(), { targets: { allAccounts: true } });

    // THEN
    expect(dispositions(targets)).toEqual({
      [MANAGEMENT]: 'skipped',
      '200000000001': 'process',
      '200000000002': 'skipped',
      '200000000003': 'process',
      '200000000004': 'process',
      '200000000005': 'process',
      '200000000006': 'skipped',
    });
    expect(targets.get(MANAGEMENT)?.reason).toMatch(
      /management account: AssumeRoot cannot reach it.*secure its root user by hand/,
    );
    expect(targets.get('200000000002')?.reason).toMatch(/SUSPENDED/);
    expect(targets.get('200000000006')?.reason).toMatch(/PENDING_CLOSURE/);
    expect(targets.get('200000000003')?.path).toEqual([ROOT, PROD, PROD_APP]);
    expect(warnings).toEqual([]);
  });

  it('takes OU targets with all their descendants, minus excluded OU subtrees and excluded accounts', async () => {
    // WHEN
    const { targets } = await resolve(organization([{ id: '200000000007', parentId: PROD }]), {
      targets: { organizationalUnitIds: [PROD] },
      exclusions: { organizationalUnitIds: [PROD_APP], accountIds: ['200000000007'] },
    });

    // THEN
    expect(dispositions(targets)).toEqual({
      '200000000001': 'process',
      '200000000002': 'skipped',
      '200000000003': 'excluded',
      '200000000007': 'excluded',
    });
    expect(targets.get('200000000003')?.reason).toBe(`in excluded organizational unit ${PROD_APP}`);
    expect(targets.get('200000000007')?.reason).toBe('listed in exclusions.accountIds');
    expect(targets.get('200000000001')?.path).toEqual([ROOT, PROD]);
  });

  it('warns about an OU that does not exist and selects nothing from it', async () => {
    // WHEN
    const { targets, warnings } = await resolve(organization(), {
      targets: { organizationalUnitIds: ['ou-test-missing1', SANDBOX] },
    });

    // THEN
    expect([...targets.keys()].sort()).toEqual(['200000000004', '200000000005']);
    expect(warnings).toEqual([
      'organizational unit ou-test-missing1 was not found in organization o-test000001; nothing is selected from it',
    ]);
  });

  it('resolves a few account ids with one DescribeAccount each and no tree walk', async () => {
    // GIVEN
    const org = organization();

    // WHEN
    const { targets } = await resolve(org, {
      targets: { accountIds: ['200000000004', '999999999999', MANAGEMENT, '200000000002'] },
    });

    // THEN
    expect(dispositions(targets)).toEqual({
      '200000000004': 'process',
      '999999999999': 'skipped',
      [MANAGEMENT]: 'skipped',
      '200000000002': 'skipped',
    });
    expect(targets.get('999999999999')?.reason).toBe(
      '999999999999 is not a member of organization o-test000001',
    );
    expect(org.calls.sort()).toEqual([
      'DescribeAccount 200000000002',
      'DescribeAccount 200000000004',
      'DescribeAccount 999999999999',
      'DescribeOrganization',
    ]);
  });

  it('walks the whole organization instead when more ids are listed than DescribeAccount is worth', async () => {
    // GIVEN
    const many = Array.from({ length: BY_ID_LIMIT + 1 }, (_, i) => `3${String(i).padStart(11, '0')}`);
    const org = organization(many.slice(1).map((id) => ({ id, parentId: SANDBOX })));

    // WHEN
    const { targets } = await resolve(org, { targets: { accountIds: many } });

    // THEN
    expect(targets.size).toBe(many.length);
    expect(targets.get(many[0])?.reason).toMatch(/not a member/);
    expect(targets.has('200000000004')).toBe(false);
    expect(org.calls.some((call) => call.startsWith('DescribeAccount'))).toBe(false);
  });

  it('keeps an open break-glass window as break-glass and treats an expired one as an ordinary target', async () => {
    // WHEN
    const { targets } = await resolve(organization(), {
      targets: { allAccounts: true },
      breakGlass: [
        { accountId: '200000000004', until: '2026-06-02T00:00:00Z', reason: 'INC-42' },
        { accountId: '200000000005', until: '2026-05-01T00:00:00Z', reason: 'INC-7' },
      ],
    });

    // THEN
    expect(targets.get('200000000004')).toMatchObject({
      disposition: 'break-glass',
      reason: 'break-glass until 2026-06-02T00:00:00.000Z (INC-42): audited, never changed',
    });
    expect(targets.get('200000000005')?.disposition).toBe('process');
  });

  it('restricts a run to onlyAccountIds and says when one of them is not selected by the targets', async () => {
    // GIVEN
    const org = organization();

    // WHEN
    const { targets } = await resolve(
      org,
      { targets: { organizationalUnitIds: [PROD] } },
      { onlyAccountIds: ['200000000003', '200000000004'] },
    );

    // THEN
    expect(dispositions(targets)).toEqual({ '200000000003': 'process', '200000000004': 'skipped' });
    expect(targets.get('200000000004')?.reason).toBe(
      "200000000004 is not selected by the desired state's targets",
    );
    expect(org.calls).not.toContain('ListRoots');
  });

  it('streams every page of a large OU', async () => {
    // GIVEN
    const big = Array.from({ length: 45 }, (_, i) => ({
      id: `4${String(i).padStart(11, '0')}`,
      parentId: SANDBOX,
    }));
    const org = organization(big);

    // WHEN
    const { targets } = await resolve(org, { targets: { organizationalUnitIds: [SANDBOX] } });

    // THEN
    expect(targets.size).toBe(47);
    expect(org.calls.filter((call) => call === `ListAccountsForParent ${SANDBOX}`)).toHaveLength(3);
  });
});

describe('break-glass windows', () => {
  it('splits windows into open ones and warnings for the expired ones', () => {
    // WHEN
    const { active, warnings } = breakGlassAt(
      [
        { accountId: '200000000001', until: '2026-06-01T00:00:01Z', reason: 'open' },
        { accountId: '200000000002', until: '2026-06-01T00:00:00Z', reason: 'INC-9' },
      ],
      NOW,
    );

    // THEN
    expect([...active.keys()]).toEqual(['200000000001']);
    expect(warnings).toEqual([
      'break-glass window for 200000000002 ended at 2026-06-01T00:00:00.000Z (INC-9); the account is an ordinary target again, remove the entry',
    ]);
  });
});
