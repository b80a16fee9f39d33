/**
 * The authorization decision for one request: task (session) policy, service control policies
 * and identity policies, combined as AWS combines them.
 *
 * Order: an explicit deny anywhere wins (task policy, then SCPs from the root down, then identity
 * policies); then every level of the principal's organization path needs an SCP that allows;
 * then an identity policy must allow. Root sessions have no identity policy to satisfy: the root
 * user holds every permission and the task policy only subtracts (docs/aws-behaviour.md#task-policies).
 *
 * SCPs apply to principals of member accounts, evaluated on the path of the principal's own
 * account (AWS applies SCPs to the principals of the accounts they are attached to, whatever
 * account owns the resource); principals of the management account are never affected. For a
 * root session the principal's account is the resource account, so the two coincide.
 */
import type { AuthorizationRequest, Decision } from '../model/request';
import type { EmulatorState, PolicyDocument, Principal, ServiceControlPolicy } from '../model/state';
import { rootArn } from '../model/state';
import { contextValues, matchingStatements, parsePolicy, type EvaluationRequest } from './evaluate';
import { rootTaskPolicyDocument } from './root-task-policies';

/** Parsed SCP documents, keyed by content, so thousands of calls do not re-parse the same JSON. */
const parsedScps = new Map<string, PolicyDocument | null>();

export function authorize(
  state: EmulatorState,
  principal: Principal,
  request: AuthorizationRequest,
): Decision {
  const evaluation: EvaluationRequest = {
    action: request.action,
    resource: request.resource,
    context: contextValues({ ...principalContext(state, principal, request), ...request.context }),
  };
  const callerArn = principal.kind === 'root-session' ? rootArn(principal.accountId) : principal.arn;
  const denial = (reason: string): string =>
    `User: ${callerArn} is not authorized to perform: ${request.action} on resource: ${request.resource} ${reason}`;

  if (principal.kind === 'root-session') {
    const taskPolicy = rootTaskPolicyDocument(principal.taskPolicyArn);
    // A session whose task policy is unknown can do nothing; AssumeRoot never issues one.
    if (
      taskPolicy === undefined ||
      matchingStatements(taskPolicy, evaluation).some((m) => m.effect === 'Deny')
    ) {
      return {
        allowed: false,
        // Inferred (docs/aws-behaviour.md#access-denied-wording): AWS's standard wording for a deny by the session (task) policy.
        message: denial('with an explicit deny in a session policy'),
        deniedBy: 'task-policy',
      };
    }
  }

  const scpDecision = evaluateScps(state, principal.accountId, evaluation);
  if (scpDecision.kind === 'explicit') {
    return {
      allowed: false,
      message: denial(
        `with an explicit deny in a service control policy: ${scpArn(state, scpDecision.policy)}`,
      ),
      deniedBy: 'service-control-policy',
      policyId: scpDecision.policy.id,
    };
  }

  let identityAllows = true;
  if (principal.kind === 'iam' && principal.identityPolicies !== undefined) {
    identityAllows = false;
    for (const document of principal.identityPolicies) {
      for (const match of matchingStatements(document, evaluation)) {
        if (match.effect === 'Deny') {
          return {
            allowed: false,
            message: denial('with an explicit deny in an identity-based policy'),
            deniedBy: 'identity-policy',
          };
        }
        identityAllows = true;
      }
    }
  }

  if (scpDecision.kind === 'implicit') {
    return {
      allowed: false,
      message: denial(`because no service control policy allows the ${request.action} action`),
      deniedBy: 'service-control-policy',
      policyId: scpDecision.level,
    };
  }
  if (!identityAllows) {
    return {
      allowed: false,
      message: denial(`because no identity-based policy allows the ${request.action} action`),
      deniedBy: 'implicit',
    };
  }
  return { allowed: true };
}

