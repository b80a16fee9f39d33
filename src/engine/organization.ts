/**
 * What the engine reads from AWS Organizations, behind a small interface so that target
 * resolution is plain logic over a tree (and unit-testable on an in-memory organization).
 */
import {
  DescribeAccountCommand,
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  ListParentsCommand,
  OrganizationsClient,
  paginateListOrganizationalUnitsForParent,
  paginateListPolicies,
  paginateListPoliciesForTarget,
  paginateListRoots,
  paginateListTargetsForPolicy,
} from '@aws-sdk/client-organizations';

import { errorName } from './errors';
import { listAccountsForParent, type ListedAccount } from './hot-path';

export interface OrganizationInfo {
  readonly id: string;
  readonly managementAccountId: string;
  readonly featureSet: string;
}

export interface OrgAccount {
  readonly id: string;
  readonly name?: string;
  /** `State` where Organizations returns it, else the older `Status`: ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED, ... */
  readonly state: string;
}

export interface PolicySummary {
  readonly id: string;
  readonly name: string;
}

export interface PolicyDetail extends PolicySummary {
  readonly content: string;
}

export interface PolicyTarget {
  readonly targetId: string;
  readonly type: string;
}

/** Thrown by the source when a parent (an OU or root) does not exist. */
export class ParentNotFoundError extends Error {
  constructor(
    readonly parentId: string,
    options?: { cause?: unknown },
  ) {
    super(`parent ${parentId} not found`, options);
    this.name = 'ParentNotFoundError';
  }
}

export interface OrganizationSource {
  describeOrganization(): Promise<OrganizationInfo>;
  listRoots(): Promise<string[]>;
  /** Direct child OUs of a root or OU; throws {@link ParentNotFoundError} when the parent is unknown. */
  listChildOrganizationalUnits(parentId: string): Promise<string[]>;
  /** Direct child accounts, a page at a time, so a big OU starts feeding workers early. */
  listAccounts(parentId: string): AsyncIterable<OrgAccount[]>;
  /** `undefined` when the id is not a member of the organization. */
  describeAccount(accountId: string): Promise<OrgAccount | undefined>;
  /** The single parent (root or OU) of an account or OU. */
  parentOf(childId: string): Promise<string>;
}

export interface PolicySource {
  policiesForTarget(targetId: string): Promise<PolicySummary[]>;
  describePolicy(policyId: string): Promise<PolicyDetail>;
  listServiceControlPolicies(): Promise<PolicySummary[]>;
  targetsForPolicy(policyId: string): Promise<PolicyTarget[]>;
}

const SCP = 'SERVICE_CONTROL_POLICY';

export class AwsOrganizationSource implements OrganizationSource, PolicySource {
  constructor(private readonly client: OrganizationsClient) {}

  async describeOrganization(): Promise<OrganizationInfo> {
    const { Organization: org } = await this.client.send(new DescribeOrganizationCommand({}));
    return {
      id: org?.Id ?? '',
      managementAccountId: org?.MasterAccountId ?? '',
      featureSet: org?.FeatureSet ?? '',
    };
  }

  async listRoots(): Promise<string[]> {
    const ids: string[] = [];
    for await (const page of paginateListRoots({ client: this.client }, {})) {
      for (const root of page.Roots ?? []) if (root.Id) ids.push(root.Id);
    }
    return ids;
  }

  async listChildOrganizationalUnits(parentId: string): Promise<string[]> {
    const ids: string[] = [];
    try {
      for await (const page of paginateListOrganizationalUnitsForParent(
        { client: this.client },
        { ParentId: parentId },
      )) {
        for (const ou of page.OrganizationalUnits ?? []) if (ou.Id) ids.push(ou.Id);
      }
    } catch (error) {
      if (errorName(error) === 'ParentNotFoundException')
        throw new ParentNotFoundError(parentId, { cause: error });
      throw error;
    }
    return ids;
  }

  async *listAccounts(parentId: string): AsyncIterable<OrgAccount[]> {
    try {
      for await (const accounts of listAccountsForParent(this.client, parentId)) {
        yield accounts.flatMap((account) => (account.Id ? [toOrgAccount(account)] : []));
      }
    } catch (error) {
      if (errorName(error) === 'ParentNotFoundException')
        throw new ParentNotFoundError(parentId, { cause: error });
      throw error;
    }
  }

  async describeAccount(accountId: string): Promise<OrgAccount | undefined> {
    try {
      const { Account: account } = await this.client.send(
        new DescribeAccountCommand({ AccountId: accountId }),
      );
      return account?.Id ? toOrgAccount(account) : undefined;
    } catch (error) {
      if (errorName(error) === 'AccountNotFoundException') return undefined;
      throw error;
    }
  }

  async parentOf(childId: string): Promise<string> {
    const { Parents: parents } = await this.client.send(new ListParentsCommand({ ChildId: childId }));
    const parent = parents?.[0]?.Id;
    if (parent === undefined) throw new ParentNotFoundError(childId);
    return parent;
  }

  async policiesForTarget(targetId: string): Promise<PolicySummary[]> {
    const policies: PolicySummary[] = [];
    for await (const page of paginateListPoliciesForTarget(
      { client: this.client },
      { TargetId: targetId, Filter: SCP },
    )) {
      for (const p of page.Policies ?? []) if (p.Id) policies.push({ id: p.Id, name: p.Name ?? p.Id });
    }
    return policies;
  }

  async describePolicy(policyId: string): Promise<PolicyDetail> {
    const { Policy: policy } = await this.client.send(new DescribePolicyCommand({ PolicyId: policyId }));
    return {
      id: policyId,
      name: policy?.PolicySummary?.Name ?? policyId,
      content: policy?.Content ?? '{}',
    };
  }

  async listServiceControlPolicies(): Promise<PolicySummary[]> {
    const policies: PolicySummary[] = [];
    for await (const page of paginateListPolicies({ client: this.client }, { Filter: SCP })) {
      for (const p of page.Policies ?? []) if (p.Id) policies.push({ id: p.Id, name: p.Name ?? p.Id });
    }
    return policies;
  }

  async targetsForPolicy(policyId: string): Promise<PolicyTarget[]> {
    const targets: PolicyTarget[] = [];
    for await (const page of paginateListTargetsForPolicy({ client: this.client }, { PolicyId: policyId })) {
      for (const t of page.Targets ?? [])
        if (t.TargetId) targets.push({ targetId: t.TargetId, type: t.Type ?? '' });
    }
    return targets;
  }
}

function toOrgAccount(account: ListedAccount): OrgAccount {
  return {
    id: account.Id ?? '',
    ...(account.Name !== undefined ? { name: account.Name } : {}),
    state: account.State ?? account.Status ?? 'UNKNOWN',
  };
}
