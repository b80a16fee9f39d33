/**
 * STS (query protocol, 2011-06-15): `AssumeRoot` with its gates, and `GetCallerIdentity`.
 */
import { randomBytes } from 'node:crypto';

import type { RawRequest, RawResponse, RequestContext, ServiceHandler } from '../model/request';
import {
  AwsError,
  type EmulatorState,
  type Principal,
  ROOT_TASK_POLICIES,
  ROOT_TASK_POLICY_PREFIX,
  type RootSession,
  rootArn,
} from '../model/state';
import { STS_API, newRequestId, parseQueryParams, queryError, queryResponse } from '../protocol/query';

const IAM_SERVICE_PRINCIPAL = 'iam.amazonaws.com';
const MAX_ROOT_SESSION_SECONDS = 900;
const ROOT_USER_ARN = /^arn:aws[\w-]*:iam::\d{12}:root$/;
/**
 * The STS session-token size bound. The SDK model (client-sts, 2026) says MinimumSessionTokenSize
 * "must not exceed 4,096 bytes" and SessionTokenUtilization is the percentage of "the maximum
 * allowed session token size"; the emulator takes that maximum to be the same 4,096 bytes [I]
 * (see docs/aws-behaviour.md#session-token-size).
 */
const MAX_SESSION_TOKEN_BYTES = 4096;
const TASK_POLICY_ARNS = new Set(ROOT_TASK_POLICIES.map((name) => `${ROOT_TASK_POLICY_PREFIX}${name}`));

/**
 * Error choices where the real code is unconfirmed (docs/aws-behaviour.md#assume-root-targets): every gate about who may call,
 * the organization's configuration or the target account is `AccessDenied` 403 (AWS reports
 * authority and feature problems on STS as access denials); malformed input (an ARN outside the
 * five task policies, DurationSeconds outside 0..900, a malformed target) is `ValidationError`
 * 400, the code query services use for request constraint violations.
 */
function accessDenied(message: string): AwsError {
  return new AwsError('AccessDenied', message, 403);
}

