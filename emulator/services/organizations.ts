/**
 * AWS Organizations (JSON 1.1, `AWSOrganizationsV20161128.<Op>`), see docs/aws-behaviour.md#wire-protocols and
 * docs/aws-behaviour.md#organizations-errors.
 *
 * Each call is authorized through the request context first (an IAM or SCP denial is an
 * `AccessDeniedException` naming the policy), then checked against Organizations' own caller
 * rules: management-only operations, and List/Describe operations that the management account
 * or any delegated administrator may call. Errors carry the model's shape name as `__type`, its
 * HTTP status and the `Reason` member where the model has one. The operations live in
 * `organizations/` (structure.ts, policies.ts, over common.ts).
 */
import type { RawRequest, RawResponse, RequestContext, ServiceHandler } from '../model/request';
import type { EmulatorState } from '../model/state';
import { AwsError } from '../model/state';
import { scpArn } from '../policy/authorize';
import { jsonError, jsonInput, jsonOperation, jsonResponse } from '../protocol/json';
import {
  ACCESS_DENIED_MESSAGE,
  API,
  type CallerRule,
  Input,
  type Operation,
  accountArn,
  ouArn,
  rootArnOf,
} from './organizations/common';
import { POLICY_OPERATIONS } from './organizations/policies';
import { MEMBERSHIP_OPERATIONS } from './organizations/membership';
import { STRUCTURE_OPERATIONS } from './organizations/structure';

const OPERATIONS: Record<string, Operation> = {
  ...STRUCTURE_OPERATIONS,
  ...POLICY_OPERATIONS,
  ...MEMBERSHIP_OPERATIONS,
};

/** The resource an action is authorized on: the named entity's ARN where there is one. */
function resourceOf(state: EmulatorState, input: Record<string, unknown>): string {
  const accountId = input['AccountId'];
  if (typeof accountId === 'string' && state.accounts.has(accountId)) return accountArn(state, accountId);
  const policyId = input['PolicyId'];
  const policy = typeof policyId === 'string' ? state.policies.get(policyId) : undefined;
  if (policy !== undefined) return scpArn(state, policy);
  const ouId = input['OrganizationalUnitId'] ?? input['ParentId'];
  if (typeof ouId === 'string' && state.organizationalUnits.has(ouId)) return ouArn(state, ouId);
  if (ouId === state.organization.rootId) return rootArnOf(state);
  return '*';
}

function checkCaller(rule: CallerRule, ctx: RequestContext): void {
  const state = ctx.state;
  const accountId = ctx.principal.accountId;
  if (rule === 'any-account') return;
  if (!state.accounts.has(accountId)) {
    throw new AwsError(
      'AWSOrganizationsNotInUseException',
      'Your account is not a member of an organization.',
      404,
    );
  }
  if (rule === 'any-member' || accountId === state.organization.managementAccountId) return;
  const delegated = state.organization.delegatedAdministrators.some((d) => d.accountId === accountId);
  // A root session is never an administrator of the organization, whatever its account is.
  if (rule === 'management-or-delegated' && delegated && ctx.principal.kind === 'iam') return;
  throw new AwsError('AccessDeniedException', ACCESS_DENIED_MESSAGE, 403);
}

export function renderError(err: AwsError): RawResponse {
  return jsonError(API, err, err.code, 'Message');
}

export const organizationsService: ServiceHandler = {
  service: 'organizations',

  actionOf(request: RawRequest): string {
    return jsonOperation(API, request);
  },

  handle(request: RawRequest, ctx: RequestContext): RawResponse {
    const name = jsonOperation(API, request);
    const operation = Object.prototype.hasOwnProperty.call(OPERATIONS, name) ? OPERATIONS[name] : undefined;
    try {
      if (operation === undefined) {
        ctx.annotate({ action: name || 'Unknown', accountId: ctx.principal.accountId, mutating: false });
        // Authorized before it is refused as unknown, as AWS evaluates policies first.
        const decision = ctx.authorize({
          action: `organizations:${name || 'Unknown'}`,
          resource: '*',
          resourceAccountId: ctx.principal.accountId,
        });
        if (!decision.allowed) throw new AwsError('AccessDeniedException', decision.message, 403);
        throw new AwsError(
          'UnknownOperationException',
          `The operation ${name || '(none)'} is not supported by AWS Organizations.`,
          400,
        );
      }
      // Annotated before parsing, so even a malformed body is logged under its operation.
      ctx.annotate({ action: name, accountId: ctx.principal.accountId, mutating: operation.mutating });
      const body = jsonInput(request);
      const state = ctx.state;
      if (typeof body['AccountId'] === 'string') {
        ctx.annotate({ action: name, accountId: body['AccountId'], mutating: operation.mutating });
      }
      const servicePrincipal = body['ServicePrincipal'];
      const decision = ctx.authorize({
        action: `organizations:${name}`,
        resource: resourceOf(state, body),
        resourceAccountId: state.organization.managementAccountId,
        // The condition key IAM documents for the service-access and delegated-admin actions, so a
        // role limited to one service principal is evaluated as AWS would.
        ...(typeof servicePrincipal === 'string'
          ? { context: { 'organizations:ServicePrincipal': servicePrincipal } }
          : {}),
      });
      if (!decision.allowed) throw new AwsError('AccessDeniedException', decision.message, 403);
      checkCaller(operation.rule, ctx);
      return jsonResponse(API, operation.run(new Input(body), { state, ctx, now: ctx.now }));
    } catch (error) {
      if (error instanceof AwsError) return renderError(error);
      throw error;
    }
  },
};
