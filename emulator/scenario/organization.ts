/**
 * The `organization` section of a scenario (ids, feature set, trusted access, root features,
 * enabled policy types, delegated administrators) and the `organizationalUnits` section.
 */
import type { DelegatedAdministrator, OrganizationalUnit, RootFeature } from '../model/state';
import { ROOT_FEATURES } from '../model/state';
import { POLICY_TYPES } from '../model/policy-types';
import { type Checker, show } from './checker';
import { LOWER_ALNUM, SCENARIO_EPOCH, type SeededRandom } from './random';

export const ACCOUNT_ID_PATTERN = /^\d{12}$/;
export const OU_ID_PATTERN = /^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/;
export const ROOT_ID_PATTERN = /^r-[0-9a-z]{4,32}$/;
export const POLICY_ID_PATTERN = /^p-[0-9a-zA-Z_]{8,128}$/;
export const ORGANIZATION_ID_PATTERN = /^o-[a-z0-9]{10,32}$/;

export const ORGANIZATION_FIELDS = [
  'id',
  'rootId',
  'managementAccountId',
  'managementAccountEmail',
  'featureSet',
  'trustedAccess',
  'rootFeatures',
  'delegatedAdministrators',
  'enabledPolicyTypes',
] as const;

export interface OrganizationSection {
  managementAccountId: string;
  organizationId: string;
  rootId: string;
  featureSet: 'ALL' | 'CONSOLIDATED_BILLING';
  trustedAccess: Map<string, Date>;
  rootFeatures: Set<RootFeature>;
  enabledPolicyTypes: Set<string>;
}

export function parseOrganization(
  check: Checker,
  random: SeededRandom,
  orgInput: Record<string, unknown>,
): OrganizationSection {
  const managementAccountId =
    orgInput['managementAccountId'] === undefined
      ? (check.add(
          'organization.managementAccountId',
          'missing',
          'name the management account, e.g. "111111111111"',
        ),
        '111111111111')
      : (check.id(
          orgInput['managementAccountId'],
          'organization.managementAccountId',
          ACCOUNT_ID_PATTERN,
          'use 12 digits',
        ) ?? '111111111111');
  const organizationId =
    check.id(
      orgInput['id'],
      'organization.id',
      ORGANIZATION_ID_PATTERN,
      'use "o-" and 10-32 lowercase letters or digits',
    ) ?? `o-${random.chars(LOWER_ALNUM, 10)}`;
  const rootId =
    check.id(
      orgInput['rootId'],
      'organization.rootId',
      ROOT_ID_PATTERN,
      'use "r-" and 4-32 lowercase letters or digits',
    ) ?? `r-${random.chars(LOWER_ALNUM, 4)}`;
  const featureSet =
    check.oneOf(orgInput['featureSet'], 'organization.featureSet', [
      'ALL',
      'CONSOLIDATED_BILLING',
    ] as const) ?? 'ALL';

  const trustedAccess = new Map<string, Date>();
  check.array(orgInput['trustedAccess'], 'organization.trustedAccess').forEach((item, index) => {
    const principal = check.string(
      item,
      `organization.trustedAccess[${index}]`,
      'write a service principal such as "iam.amazonaws.com"',
    );
    if (principal !== undefined) trustedAccess.set(principal, random.dateBefore(SCENARIO_EPOCH, 30));
  });
  const rootFeatures = new Set<RootFeature>();
  check.array(orgInput['rootFeatures'], 'organization.rootFeatures').forEach((item, index) => {
    const feature = check.oneOf(item, `organization.rootFeatures[${index}]`, ROOT_FEATURES);
    if (feature !== undefined) rootFeatures.add(feature);
  });
  const enabledPolicyTypes = new Set<string>(featureSet === 'ALL' ? ['SERVICE_CONTROL_POLICY'] : []);
  if (orgInput['enabledPolicyTypes'] !== undefined) {
    enabledPolicyTypes.clear();
    check.array(orgInput['enabledPolicyTypes'], 'organization.enabledPolicyTypes').forEach((item, index) => {
      const type = check.oneOf(item, `organization.enabledPolicyTypes[${index}]`, POLICY_TYPES);
      if (type !== undefined) enabledPolicyTypes.add(type);
    });
  }
  return {
    managementAccountId,
    organizationId,
    rootId,
    featureSet,
    trustedAccess,
    rootFeatures,
    enabledPolicyTypes,
  };
}

