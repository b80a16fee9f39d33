/**
 * The organization's structure (organization, roots, accounts, OUs, parents and children), trusted
 * service access and delegated administrators.
 */
import { AwsError, type EmulatorState } from '../../model/state';
import {
  ACCOUNT_ID,
  OU_ID,
  Operation,
  accountArn,
  accountShape,
  checkParent,
  constraint,
  epochSeconds,
  findAccount,
  invalidInput,
  organizationArn,
  ouShape,
  paginate,
  rootShape,
  servicePrincipal,
} from './common';

export const STRUCTURE_OPERATIONS: Record<string, Operation> = {
  DescribeOrganization: {
    rule: 'any-member',
    mutating: false,
    run: (_input, { state }) => {
      const org = state.organization;
      return {
        Organization: {
          Id: org.id,
          Arn: organizationArn(state),
          FeatureSet: org.featureSet,
          MasterAccountArn: accountArn(state, org.managementAccountId),
          MasterAccountId: org.managementAccountId,
          MasterAccountEmail: org.managementAccountEmail,
          AvailablePolicyTypes: [...org.enabledPolicyTypes].map((type) => ({
            Type: type,
            Status: 'ENABLED',
          })),
        },
      };
    },
  },
  ListRoots: {
    rule: 'management-or-delegated',
    mutating: false,
    run: (input, { state }) => {
      const { page, NextToken } = paginate(input, [rootShape(state)], 'ListRoots');
      return { Roots: page, NextToken };
    },
  },
  ListAccounts: {
    rule: 'management-or-delegated',
    mutating: false,
    run: (input, { state }) => {
      const { page, NextToken } = paginate(input, [...state.accounts.values()], 'ListAccounts');
      return { Accounts: page.map((account) => accountShape(state, account)), NextToken };
    },
  },
  ListAccountsForParent: {
    rule: 'management-or-delegated',
    mutating: false,
    run: (input, { state }) => {
      const parentId = input.string('ParentId');
      checkParent(state, parentId);
      const children = [...state.accounts.values()].filter((account) => account.parentId === parentId);
      const { page, NextToken } = paginate(input, children, `ListAccountsForParent:${parentId}`);
      return { Accounts: page.map((account) => accountShape(state, account)), NextToken };
    },
  },
  ListOrganizationalUnitsForParent: {
    rule: 'management-or-delegated',
    mutating: false,
    run: (input, { state }) => {
      const parentId = input.string('ParentId');
      checkParent(state, parentId);
      const children = [...state.organizationalUnits.values()].filter((ou) => ou.parentId === parentId);
      const { page, NextToken } = paginate(input, children, `ListOrganizationalUnitsForParent:${parentId}`);
      return { OrganizationalUnits: page.map((ou) => ouShape(state, ou)), NextToken };
    },
  },
  ListChildren: {
    rule: 'management-or-delegated',
    mutating: false,
    run: (input, { state }) => {
      const parentId = input.string('ParentId');
      const childType = input.string('ChildType');
      if (childType !== 'ACCOUNT' && childType !== 'ORGANIZATIONAL_UNIT') {
        throw invalidInput('INVALID_ENUM', `You specified an invalid value for ChildType: ${childType}.`);
      }
      checkParent(state, parentId);
      const ids =
        childType === 'ACCOUNT'
          ? [...state.accounts.values()].filter((a) => a.parentId === parentId).map((a) => a.id)
          : [...state.organizationalUnits.values()]
              .filter((ou) => ou.parentId === parentId)
              .map((ou) => ou.id);
      const { page, NextToken } = paginate(input, ids, `ListChildren:${parentId}:${childType}`);
      return { Children: page.map((id) => ({ Id: id, Type: childType })), NextToken };
    },
  },
  ListParents: {
    rule: 'management-or-delegated',
    mutating: false,
    run: (input, { state }) => {
      const childId = input.string('ChildId');
      const parentId =
        state.accounts.get(childId)?.parentId ?? state.organizationalUnits.get(childId)?.parentId;
      if (parentId === undefined) {
        throw new AwsError(
          'ChildNotFoundException',
          "We can't find an organizational unit (OU) or AWS account with the ChildId that you specified.",
          404,
        );
      }
      const { page, NextToken } = paginate(input, [parentId], `ListParents:${childId}`);
      return {
        Parents: page.map((id) => ({
          Id: id,
          Type: id === state.organization.rootId ? 'ROOT' : 'ORGANIZATIONAL_UNIT',
        })),
        NextToken,
      };
    },
  },
  DescribeAccount: {
    rule: 'management-or-delegated',
    mutating: false,
    run: (input, { state }) => ({
      Account: accountShape(state, findAccount(state, input.string('AccountId', ACCOUNT_ID))),
    }),
  },
  MoveAccount: {
    rule: 'management',
    mutating: true,
    run: (input, call) => {
      const { state } = call;
      const account = findAccount(state, input.string('AccountId', ACCOUNT_ID));
      const source = input.string('SourceParentId');
      const destination = input.string('DestinationParentId');
      if (!isParent(state, source)) {
        throw new AwsError(
          'SourceParentNotFoundException',
          "We can't find a source root or OU with the ParentId that you specified.",
          404,
        );
      }
      if (!isParent(state, destination)) {
        throw new AwsError(
          'DestinationParentNotFoundException',
          "We can't find the destination container (a root or OU) with the ParentId that you specified.",
          404,
        );
      }
      if (account.parentId === destination) {
        throw new AwsError(
          'DuplicateAccountException',
          'That account is already present in the specified destination.',
          409,
        );
      }
      if (account.parentId !== source) {
        // [I] AWS's answer when the account is not under the source parent is not documented;
        // the account is not found where the caller said it was.
        throw new AwsError('AccountNotFoundException', "You specified an account that doesn't exist.", 404);
      }
      account.parentId = destination;
      // CloudTrail logs the call with its request parameters (camelCase, as CloudTrail writes
      // them); EventBridge delivers it as "AWS API Call via CloudTrail".
      call.ctx.publish?.({
        eventName: 'MoveAccount',
        eventType: 'AwsApiCall',
        requestParameters: {
          accountId: account.id,
          sourceParentId: source,
          destinationParentId: destination,
        },
      });
      return {};
    },
  },
  DescribeOrganizationalUnit: {
    rule: 'management-or-delegated',
    mutating: false,
    run: (input, { state }) => {
      const ou = state.organizationalUnits.get(input.string('OrganizationalUnitId', OU_ID));
      if (ou === undefined) {
        throw new AwsError(
          'OrganizationalUnitNotFoundException',
          "We can't find an OU with the OrganizationalUnitId that you specified.",
          404,
        );
      }
      return { OrganizationalUnit: ouShape(state, ou) };
    },
  },
  EnableAWSServiceAccess: {
    rule: 'management',
    mutating: true,
    run: (input, { state, now }) => {
      const principal = servicePrincipal(input);
      if (state.organization.featureSet !== 'ALL') {
        throw constraint(
          'ORGANIZATION_NOT_IN_ALL_FEATURES_MODE',
          'Trusted access requires an organization with all features enabled.',
        );
      }
      // Unconfirmed (docs/aws-behaviour.md#organizations-errors): enabling an already-enabled principal is treated as a no-op success.
      if (!state.organization.trustedAccess.has(principal))
        state.organization.trustedAccess.set(principal, now);
      return {};
    },
  },
  DisableAWSServiceAccess: {
    rule: 'management',
    mutating: true,
    run: (input, { state }) => {
      state.organization.trustedAccess.delete(servicePrincipal(input));
      return {};
    },
  },
  ListAWSServiceAccessForOrganization: {
    rule: 'management-or-delegated',
    mutating: false,
    run: (input, { state }) => {
      const entries = [...state.organization.trustedAccess.entries()];
      const { page, NextToken } = paginate(input, entries, 'ListAWSServiceAccessForOrganization');
      return {
        EnabledServicePrincipals: page.map(([principal, date]) => ({
          ServicePrincipal: principal,
          DateEnabled: epochSeconds(date),
        })),
        NextToken,
      };
    },
  },
  RegisterDelegatedAdministrator: {
    rule: 'management',
    mutating: true,
    run: (input, { state, now }) => {
      const accountId = input.string('AccountId', ACCOUNT_ID);
      const principal = servicePrincipal(input);
      const org = state.organization;
      const account = findAccount(state, accountId);
      if (accountId === org.managementAccountId) {
        throw constraint(
          'CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR',
          'You cannot register the management account of the organization as a delegated administrator for an AWS service integrated with Organizations.',
        );
      }
      if (account.state !== 'ACTIVE') {
        throw constraint(
          'CANNOT_REGISTER_SUSPENDED_ACCOUNT_AS_DELEGATED_ADMINISTRATOR',
          'You cannot register a suspended account as a delegated administrator.',
        );
      }
      if (!org.trustedAccess.has(principal)) {
        throw constraint(
          'SERVICE_ACCESS_NOT_ENABLED',
          `You must enable trusted access for ${principal} before you can register a delegated administrator.`,
        );
      }
      if (
        org.delegatedAdministrators.some((d) => d.accountId === accountId && d.servicePrincipal === principal)
      ) {
        throw new AwsError(
          'AccountAlreadyRegisteredException',
          'The provided account is already a delegated administrator for your organization.',
          409,
        );
      }
      // Unconfirmed (docs/aws-behaviour.md#organizations-errors): IAM accepts one delegated administrator; other services are not capped here.
      if (
        principal === 'iam.amazonaws.com' &&
        org.delegatedAdministrators.some((d) => d.servicePrincipal === principal)
      ) {
        throw constraint(
          'MAX_DELEGATED_ADMINISTRATORS_FOR_SERVICE_LIMIT_EXCEEDED',
          'You attempted to register more delegated administrators than allowed for the service principal.',
        );
      }
      org.delegatedAdministrators.push({
        accountId,
        servicePrincipal: principal,
        delegationEnabledDate: now,
      });
      return {};
    },
  },
  DeregisterDelegatedAdministrator: {
    rule: 'management',
    mutating: true,
    run: (input, { state }) => {
      const accountId = input.string('AccountId', ACCOUNT_ID);
      const principal = servicePrincipal(input);
      findAccount(state, accountId);
      const list = state.organization.delegatedAdministrators;
      const index = list.findIndex((d) => d.accountId === accountId && d.servicePrincipal === principal);
      if (index === -1) {
        throw new AwsError(
          'AccountNotRegisteredException',
          'The provided account is not a registered delegated administrator for your organization.',
          409,
        );
      }
      list.splice(index, 1);
      return {};
    },
  },
  ListDelegatedAdministrators: {
    rule: 'management-or-delegated',
    mutating: false,
    run: (input, { state }) => {
      const filter = input.optionalString('ServicePrincipal');
      const first = new Map<string, Date>();
      for (const d of state.organization.delegatedAdministrators) {
        if (filter !== undefined && d.servicePrincipal !== filter) continue;
        const seen = first.get(d.accountId);
        if (seen === undefined || d.delegationEnabledDate < seen)
          first.set(d.accountId, d.delegationEnabledDate);
      }
      const entries = [...first.entries()].filter(([id]) => state.accounts.has(id));
      const { page, NextToken } = paginate(input, entries, `ListDelegatedAdministrators:${filter ?? ''}`);
      return {
        DelegatedAdministrators: page.map(([id, date]) => {
          const account = findAccount(state, id);
          // The DelegatedAdministrator shape has no Paths member (unlike Account): drop it.
          const { Paths: _paths, ...shape } = accountShape(state, account);
          return { ...shape, DelegationEnabledDate: epochSeconds(date) };
        }),
        NextToken,
      };
    },
  },
  ListDelegatedServicesForAccount: {
    rule: 'management-or-delegated',
    mutating: false,
    run: (input, { state }) => {
      const accountId = input.string('AccountId', ACCOUNT_ID);
      findAccount(state, accountId);
      const services = state.organization.delegatedAdministrators.filter((d) => d.accountId === accountId);
      if (services.length === 0) {
        throw new AwsError(
          'AccountNotRegisteredException',
          'The provided account is not a registered delegated administrator for your organization.',
          409,
        );
      }
      const { page, NextToken } = paginate(input, services, `ListDelegatedServicesForAccount:${accountId}`);
      return {
        DelegatedServices: page.map((d) => ({
          ServicePrincipal: d.servicePrincipal,
          DelegationEnabledDate: epochSeconds(d.delegationEnabledDate),
        })),
        NextToken,
      };
    },
  },
};

function isParent(state: EmulatorState, id: string): boolean {
  return id === state.organization.rootId || state.organizationalUnits.has(id);
}
