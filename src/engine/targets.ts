/**
 * Target resolution: which member accounts a desired state selects, and what to do with each.
 *
 * Strategy, chosen for the fewest Organizations calls:
 * - a few account ids (targets or `onlyAccountIds`, up to {@link BY_ID_LIMIT}): one
 *   `DescribeAccount` each, plus `ListParents` up to the root only when OU targets, OU
 *   exclusions or paths (preflight) need the ancestry, cached per OU;
 * - otherwise a tree walk (`ListRoots`, then `ListOrganizationalUnitsForParent` +
 *   `ListAccountsForParent` per OU, a few OUs at a time) from the roots (`allAccounts`, or many
 *   ids) or from the target OUs. The walk knows every account's path for free, which exclusions
 *   and preflight need; `ListAccounts` + `ListParents` would cost one call per account for that.
 * Accounts are emitted as their page arrives, so workers start before the listing ends.
 */
import type { BreakGlassWindow, EngineDesiredState } from '../shared/desired-state';
import { parseInstant } from '../shared/desired-state';
import { createLimiter } from './limiter';
import {
  ParentNotFoundError,
  type OrgAccount,
  type OrganizationInfo,
  type OrganizationSource,
} from './organization';
import { errorName } from './errors';

export const BY_ID_LIMIT = 100;
const DEFAULT_LIST_CONCURRENCY = 4;

export type Disposition = 'process' | 'break-glass' | 'excluded' | 'skipped';

export interface ResolvedTarget {
  readonly accountId: string;
  readonly accountName?: string;
  readonly disposition: Disposition;
  readonly reason?: string;
  /** Root id, then OU ids down to the account's parent. Empty when it was not needed. */
  readonly path: readonly string[];
}

export interface ResolveOptions {
  readonly now: Date;
  readonly onlyAccountIds?: readonly string[];
  /** Preflight needs every account's path (for SCPs), even when targeting by id. */
  readonly needPaths?: boolean;
  readonly listConcurrency?: number;
  /** Already read by the caller; saves a DescribeOrganization. */
  readonly organization?: OrganizationInfo;
}

export interface ResolutionResult {
  readonly organization: OrganizationInfo;
  readonly warnings: readonly string[];
}

export interface ActiveBreakGlass {
  readonly until: Date;
  readonly reason: string;
}

/** Break-glass windows still open at `now`, by account; expired ones come back as warnings. */
export function breakGlassAt(
  windows: readonly BreakGlassWindow[],
  now: Date,
): { active: Map<string, ActiveBreakGlass>; warnings: string[] } {
  const active = new Map<string, ActiveBreakGlass>();
  const warnings: string[] = [];
  for (const window of windows) {
    const until = parseInstant(window.until);
    if (until === undefined) {
      warnings.push(
        `break-glass window for ${window.accountId} has an unreadable "until" (${window.until}); treating the account as an ordinary target`,
      );
    } else if (until.getTime() > now.getTime()) {
      active.set(window.accountId, { until, reason: window.reason });
    } else {
      warnings.push(
        `break-glass window for ${window.accountId} ended at ${until.toISOString()} (${window.reason}); the account is an ordinary target again, remove the entry`,
      );
    }
  }
  return { active, warnings };
}

export function managementAccountReason(accountId: string): string {
  return `${accountId} is the management account: AssumeRoot cannot reach it, so the reconciler never changes it; secure its root user by hand (MFA on, no access keys or signing certificates, password in a vault)`;
}

/** Resolves the targets and calls `emit` once per account the run must report. */
export async function resolveTargets(
  source: OrganizationSource,
  desired: EngineDesiredState,
  options: ResolveOptions,
  emit: (target: ResolvedTarget) => void,
): Promise<ResolutionResult> {
  const organization = options.organization ?? (await source.describeOrganization());
  const resolver = new Resolver(source, desired, options, organization, emit);
  await resolver.resolve();
  return { organization, warnings: resolver.warnings };
}

