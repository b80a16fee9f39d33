/**
 * Preflight: the organization gates, then every SCP on the path of every targeted account,
 * evaluated statically for a Deny that would stop a root session (see scp.ts).
 *
 * SCPs are read policy-first (ListPolicies, then DescribePolicy + ListTargetsForPolicy per policy):
 * an organization has a handful of SCPs and thousands of accounts, so this costs 1 + 2P calls where
 * ListPoliciesForTarget per path node would cost one call per account plus one per OU. If the
 * policy-first listing is refused, it falls back to ListPoliciesForTarget, cached per target id.
 */
import type { EngineDesiredState } from '../shared/desired-state';
import { describeError } from './errors';
import { gateChecks, type GateClients } from './gate';
import type { OrganizationSource, PolicyDetail, PolicySource, PolicySummary } from './organization';
import { rootSessionDenial } from './scp';
import { resolveTargets, type ResolvedTarget } from './targets';
import type { PreflightCheck, PreflightReport } from './types';

export async function runPreflight(
  clients: GateClients,
  source: OrganizationSource & PolicySource,
  desired: EngineDesiredState,
  now: Date,
): Promise<PreflightReport> {
  let organization;
  try {
    organization = await source.describeOrganization();
  } catch (error) {
    return {
      ok: false,
      checks: [
        {
          name: 'organization',
          ok: false,
          detail: `could not describe the organization: ${describeError(error)}`,
        },
      ],
    };
  }
  const checks = await gateChecks(clients, organization);
  const targets: ResolvedTarget[] = [];
  let resolution;
  try {
    resolution = await resolveTargets(source, desired, { now, needPaths: true, organization }, (t) =>
      targets.push(t),
    );
  } catch (error) {
    checks.push({
      name: 'targets',
      ok: false,
      detail: `could not list the targeted accounts: ${describeError(error)}`,
    });
    return { ok: false, checks };
  }

  const reached = targets.filter((t) => t.disposition === 'process' || t.disposition === 'break-glass');
  const unreachable = targets.filter((t) => t.disposition === 'skipped');
  checks.push({
    name: 'targets',
    ok: resolution.warnings.length === 0,
    detail:
      `${reached.length} account(s) will be reconciled, ${targets.filter((t) => t.disposition === 'excluded').length} excluded, ${unreachable.length} skipped` +
      (resolution.warnings.length > 0 ? `; ${resolution.warnings.join('; ')}` : ''),
  });

  try {
    checks.push(...(await scpChecks(source, reached)));
  } catch (error) {
    checks.push({
      name: 'service-control-policies',
      ok: false,
      detail: `could not read the SCPs: ${describeError(error)}`,
    });
  }
  return { ok: checks.every((check) => check.ok), checks };
}

async function scpChecks(
  source: PolicySource,
  accounts: readonly ResolvedTarget[],
): Promise<PreflightCheck[]> {
  const details = new Map<string, Promise<PolicyDetail>>();
  const describe = (id: string): Promise<PolicyDetail> => {
    let detail = details.get(id);
    if (detail === undefined) {
      detail = source.describePolicy(id);
      details.set(id, detail);
    }
    return detail;
  };
  const attached = await attachments(source, accounts);

  /** `${policyId} ${targetId}` -> blocked accounts */
  const blocked = new Map<
    string,
    { policy: PolicyDetail; targetId: string; explanation: string; accounts: string[] }
  >();
  const checkedPolicies = new Set<string>();
  for (const account of accounts) {
    for (const node of [...account.path, account.accountId]) {
      for (const summary of (await attached(node)) ?? []) {
        checkedPolicies.add(summary.id);
        const policy = await describe(summary.id);
        const denial = rootSessionDenial(policy.content, account.accountId);
        if (denial === undefined) continue;
        const key = `${policy.id} ${node}`;
        let entry = blocked.get(key);
        if (entry === undefined) {
          entry = { policy, targetId: node, explanation: denial.explanation, accounts: [] };
          blocked.set(key, entry);
        }
        entry.accounts.push(account.accountId);
      }
    }
  }
  if (blocked.size === 0) {
    return [
      {
        name: 'service-control-policies',
        ok: true,
        detail: `${checkedPolicies.size} SCP(s) on the paths of ${accounts.length} targeted account(s); none denies root sessions`,
      },
    ];
  }
  return [...blocked.values()].map(({ policy, targetId, explanation, accounts: ids }) => ({
    name: `scp ${policy.id} on ${targetId}`,
    ok: false,
    detail: `service control policy ${policy.id} (${policy.name}) attached to ${targetId}: ${explanation}; it blocks root sessions in ${ids.length} targeted account(s)`,
    blockedAccountIds: ids.sort(),
  }));
}

/** Policies attached to a target id, read policy-first when allowed, else per target (cached). */
async function attachments(
  source: PolicySource,
  accounts: readonly ResolvedTarget[],
): Promise<(targetId: string) => Promise<PolicySummary[] | undefined>> {
  if (accounts.length === 0) return async () => [];
  try {
    const byTarget = new Map<string, PolicySummary[]>();
    for (const policy of await source.listServiceControlPolicies()) {
      for (const target of await source.targetsForPolicy(policy.id)) {
        const list = byTarget.get(target.targetId) ?? [];
        list.push(policy);
        byTarget.set(target.targetId, list);
      }
    }
    return async (targetId) => byTarget.get(targetId);
  } catch {
    const cache = new Map<string, Promise<PolicySummary[]>>();
    return (targetId) => {
      let policies = cache.get(targetId);
      if (policies === undefined) {
        policies = source.policiesForTarget(targetId);
        cache.set(targetId, policies);
      }
      return policies;
    };
  }
}
