/**
 * Scenario documents: validation and loading into emulator state, one module per section
 * (organization.ts, accounts.ts, root.ts, policies.ts, principals.ts), the checker they share
 * (checker.ts) and the JSON view of state (state-json.ts).
 *
 * A scenario is the contract between the emulator and every test that seeds it, so bad input
 * gets every problem at once (field, bad value, fix), never a stack trace. Whatever a document
 * leaves out (ids, credential ids, dates) is generated from a seed derived from the document
 * itself, so loading the same document twice yields the same organization.
 */
import type { EmulatorState } from '../model/state';
import { ensureManagementAccount, parseAccounts } from './accounts';
import { Checker, ScenarioError, stableJson } from './checker';
import {
  ORGANIZATION_FIELDS,
  parseDelegatedAdministrators,
  parseOrganization,
  parseOrganizationalUnits,
} from './organization';
import { parsePolicies } from './policies';
import { parseFaults, parsePrincipals, withManagementAdministrator } from './principals';
import { SeededRandom, seedFrom } from './random';

export { ScenarioError, readScenarioFile, type ScenarioProblem } from './checker';
export {
  ACCOUNT_ID_PATTERN,
  ORGANIZATION_ID_PATTERN,
  OU_ID_PATTERN,
  POLICY_ID_PATTERN,
  ROOT_ID_PATTERN,
} from './organization';
export { DEFAULT_FAULTS, MANAGEMENT_ADMINISTRATOR } from './principals';
export { MAX_ROOT_ACCESS_KEYS, MAX_ROOT_MFA_DEVICES, rootCredentialsFromScenario } from './root';
export { stateToJson } from './state-json';
export { POLICY_TYPES } from '../model/policy-types';

/** Validates a scenario document and builds the emulator state it describes. */
export function loadScenario(doc: unknown): EmulatorState {
  const check = new Checker();
  const random = new SeededRandom(seedFrom(stableJson(doc)));
  const top = check.record(doc, '(scenario)', [
    '$schema',
    'description',
    'region',
    'organization',
    'organizationalUnits',
    'accounts',
    'policies',
    'fullAwsAccess',
    'principals',
    'faults',
  ]);
  if (top === undefined) throw new ScenarioError(check.problems);

  const region =
    check.string(top['region'], 'region', 'write a region name such as "us-east-1"') ?? 'us-east-1';
  const orgInput = check.record(top['organization'], 'organization', ORGANIZATION_FIELDS) ?? {};
  const organization = parseOrganization(check, random, orgInput);
  const { managementAccountId, rootId } = organization;

  const organizationalUnits = parseOrganizationalUnits(check, random, top['organizationalUnits'], rootId);
  const isParent = (id: string): boolean => id === rootId || organizationalUnits.has(id);

  const accounts = parseAccounts(check, random, top['accounts'], {
    region,
    managementAccountId,
    rootId,
    isParent,
  });
  const managementEmail = ensureManagementAccount(check, accounts, orgInput, managementAccountId, rootId);
  const delegatedAdministrators = parseDelegatedAdministrators(
    check,
    random,
    orgInput['delegatedAdministrators'],
    managementAccountId,
    (id) => accounts.has(id),
  );

  const policies = parsePolicies(check, random, top['policies'], top['fullAwsAccess'], {
    rootId,
    organizationalUnitIds: [...organizationalUnits.keys()],
    accountIds: [...accounts.keys()],
    isTarget: (id) => isParent(id) || accounts.has(id),
  });

  const principals = withManagementAdministrator(
    parsePrincipals(check, top['principals']),
    managementAccountId,
  );
  const faults = parseFaults(check, top['faults']);

  if (check.problems.length > 0) throw new ScenarioError(check.problems);
  return {
    organization: {
      id: organization.organizationId,
      managementAccountId,
      managementAccountEmail: managementEmail,
      featureSet: organization.featureSet,
      rootId,
      trustedAccess: organization.trustedAccess,
      rootFeatures: organization.rootFeatures,
      delegatedAdministrators,
      enabledPolicyTypes: organization.enabledPolicyTypes,
    },
    accounts,
    organizationalUnits,
    policies,
    principals,
    faults,
    region,
  };
}
