/**
 * Shared by the Terraform test tiers (validate, apply/plan): finds the Terraform CLI and the
 * `hashicorp/aws` filesystem mirror, writes a CLI configuration that can only install from
 * that mirror, and runs Terraform with it.
 *
 * Nothing is ever downloaded: the CLI configuration's `direct { exclude = [...] }` forbids
 * registry access for every provider, so a missing provider fails `terraform init` instead of
 * reaching the network.
 *
 * When Terraform or the mirror is missing, the tier says so loudly and skips; under `CI=true`
 * it fails instead, so a broken runner image cannot pass by skipping.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import * as path from 'node:path';

export const PROVIDER_HOST = 'registry.terraform.io';
export const AWS_PROVIDER_PATH = `${PROVIDER_HOST}/hashicorp/aws`;

/** Filesystem-mirror roots Terraform itself searches on Unix, plus the one these build machines use. */
export const KNOWN_MIRROR_ROOTS: readonly string[] = [
  '/opt/tf-plugins',
  path.join(homedir(), '.terraform.d', 'plugins'),
  path.join(homedir(), '.local', 'share', 'terraform', 'plugins'),
  '/usr/local/share/terraform/plugins',
  '/usr/share/terraform/plugins',
];

export interface TerraformTooling {
  readonly binary: string;
  readonly mirror: string;
  /** `hashicorp/aws` versions the mirror holds for this platform, newest first. */
  readonly awsProviderVersions: readonly string[];
}

export interface TerraformResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Terraform's name for this machine's platform, e.g. `linux_amd64`. */
export function terraformPlatform(): string {
  const arch =
    { x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm' }[process.arch as string] ?? process.arch;
  return `${process.platform}_${arch}`;
}

/** The Terraform CLI: `TERRAFORM_BINARY` if set, else `terraform` on `PATH`. */
export function findTerraform(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const explicit = env['TERRAFORM_BINARY'];
  if (explicit !== undefined && explicit !== '') {
    return isExecutable(explicit) ? explicit : undefined;
  }
  for (const folder of (env['PATH'] ?? '').split(path.delimiter)) {
    const candidate = path.join(folder, 'terraform');
    if (folder !== '' && isExecutable(candidate)) {
      return candidate;
    }
  }
  return undefined;
}

/**
 * A filesystem mirror that holds `hashicorp/aws` for this platform: `TF_PROVIDER_MIRROR` if
 * set, else the first of {@link KNOWN_MIRROR_ROOTS} that has one.
 */
export function findProviderMirror(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const explicit = env['TF_PROVIDER_MIRROR'];
  const roots = explicit !== undefined && explicit !== '' ? [explicit] : KNOWN_MIRROR_ROOTS;
  return roots.find((root) => mirroredAwsProviderVersions(root).length > 0);
}

/** Versions of `hashicorp/aws` in a mirror root, for this platform, newest first (unpacked or zipped layout). */
export function mirroredAwsProviderVersions(root: string): string[] {
  const providerFolder = path.join(root, AWS_PROVIDER_PATH);
  if (!isDirectory(providerFolder)) {
    return [];
  }
  const platform = terraformPlatform();
  return readdirSync(providerFolder)
    .filter((entry) => {
      if (/^\d+\.\d+\.\d+$/.test(entry)) {
        return isDirectory(path.join(providerFolder, entry, platform));
      }
      return false;
    })
    .concat(
      readdirSync(providerFolder)
        .map(
          (entry) =>
            new RegExp(`^terraform-provider-aws_(\\d+\\.\\d+\\.\\d+)_${platform}\\.zip$`).exec(entry)?.[1],
        )
        .filter((version): version is string => version !== undefined),
    )
    .sort((a, b) => compareVersions(b, a));
}

/** The Terraform CLI configuration that installs providers only from `mirror`. */
export function cliConfiguration(mirror: string): string {
  return [
    'disable_checkpoint = true',
    '',
    'provider_installation {',
    '  filesystem_mirror {',
    `    path    = ${JSON.stringify(mirror)}`,
    `    include = ["${PROVIDER_HOST}/hashicorp/*"]`,
    '  }',
    '  direct {',
    `    exclude = ["${PROVIDER_HOST}/*/*"]`,
    '  }',
    '}',
    '',
  ].join('\n');
}

/**
 * Writes the CLI configuration into `dir` and returns an environment for running Terraform with
 * it: no checkpoint calls, no prompts, and no plugin cache (a cache would hide a missing mirror).
 */
export function terraformEnv(dir: string, mirror = findProviderMirror()): NodeJS.ProcessEnv {
  if (mirror === undefined) {
    throw new Error(missingToolingMessage({ binary: findTerraform(), mirror }));
  }
  mkdirSync(dir, { recursive: true });
  const configFile = path.join(dir, 'terraform.rc');
  writeFileSync(configFile, cliConfiguration(mirror));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TF_CLI_CONFIG_FILE: configFile,
    CHECKPOINT_DISABLE: '1',
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
  };
  delete env['TF_PLUGIN_CACHE_DIR'];
  return env;
}