export function parseOrganizationalUnits(
  check: Checker,
  random: SeededRandom,
  value: unknown,
  rootId: string,
): Map<string, OrganizationalUnit> {
  // Organizational units: ids first, so parents may be declared after their children.
  const organizationalUnits = new Map<string, OrganizationalUnit>();
  const rootSuffix = rootId.slice(2);
  check.array(value, 'organizationalUnits').forEach((item, index) => {
    const field = `organizationalUnits[${index}]`;
    const ou = check.record(item, field, ['id', 'name', 'parentId']);
    if (ou === undefined) return;
    const id =
      check.id(
        ou['id'],
        `${field}.id`,
        OU_ID_PATTERN,
        'use "ou-<root suffix>-<8+ lowercase letters or digits>", or leave it out',
      ) ?? `ou-${rootSuffix}-${random.chars(LOWER_ALNUM, 8)}`;
    const name = check.string(ou['name'], `${field}.name`, 'give the OU a name') ?? id;
    if (ou['name'] === undefined) check.add(`${field}.name`, 'missing', 'give the OU a name');
    const parentId =
      check.string(ou['parentId'], `${field}.parentId`, 'use the root id or an OU id') ?? rootId;
    if (organizationalUnits.has(id)) {
      check.add(`${field}.id`, `duplicate OU id ${show(id)}`, 'give every OU its own id');
      return;
    }
    organizationalUnits.set(id, { id, name, parentId });
  });
  organizationalUnits.forEach((ou, id) => {
    if (ou.parentId !== rootId && !organizationalUnits.has(ou.parentId)) {
      check.add(
        `organizationalUnits[${id}].parentId`,
        `unknown parent ${show(ou.parentId)}`,
        `use ${show(rootId)} or the id of a declared OU`,
      );
    }
  });
  for (const id of organizationalUnits.keys()) {
    const seen = new Set<string>();
    let cursor: string | undefined = id;
    while (cursor !== undefined && cursor !== rootId && !seen.has(cursor)) {
      seen.add(cursor);
      cursor = organizationalUnits.get(cursor)?.parentId;
    }
    if (cursor !== undefined && seen.has(cursor) && cursor === id) {
      check.add(
        `organizationalUnits[${id}].parentId`,
        'OUs form a cycle',
        'every OU must lead up to the root',
      );
    }
  }
  return organizationalUnits;
}

export function parseDelegatedAdministrators(
  check: Checker,
  random: SeededRandom,
  value: unknown,
  managementAccountId: string,
  isAccount: (id: string) => boolean,
): DelegatedAdministrator[] {
  const delegatedAdministrators: DelegatedAdministrator[] = [];
  check.array(value, 'organization.delegatedAdministrators').forEach((item, index) => {
    const field = `organization.delegatedAdministrators[${index}]`;
    const input = check.record(item, field, ['accountId', 'servicePrincipal']);
    if (input === undefined) return;
    const accountId = check.id(
      input['accountId'],
      `${field}.accountId`,
      ACCOUNT_ID_PATTERN,
      'use the 12-digit id of a member account',
    );
    const servicePrincipal = check.string(
      input['servicePrincipal'],
      `${field}.servicePrincipal`,
      'write e.g. "iam.amazonaws.com"',
    );
    if (input['servicePrincipal'] === undefined)
      check.add(`${field}.servicePrincipal`, 'missing', 'write e.g. "iam.amazonaws.com"');
    if (accountId === undefined || servicePrincipal === undefined) return;
    if (accountId === managementAccountId) {
      check.add(
        `${field}.accountId`,
        'the management account cannot be a delegated administrator',
        'name a member account',
      );
    } else if (!isAccount(accountId)) {
      check.add(
        `${field}.accountId`,
        `unknown account ${show(accountId)}`,
        'declare the account under "accounts"',
      );
    }
    if (
      delegatedAdministrators.some(
        (d) => d.accountId === accountId && d.servicePrincipal === servicePrincipal,
      )
    ) {
      check.add(
        field,
        `duplicate delegation of ${servicePrincipal} to ${accountId}`,
        'list each delegation once',
      );
      return;
    }
    delegatedAdministrators.push({
      accountId,
      servicePrincipal,
      delegationEnabledDate: random.dateBefore(SCENARIO_EPOCH, 30),
    });
  });
  return delegatedAdministrators;
}
