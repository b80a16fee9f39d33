/**
 * Generates a scenario document for an organization of N member accounts, for scale tests and
 * benchmarks: accounts spread over a two-level OU tree, a seeded share with assorted root
 * credentials, an optional share suspended. Same options, same document.
 */
import { SeededRandom } from './random';

export interface GenerateOptions {
  /** Member accounts, not counting the management account. */
  accounts: number;
  seed: number;
  /** Share of members (0..1) that hold at least one root credential. */
  nonCompliantShare: number;
  /** Top-level OUs (each gets two child OUs); default 4. */
  organizationalUnits?: number;
  /** Share of members (0..1) that are SUSPENDED; default 0. */
  suspendedShare?: number;
}

export const GENERATED_MANAGEMENT_ACCOUNT = '111111111111';

/** The credential mixes a non-compliant account gets, one picked per account. */
const CREDENTIAL_MIXES: ReadonlyArray<Record<string, unknown>> = [
  { password: true },
  { accessKeys: 1 },
  { password: true, accessKeys: 2, signingCertificates: 1 },
  { password: true, mfaDevices: [{ kind: 'virtual' }] },
  { mfaDevices: [{ kind: 'fido' }, { kind: 'hardware' }] },
  {
    password: true,
    accessKeys: 1,
    signingCertificates: 2,
    mfaDevices: [{ kind: 'virtual' }, { kind: 'fido' }],
  },
  { signingCertificates: 1 },
];

export function generateScenario(options: GenerateOptions): object {
  const { accounts: count, seed, nonCompliantShare } = options;
  if (!Number.isInteger(count) || count < 0 || count > 1_000_000) {
    throw new RangeError(`accounts must be an integer from 0 to 1000000, got ${count}`);
  }
  for (const [name, share] of [
    ['nonCompliantShare', nonCompliantShare],
    ['suspendedShare', options.suspendedShare ?? 0],
  ] as const) {
    if (!(share >= 0 && share <= 1)) throw new RangeError(`${name} must be between 0 and 1, got ${share}`);
  }
  const random = new SeededRandom(seed);
  const rootId = 'r-gen0';
  const topLevel = Math.max(1, options.organizationalUnits ?? 4);
  const organizationalUnits: Array<{ id: string; name: string; parentId: string }> = [];
  for (let i = 0; i < topLevel; i++) {
    const parent = { id: ouId(rootId, i, 0), name: `Unit${i + 1}`, parentId: rootId };
    organizationalUnits.push(parent);
    for (let j = 1; j <= 2; j++) {
      organizationalUnits.push({
        id: ouId(rootId, i, j),
        name: `Unit${i + 1}-${j === 1 ? 'Prod' : 'Dev'}`,
        parentId: parent.id,
      });
    }
  }
  const parents = [rootId, ...organizationalUnits.map((ou) => ou.id)];

  const accounts: Array<Record<string, unknown>> = [];
  for (let i = 0; i < count; i++) {
    // Sequential ids after the management account keep 10,000 accounts collision-free and cheap.
    const id = String(200_000_000_000 + i * 7 + 3).padStart(12, '0');
    const account: Record<string, unknown> = {
      id,
      name: `member-${String(i + 1).padStart(5, '0')}`,
      email: `member-${i + 1}@example.com`,
      parentId: random.pick(parents),
    };
    if (random.next() < (options.suspendedShare ?? 0)) account['status'] = 'SUSPENDED';
    if (random.next() < nonCompliantShare) account['root'] = random.pick(CREDENTIAL_MIXES);
    accounts.push(account);
  }

  return {
    description: `generated: ${count} member accounts, seed ${seed}, non-compliant share ${nonCompliantShare}`,
    region: 'us-east-1',
    organization: {
      id: 'o-generated01',
      rootId,
      managementAccountId: GENERATED_MANAGEMENT_ACCOUNT,
      managementAccountEmail: 'management@example.com',
      featureSet: 'ALL',
      trustedAccess: ['iam.amazonaws.com'],
      rootFeatures: ['RootCredentialsManagement', 'RootSessions'],
    },
    organizationalUnits,
    accounts,
  };
}

function ouId(rootId: string, top: number, child: number): string {
  return `ou-${rootId.slice(2)}-u${String(top).padStart(4, '0')}c${child}00`;
}
