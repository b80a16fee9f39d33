/**
 * The enforcer's synthesized JSON against real Terraform and the real `hashicorp/aws` provider
 * (the machine's filesystem mirror; nothing is downloaded): `terraform init` + `terraform
 * validate` accept every resource, the CRUD invocation, and the hand-written `check` block with
 * its scoped data source.
 *
 * Cases: enforcer alone (all options on); enforcer in audit mode with trusted access, no schedule.
 */
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { TerraformStack, Testing } from 'cdktf';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

import type { RootCredentialsEnforcerProps } from '../../lib/root-credentials-enforcer';
import { RootCredentialsEnforcer } from '../../lib/root-credentials-enforcer';

// Until `__tests__/support/terraform.ts` lands, a minimal locator: the Terraform CLI on PATH
// and a filesystem mirror holding registry.terraform.io/hashicorp/aws.
const MIRROR_CANDIDATES = [
  process.env['TF_PROVIDER_MIRROR'],
  '/opt/tf-plugins',
  join(process.env['HOME'] ?? '/root', '.terraform.d', 'plugins'),
];

function findTerraform(): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    const candidate = join(dir, 'terraform');
    if (dir && existsSync(candidate)) {
      return candidate;
    }
  }
  return undefined;
}

function findMirror(): string | undefined {
  return MIRROR_CANDIDATES.find(
    (dir): dir is string =>
      dir !== undefined &&
      existsSync(join(dir, 'registry.terraform.io', 'hashicorp', 'aws')) &&
      readdirSync(join(dir, 'registry.terraform.io', 'hashicorp', 'aws')).length > 0,
  );
}

const terraform = findTerraform();
const mirror = findMirror();
const missing = [
  terraform ? undefined : 'the terraform CLI',
  mirror ? undefined : 'a hashicorp/aws provider mirror',
].filter(Boolean);
if (missing.length > 0) {
  const message = `Terraform validate tier: ${missing.join(' and ')} not found`;
  if (process.env['CI'] === 'true') {
    throw new Error(`${message} (required in CI)`);
  }
  console.warn(`SKIPPING ${message}`);
}
const describeWithTerraform = missing.length === 0 ? describe : describe.skip;

function validate(
  props: RootCredentialsEnforcerProps,
  edit?: (json: ReturnType<typeof JSON.parse>) => void,
): {
  valid: boolean;
  diagnostics: { severity: string; summary: string; detail?: string }[];
} {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'enforcer');
  new AwsProvider(stack, 'aws', { region: 'us-east-1' });
  new RootCredentialsEnforcer(stack, 'Enforcer', props);
  const outdir = Testing.fullSynth(stack);
  const stackDir = join(outdir, 'stacks', 'enforcer');
  if (edit) {
    const file = join(stackDir, 'cdk.tf.json');
    const json = JSON.parse(readFileSync(file, 'utf8'));
    edit(json);
    writeFileSync(file, JSON.stringify(json));
  }
  const home = mkdtempSync(join(tmpdir(), 'tf-cli-'));
  const config = join(home, 'terraformrc');
  writeFileSync(
    config,
    `provider_installation {\n  filesystem_mirror {\n    path    = ${JSON.stringify(mirror)}\n    include = ["registry.terraform.io/hashicorp/aws"]\n  }\n  direct {\n    exclude = ["registry.terraform.io/hashicorp/aws"]\n  }\n}\n`,
  );
  const env = {
    ...process.env,
    TF_CLI_CONFIG_FILE: config,
    TF_IN_AUTOMATION: '1',
    CHECKPOINT_DISABLE: '1',
    TF_PLUGIN_CACHE_DIR: '',
  };
  execFileSync(terraform!, ['init', '-backend=false', '-input=false', '-no-color'], {
    cwd: stackDir,
    env,
    stdio: 'pipe',
  });
  let output: string;
  try {
    output = execFileSync(terraform!, ['validate', '-json', '-no-color'], {
      cwd: stackDir,
      env,
      stdio: 'pipe',
    }).toString();
  } catch (error) {
    output = (error as { stdout: Buffer }).stdout.toString();
  }
  return JSON.parse(output) as ReturnType<typeof validate>;
}

describeWithTerraform('RootCredentialsEnforcer under terraform validate', () => {
  jest.setTimeout(180_000);

  it('accepts the enforcer with every option on, the check block included', () => {
    const result = validate({
      desiredState: { targets: { allAccounts: true }, mode: 'enforce', schedule: 'cron(0 3 * * ? *)' },
      alarmEmail: 'security@example.com',
      reservedConcurrency: 2,
    });
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('accepts audit mode with trusted access and without schedule or events', () => {
    const result = validate({
      desiredState: { targets: { accountIds: ['111111111111'] }, mode: 'audit' },
      enableTrustedAccess: true,
      enableSchedule: false,
      enableOrganizationEvents: false,
      planTimeAudit: true,
    });
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it('really checks the check block: a reference to an undeclared data source fails validation', () => {
    // Control for the two cases above: proves Terraform parses the override-written block.
    const result = validate({ desiredState: { targets: { allAccounts: true } } }, (json) => {
      const [check] = Object.values<ReturnType<typeof JSON.parse>>(json['check']);
      check['assert'][0]['condition'] = '${length(data.aws_lambda_invocation.missing.result) == 0}';
    });
    expect(result.valid).toBe(false);
    expect(result.diagnostics.map((d) => d.summary).join('\n')).toMatch(
      /undeclared|Reference to undeclared/i,
    );
  });
});