/** Runs Terraform in `cwd` without blocking the test process; never throws on a non-zero exit. */
export function runTerraform(
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv = terraformEnv(cwd),
  binary = findTerraform() ?? 'terraform',
): Promise<TerraformResult> {
  return runCollecting(binary, ['-chdir=' + cwd, ...args], { env });
}

/** Runs a program without blocking the test process and collects its output; never throws on a non-zero exit. */
export function runCollecting(
  binary: string,
  args: readonly string[],
  options: { readonly cwd?: string; readonly env: NodeJS.ProcessEnv },
): Promise<TerraformResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

/** What is present, without failing: decide at module load whether to declare the tier's tests. */
export function detectTerraformTooling(env: NodeJS.ProcessEnv = process.env): TerraformTooling | undefined {
  const binary = findTerraform(env);
  const mirror = findProviderMirror(env);
  if (binary === undefined || mirror === undefined) {
    return undefined;
  }
  return { binary, mirror, awsProviderVersions: mirroredAwsProviderVersions(mirror) };
}

/** Whether missing tooling must fail the tier rather than skip it. */
export function isCi(env: NodeJS.ProcessEnv = process.env): boolean {
  return env['CI'] === 'true' || env['CI'] === '1';
}

/**
 * Call in `beforeAll`: returns the tooling, or throws when it is missing under CI. Locally a
 * missing tool is reported by {@link terraformTier} and the tests are skipped, so this only
 * runs where the tests run.
 */
export function requireTerraformTier(env: NodeJS.ProcessEnv = process.env): TerraformTooling {
  const tooling = detectTerraformTooling(env);
  if (tooling === undefined) {
    throw new Error(missingToolingMessage({ binary: findTerraform(env), mirror: findProviderMirror(env) }));
  }
  return tooling;
}

/**
 * `describe` when the tier can run (or must fail, under CI), `describe.skip` with a loud
 * message otherwise.
 */
export function terraformTier(tierName: string, env: NodeJS.ProcessEnv = process.env): jest.Describe {
  if (detectTerraformTooling(env) !== undefined || isCi(env)) {
    return describe;
  }
  const banner = '!'.repeat(100);
  console.warn(
    `\n${banner}\n!! SKIPPING the ${tierName} tier: ${missingToolingMessage({ binary: findTerraform(env), mirror: findProviderMirror(env) })}\n!! Under CI=true this tier fails instead.\n${banner}\n`,
  );
  return describe.skip;
}

function missingToolingMessage({
  binary,
  mirror,
}: {
  binary: string | undefined;
  mirror: string | undefined;
}): string {
  const problems: string[] = [];
  if (binary === undefined) {
    problems.push('no Terraform CLI (put `terraform` on PATH or set TERRAFORM_BINARY)');
  }
  if (mirror === undefined) {
    problems.push(
      `no filesystem mirror with ${AWS_PROVIDER_PATH}/<version>/${terraformPlatform()}/ (set TF_PROVIDER_MIRROR, or install one under ${KNOWN_MIRROR_ROOTS.join(', ')})`,
    );
  }
  return problems.join('; ');
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

function isDirectory(folder: string): boolean {
  return existsSync(folder) && statSync(folder).isDirectory();
}

function compareVersions(a: string, b: string): number {
  const left = a.split('.').map(Number);
  const right = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const difference = (left[i] ?? 0) - (right[i] ?? 0);
    if (difference !== 0) {
      return difference;
    }
  }
  return 0;
}
