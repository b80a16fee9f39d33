/**
 * The enforcer's synthesized JSON against real Terraform and the real `hashicorp/aws` provider
 * (the machine's filesystem mirror; nothing is downloaded): `terraform init` + `terraform
 * validate` accept every resource, the CRUD invocation, the audit and drift-repair data sources
 * (HCL expressions written as strings) and the hand-written `check` block over the audit.
 *
 * Cases: enforcer with every option on; audit mode with trusted access and no schedule/events;
 * the enforcer wired to the CentralizedRootAccess construct (trusted access -> features ->
 * enforcement, no dependency cycle); a control proving the check block is really parsed.
 */
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { TerraformStack, Testing } from 'cdktf';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { CentralizedRootAccess } from '../../src/constructs/centralized-root-access';
import {
  RootCredentialsEnforcer,
  type RootCredentialsEnforcerProps,
} from '../../src/constructs/root-credentials-enforcer';
import { requireTerraformTier, runTerraform, terraformEnv, terraformTier } from '../support/terraform';

type Json = ReturnType<typeof JSON.parse>;

interface ValidateResult {
  readonly valid: boolean;
  readonly diagnostics: { severity: string; summary: string; detail?: string }[];
}

async function validate(
  build: RootCredentialsEnforcerProps | ((stack: TerraformStack) => void),
  edit?: (json: Json) => void,
): Promise<ValidateResult> {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'enforcer');
  new AwsProvider(stack, 'aws', { region: 'us-east-1' });
  if (typeof build === 'function') {
    build(stack);
  } else {
    new RootCredentialsEnforcer(stack, 'Enforcer', build);
  }
  const stackDir = join(Testing.fullSynth(stack), 'stacks', 'enforcer');
  if (edit) {
    const file = join(stackDir, 'cdk.tf.json');
    const json: Json = JSON.parse(readFileSync(file, 'utf8'));
    edit(json);
    writeFileSync(file, JSON.stringify(json));
  }
  const env = terraformEnv(mkdtempSync(join(tmpdir(), 'tf-cli-')));
  const init = await runTerraform(['init', '-backend=false', '-input=false', '-no-color'], stackDir, env);
  expect(init.stderr).toBe('');
  expect(init.status).toBe(0);
  const result = await runTerraform(['validate', '-json', '-no-color'], stackDir, env);
  return JSON.parse(result.stdout) as ValidateResult;
}

const errors = (result: ValidateResult) => result.diagnostics.filter((d) => d.severity === 'error');

terraformTier('enforcer terraform validate')('RootCredentialsEnforcer under terraform validate', () => {
  jest.setTimeout(180_000);

  beforeAll(() => {
    requireTerraformTier();
  });

  it('accepts the enforcer with every option on, the check block included', async () => {
    const result = await validate({
      desiredState: { targets: { allAccounts: true }, mode: 'enforce', schedule: 'cron(0 3 * * ? *)' },
      alarmEmail: 'security@example.com',
      reservedConcurrency: 2,
    });
    expect(errors(result)).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('accepts audit mode with trusted access and without schedule or events', async () => {
    const result = await validate({
      desiredState: { targets: { accountIds: ['111111111111'] }, mode: 'audit' },
      enableTrustedAccess: true,
      enableSchedule: false,
      enableOrganizationEvents: false,
    });
    expect(errors(result)).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('accepts the enforcer wired to the organization construct: trusted access, then features, then enforcement', async () => {
    const result = await validate((stack) => {
      const enforcer = new RootCredentialsEnforcer(stack, 'Enforcer', {
        desiredState: { targets: { allAccounts: true }, mode: 'enforce' },
        enableTrustedAccess: true,
      });
      const org = new CentralizedRootAccess(stack, 'RootAccess', {});
      org.addPrerequisite(enforcer.trustedAccess!);
      enforcer.addPrerequisite(org.features);
    });
    // terraform validate walks the graph, so a dependency cycle would be an error here.
    expect(errors(result)).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('really checks the check block: a reference to an undeclared data source fails validation', async () => {
    // Control for the cases above: proves Terraform parses the override-written block.
    const result = await validate({ desiredState: { targets: { allAccounts: true } } }, (json) => {
      const [check] = Object.values<Json>(json['check']);
      check['assert'][0]['condition'] = '${length(data.aws_lambda_invocation.missing.result) == 0}';
    });
    expect(result.valid).toBe(false);
    expect(errors(result).map((d) => d.summary)).toContain('Reference to undeclared resource');
  });
});
