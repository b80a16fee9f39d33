/**
 * Turns a failure into the sentence an operator needs: which gate refused AssumeRoot, which SCP
 * blocked a root session and how to exempt it, or that throttling outlasted the retries (how AWS
 * words a denial: docs/aws-behaviour.md#access-denied-wording).
 * Lookups are cached per run, so a thousand accounts under one blocking OU cost a handful of calls.
 */
import {
  AssumeRootError,
  SessionExpiredError,
  describeError,
  errorFacts,
  isAccessDenied,
  isThrottled,
} from './errors';
import { gateChecks, type GateClients } from './gate';
import type {
  OrganizationInfo,
  OrganizationSource,
  PolicyDetail,
  PolicySource,
  PolicySummary,
} from './organization';
import { rootSessionDenial } from './scp';
import { rootTaskPolicyArn } from '../shared/root-tasks';

export class Diagnoser {
  private gate: Promise<string | undefined> | undefined;
  private readonly policiesByTarget = new Map<string, Promise<PolicySummary[]>>();
  private readonly policyDetails = new Map<string, Promise<PolicyDetail>>();
  private readonly parents = new Map<string, Promise<string>>();

  constructor(
    private readonly clients: GateClients,
    private readonly organizations: OrganizationSource & PolicySource,
    private readonly organization: () => Promise<OrganizationInfo>,
  ) {}

  /** A human diagnosis of `error`, raised while doing `step` in `accountId`. Never throws. */
  async explain(error: unknown, accountId: string, path: readonly string[], step: string): Promise<string> {
    try {
      return await this.explainUnsafe(error, accountId, path, step);
    } catch (lookupError) {
      return `${step}: ${describeError(error instanceof AssumeRootError ? (error.cause ?? error) : error)} (the diagnosis lookup failed too: ${describeError(lookupError)})`;
    }
  }

  private async explainUnsafe(
    error: unknown,
    accountId: string,
    path: readonly string[],
    step: string,
  ): Promise<string> {
    if (error instanceof SessionExpiredError) return error.message;
    if (error instanceof AssumeRootError) {
      const cause = error.cause ?? error;
      if (isAccessDenied(cause)) {
        const gate = await this.gateProblem();
        if (gate !== undefined) return `AssumeRoot refused for ${accountId}: ${gate}`;
        return `AssumeRoot refused for ${accountId} (${errorFacts(cause).message}): the caller lacks sts:AssumeRoot on arn:aws:iam::${accountId}:root for task policy ${rootTaskPolicyArn(error.task)}; grant sts:AssumeRoot with a condition on sts:TaskPolicyArn for that policy`;
      }
      if (isThrottled(cause)) return throttled(`AssumeRoot (${error.task})`, cause);
      return `AssumeRoot (${error.task}) failed for ${accountId}: ${describeError(cause)}`;
    }
    if (isAccessDenied(error)) {
      const message = errorFacts(error).message;
      if (/service control polic/i.test(message))
        return `${await this.scpDiagnosis(accountId, path, message)} (on ${step})`;
      return `AccessDenied on ${step}: ${message}`;
    }
    if (isThrottled(error)) return throttled(step, error);
    const attempts = errorFacts(error).attempts;
    const tried = attempts !== undefined && attempts > 1 ? ` after ${attempts} attempts with backoff` : '';
    return `${step} failed${tried}: ${describeError(error)}`;
  }

  /** The first failing organization gate, checked once per run. */
  private gateProblem(): Promise<string | undefined> {
    this.gate ??= (async () => {
      const checks = await gateChecks(this.clients, await this.organization());
      return checks.find((check) => !check.ok)?.detail;
    })();
    return this.gate;
  }

  private async scpDiagnosis(
    accountId: string,
    knownPath: readonly string[],
    message: string,
  ): Promise<string> {
    const named = /\b(p-[0-9A-Za-z_]+)/.exec(message)?.[1];
    const path = knownPath.length > 0 ? knownPath : await this.ancestors(accountId);
    const nodes = [...path, accountId];
    for (const node of nodes) {
      for (const policy of await this.policiesFor(node)) {
        if (named !== undefined && policy.id !== named) continue;
        const detail = await this.policy(policy.id);
        const denial = rootSessionDenial(detail.content, accountId);
        if (denial !== undefined) {
          return `AccessDenied by service control policy ${detail.id} (${detail.name}) attached to ${node}: ${denial.explanation}`;
        }
      }
    }
    return `AccessDenied by a service control policy on the path ${nodes.join(' > ')}: ${message}`;
  }

  private policiesFor(targetId: string): Promise<PolicySummary[]> {
    let policies = this.policiesByTarget.get(targetId);
    if (policies === undefined) {
      policies = this.organizations.policiesForTarget(targetId);
      this.policiesByTarget.set(targetId, policies);
    }
    return policies;
  }

  private policy(policyId: string): Promise<PolicyDetail> {
    let detail = this.policyDetails.get(policyId);
    if (detail === undefined) {
      detail = this.organizations.describePolicy(policyId);
      this.policyDetails.set(policyId, detail);
    }
    return detail;
  }

  private async ancestors(childId: string): Promise<string[]> {
    const chain: string[] = [];
    let current = childId;
    for (let depth = 0; depth < 10; depth += 1) {
      let parent = this.parents.get(current);
      if (parent === undefined) {
        parent = this.organizations.parentOf(current);
        this.parents.set(current, parent);
      }
      const id = await parent;
      chain.unshift(id);
      if (id.startsWith('r-')) break;
      current = id;
    }
    return chain;
  }
}

/**
 * Says what the retries did: each call has its own attempts (no shared retry quota, see
 * retry.ts), so "after N attempts" is the number of times this very call was sent.
 */
function throttled(step: string, error: unknown): string {
  const facts = errorFacts(error);
  const tried =
    facts.attempts === undefined
      ? ''
      : facts.attempts > 1
        ? ` on all ${facts.attempts} attempts, backing off between them (up to 20 s) and slowing the client's send rate`
        : ' and was not retried';
  return `${step} was throttled (${facts.name})${tried}; AWS's rate limit held for the whole retry window, so lower desired.concurrency or rerun, the next run continues from here`;
}
