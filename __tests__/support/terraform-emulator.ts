/**
 * Runs the example app through real Terraform against the emulator: synthesizes `app/main.ts` with
 * the provider pointed at the emulator, and gives Terraform the environment it needs (the
 * mirror-only CLI configuration of `./terraform`, the emulator's management credentials).
 *
 * The app offers `ROOT_ACCESS_AWS_ENDPOINT` (provider `endpoints` for every service it uses);
 * {@link pointProviderAt} completes the provider block in the synthesized JSON when a service
 * is missing from it, so a gap in the app shows as a named difference, not as a call to AWS.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

import type { EmulatorCredentials } from '../../emulator/index';
import { runCollecting, runTerraform, terraformEnv, type TerraformResult } from './terraform';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

/**
 * Every service the stack, its provider and the deployed reconciler call. `sts` and `iam` are
 * global services the provider would otherwise send to amazonaws.com whatever the region.
 */
export const EMULATED_SERVICES = [
  'cloudwatch',
  'events',
  'iam',
  'lambda',
  'logs',
  'organizations',
  's3',
  'scheduler',
  'sns',
  'sqs',
  'ssm',
  'sts',
] as const;

export interface SynthResult {
  /** `<outdir>/stacks/<stack>`: where Terraform runs. */
  readonly stackDir: string;
  readonly synthMs: number;
  /** Services the app did not point at the endpoint and that were added to the JSON. */
  readonly patchedServices: readonly string[];
}

/** `npx tsx app/main.ts` with `ROOT_ACCESS_CONFIG`, `CDKTF_OUTDIR` and `ROOT_ACCESS_AWS_ENDPOINT`. */
export async function synthExampleApp(options: {
  configFile: string;
  outdir: string;
  endpoint: string;
  stackName: string;
}): Promise<SynthResult> {
  const started = performance.now();
  const result = await run(
    process.execPath,
    [path.join(REPO_ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'app/main.ts'],
    REPO_ROOT,
    {
      ...process.env,
      ROOT_ACCESS_CONFIG: options.configFile,
      CDKTF_OUTDIR: options.outdir,
      ROOT_ACCESS_AWS_ENDPOINT: options.endpoint,
    },
  );
  const synthMs = Math.round(performance.now() - started);
  if (result.status !== 0) {
    throw new Error(
      `synth of app/main.ts failed (exit ${String(result.status)}):\n${result.stderr}${result.stdout}`,
    );
  }
  const stackDir = path.join(options.outdir, 'stacks', options.stackName);
  const file = path.join(stackDir, 'cdk.tf.json');
  const stack = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const patchedServices = pointProviderAt(stack, options.endpoint);
  writeFileSync(file, JSON.stringify(stack, null, 2));
  return { stackDir, synthMs, patchedServices };
}

/**
 * Makes the synthesized `aws` provider talk only to `endpoint`; returns the services it had to
 * add. Credentials are not written here: Terraform gets them from the environment.
 */
export function pointProviderAt(stack: Record<string, unknown>, endpoint: string): string[] {
  const providers = (stack['provider'] ?? {}) as Record<string, Array<Record<string, unknown>>>;
  const aws = providers['aws']?.[0];
  if (aws === undefined) throw new Error('the synthesized stack has no aws provider block');
  const endpoints = (aws['endpoints'] as Array<Record<string, string>> | undefined)?.[0] ?? {};
  const patched = EMULATED_SERVICES.filter((service) => endpoints[service] !== endpoint);
  for (const service of patched) endpoints[service] = endpoint;
  aws['endpoints'] = [endpoints];
  aws['s3_use_path_style'] ??= true;
  aws['skip_metadata_api_check'] ??= 'true';
  aws['skip_region_validation'] ??= true;
  return patched;
}

/** The Terraform environment: the mirror-only CLI config plus the emulator's management credentials. */
export function emulatedTerraformEnv(workDir: string, credentials: EmulatorCredentials): NodeJS.ProcessEnv {
  const env = terraformEnv(workDir);
  for (const name of Object.keys(env)) {
    // A developer's own AWS profile or keys must never reach the provider.
    if (name.startsWith('AWS_')) delete env[name];
  }
  return {
    ...env,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: path.join(workDir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(workDir, 'no-aws-credentials'),
  };
}

export interface TimedResult extends TerraformResult {
  readonly ms: number;
}

export async function timedTerraform(
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<TimedResult> {
  const started = performance.now();
  const result = await runTerraform(args, cwd, env);
  return { ...result, ms: Math.round(performance.now() - started) };
}

/** A readable failure: the command, its exit status and the tail of its output. */
export function describeRun(args: readonly string[], result: TerraformResult): string {
  const tail = (text: string): string => text.split('\n').slice(-60).join('\n');
  return `terraform ${args.join(' ')} exited ${String(result.status)}\n--- stderr\n${tail(result.stderr)}\n--- stdout\n${tail(result.stdout)}`;
}

function run(
  binary: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<TerraformResult> {
  return runCollecting(binary, args, { cwd, env });
}