function validationError(message: string): AwsError {
  return new AwsError('ValidationError', message, 400);
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function randomKey(prefix: string, length: number): string {
  const bytes = randomBytes(length - prefix.length);
  let out = prefix;
  for (const byte of bytes) out += ALNUM[byte % ALNUM.length];
  return out;
}

/** 12-digit account id or `arn:aws:iam::<id>:root`; undefined when neither. */
function targetAccountOf(targetPrincipal: string): string | undefined {
  if (/^\d{12}$/.test(targetPrincipal)) return targetPrincipal;
  const match = /^arn:aws:iam::(\d{12}):root$/.exec(targetPrincipal);
  return match?.[1];
}

function isIamDelegatedAdministrator(state: EmulatorState, accountId: string): boolean {
  return state.organization.delegatedAdministrators.some(
    (admin) => admin.accountId === accountId && admin.servicePrincipal === IAM_SERVICE_PRINCIPAL,
  );
}

function assumeRoot(params: Map<string, string>, ctx: RequestContext): RawResponse {
  const { state, principal } = ctx;
  const targetPrincipal = params.get('TargetPrincipal');
  const policyArn = params.get('TaskPolicyArn.arn');
  const target = targetPrincipal === undefined ? undefined : targetAccountOf(targetPrincipal);
  // The call acts on the target account (for the log), but AssumeRoot is not mutating: it
  // changes nothing there, and counting it would make every audit look like a write.
  ctx.annotate({ action: 'AssumeRoot', accountId: target ?? principal.accountId, mutating: false });

  if (targetPrincipal === undefined) {
    throw validationError(
      "1 validation error detected: Value null at 'targetPrincipal' failed to satisfy constraint: Member must not be null",
    );
  }
  if (policyArn === undefined) {
    throw validationError(
      "1 validation error detected: Value null at 'taskPolicyArn' failed to satisfy constraint: Member must not be null",
    );
  }

  // Gates in the order of docs/aws-behaviour.md#assume-root-gate-order. Root sessions and the long-term keys of a root user
  // (a principal whose ARN is arn:aws:iam::<acct>:root) are both root user credentials.
  if (principal.kind === 'root-session' || ROOT_USER_ARN.test(principal.arn)) {
    throw accessDenied('You cannot use root user credentials to call this operation.');
  }
  const org = state.organization;
  if (
    principal.accountId !== org.managementAccountId &&
    !isIamDelegatedAdministrator(state, principal.accountId)
  ) {
    throw accessDenied(
      `User: ${principal.arn} is not authorized to perform: sts:AssumeRoot: the caller's account ${principal.accountId} is neither the management account nor a delegated administrator for IAM.`,
    );
  }
  if (org.featureSet !== 'ALL') {
    throw accessDenied('AssumeRoot requires an organization with all features enabled.');
  }
  if (!org.trustedAccess.has(IAM_SERVICE_PRINCIPAL)) {
    throw accessDenied('Trusted access for iam.amazonaws.com is not enabled in the organization.');
  }
  // Which feature gates which task [I] (docs/aws-behaviour.md#root-features): every one of the five tasks is an AssumeRoot session, and
  // AssumeRoot is the "privileged root actions" feature (RootSessions), so RootSessions gates all
  // five; RootCredentialsManagement gates none of them here. Evidence that the two are
  // independent switches: IAM's DisableOrganizationsRootCredentialsManagement leaves
  // ListOrganizationsFeatures at EnabledFeatures ["RootSessions"] (the IAM API reference's
  // example), and the STS reference says only that a privileged session needs "centralized root
  // access". In AWS RootCredentialsManagement governs the root credentials of new accounts
  // (created without them), which the emulator does not model.
  if (!org.rootFeatures.has('RootSessions')) {
    throw accessDenied(
      'Centralized root access: the RootSessions feature is not enabled for the organization.',
    );
  }
  if (target === undefined) {
    throw validationError(`TargetPrincipal ${targetPrincipal} is not an account id or an account root ARN.`);
  }
  const account = state.accounts.get(target);
  if (target === org.managementAccountId) {
    throw accessDenied(`AssumeRoot cannot target the management account ${target}.`);
  }
  if (account === undefined || account.state !== 'ACTIVE') {
    throw accessDenied(`Account ${target} is not an active member of organization ${org.id}.`);
  }
  if (!TASK_POLICY_ARNS.has(policyArn)) {
    throw validationError(`TaskPolicyArn ${policyArn} is not a root task policy.`);
  }
  const durationParam = params.get('DurationSeconds');
  const duration = durationParam === undefined ? MAX_ROOT_SESSION_SECONDS : Number(durationParam);
  if (!Number.isInteger(duration) || duration < 0 || duration > MAX_ROOT_SESSION_SECONDS) {
    throw validationError(
      `1 validation error detected: Value '${durationParam}' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to ${MAX_ROOT_SESSION_SECONDS}`,
    );
  }
  const minimumParam = params.get('MinimumSessionTokenSize');
  const minimumTokenSize = minimumParam === undefined ? 0 : Number(minimumParam);
  if (
    !Number.isInteger(minimumTokenSize) ||
    minimumTokenSize < 0 ||
    minimumTokenSize > MAX_SESSION_TOKEN_BYTES
  ) {
    throw validationError(
      `1 validation error detected: Value '${minimumParam}' at 'minimumSessionTokenSize' failed to satisfy constraint: Member must have value less than or equal to ${MAX_SESSION_TOKEN_BYTES}`,
    );
  }
  const decision = ctx.authorize({
    action: 'sts:AssumeRoot',
    resource: rootArn(target),
    resourceAccountId: principal.accountId,
    context: { 'sts:TaskPolicyArn': policyArn },
  });
  if (!decision.allowed) throw accessDenied(decision.message);

  const lifetime = Math.min(duration, state.faults.sessionLifetimeSeconds ?? MAX_ROOT_SESSION_SECONDS);
  const session: RootSession = {
    kind: 'root-session',
    accessKeyId: randomKey('ASIA', 20),
    secretAccessKey: randomBytes(30).toString('base64'),
    sessionToken: sessionToken(minimumTokenSize),
    accountId: target,
    arn: rootArn(target),
    taskPolicyArn: policyArn,
    expiresAt: new Date(ctx.now.getTime() + lifetime * 1000),
    issuedTo: principal.arn,
  };
  state.principals.set(session.accessKeyId, session);
  const tokenSize = Buffer.byteLength(session.sessionToken, 'utf8');
  return queryResponse(STS_API, 'AssumeRoot', {
    Credentials: {
      AccessKeyId: session.accessKeyId,
      SecretAccessKey: session.secretAccessKey,
      SessionToken: session.sessionToken,
      Expiration: session.expiresAt,
    },
    SessionTokenUtilization: Math.ceil((tokenSize / MAX_SESSION_TOKEN_BYTES) * 100),
    SessionTokenSize: tokenSize,
  });
}

/** A random token padded to at least `minimumBytes`, as STS pads tokens to the requested size. */
function sessionToken(minimumBytes: number): string {
  const token = randomBytes(96).toString('base64');
  if (token.length >= minimumBytes) return token;
  return (
    token +
    randomBytes(Math.ceil(((minimumBytes - token.length) * 3) / 4) + 3)
      .toString('base64')
      .slice(0, minimumBytes - token.length)
  );
}

/** Stable pseudo-unique ids derived from the ARN, so repeated calls agree. */
function uniqueIdFor(prefix: string, arn: string): string {
  let hash = 0x811c9dc5;
  let out = prefix;
  for (let round = 0; out.length < 21; round += 1) {
    for (const char of `${round}${arn}`) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
    out += ALNUM[hash % ALNUM.length];
  }
  return out;
}

/** GetCallerIdentity needs no permission and cannot be denied (docs/aws-behaviour.md#root-session-identity). */
export function callerIdentity(principal: Principal): { Account: string; Arn: string; UserId: string } {
  if (principal.kind === 'root-session' || principal.arn.endsWith(':root')) {
    return { Account: principal.accountId, Arn: principal.arn, UserId: principal.accountId };
  }
  const role = /:assumed-role\/[^/]+\/(.+)$/.exec(principal.arn);
  if (role)
    return {
      Account: principal.accountId,
      Arn: principal.arn,
      UserId: `${uniqueIdFor('AROA', principal.arn)}:${role[1]}`,
    };
  return { Account: principal.accountId, Arn: principal.arn, UserId: uniqueIdFor('AIDA', principal.arn) };
}

export const stsService: ServiceHandler = {
  service: 'sts',
  actionOf(request: RawRequest): string {
    return parseQueryParams(request.body, request.query).get('Action') ?? 'Unknown';
  },
  handle(request: RawRequest, ctx: RequestContext): RawResponse {
    const requestId = newRequestId();
    const params = parseQueryParams(request.body, request.query);
    const action = params.get('Action') ?? '';
    try {
      switch (action) {
        case 'AssumeRoot':
          return assumeRoot(params, ctx);
        case 'GetCallerIdentity':
          ctx.annotate({ action, accountId: ctx.principal.accountId, mutating: false });
          return queryResponse(STS_API, action, callerIdentity(ctx.principal), requestId);
        default: {
          ctx.annotate({ action: action || 'Unknown', accountId: ctx.principal.accountId, mutating: false });
          // Authorized before it is refused as unknown, as AWS evaluates policies first.
          const decision = ctx.authorize({
            action: `sts:${action || 'Unknown'}`,
            resource: '*',
            resourceAccountId: ctx.principal.accountId,
          });
          if (!decision.allowed) throw accessDenied(decision.message);
          throw new AwsError(
            'InvalidAction',
            `Could not find operation ${action} for version ${STS_API.version}`,
            400,
          );
        }
      }
    } catch (error) {
      if (error instanceof AwsError) return queryError(STS_API, error, requestId);
      throw error;
    }
  },
};