class Resolver {
  readonly warnings: string[] = [];
  private readonly emitted = new Set<string>();
  private readonly visitedOus = new Set<string>();
  private readonly parents = new Map<string, Promise<string>>();
  private readonly limit: <T>(task: () => Promise<T>) => Promise<T>;
  private readonly targetOus: Set<string>;
  private readonly excludedOus: Set<string>;
  private readonly excludedAccounts: Set<string>;
  private readonly targetAccounts: Set<string>;
  private readonly only: Set<string> | undefined;
  private readonly breakGlass: Map<string, ActiveBreakGlass>;
  private readonly needChains: boolean;

  constructor(
    private readonly source: OrganizationSource,
    private readonly desired: EngineDesiredState,
    options: ResolveOptions,
    private readonly organization: OrganizationInfo,
    private readonly emit: (target: ResolvedTarget) => void,
  ) {
    this.limit = createLimiter(options.listConcurrency ?? DEFAULT_LIST_CONCURRENCY);
    this.targetOus = new Set(desired.targets.organizationalUnitIds);
    this.excludedOus = new Set(desired.exclusions.organizationalUnitIds);
    this.excludedAccounts = new Set(desired.exclusions.accountIds);
    this.targetAccounts = new Set(desired.targets.accountIds);
    this.only = options.onlyAccountIds ? new Set(options.onlyAccountIds) : undefined;
    this.breakGlass = breakGlassAt(desired.breakGlass, options.now).active;
    this.needChains = this.targetOus.size > 0 || this.excludedOus.size > 0 || options.needPaths === true;
  }

  async resolve(): Promise<void> {
    const { targets } = this.desired;
    if (this.only !== undefined && this.only.size <= BY_ID_LIMIT) {
      await this.byIds([...this.only]);
      return;
    }
    const idsOnly = !targets.allAccounts && this.targetOus.size === 0;
    if (idsOnly && this.targetAccounts.size <= BY_ID_LIMIT) {
      await this.byIds([...this.targetAccounts]);
      return;
    }
    const fullWalk = targets.allAccounts || idsOnly;
    if (fullWalk) {
      const roots = await this.source.listRoots();
      await Promise.all(roots.map((root) => this.walk(root, [], undefined, targets.allAccounts)));
      for (const ou of this.excludedOus) {
        if (!this.visitedOus.has(ou)) {
          this.warnings.push(
            `excluded organizational unit ${ou} was not found in organization ${this.organization.id}`,
          );
        }
      }
    } else {
      await Promise.all([...this.targetOus].map((ou) => this.walkTargetOu(ou)));
    }
    const wanted = this.only ?? this.targetAccounts;
    const remaining = [...wanted].filter((id) => !this.emitted.has(id));
    if (fullWalk) {
      // The whole organization was listed, so an id not seen is not a member.
      for (const id of remaining) this.notMember(id);
    } else {
      await this.byIds(remaining);
    }
  }

  private async walkTargetOu(ou: string): Promise<void> {
    let ancestors: string[];
    try {
      ancestors = await this.ancestors(ou);
    } catch (error) {
      if (error instanceof ParentNotFoundError || errorName(error) === 'ChildNotFoundException') {
        this.warnings.push(
          `organizational unit ${ou} was not found in organization ${this.organization.id}; nothing is selected from it`,
        );
        return;
      }
      throw error;
    }
    const excludedBy = ancestors.find((id) => this.excludedOus.has(id));
    await this.walk(ou, ancestors, excludedBy, true);
  }

  /** Lists one node (root or OU), emits its accounts, then its child OUs, a few nodes at a time. */
  private async walk(
    nodeId: string,
    ancestors: readonly string[],
    excludedBy: string | undefined,
    selectAll: boolean,
  ): Promise<void> {
    if (this.visitedOus.has(nodeId)) return;
    this.visitedOus.add(nodeId);
    const path = [...ancestors, nodeId];
    const excluded = excludedBy ?? (this.excludedOus.has(nodeId) ? nodeId : undefined);
    let children: string[];
    try {
      [children] = await Promise.all([
        this.limit(() => this.source.listChildOrganizationalUnits(nodeId)),
        this.limit(async () => {
          for await (const page of this.source.listAccounts(nodeId)) {
            for (const account of page) {
              if (selectAll || this.targetAccounts.has(account.id)) this.classify(account, path, excluded);
            }
          }
        }),
      ]);
    } catch (error) {
      if (error instanceof ParentNotFoundError) {
        this.warnings.push(
          `organizational unit ${nodeId} was not found in organization ${this.organization.id}; nothing is selected from it`,
        );
        return;
      }
      throw error;
    }
    await Promise.all(children.map((child) => this.walk(child, path, excluded, selectAll)));
  }

