/**
 * `withEnforcer`: the one call that wires both constructs. The order it promises is Terraform's
 * `depends_on`, so the tests read it from the synthesized JSON.
 */
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { TerraformStack, Testing } from 'cdktf';

import {
  CentralizedRootAccess,
  DEFAULT_REPORT_OUTPUT_NAME,
  RootCredentialsEnforcer,
  withEnforcer,
  type WithEnforcerProps,
} from '../../src';

type Json = ReturnType<typeof JSON.parse>;

const DESIRED = { targets: { allAccounts: true }, mode: 'enforce' } as const;

function synth(props: Partial<WithEnforcerProps> = {}) {
  const stack = new TerraformStack(Testing.app(), 'test');
  new AwsProvider(stack, 'aws', { region: 'us-east-1' });
  const wired = withEnforcer(stack, {
    rootAccess: { delegatedAdministratorAccountId: '222222222222' },
    enforcer: { desiredState: DESIRED },
    ...props,
  });
  return { ...wired, json: JSON.parse(Testing.synth(stack)) };
}

/** The Terraform address (`type.name`) of the only resource of `type`. */
function address(json: Json, type: string, name?: RegExp): string {
  const names = Object.keys(json.resource[type] ?? {}).filter((key) => name === undefined || name.test(key));
  expect(names).toHaveLength(1);
  return `${type}.${names[0]}`;
}

function resource(json: Json, fullAddress: string): Json {
  const [type, name] = fullAddress.split('.');
  return json.resource[type][name];
}

describe('withEnforcer', () => {
  it('makes the features and the delegated administrator wait for trusted access', () => {
    const { json } = synth();
    const trustedAccess = address(json, 'aws_lambda_invocation', /TrustedAccess/);
    expect(resource(json, address(json, 'aws_iam_organizations_features')).depends_on).toEqual([
      trustedAccess,
    ]);
    expect(resource(json, address(json, 'aws_organizations_delegated_administrator')).depends_on).toContain(
      trustedAccess,
    );
  });

  it('makes the apply-time enforcement wait for the features', () => {
    const { json } = synth();
    const enforcement = resource(json, address(json, 'aws_lambda_invocation', /Enforcement/));
    expect(enforcement.depends_on).toContain(address(json, 'aws_iam_organizations_features'));
    expect(enforcement.depends_on).toContain(address(json, 'aws_lambda_invocation', /TrustedAccess/));
  });

  it('names the report output enforcement_report, or the name given', () => {
    expect(DEFAULT_REPORT_OUTPUT_NAME).toBe('enforcement_report');
    expect(Object.keys(synth().json.output)).toEqual(['enforcement_report']);
    expect(Object.keys(synth({ reportOutputName: 'root_report' }).json.output)).toEqual(['root_report']);
  });

  it('returns both constructs, typed as present', () => {
    const { rootAccess, enforcer } = synth();
    expect(rootAccess).toBeInstanceOf(CentralizedRootAccess);
    expect(enforcer).toBeInstanceOf(RootCredentialsEnforcer);
    expect(enforcer.trustedAccess).toBeDefined();
  });

  it('keeps the addresses of constructs built by hand with the same ids', () => {
    const byHand = new TerraformStack(Testing.app(), 'test');
    new AwsProvider(byHand, 'aws', { region: 'us-east-1' });
    new CentralizedRootAccess(byHand, 'CentralizedRootAccess', {});
    new RootCredentialsEnforcer(byHand, 'Enforcer', { desiredState: DESIRED, enableTrustedAccess: true });
    const handJson = JSON.parse(Testing.synth(byHand));
    const { json } = synth({ rootAccess: {} });
    const addresses = (j: Json) =>
      Object.entries<Json>(j.resource).flatMap(([type, byName]) =>
        Object.keys(byName).map((name) => `${type}.${name}`),
      );
    expect(addresses(json).sort()).toEqual(addresses(handJson).sort());
  });

  it('leaves trusted access to the managed organization resource', () => {
    const { json, enforcer } = synth({ rootAccess: { manageOrganization: { preventDestroy: false } } });
    expect(enforcer.trustedAccess).toBeUndefined();
    const features = resource(json, address(json, 'aws_iam_organizations_features'));
    expect(features.depends_on).toEqual([address(json, 'aws_organizations_organization')]);
    const enforcement = resource(json, address(json, 'aws_lambda_invocation', /Enforcement/));
    expect(enforcement.depends_on).toContain(address(json, 'aws_iam_organizations_features'));
  });

  it('keeps an explicit enableTrustedAccess', () => {
    const { enforcer, json } = synth({ enforcer: { desiredState: DESIRED, enableTrustedAccess: false } });
    expect(enforcer.trustedAccess).toBeUndefined();
    expect(resource(json, address(json, 'aws_iam_organizations_features')).depends_on).toBeUndefined();
  });

  it('uses the construct ids given', () => {
    const { json } = synth({ rootAccessId: 'Org', enforcerId: 'Reconciler' });
    expect(address(json, 'aws_iam_organizations_features')).toMatch(/^aws_iam_organizations_features\.Org_/);
    expect(address(json, 'aws_lambda_function')).toMatch(/^aws_lambda_function\.Reconciler_/);
  });
});
