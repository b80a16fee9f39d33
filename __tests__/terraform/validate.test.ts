/**
 * `terraform validate` on synthesized stacks, with the real Terraform CLI and the real
 * `hashicorp/aws` provider from the machine's filesystem mirror (never downloaded).
 *
 * Cases: the example app as `app/main.ts` builds it from root-access.config.json; one stack holding
 * every prop combination (defaults, each feature alone, a managed organization with every
 * option, both SCP variants with exemptions and every kind of target); and a deliberately
 * broken stack, to prove the harness reports invalid configurations.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { App, TerraformStack } from 'cdktf';

import { loadAppConfig } from '../../app/config';
import { CentralizedRootAccess, RootAccessFeature, RootRestrictionVariant } from '../../src';
import { buildApp } from '../../app/main';
import {
  AWS_PROVIDER_PATH,
  cliConfiguration,
  findProviderMirror,
  mirroredAwsProviderVersions,
  requireTerraformTier,
  runTerraform,
  terraformEnv,
  terraformPlatform,
  terraformTier,
  type TerraformResult,
  type TerraformTooling,
} from '../support/terraform';

const PROJECT = path.join(__dirname, '..', '..');

jest.setTimeout(240_000);

interface Validation {
  readonly valid: boolean;
  readonly error_count: number;
  readonly warning_count: number;
  readonly diagnostics: readonly { severity: string; summary: string; detail?: string }[];
}

function synthesizeExampleApp(outdir: string): string {
  const configFile = path.join(PROJECT, 'root-access.config.json');
  const result = loadAppConfig(configFile);
  if (!result.ok) {
    throw new Error(`the example config is invalid: ${JSON.stringify(result.errors)}`);
  }
  buildApp(result.config, PROJECT, new App({ outdir })).synth();
  return path.join(outdir, 'stacks', result.config.stackName);
}

function synthesizeCombinations(outdir: string): string {
  const app = new App({ outdir });
  const stack = new TerraformStack(app, 'combinations');
  new AwsProvider(stack, 'aws', { region: 'us-east-1' });
  new CentralizedRootAccess(stack, 'Defaults');
  new CentralizedRootAccess(stack, 'SessionsOnly', { enabledFeatures: [RootAccessFeature.ROOT_SESSIONS] });
  new CentralizedRootAccess(stack, 'CredentialsOnly', {
    enabledFeatures: [RootAccessFeature.ROOT_CREDENTIALS_MANAGEMENT],
    rootRestrictionPolicy: {
      targetIds: ['ou-ab12-cdef3456', '333333333333'],
      exemptPrincipalArns: ['arn:aws:iam::*:role/BreakGlass*'],
    },
  });
  new CentralizedRootAccess(stack, 'Everything', {
    managementAccountId: '111111111111',
    manageOrganization: {
      servicePrincipals: ['sso.amazonaws.com', 'iam.amazonaws.com'],
      enabledPolicyTypes: ['TAG_POLICY'],
      preventDestroy: true,
    },
    delegatedAdministratorAccountId: '222222222222',
    rootRestrictionPolicy: {
      variant: RootRestrictionVariant.ALLOW_ROOT_TASKS_ONLY,
      targetIds: ['r-ab12'],
      exemptPrincipalArns: ['arn:aws:iam::444444444444:root'],
      name: 'allow-root-tasks-only',
      description: 'Control Tower style allow-list',
    },
  });
  app.synth();
  return path.join(outdir, 'stacks', 'combinations');
}

function describeFailure(step: string, result: TerraformResult): string {
  return `terraform ${step} exited ${String(result.status)}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}

terraformTier('Terraform validate')('terraform validate', () => {
  let tooling: TerraformTooling;
  let env: NodeJS.ProcessEnv;
  let workspace: string;

  beforeAll(() => {
    // Throws under CI=true when Terraform or the mirror is missing: the tier must not pass by skipping.
    tooling = requireTerraformTier();
    workspace = mkdtempSync(path.join(tmpdir(), 'root-access-validate-'));
    env = terraformEnv(path.join(workspace, 'cli'), tooling.mirror);
  });

  async function initAndValidate(stackDir: string): Promise<Validation> {
    const init = await runTerraform(
      ['init', '-backend=false', '-input=false', '-no-color'],
      stackDir,
      env,
      tooling.binary,
    );
    if (init.status !== 0) {
      throw new Error(describeFailure('init', init));
    }
    const validate = await runTerraform(['validate', '-json', '-no-color'], stackDir, env, tooling.binary);
    return JSON.parse(validate.stdout) as Validation;
  }

  it('validates the example app and resolves the version range to the mirrored provider', async () => {
    // GIVEN
    const stackDir = synthesizeExampleApp(path.join(workspace, 'example'));

    // WHEN
    const validation = await initAndValidate(stackDir);

    // THEN
    expect(validation).toMatchObject({ valid: true, error_count: 0, warning_count: 0 });
    const lockFile = readFileSync(path.join(stackDir, '.terraform.lock.hcl'), 'utf8');
    expect(lockFile).toContain(`provider "registry.terraform.io/hashicorp/aws"`);
    expect(lockFile).toContain(`version     = "${tooling.awsProviderVersions[0]}"`);
    // The example deploys the enforcer, which raises the floor to 5.82.0.
    expect(lockFile).toContain('constraints = ">= 5.82.0, < 7.0.0"');
    const stack = JSON.parse(readFileSync(path.join(stackDir, 'cdk.tf.json'), 'utf8'));
    expect(Object.values(stack.resource.aws_iam_organizations_features)).toEqual([
      expect.objectContaining({ enabled_features: ['RootCredentialsManagement', 'RootSessions'] }),
    ]);
  });

  it('validates every prop combination', async () => {
    // GIVEN
    const stackDir = synthesizeCombinations(path.join(workspace, 'combinations'));

    // WHEN
    const validation = await initAndValidate(stackDir);

    // THEN
    expect(validation).toMatchObject({ valid: true, error_count: 0, warning_count: 0 });
    const stack = JSON.parse(readFileSync(path.join(stackDir, 'cdk.tf.json'), 'utf8'));
    expect(Object.keys(stack.resource.aws_iam_organizations_features)).toHaveLength(4);
    expect(Object.keys(stack.resource.aws_organizations_policy)).toHaveLength(2);
    expect(Object.keys(stack.resource.aws_organizations_policy_attachment)).toHaveLength(3);
  });

  it('reports a broken stack as invalid, so a pass above means something', async () => {
    // GIVEN: the features resource without its required argument.
    const stackDir = mkdtempSync(path.join(workspace, 'broken-'));
    writeFileSync(
      path.join(stackDir, 'cdk.tf.json'),
      JSON.stringify({
        terraform: {
          required_providers: { aws: { source: 'hashicorp/aws', version: '>= 5.78.0, < 7.0.0' } },
        },
        provider: { aws: [{ region: 'us-east-1' }] },
        resource: { aws_iam_organizations_features: { broken: {} } },
      }),
    );

    // WHEN
    const validation = await initAndValidate(stackDir);

    // THEN
    expect(validation.valid).toBe(false);
    expect(validation.diagnostics).toEqual([
      expect.objectContaining({ severity: 'error', summary: 'Missing required argument' }),
    ]);
  });
});

describe('Terraform tier tooling', () => {
  const emptyMirror = (): string => mkdtempSync(path.join(tmpdir(), 'no-mirror-'));

  it('finds the provider mirror named by TF_PROVIDER_MIRROR only if it holds hashicorp/aws for this platform', () => {
    // GIVEN
    const mirror = emptyMirror();
    const versionFolder = path.join(mirror, AWS_PROVIDER_PATH, '5.100.0', terraformPlatform());
    mkdirSync(versionFolder, { recursive: true });

    // WHEN / THEN
    expect(findProviderMirror({ TF_PROVIDER_MIRROR: emptyMirror() })).toBeUndefined();
    expect(findProviderMirror({ TF_PROVIDER_MIRROR: mirror })).toBe(mirror);
    expect(mirroredAwsProviderVersions(mirror)).toEqual(['5.100.0']);
  });

  it('fails under CI when the provider mirror is missing', () => {
    // GIVEN
    const env = { ...process.env, CI: 'true', TF_PROVIDER_MIRROR: emptyMirror() };

    // WHEN / THEN
    expect(() => requireTerraformTier(env)).toThrow(
      /no filesystem mirror with registry\.terraform\.io\/hashicorp\/aws/,
    );
    expect(terraformTier('test', env)).toBe(describe);
  });

  it('skips loudly outside CI when Terraform is missing', () => {
    // GIVEN
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const env = { PATH: emptyMirror(), CI: 'false' };

    // WHEN
    const chosen = terraformTier('test', env);

    // THEN
    expect(chosen).toBe(describe.skip);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('SKIPPING the test tier: no Terraform CLI'));
    warn.mockRestore();
  });

  it('writes a CLI configuration that can only install from the mirror', () => {
    // GIVEN / WHEN
    const config = cliConfiguration('/opt/tf-plugins');

    // THEN
    expect(config).toContain('disable_checkpoint = true');
    expect(config).toContain('path    = "/opt/tf-plugins"');
    expect(config).toContain('include = ["registry.terraform.io/hashicorp/*"]');
    expect(config).toMatch(/direct \{\s+exclude = \["registry\.terraform\.io\/\*\/\*"\]/);
  });
});