  private async byIds(ids: readonly string[]): Promise<void> {
    await Promise.all(
      ids.map((id) =>
        this.limit(async () => {
          if (this.emitted.has(id)) return;
          if (id === this.organization.managementAccountId) {
            this.push({
              accountId: id,
              disposition: 'skipped',
              reason: managementAccountReason(id),
              path: [],
            });
            return;
          }
          if (this.excludedAccounts.has(id)) {
            // Excluded accounts are never read, not even from Organizations.
            this.push({
              accountId: id,
              disposition: 'excluded',
              reason: 'listed in exclusions.accountIds',
              path: [],
            });
            return;
          }
          const account = await this.source.describeAccount(id);
          if (account === undefined) {
            this.notMember(id);
            return;
          }
          const path = this.needChains ? await this.ancestors(id) : [];
          const selected =
            this.desired.targets.allAccounts ||
            this.targetAccounts.has(id) ||
            path.some((node) => this.targetOus.has(node));
          if (!selected) {
            this.push({
              accountId: id,
              ...(account.name !== undefined ? { accountName: account.name } : {}),
              disposition: 'skipped',
              reason: `${id} is not selected by the desired state's targets`,
              path,
            });
            return;
          }
          this.classify(
            account,
            path,
            path.find((node) => this.excludedOus.has(node)),
          );
        }),
      ),
    );
  }

  /** Root id first, then OUs, ending at the child's parent. */
  private async ancestors(childId: string): Promise<string[]> {
    const chain: string[] = [];
    let current = childId;
    for (let depth = 0; depth < 10; depth += 1) {
      const parent = await this.parentOf(current);
      chain.unshift(parent);
      if (parent.startsWith('r-')) break;
      current = parent;
    }
    return chain;
  }

  private parentOf(childId: string): Promise<string> {
    let parent = this.parents.get(childId);
    if (parent === undefined) {
      parent = this.limit(() => this.source.parentOf(childId));
      this.parents.set(childId, parent);
    }
    return parent;
  }

  private notMember(id: string): void {
    this.push({
      accountId: id,
      disposition: 'skipped',
      reason: `${id} is not a member of organization ${this.organization.id}`,
      path: [],
    });
  }

  private classify(account: OrgAccount, path: readonly string[], excludedBy: string | undefined): void {
    const id = account.id;
    const named = account.name !== undefined ? { accountName: account.name } : {};
    const base = { accountId: id, ...named, path };
    if (id === this.organization.managementAccountId) {
      this.push({ ...base, disposition: 'skipped', reason: managementAccountReason(id) });
    } else if (this.excludedAccounts.has(id)) {
      this.push({ ...base, disposition: 'excluded', reason: 'listed in exclusions.accountIds' });
    } else if (excludedBy !== undefined) {
      this.push({
        ...base,
        disposition: 'excluded',
        reason: `in excluded organizational unit ${excludedBy}`,
      });
    } else if (account.state !== 'ACTIVE') {
      this.push({
        ...base,
        disposition: 'skipped',
        reason: `account is ${account.state}: AssumeRoot only reaches active member accounts`,
      });
    } else {
      const window = this.breakGlass.get(id);
      if (window !== undefined) {
        this.push({
          ...base,
          disposition: 'break-glass',
          reason: `break-glass until ${window.until.toISOString()} (${window.reason}): audited, never changed`,
        });
      } else {
        this.push({ ...base, disposition: 'process' });
      }
    }
  }

  private push(target: ResolvedTarget): void {
    if (this.emitted.has(target.accountId)) return;
    if (this.only !== undefined && !this.only.has(target.accountId)) return;
    this.emitted.add(target.accountId);
    this.emit(target);
  }
}
