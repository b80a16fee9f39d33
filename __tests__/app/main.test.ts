/**
 * The example app as operators run it: `app/main.ts` in a child process, with `ROOT_ACCESS_CONFIG`
 * and `CDKTF_OUTDIR` pointing at temporary files. A bad config must give one line per problem,
 * exit code 1 and no stack trace.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { S3Backend, Testing } from 'cdktf';
import type {} from 'cdktf/lib/testing/adapters/jest';

import { validateAppConfig } from '../../app/config';
import { buildApp, RootAccessStack } from '../../app/main';

const PROJECT = path.join(__dirname, '..', '..');
const TSX = path.join(PROJECT, 'node_modules', '.bin', 'tsx');

interface Run {
  readonly status: number | null;
  readonly stderr: string;
  readonly outdir: string;
}

function runMain(configPath: string): Run {
  const outdir = mkdtempSync(path.join(tmpdir(), 'root-access-out-'));
  const result = spawnSync(TSX, ['app/main.ts'], {
    cwd: PROJECT,
    env: { ...process.env, ROOT_ACCESS_CONFIG: configPath, CDKTF_OUTDIR: outdir },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stderr: result.stderr, outdir };
}

function writeConfig(text: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'root-access-config-')), 'config.json');
  writeFileSync(file, text);
  return file;
}

function stderrLines(run: Run): string[] {
  return run.stderr.split('\n').filter((line) => line.trim() !== '');
}

describe('main.ts', () => {
  it('synthesizes the example config into CDKTF_OUTDIR', () => {
    // GIVEN / WHEN
    const run = runMain(path.join(PROJECT, 'root-access.config.json'));

    // THEN
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const stack = JSON.parse(
      readFileSync(path.join(run.outdir, 'stacks', 'centralized-root-access', 'cdk.tf.json'), 'utf8'),
    );
    expect(Object.values(stack.resource.aws_iam_organizations_features)).toEqual([
      expect.objectContaining({ enabled_features: ['RootCredentialsManagement', 'RootSessions'] }),
    ]);
    // The example deploys the enforcer, whose apply-time report needs 5.82.0 (see src/constructs/root-credentials-enforcer.ts).
    expect(stack.terraform.required_providers.aws.version).toBe('>= 5.82.0, < 7.0.0');
    expect(Object.keys(stack.resource.aws_lambda_invocation)).toHaveLength(2);
    expect(stack.provider.aws).toEqual([{ region: 'us-east-1', allowed_account_ids: ['111111111111'] }]);
    // Local state sits next to the config file, not inside cdktf.out (which synth regenerates).
    expect(stack.terraform.backend.local.path).toBe(
      path.join(PROJECT, 'terraform.centralized-root-access.tfstate'),
    );
    expect(Object.keys(stack.output).sort()).toEqual([
      'enabled_features',
      'enforcement_report',
      'organization_id',
      'root_restriction_policy_id',
    ]);
  });

  it('fails with one line per problem and no stack trace', () => {
    // GIVEN
    const config = writeConfig(
      JSON.stringify({
        regoin: 'us-east-1',
        organization: {
          delegatedAdministratorAccountId: '12',
          rootRestrictionPolicy: { variant: 'deny-everything', targetIds: ['ou-1'] },
        },
        enforcement: { targets: { accountIds: ['123456789012', '123456789012'] }, mode: 'fix' },
      }),
    );

    // WHEN
    const run = runMain(config);

    // THEN
    expect(run.status).toBe(1);
    expect(run.stderr).not.toContain('    at ');
    expect(stderrLines(run)).toEqual([
      `${config}: unknown field "regoin"; remove it or check the spelling`,
      `${config}: organization.delegatedAdministratorAccountId: "12" is not a 12-digit AWS account id; write it as 12 digits, e.g. "123456789012"`,
      `${config}: organization.rootRestrictionPolicy.variant: "deny-everything" is not a root restriction variant; use "deny-long-term-root" or "allow-root-tasks-only"`,
      `${config}: organization.rootRestrictionPolicy.targetIds[0]: "ou-1" is not an organizational unit id; OU ids look like "ou-ab12-cdef3456" (see \`aws organizations list-organizational-units-for-parent\`)`,
      `${config}: enforcement.mode: got "fix"; expected one of "audit", "enforce"`,
    ]);
    expect(existsSync(path.join(run.outdir, 'stacks'))).toBe(false);
  });

  it('fails on malformed JSON with the line and column', () => {
    // GIVEN
    const config = writeConfig('{\n  "region": "us-east-1",\n  "organization": {,}\n}\n');

    // WHEN
    const run = runMain(config);

    // THEN
    expect(run.status).toBe(1);
    expect(run.stderr).not.toContain('    at ');
    expect(stderrLines(run)).toEqual([
      `${config}: line 3, column 20: is not valid JSON: expected a double-quoted property name, found ","; fix the syntax (trailing commas, comments and single quotes are not allowed)`,
    ]);
  });

  it('fails when the config file does not exist', () => {
    // GIVEN
    const config = path.join(mkdtempSync(path.join(tmpdir(), 'root-access-config-')), 'missing.json');

    // WHEN
    const run = runMain(config);

    // THEN
    expect(run.status).toBe(1);
    expect(stderrLines(run)).toEqual([
      `${config}: cannot read the config file: it does not exist; create it (see root-access.config.json in the repository) or point ROOT_ACCESS_CONFIG at it`,
    ]);
  });
});

describe('cdktf synth', () => {
  it('writes the example stack with both features enabled', () => {
    // GIVEN
    const outdir = mkdtempSync(path.join(tmpdir(), 'root-access-cdktf-'));
    const cliConfig = path.join(outdir, 'terraform.rc');
    writeFileSync(cliConfig, 'disable_checkpoint = true\n');

    // WHEN
    const result = spawnSync(
      path.join(PROJECT, 'node_modules', '.bin', 'cdktf'),
      ['synth', '--output', outdir],
      {
        cwd: PROJECT,
        env: { ...process.env, TF_CLI_CONFIG_FILE: cliConfig, CHECKPOINT_DISABLE: '1', CI: 'true' },
        encoding: 'utf8',
        timeout: 120_000,
      },
    );

    // THEN
    expect(result.status).toBe(0);
    const stack = JSON.parse(
      readFileSync(path.join(outdir, 'stacks', 'centralized-root-access', 'cdk.tf.json'), 'utf8'),
    );
    expect(Object.values(stack.resource.aws_iam_organizations_features)).toEqual([
      expect.objectContaining({ enabled_features: ['RootCredentialsManagement', 'RootSessions'] }),
    ]);
  });
});

describe('RootAccessStack', () => {
  function stackFor(document: unknown): RootAccessStack {
    const result = validateAppConfig(document);
    if (!result.ok) {
      throw new Error(JSON.stringify(result.errors));
    }
    const app = buildApp(result.config, '/configs', Testing.app());
    return app.node.findChild(result.config.stackName) as RootAccessStack;
  }

  it('keeps state in S3 with native locking when configured', () => {
    // GIVEN / WHEN
    const stack = stackFor({ backend: { s3: { bucket: 'org-state', key: 'root-access.tfstate' } } });

    // THEN
    expect(stack.node.children.some((child) => child instanceof S3Backend)).toBe(true);
    const json = JSON.parse(Testing.synth(stack));
    expect(json.terraform.backend.s3).toEqual({
      bucket: 'org-state',
      key: 'root-access.tfstate',
      region: 'us-east-1',
      encrypt: true,
      use_lockfile: true,
    });
  });

  it('resolves a relative local state path against the config folder', () => {
    // GIVEN / WHEN
    const stack = stackFor({ stackName: 'org', backend: { local: { path: 'state/org.tfstate' } } });

    // THEN
    expect(JSON.parse(Testing.synth(stack)).terraform.backend.local.path).toBe(
      path.resolve('/configs/state/org.tfstate'),
    );
  });

  it('applies tags as provider default tags and leaves allowed accounts open without a management account', () => {
    // GIVEN / WHEN
    const stack = stackFor({ tags: { owner: 'platform' } });

    // THEN
    expect(JSON.parse(Testing.synth(stack)).provider.aws).toEqual([
      { region: 'us-east-1', default_tags: [{ tags: { owner: 'platform' } }] },
    ]);
  });
});
