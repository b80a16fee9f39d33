/**
 * Turns on trusted access for `iam.amazonaws.com` without owning the organization's service
 * principal list: Terraform's `aws_organizations_organization` would disable every principal it
 * was not told about, so the enforcer adds IAM's and never removes anything (see docs/aws-behaviour.md#trusted-access-ownership).
 */
import {
  EnableAWSServiceAccessCommand,
  ListAWSServiceAccessForOrganizationCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { IAM_SERVICE_PRINCIPAL } from '../shared/lambda-contract';

export interface TrustedAccessResult {
  readonly servicePrincipal: string;
  /** `enabled` when this call turned it on, `already-enabled` when it was on. */
  readonly outcome: 'enabled' | 'already-enabled';
}

let client: OrganizationsClient | undefined;

export async function enableIamTrustedAccess(): Promise<TrustedAccessResult> {
  client ??= new OrganizationsClient({ maxAttempts: 8, retryMode: 'adaptive' });
  let token: string | undefined;
  do {
    const page = await client.send(new ListAWSServiceAccessForOrganizationCommand({ NextToken: token }));
    if ((page.EnabledServicePrincipals ?? []).some((p) => p.ServicePrincipal === IAM_SERVICE_PRINCIPAL)) {
      return { servicePrincipal: IAM_SERVICE_PRINCIPAL, outcome: 'already-enabled' };
    }
    token = page.NextToken;
  } while (token !== undefined);
  await client.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: IAM_SERVICE_PRINCIPAL }));
  return { servicePrincipal: IAM_SERVICE_PRINCIPAL, outcome: 'enabled' };
}
