import type { Construct } from 'constructs';

import { CentralizedRootAccess, type CentralizedRootAccessProps } from './centralized-root-access';
import { RootCredentialsEnforcer, type RootCredentialsEnforcerProps } from './root-credentials-enforcer';

/** The Terraform output that carries the enforcer's report, unless {@link WithEnforcerProps.reportOutputName} says otherwise. */
export const DEFAULT_REPORT_OUTPUT_NAME = 'enforcement_report';

export interface WithEnforcerProps {
  /** The organization-level construct's props. @default - both features, nothing else */
  readonly rootAccess?: CentralizedRootAccessProps;
  /**
   * The enforcer's props. `enableTrustedAccess` defaults to `true` when `rootAccess` does not
   * set `manageOrganization`: nothing else in the stack would turn trusted access on.
   */
  readonly enforcer: RootCredentialsEnforcerProps;
  /**
   * Construct id of {@link CentralizedRootAccess}, part of every resource's Terraform address;
   * keep it when moving a stack that built the constructs by hand, or Terraform replaces them.
   * @default 'CentralizedRootAccess'
   */
  readonly rootAccessId?: string;
  /** Construct id of {@link RootCredentialsEnforcer}. @default 'Enforcer' */
  readonly enforcerId?: string;
  /**
   * Name of the report output (`terraform output -json <name>`); unique in the stack, so a
   * second call in the same stack needs another.
   * @default 'enforcement_report'
   */
  readonly reportOutputName?: string;
}

export interface RootAccessWithEnforcer {
  readonly rootAccess: CentralizedRootAccess;
  readonly enforcer: RootCredentialsEnforcer;
}

/**
 * Both constructs, wired: the features (and the delegated administrator) wait for the
 * enforcer's trusted-access run, the apply-time enforcement waits for the features (root
 * sessions need them), and the report is a named output. Both land directly in `scope`, so
 * their Terraform addresses are those of constructs built there by hand with the same ids.
 */
export function withEnforcer(scope: Construct, props: WithEnforcerProps): RootAccessWithEnforcer {
  const rootAccessProps = props.rootAccess ?? {};
  const rootAccess = new CentralizedRootAccess(
    scope,
    props.rootAccessId ?? 'CentralizedRootAccess',
    rootAccessProps,
  );
  const enforcer = new RootCredentialsEnforcer(scope, props.enforcerId ?? 'Enforcer', {
    ...props.enforcer,
    enableTrustedAccess:
      props.enforcer.enableTrustedAccess ?? rootAccessProps.manageOrganization === undefined,
  });
  if (enforcer.trustedAccess !== undefined) {
    rootAccess.addPrerequisite(enforcer.trustedAccess);
  }
  enforcer.addPrerequisite(rootAccess.features);
  enforcer.report.overrideLogicalId(props.reportOutputName ?? DEFAULT_REPORT_OUTPUT_NAME);
  return { rootAccess, enforcer };
}
