/**
 * `npm run synth` prints each config problem once. cdktf shows everything a failing app writes
 * twice (each line as it arrives, then again in its error summary), so app/synth.mjs hands the app
 * a file for its lines and prints it once after cdktf; warnings are left to cdktf's annotations.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { problemLog } from '../../app/main';

const PROJECT = path.join(__dirname, '..', '..');
const EXAMPLE = JSON.parse(readFileSync(path.join(PROJECT, 'root-access.config.json'), 'utf8')) as {
  enforcement: Record<string, unknown>;
};

function writeConfig(document: unknown): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'root-access-synth-')), 'config.json');
  writeFileSync(file, JSON.stringify(document));
  return file;
}

function runSynth(config: string, outdir: string): { status: number | null; stdout: string; stderr: string } {
  const cliConfig = path.join(path.dirname(config), 'terraform.rc');
  writeFileSync(cliConfig, 'disable_checkpoint = true\n');
  const result = spawnSync(process.execPath, ['app/synth.mjs', '--output', outdir], {
    cwd: PROJECT,
    env: {
      ...process.env,
      ROOT_ACCESS_CONFIG: config,
      TF_CLI_CONFIG_FILE: cliConfig,
      CHECKPOINT_DISABLE: '1',
      CI: 'true',
    },
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function occurrences(text: string, needle: string): number {
  return text.split(needle).length - 1;
}

describe('npm run synth', () => {
  it('is app/synth.mjs, which runs cdktf synth', () => {
    // GIVEN / WHEN
    const scripts = (
      JSON.parse(readFileSync(path.join(PROJECT, 'package.json'), 'utf8')) as {
        scripts: Record<string, string>;
      }
    ).scripts;

    // THEN
    expect(scripts['synth']).toBe('node app/synth.mjs');
  });

  it('prints each config error once, after cdktf has failed', () => {
    // GIVEN a config with two errors
    const config = writeConfig({ region: 'nowhere', organization: { enabledFeatures: ['Nope'] } });
    const outdir = path.join(path.dirname(config), 'out');

    // WHEN
    const run = runSynth(config, outdir);

    // THEN each problem is one line, shown once in all the output, and nothing is synthesized
    expect(run.status).toBe(1);
    const all = run.stdout + run.stderr;
    expect(
      occurrences(all, `${config}: region: "nowhere" is not an AWS region; write it like "us-east-1"`),
    ).toBe(1);
    expect(occurrences(all, `${config}: organization.enabledFeatures[0]`)).toBe(1);
    expect(run.stderr.trimEnd().split('\n').slice(-2)[0]).toContain(`${config}: region:`);
    expect(existsSync(path.join(outdir, 'stacks'))).toBe(false);
  });

  it('shows a warning once, as cdktf prints the construct annotation, and synthesizes', () => {
    // GIVEN a valid config with one warning (dry-run has no effect in audit mode)
    const config = writeConfig({ ...EXAMPLE, enforcement: { ...EXAMPLE.enforcement, dryRun: true } });
    const outdir = path.join(path.dirname(config), 'out');

    // WHEN
    const run = runSynth(config, outdir);

    // THEN
    expect(run.status).toBe(0);
    expect(occurrences(run.stdout + run.stderr, 'has no effect in "audit" mode')).toBe(1);
    expect(existsSync(path.join(outdir, 'stacks', 'centralized-root-access', 'cdk.tf.json'))).toBe(true);
  });
});

describe('problemLog', () => {
  it('appends lines to the file npm run synth hands the app, else writes to stderr', () => {
    // GIVEN
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'root-access-log-')), 'problems.txt');
    const spy = jest.spyOn(console, 'error').mockImplementation(() => undefined);

    // WHEN
    const toFile = problemLog({ ROOT_ACCESS_PROBLEMS_FILE: file });
    toFile('first');
    toFile('second');
    problemLog({})('to stderr');

    // THEN
    expect(readFileSync(file, 'utf8')).toBe('first\nsecond\n');
    expect(spy).toHaveBeenCalledWith('to stderr');
    spy.mockRestore();
  });
});
