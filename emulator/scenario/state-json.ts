/** The JSON view of the emulator state served at `GET /_emulator/state`. */
import type { EmulatorState } from '../model/state';

/** The body of `GET /_emulator/state`; `endpoint` (e.g. `http://127.0.0.1:4566`) prefixes queue URLs. */
export function stateToJson(state: EmulatorState, endpoint = 'http://127.0.0.1'): unknown {
  const organization = state.organization;
  return {
    organization: {
      id: organization.id,
      rootId: organization.rootId,
      managementAccountId: organization.managementAccountId,
      managementAccountEmail: organization.managementAccountEmail,
      featureSet: organization.featureSet,
      trustedAccess: [...organization.trustedAccess.keys()].sort(),
      rootFeatures: [...organization.rootFeatures].sort(),
      enabledPolicyTypes: [...organization.enabledPolicyTypes].sort(),
      delegatedAdministrators: organization.delegatedAdministrators.map((d) => ({
        accountId: d.accountId,
        servicePrincipal: d.servicePrincipal,
      })),
    },
    organizationalUnits: [...state.organizationalUnits.values()].map((ou) => ({
      id: ou.id,
      name: ou.name,
      parentId: ou.parentId,
    })),
    accounts: [...state.accounts.values()].map((account) => ({
      id: account.id,
      name: account.name,
      email: account.email,
      status: account.state,
      parentId: account.parentId,
      joinedMethod: account.joinedMethod,
      root: {
        password: account.root.loginProfile !== undefined,
        accessKeys: account.root.accessKeys.map((k) => k.accessKeyId),
        signingCertificates: account.root.signingCertificates.map((c) => c.certificateId),
        mfaDevices: account.root.mfaDevices.map((d) => ({ serialNumber: d.serialNumber, kind: d.kind })),
        unassignedVirtualMfaDevices: [...account.root.unassignedVirtualMfaDevices],
      },
      buckets: account.buckets.map((b) => ({ name: b.name, policy: b.policy ?? null })),
      queues: account.queues.map((q) => ({
        name: q.name,
        url: `${endpoint.replace(/\/$/, '')}/${account.id}/${q.name}`,
        policy: q.attributes['Policy'] ?? null,
      })),
    })),
    policies: [...state.policies.values()].map((p) => ({
      id: p.id,
      name: p.name,
      awsManaged: p.awsManaged,
      targets: [...p.targets],
    })),
  };
}
