/**
 * The organization-level gates in front of AssumeRoot: all-features organization, trusted access
 * for IAM, the two IAM organization features, and a caller that is the management account or the
 * IAM delegated administrator. Preflight reports each; a run consults them (once) to explain an
 * AssumeRoot denial. See docs/aws-behaviour.md#feature-prerequisites and docs/aws-behaviour.md#root-features.
 */
import { ListOrganizationsFeaturesCommand, type IAMClient } from '@aws-sdk/client-iam';
import {
  paginateListAWSServiceAccessForOrganization,
  paginateListDelegatedAdministrators,
  type OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts';

import { describeError, errorName, isAccessDenied } from './errors';
import type { OrganizationInfo } from './organization';
import type { PreflightCheck } from './types';
import { IAM_SERVICE_PRINCIPAL } from '../shared/lambda-contract';

export interface GateClients {
  readonly sts: STSClient;
  readonly organizations: OrganizationsClient;
  readonly iam: IAMClient;
}

/** Each check's outcome; a failure's `detail` says how to fix it. */
export async function gateChecks(
  clients: GateClients,
  organization: OrganizationInfo,
): Promise<PreflightCheck[]> {
  const checks: PreflightCheck[] = [];

  checks.push(
    organization.featureSet === 'ALL'
      ? { name: 'all-features', ok: true, detail: `organization ${organization.id} has all features enabled` }
      : {
          name: 'all-features',
          ok: false,
          detail: `organization ${organization.id} is in ${organization.featureSet} mode; centralized root access needs all features (aws organizations enable-all-features)`,
        },
  );

  checks.push(await callerCheck(clients, organization));

  try {
    const principals: string[] = [];
    for await (const page of paginateListAWSServiceAccessForOrganization(
      { client: clients.organizations },
      {},
    )) {
      for (const p of page.EnabledServicePrincipals ?? [])
        if (p.ServicePrincipal) principals.push(p.ServicePrincipal);
    }
    checks.push(
      principals.includes(IAM_SERVICE_PRINCIPAL)
        ? {
            name: 'trusted-access',
            ok: true,
            detail: `trusted access for ${IAM_SERVICE_PRINCIPAL} is enabled`,
          }
        : {
            name: 'trusted-access',
            ok: false,
            detail: `trusted access for ${IAM_SERVICE_PRINCIPAL} is not enabled; run aws organizations enable-aws-service-access --service-principal ${IAM_SERVICE_PRINCIPAL} (the enforcer construct can do it at apply)`,
          },
    );
  } catch (error) {
    checks.push({
      name: 'trusted-access',
      ok: false,
      detail: `could not list trusted services: ${describeError(error)}`,
    });
  }

  try {
    const { EnabledFeatures: features = [] } = await clients.iam.send(
      new ListOrganizationsFeaturesCommand({}),
    );
    for (const feature of ['RootCredentialsManagement', 'RootSessions'] as const) {
      const command =
        feature === 'RootSessions'
          ? 'aws iam enable-organizations-root-sessions'
          : 'aws iam enable-organizations-root-credentials-management';
      checks.push(
        features.includes(feature)
          ? { name: feature, ok: true, detail: `${feature} is enabled` }
          : {
              name: feature,
              ok: false,
              detail: `${feature} is not enabled; run ${command} from the management account`,
            },
      );
    }
  } catch (error) {
    checks.push({ name: 'root-features', ok: false, detail: featuresErrorDetail(error) });
  }
  return checks;
}

function featuresErrorDetail(error: unknown): string {
  switch (errorName(error)) {
    case 'ServiceAccessNotEnabledException':
      return `trusted access for ${IAM_SERVICE_PRINCIPAL} is not enabled, so the IAM root features cannot be read or enabled; run aws organizations enable-aws-service-access --service-principal ${IAM_SERVICE_PRINCIPAL}`;
    case 'AccountNotManagementOrDelegatedAdministratorException':
      return 'the caller is neither the management account nor the IAM delegated administrator, so it cannot read the IAM root features';
    case 'OrganizationNotInAllFeaturesModeException':
      return 'the organization is not in all-features mode; run aws organizations enable-all-features';
    case 'OrganizationNotFoundException':
      return 'the caller is not in an organization';
    default:
      return `could not read the IAM root features (ListOrganizationsFeatures): ${describeError(error)}`;
  }
}

async function callerCheck(clients: GateClients, organization: OrganizationInfo): Promise<PreflightCheck> {
  let arn: string;
  let account: string;
  try {
    const identity = await clients.sts.send(new GetCallerIdentityCommand({}));
    arn = identity.Arn ?? '';
    account = identity.Account ?? '';
  } catch (error) {
    return { name: 'caller', ok: false, detail: `could not identify the caller: ${describeError(error)}` };
  }
  if (/:root$/.test(arn)) {
    return {
      name: 'caller',
      ok: false,
      detail: `the caller is the root user of ${account}; AssumeRoot refuses root credentials, use an IAM role or user`,
    };
  }
  if (account === organization.managementAccountId) {
    return { name: 'caller', ok: true, detail: `the caller ${arn} is in the management account` };
  }
  try {
    const admins: string[] = [];
    for await (const page of paginateListDelegatedAdministrators(
      { client: clients.organizations },
      { ServicePrincipal: IAM_SERVICE_PRINCIPAL },
    )) {
      for (const admin of page.DelegatedAdministrators ?? []) if (admin.Id) admins.push(admin.Id);
    }
    if (admins.includes(account)) {
      return {
        name: 'caller',
        ok: true,
        detail: `the caller ${arn} is in ${account}, the IAM delegated administrator`,
      };
    }
  } catch (error) {
    // Only the management account and delegated administrators may list delegated
    // administrators, so a denial is itself the answer.
    if (!isAccessDenied(error)) {
      return {
        name: 'caller',
        ok: false,
        detail: `the caller ${arn} is not in the management account, and the IAM delegated administrators could not be listed: ${describeError(error)}`,
      };
    }
  }
  return {
    name: 'caller',
    ok: false,
    detail: `the caller ${arn} is in ${account}, which is neither the management account (${organization.managementAccountId}) nor the IAM delegated administrator; run from the management account, or register ${account} with aws organizations register-delegated-administrator --service-principal ${IAM_SERVICE_PRINCIPAL}`,
  };
}
