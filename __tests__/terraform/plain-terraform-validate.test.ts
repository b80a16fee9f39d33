/**
 * `examples/plain-terraform` (a root module calling `modules/centralized-root-access` by relative
 * path) initializes from the provider mirror and validates, and bad inputs fail the plan with the
 * value and the fix, and `terraform test` (mocked provider, plan mode) checks the module's counts
 * and computed policies per input combination, with the real Terraform CLI. Copied to a temporary
 * folder first, so `terraform init` writes nothing into the repository.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import {
  requireTerraformTier,
  runTerraform,
  terraformEnv,
  terraformTier,
  type TerraformTooling,
} from '../support/terraform';
import { copyPlainTerraform } from '../support/plain-terraform';

jest.setTimeout(240_000);

terraformTier('plain Terraform validate')('examples/plain-terraform with terraform validate', () => {
  let tooling: TerraformTooling;
  let example: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    tooling = requireTerraformTier();
    const workspace = mkdtempSync(path.join(tmpdir(), 'root-access-plain-'));
    example = copyPlainTerraform(workspace);
    env = terraformEnv(path.join(workspace, 'cli'), tooling.mirror);
    const init = await runTerraform(['init', '-input=false', '-no-color'], example, env, tooling.binary);
    if (init.status !== 0) throw new Error(`terraform init failed:\n${init.stdout}\n${init.stderr}`);
  });

  it('initializes from the mirror, with the module from its relative source', () => {
    const lockFile = readFileSync(path.join(example, '.terraform.lock.hcl'), 'utf8');
    expect(lockFile).toContain('provider "registry.terraform.io/hashicorp/aws"');
    expect(lockFile).toContain(`version     = "${tooling.awsProviderVersions[0]}"`);
    const modules = JSON.parse(
      readFileSync(path.join(example, '.terraform', 'modules', 'modules.json'), 'utf8'),
    );
    expect(modules.Modules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Key: 'root_access', Source: '../../modules/centralized-root-access' }),
      ]),
    );
  });

  it('validates with no error and no warning', async () => {
    const validate = await runTerraform(['validate', '-json', '-no-color'], example, env, tooling.binary);
    expect(JSON.parse(validate.stdout)).toMatchObject({ valid: true, error_count: 0, warning_count: 0 });
  });

  it('reports a broken call as invalid, so the pass above means something', async () => {
    const broken = mkdtempSync(path.join(tmpdir(), 'root-access-plain-broken-'));
    const brokenExample = copyPlainTerraform(broken);
    const main = path.join(brokenExample, 'main.tf');
    // A required input left out.
    const text = readFileSync(main, 'utf8').replace(/^\s*targets\s*=.*$/m, '');
    writeFileSync(main, text);
    const init = await runTerraform(
      ['init', '-input=false', '-no-color'],
      brokenExample,
      env,
      tooling.binary,
    );
    expect(init.status).toBe(0);
    const validate = await runTerraform(
      ['validate', '-json', '-no-color'],
      brokenExample,
      env,
      tooling.binary,
    );
    const result = JSON.parse(validate.stdout);
    expect(result.valid).toBe(false);
    expect(JSON.stringify(result.diagnostics)).toContain('targets');
  });

  it('passes terraform test with a mocked provider: counts, conditions and policies per input combination', async () => {
    // The module itself, copied out, with the test file in its tests/ folder.
    const copy = path.dirname(
      path.dirname(copyPlainTerraform(mkdtempSync(path.join(tmpdir(), 'root-access-tftest-')))),
    );
    const module = path.join(copy, 'modules', 'centralized-root-access');
    mkdirSync(path.join(module, 'tests'));
    copyFileSync(
      path.join(__dirname, 'plain-terraform-module.tftest.hcl'),
      path.join(module, 'tests', 'plain-terraform-module.tftest.hcl'),
    );
    const init = await runTerraform(['init', '-input=false', '-no-color'], module, env, tooling.binary);
    expect(init.status).toBe(0);
    const test = await runTerraform(['test', '-no-color'], module, env, tooling.binary);
    if (test.status !== 0) throw new Error(`terraform test failed:\n${test.stdout}\n${test.stderr}`);
    expect(test.stdout).toMatch(/Success! 3 passed, 0 failed\./);
  });

  describe('bad input', () => {
    let bad: string;
    let planEnv: NodeJS.ProcessEnv;

    beforeAll(async () => {
      bad = copyPlainTerraform(mkdtempSync(path.join(tmpdir(), 'root-access-plain-bad-')));
      // Dummy credentials and a closed local port: nothing can reach AWS, and nothing needs to,
      // since the variable checks fail the plan before any call.
      writeFileSync(
        path.join(bad, 'offline_override.tf'),
        'provider "aws" {\n  skip_credentials_validation = true\n  skip_requesting_account_id = true\n  skip_metadata_api_check = true\n  endpoints {\n    sts = "http://127.0.0.1:9"\n  }\n}\n',
      );
      planEnv = {
        ...env,
        AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE00',
        AWS_SECRET_ACCESS_KEY: 'not-a-secret',
        AWS_EC2_METADATA_DISABLED: 'true',
      };
      const init = await runTerraform(['init', '-input=false', '-no-color'], bad, env, tooling.binary);
      if (init.status !== 0) throw new Error(`terraform init failed:\n${init.stdout}\n${init.stderr}`);
    });

    it.each([
      ['function_name = "bad name!"', 'var.function_name is "bad name!"', 'function_name: 1 to 44 letters'],
      [
        'targets = { all_accounts = true, account_ids = ["333333333333"] }',
        'var.targets.all_accounts is true',
        'targets: set all_accounts = true, or list account_ids',
      ],
      ['mode = "delete"', 'var.mode is "delete"', 'mode: use audit or enforce.'],
    ])('fails terraform plan on %s, showing the value and the fix', async (argument, value, fix) => {
      writeFileSync(path.join(bad, 'bad_override.tf'), `module "root_access" {\n  ${argument}\n}\n`);
      const plan = await runTerraform(
        ['plan', '-input=false', '-no-color', '-var=management_account_id=111111111111'],
        bad,
        planEnv,
        tooling.binary,
      );
      expect(plan.status).toBe(1);
      const text = (plan.stdout + plan.stderr).replace(/\s+/g, ' ');
      expect(text).toContain('Invalid value for variable');
      expect(text).toContain(value);
      expect(text).toContain(fix);
    });
  });
});
