/**
 * The plain Terraform module is generated from the constructs (scripts/generate-module.ts): the
 * committed folder must be exactly what a fresh generation writes, and it must stay a module a
 * Terraform user can call (inputs and outputs declared, no provider, backend or local command).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { MODULE_VARIABLES } from '../../scripts/generate-module-variables';
import { readZipEntries } from '../../scripts/generate-module-zip';
import { locateBundle } from '../../src/constructs/enforcer/bundle';

type Json = ReturnType<typeof JSON.parse>;

const REPO = path.resolve(__dirname, '..', '..');
const MODULE_DIRECTORY = path.join(REPO, 'modules', 'centralized-root-access');
const ARTIFACT = 'reconciler.zip';
const REGENERATE_COMMAND = 'npm run generate:module';

/**
 * Runs the generator as `npm run generate:module` does (tsx, in its own process: prettier 3,
 * which it formats with, cannot load inside jest's module system), into a temporary folder.
 */
async function generateModule(): Promise<Map<string, Buffer>> {
  const out = mkdtempSync(path.join(tmpdir(), 'root-access-module-'));
  try {
    const tsx = path.join(REPO, 'node_modules', 'tsx', 'dist', 'cli.mjs');
    const result = await new Promise<{ status: number | null; output: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [tsx, 'scripts/generate-module.ts', '--out', out], {
        cwd: REPO,
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 110_000,
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.on('error', reject);
      child.on('close', (status) => resolve({ status, output }));
    });
    if (result.status !== 0) throw new Error(`scripts/generate-module.ts failed:\n${result.output}`);
    return new Map(readdirSync(out).map((name) => [name, readFileSync(path.join(out, name))]));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

const committed = (name: string) => readFileSync(path.join(MODULE_DIRECTORY, name));
const committedJson = (name: string): Json => JSON.parse(committed(name).toString('utf8'));

describe('modules/centralized-root-access', () => {
  let fresh: Map<string, Buffer>;

  beforeAll(async () => {
    fresh = await generateModule();
  }, 120_000);

  it('is what a fresh generation writes (else run the regenerate command and commit)', () => {
    expect(readdirSync(MODULE_DIRECTORY).sort()).toEqual([...fresh.keys()].sort());
    const stale = [...fresh].filter(([name, content]) => !committed(name).equals(content)).map(([n]) => n);
    if (stale.length > 0) {
      throw new Error(
        `modules/centralized-root-access/ differs from a fresh generation (${stale.join(', ')}); run \`${REGENERATE_COMMAND}\` and commit the result`,
      );
    }
  });

  it('writes the same bytes twice', async () => {
    const again = await generateModule();
    for (const [name, content] of fresh) expect(again.get(name)?.equals(content)).toBe(true);
  }, 120_000);

  it("ships the reconciler bundle the constructs deploy, as the function's code", () => {
    const entries = readZipEntries(committed(ARTIFACT));
    expect(entries.map((e) => e.name)).toEqual(['index.js']);
    const bundle = readFileSync(path.join(locateBundle({ rebuild: false }).directory, 'index.js'));
    expect(entries[0]?.data.equals(bundle)).toBe(true);
    const fn = committedJson('main.tf.json').resource.aws_lambda_function.function;
    expect(fn.filename).toBe('${path.module}/reconciler.zip');
    expect(fn.source_code_hash).toBe('${filebase64sha256("${path.module}/reconciler.zip")}');
  });

  it('declares no provider or backend and runs no local command', () => {
    const main = committedJson('main.tf.json');
    expect(Object.keys(main).sort()).toEqual(['check', 'data', 'locals', 'resource', 'terraform']);
    expect(Object.keys(main.terraform).sort()).toEqual(['required_providers', 'required_version']);
    expect(main.terraform.required_providers.aws).toEqual({
      source: 'hashicorp/aws',
      version: '>= 5.82.0, < 7.0.0',
    });
    const text = committed('main.tf.json').toString('utf8');
    expect(text).not.toMatch(/local-exec|provisioner|null_resource|terraform_data|external/);
    // cdktf's construct paths and hashes do not leak into addresses.
    expect(text).not.toMatch(/Enforcer_|CentralizedRootAccess_|"\/\/"/);
  });

  it('declares every input with a description, and the README lists each', () => {
    const variables = committedJson('variables.tf.json').variable;
    const readme = committed('README.md').toString('utf8');
    expect(Object.keys(variables)).toEqual(MODULE_VARIABLES.map((v) => v.name));
    for (const [name, declared] of Object.entries<Json>(variables)) {
      expect(typeof declared.description).toBe('string');
      expect(readme).toMatch(new RegExp(`^\\| \`${name}\` +\\|`, 'm'));
    }
    // What the config file offers, one variable each.
    expect(Object.keys(variables)).toEqual(
      expect.arrayContaining([
        'enabled_features',
        'manage_organization',
        'enable_trusted_access',
        'delegated_administrator_account_id',
        'root_restriction_policy',
        'targets',
        'exclusions',
        'break_glass',
        'mode',
        'credential_kinds',
        'concurrency',
        'schedule',
        'alarm_email',
        'function_name',
        'timeout_seconds',
        'memory_size',
        'reserved_concurrency',
        'log_retention_days',
      ]),
    );
  });

  it('outputs the report, the function and role ARNs and the alarm topic', () => {
    const outputs = committedJson('outputs.tf.json').output;
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining(['enforcement_report', 'function_arn', 'role_arn', 'alarm_topic_arn']),
    );
    // The apply-time report plus the last drift repair (changed on purpose: lastDriftRepair added).
    expect(outputs.enforcement_report.value).toMatch(
      /^\$\{merge\(jsondecode\(aws_lambda_invocation\.enforcement\.result\), \{lastDriftRepair = /,
    );
    expect(outputs.enforcement_report.value).toContain('data.aws_lambda_invocation.drift_repair[0].result');
    expect(outputs.enforcement_report.value).toContain('data.aws_lambda_invocation.drift_audit[0].result');
  });

  it('records the last drift repair only where a repair runs: the parameter, the variable and the role statement', () => {
    const main = committedJson('main.tf.json');
    const parameter = main.resource.aws_ssm_parameter.last_drift_repair;
    expect(parameter).toMatchObject({
      name: '/centralized-root-access/${var.function_name}/last-drift-repair',
      type: 'String',
      tier: 'Standard',
      value: '{}',
      lifecycle: { ignore_changes: ['value'] },
      count: '${var.plan_time_audit && var.mode == "enforce" && !var.dry_run ? 1 : 0}',
    });
    expect(main.resource.aws_lambda_function.function.environment.variables.LAST_DRIFT_REPAIR_PARAMETER).toBe(
      '${join("", aws_ssm_parameter.last_drift_repair[*].name)}',
    );
    expect(main.resource.aws_iam_role_policy.role_policy.policy).toContain(
      '[for parameter in aws_ssm_parameter.last_drift_repair : {"Sid":"RecordLastDriftRepair","Effect":"Allow","Action":["ssm:GetParameter","ssm:PutParameter"],"Resource":[parameter.arn]}]',
    );
  });

  it('denies root sessions in the excluded accounts from the variable list, and scopes deletes to enforce mode', () => {
    const main = committedJson('main.tf.json');
    const policy: string = main.resource.aws_iam_role_policy.role_policy.policy;
    expect(policy).toContain(
      'length(local.excluded_root_arns) > 0 ? [{"Sid":"NeverTouchExcludedAccounts","Effect":"Deny","Action":["sts:AssumeRoot"],"Resource":local.excluded_root_arns}] : []',
    );
    expect(main.locals.excluded_root_arns).toBe(
      '${[for id in var.exclusions.account_ids : "arn:aws:iam::${id}:root"]}',
    );
    expect(policy).toContain('"sts:TaskPolicyArn":local.task_policy_arns');
    expect(main.locals.task_policy_arns).toMatch(/^\$\{var\.mode == "enforce" && !var\.dry_run \? \[/);
  });
});