/** The request context keys AWS adds for the principal and the resource. */
function principalContext(
  state: EmulatorState,
  principal: Principal,
  request: AuthorizationRequest,
): Record<string, string | undefined> {
  const inOrganization = state.accounts.has(principal.accountId);
  const base = {
    'aws:PrincipalAccount': principal.accountId,
    'aws:ResourceAccount': request.resourceAccountId,
    'aws:PrincipalOrgID': inOrganization ? state.organization.id : undefined,
    'aws:RequestedRegion': state.region,
  };
  if (principal.kind === 'root-session') {
    return {
      ...base,
      'aws:PrincipalArn': rootArn(principal.accountId),
      'aws:PrincipalType': 'Account',
      'aws:userid': principal.accountId,
      // UG-CK: present only for AssumeRoot credentials; long-term root credentials lack it.
      'aws:AssumedRoot': 'true',
    };
  }
  const role = /^arn:(aws[\w-]*):sts::(\d{12}):assumed-role\/([^/]+)\//.exec(principal.arn);
  if (role !== null) {
    // aws:PrincipalArn of a role session is the role's ARN, not the session's.
    return {
      ...base,
      'aws:PrincipalArn': `arn:${role[1]}:iam::${role[2]}:role/${role[3]}`,
      'aws:PrincipalType': 'AssumedRole',
    };
  }
  const user = /:user\/(?:.*\/)?([^/]+)$/.exec(principal.arn);
  return {
    ...base,
    'aws:PrincipalArn': principal.arn,
    'aws:PrincipalType': user !== null ? 'User' : 'Account',
    'aws:username': user?.[1],
  };
}

type ScpOutcome =
  | { kind: 'allowed' }
  | { kind: 'explicit'; policy: ServiceControlPolicy }
  /** `level` is the root, OU or account id at which no attached SCP allows. */
  | { kind: 'implicit'; level: string };

function evaluateScps(state: EmulatorState, accountId: string, evaluation: EvaluationRequest): ScpOutcome {
  const organization = state.organization;
  if (accountId === organization.managementAccountId) return { kind: 'allowed' };
  if (!state.accounts.has(accountId)) return { kind: 'allowed' };
  if (organization.featureSet !== 'ALL' || !organization.enabledPolicyTypes.has('SERVICE_CONTROL_POLICY')) {
    return { kind: 'allowed' };
  }
  const path = organizationPath(state, accountId);
  let firstUnallowed: string | undefined;
  for (const level of path) {
    let allowed = false;
    // Few policies, many targets: testing each policy's target set beats indexing targets per call.
    for (const policy of state.policies.values()) {
      if (!policy.targets.has(level)) continue;
      const document = parsedScp(policy);
      if (document === null) continue;
      for (const match of matchingStatements(document, evaluation)) {
        if (match.effect === 'Deny') return { kind: 'explicit', policy };
        allowed = true;
      }
    }
    if (!allowed && firstUnallowed === undefined) firstUnallowed = level;
  }
  return firstUnallowed === undefined ? { kind: 'allowed' } : { kind: 'implicit', level: firstUnallowed };
}

/** Root id, OU ids from the top down, then the account id. */
export function organizationPath(state: EmulatorState, accountId: string): string[] {
  const path = [accountId];
  let parent = state.accounts.get(accountId)?.parentId;
  const seen = new Set<string>();
  while (parent !== undefined && !seen.has(parent)) {
    seen.add(parent);
    path.unshift(parent);
    parent = state.organizationalUnits.get(parent)?.parentId;
  }
  return path;
}

function parsedScp(policy: ServiceControlPolicy): PolicyDocument | null {
  let document = parsedScps.get(policy.content);
  if (document === undefined) {
    try {
      document = parsePolicy(policy.content);
    } catch {
      // CreatePolicy and the loader reject malformed content, so this only guards direct state edits.
      document = null;
    }
    if (parsedScps.size > 1_000) parsedScps.clear();
    parsedScps.set(policy.content, document);
  }
  return document;
}

/** `arn:aws:organizations::<mgmt>:policy/o-.../service_control_policy/p-...`; AWS-managed ones live under `aws`. */
export function scpArn(state: EmulatorState, policy: ServiceControlPolicy): string {
  return policy.awsManaged
    ? `arn:aws:organizations::aws:policy/service_control_policy/${policy.id}`
    : `arn:aws:organizations::${state.organization.managementAccountId}:policy/${state.organization.id}/service_control_policy/${policy.id}`;
}
