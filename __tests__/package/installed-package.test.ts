/**
 * The package tier: what a user gets from npm. Packs the repository (`npm pack`), installs the
 * tarball into a fresh cdktf app in a temporary folder outside the repository, and uses it there
 * the way the README says: TypeScript types, synth of both constructs, `terraform validate`, the
 * enforcer's Lambda asset taken from the installed package, and both command-line tools.
 *
 * No network: the install runs `npm install --offline` (npm fails with ENOTCACHED instead of
 * fetching), the app's peers (cdktf, constructs, @cdktf/provider-aws) and TypeScript are `file:`
 * links to the repository's own installed copies, and every child process has a timeout, so a
 * network access fails the tier with npm's message rather than hanging it. `--legacy-peer-deps`
 * only because npm 11's resolver crashes on peers satisfied by links; the app declares each peer
 * itself, which is what a user does.
 *
 * The bundles come from the global setup (scripts/bundle.mjs); this file builds the library
 * (`npm run build:lib`) and packs with `--ignore-scripts`, so it never rewrites dist/reconciler
 * while another tier runs it. `prepare` (run by a plain `npm pack`) builds both; a test checks it.
 */
import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { readZip } from '../../emulator/lambda/zip';
import { detectTerraformTooling, isCi, runTerraform, terraformEnv } from '../support/terraform';

const REPO = path.resolve(__dirname, '..', '..');
const PACKAGE_NAME = 'cdktf-centralized-root-access';
const manifest = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
  version: string;
  main: string;
  types: string;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  bin: Record<string, string>;
};
const STACK = 'installed';

interface Run {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command without blocking jest; kills it (and says so) after `timeoutMs`. */
function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<Run> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      stderr += `\n[killed after ${timeoutMs} ms: ${command} ${args.join(' ')}]`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
}

function expectSuccess(what: string, result: Run): void {
  if (result.status !== 0) {
    throw new Error(
      `${what} exited ${String(result.status)}${result.signal ? ` (${result.signal})` : ''}\n--- stderr\n${result.stderr}\n--- stdout\n${result.stdout}`,
    );
  }
}

/** npm, as this test's own process was started with it when possible (`npm test`), else from PATH. */
function npm(): { command: string; prefix: string[] } {
  const cli = process.env['npm_execpath'];
  return cli !== undefined && cli.endsWith('.js') && existsSync(cli)
    ? { command: process.execPath, prefix: [cli] }
    : { command: 'npm', prefix: [] };
}

/** An environment that keeps npm off the network and out of the repository's own config. */
function offlineNpmEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) {
    // `npm test` exports the repository's package and config as npm_* variables; a child npm
    // in another folder must not inherit them (npm_config_prefix would point at the repository).
    if (name.startsWith('npm_')) delete env[name];
  }
  return {
    ...env,
    npm_config_offline: 'true',
    npm_config_audit: 'false',
    npm_config_fund: 'false',
    npm_config_update_notifier: 'false',
    npm_config_fetch_retries: '0',
    npm_config_fetch_timeout: '10000',
  };
}

const linkedPeers = ['cdktf', 'constructs', '@cdktf/provider-aws'] as const;
/** What the app needs besides the package and its peers: the compiler, Node's types, and zod. */
const linkedTools = ['typescript', '@types/node', 'undici-types', 'zod'] as const;

/** An app whose account id, alarm email and function name are Terraform variables. */
function appSource(): string {
  return `import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { App, TerraformOutput, TerraformStack, TerraformVariable } from 'cdktf';
import {
  CentralizedRootAccess,
  RootCredentialsEnforcer,
  RootRestrictionVariant,
  withEnforcer,
  type DesiredState,
} from '${PACKAGE_NAME}';

const app = new App();
const stack = new TerraformStack(app, '${STACK}');
new AwsProvider(stack, 'aws', { region: 'us-east-1' });
const managementAccountId = new TerraformVariable(stack, 'management_account_id', { type: 'string' });
const alarmEmail = new TerraformVariable(stack, 'alarm_email', { type: 'string' });
const functionName = new TerraformVariable(stack, 'function_name', {
  type: 'string',
  default: 'root-credentials-enforcer',
});

const desiredState: DesiredState = {
  targets: { allAccounts: true },
  exclusions: { accountIds: ['222222222222'] },
  mode: 'enforce',
};
const wired: { rootAccess: CentralizedRootAccess; enforcer: RootCredentialsEnforcer } = withEnforcer(stack, {
  rootAccess: {
    managementAccountId: managementAccountId.stringValue,
    delegatedAdministratorAccountId: '222222222222',
    rootRestrictionPolicy: { variant: RootRestrictionVariant.DENY_LONG_TERM_ROOT, targetIds: ['r-ex12'] },
  },
  enforcer: {
    desiredState,
    alarmEmail: alarmEmail.stringValue,
    functionName: functionName.stringValue,
  },
});
new TerraformOutput(stack, 'function_arn', { value: wired.enforcer.function.arn });
app.synth();
`;
}

/** The README's "Using the constructs" example, exactly as a reader copies it. */
function readmeExample(): string {
  const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Using the constructs'));
  const code = /```ts\n([\s\S]*?)\n```/.exec(section)?.[1];
  if (code === undefined) throw new Error('README.md has no ```ts block under "## Using the constructs"');
  return `${code}\n`;
}

describe('the packed npm package, installed into a fresh cdktf app outside the repository', () => {
  let work: string;
  let appDir: string;
  let packedFiles: string[];
  let installed: string;
  let stackDir: string;

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'root-access-package-'));
    const { command, prefix } = npm();
    expectSuccess('npm run build:lib', await run(command, [...prefix, 'run', 'build:lib'], { cwd: REPO }));
    const pack = await run(
      command,
      [...prefix, 'pack', '--ignore-scripts', '--json', '--pack-destination', work],
      { cwd: REPO, env: offlineNpmEnv() },
    );
    expectSuccess('npm pack', pack);
    const [packed] = JSON.parse(pack.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    if (packed === undefined) throw new Error(`npm pack printed no package:\n${pack.stdout}`);
    packedFiles = packed.files.map((file) => file.path).sort();

    appDir = path.join(work, 'app');
    const dependencies: Record<string, string> = {
      [PACKAGE_NAME]: `file:${path.join(work, packed.filename)}`,
    };
    for (const name of [...linkedPeers, ...linkedTools]) {
      dependencies[name] = `file:${path.join(REPO, 'node_modules', name)}`;
    }
    mkdirSync(appDir);
    writeFileSync(
      path.join(appDir, 'package.json'),
      JSON.stringify({ name: 'installed-app', version: '0.0.0', private: true, dependencies }, null, 2),
    );
    writeFileSync(
      path.join(appDir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'commonjs',
          moduleResolution: 'node',
          strict: true,
          esModuleInterop: true,
          // The package's own .d.ts are checked too, as a user's compiler would.
          skipLibCheck: false,
          types: ['node'],
          outDir: 'out',
        },
        files: ['main.ts', 'readme-example.ts'],
      }),
    );
    writeFileSync(path.join(appDir, 'main.ts'), appSource());
    writeFileSync(path.join(appDir, 'readme-example.ts'), readmeExample());
    const install = await run(command, [...prefix, 'install', '--offline', '--legacy-peer-deps'], {
      cwd: appDir,
      env: offlineNpmEnv(),
    });
    expectSuccess('npm install --offline of the packed tarball', install);
    installed = path.join(appDir, 'node_modules', PACKAGE_NAME);
    stackDir = path.join(appDir, 'cdktf.out', 'stacks', STACK);
  }, 240_000);

  afterAll(() => {
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  it('ships the compiled library, the bundles, bin/, the scenarios, README, LICENSE and CHANGELOG', () => {
    // GIVEN / WHEN packed (beforeAll)
    // THEN
    for (const file of [
      manifest.main,
      manifest.types,
      'dist/lib/constructs/root-credentials-enforcer.d.ts',
      'dist/reconciler/index.js',
      'dist/cli/root-access.js',
      'dist/emulator/cli.js',
      'dist/emulator/runtime.cjs',
      ...Object.values(manifest.bin),
      'emulator/scenarios/default.json',
      'README.md',
      'LICENSE',
      'CHANGELOG.md',
      'package.json',
    ]) {
      expect(packedFiles).toContain(file.replace(/^\.\//, ''));
    }
  });

  it('ships no tests, benchmarks, sources, scripts, example app or Terraform module (that is consumed from git)', () => {
    const sourceOnly = packedFiles.filter(
      (file) =>
        /(^|\/)(__tests__|bench|src|scripts|app|\.ci|modules|examples)\//.test(file) ||
        (file.endsWith('.ts') && !file.endsWith('.d.ts')) ||
        /^emulator\/(?!scenarios\/[^/]+\.json$|README\.md$)/.test(file) ||
        /(^|\/)(tsconfig[^/]*\.json|jest\.config\.js|eslint\.config\.mjs|package-lock\.json|cdktf\.json)$/.test(
          file,
        ),
    );
    expect(sourceOnly).toEqual([]);
  });

  it('declares cdktf, constructs and @cdktf/provider-aws as peers, and only zod as a dependency', () => {
    expect(Object.keys(manifest.peerDependencies).sort()).toEqual([...linkedPeers].sort());
    // The lower bound of every peer range is the version this tier installs (and proves).
    for (const name of linkedPeers) {
      const version = (
        JSON.parse(readFileSync(path.join(REPO, 'node_modules', name, 'package.json'), 'utf8')) as {
          version: string;
        }
      ).version;
      expect(manifest.peerDependencies[name]?.replace(/^[~^]/, '')).toBe(version);
      expect(manifest.devDependencies[name]).toBe(version);
    }
    expect(Object.keys(manifest.dependencies)).toEqual(['zod']);
    // A plain `npm pack` (and `npm publish`) builds the library and the bundles first.
    expect(manifest.scripts['prepare']).toBe('npm run build');
    expect(manifest.scripts['build']).toBe('npm run build:lib && npm run build:bundles');
  });

  it('installs as a real copy (not a link to the repository), with both commands', () => {
    expect(readdirSync(installed).sort()).toEqual(
      ['CHANGELOG.md', 'LICENSE', 'README.md', 'bin', 'dist', 'emulator', 'package.json'].sort(),
    );
    expect(existsSync(path.join(installed, 'src'))).toBe(false);
    expect(existsSync(path.join(appDir, 'node_modules', '.bin', 'root-access'))).toBe(true);
    expect(existsSync(path.join(appDir, 'node_modules', '.bin', 'root-access-emulator'))).toBe(true);
  });

  it('type-checks an app that imports the constructs from the package name', async () => {
    const tsc = await run(
      process.execPath,
      [path.join(appDir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', appDir],
      { cwd: appDir },
    );
    expectSuccess('tsc in the installed app', tsc);
    expect(existsSync(path.join(appDir, 'out', 'main.js'))).toBe(true);
  }, 120_000);

  it('synthesizes both constructs, with Terraform variables, from the installed package', async () => {
    const synth = await run(process.execPath, [path.join(appDir, 'out', 'main.js')], {
      cwd: appDir,
      env: { ...process.env, CDKTF_OUTDIR: path.join(appDir, 'cdktf.out') },
    });
    expectSuccess('node out/main.js (synth)', synth);
    const stack = JSON.parse(readFileSync(path.join(stackDir, 'cdk.tf.json'), 'utf8')) as {
      variable: Record<string, unknown>;
      resource: Record<string, Record<string, Record<string, unknown>>>;
    };
    expect(Object.keys(stack.variable).sort()).toEqual([
      'alarm_email',
      'function_name',
      'management_account_id',
    ]);
    expect(Object.keys(stack.resource)).toEqual(
      expect.arrayContaining([
        'aws_iam_organizations_features',
        'aws_organizations_delegated_administrator',
        'aws_organizations_policy',
        'aws_lambda_function',
        'aws_lambda_invocation',
      ]),
    );
    const fn = Object.values(stack.resource['aws_lambda_function'] ?? {})[0];
    expect(fn?.['function_name']).toBe('${var.function_name}');
    const subscription = Object.values(stack.resource['aws_sns_topic_subscription'] ?? {})[0];
    expect(subscription?.['endpoint']).toBe('${var.alarm_email}');
  }, 120_000);

  it("synthesizes the README's example as written", async () => {
    const outdir = path.join(appDir, 'readme.out');
    const synth = await run(process.execPath, [path.join(appDir, 'out', 'readme-example.js')], {
      cwd: appDir,
      env: { ...process.env, CDKTF_OUTDIR: outdir },
    });
    expectSuccess("node out/readme-example.js (the README's example)", synth);
    const [stackName] = readdirSync(path.join(outdir, 'stacks'));
    const stack = JSON.parse(
      readFileSync(path.join(outdir, 'stacks', stackName ?? '', 'cdk.tf.json'), 'utf8'),
    ) as { resource: Record<string, unknown> };
    expect(Object.keys(stack.resource)).toEqual(
      expect.arrayContaining(['aws_iam_organizations_features', 'aws_lambda_function']),
    );
  }, 60_000);

  it('fails fast, naming the cache, when the install would need the network', async () => {
    // GIVEN a package that npm ci never put in the cache
    const elsewhere = path.join(work, 'needs-network');
    mkdirSync(elsewhere);
    writeFileSync(
      path.join(elsewhere, 'package.json'),
      JSON.stringify({ name: 'needs-network', private: true }),
    );
    const { command, prefix } = npm();

    // WHEN
    const install = await run(command, [...prefix, 'install', '--offline', 'left-pad@1.3.0'], {
      cwd: elsewhere,
      env: offlineNpmEnv(),
      timeoutMs: 60_000,
    });

    // THEN npm refuses instead of fetching (or hanging)
    expect(install.status).not.toBe(0);
    expect(install.signal).toBeNull();
    expect(install.stderr).toMatch(/ENOTCACHED|offline/i);
  }, 90_000);

  it("zips the installed package's prebuilt reconciler bundle as the Lambda's code", () => {
    const stack = JSON.parse(readFileSync(path.join(stackDir, 'cdk.tf.json'), 'utf8')) as {
      resource: Record<string, Record<string, Record<string, unknown>>>;
    };
    const fn = Object.values(stack.resource['aws_lambda_function'] ?? {})[0];
    const zipFile = path.join(stackDir, String(fn?.['filename']));
    const entries = readZip(readFileSync(zipFile));
    const index = entries.find((entry) => entry.name === 'index.js');
    expect(index).toBeDefined();
    expect(
      Buffer.compare(
        index?.data ?? Buffer.alloc(0),
        readFileSync(path.join(installed, 'dist', 'reconciler', 'index.js')),
      ),
    ).toBe(0);
    // Nothing was rebuilt: the installed package has no sources to build from.
    expect(existsSync(path.join(installed, 'scripts'))).toBe(false);
  });

  const tooling = detectTerraformTooling();
  (tooling !== undefined || isCi() ? it : it.skip)(
    'passes terraform validate (providers from the mirror only)',
    async () => {
      const env = terraformEnv(path.join(work, 'terraform-cli'));
      const init = await runTerraform(['init', '-input=false', '-no-color', '-backend=false'], stackDir, env);
      expectSuccess('terraform init', { ...init, signal: null });
      const validate = await runTerraform(['validate', '-json', '-no-color'], stackDir, env);
      const report = JSON.parse(validate.stdout) as { valid: boolean; error_count: number };
      expect({ valid: report.valid, errors: report.error_count }).toEqual({ valid: true, errors: 0 });
    },
    180_000,
  );

  it('runs `root-access --help` from the installed package', async () => {
    const help = await run(path.join(appDir, 'node_modules', '.bin', 'root-access'), ['--help'], {
      cwd: appDir,
      timeoutMs: 30_000,
    });
    expectSuccess('root-access --help', help);
    expect(help.stdout).toMatch(/Usage: root-access/);
    expect(help.stdout).toMatch(/enforce/);
  });

  it('starts `root-access-emulator` on a shipped scenario from the installed package', async () => {
    const bin = path.join(appDir, 'node_modules', '.bin', 'root-access-emulator');
    const started = await new Promise<{ output: string; status: number | null }>((resolve, reject) => {
      const child = spawn(bin, ['--scenario', 'default', '--port', '0'], {
        cwd: appDir,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        output += chunk;
        if (output.includes('AWS_SECRET_ACCESS_KEY=')) child.kill('SIGTERM');
      });
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      child.on('error', reject);
      child.on('close', (status) => {
        clearTimeout(timer);
        resolve({ output, status });
      });
    });
    expect(started.output).toMatch(/export AWS_ENDPOINT_URL=http:\/\/127\.0\.0\.1:\d+/);
    expect(started.output).toContain(path.join(installed, 'emulator', 'scenarios', 'default.json'));
    expect(started.status).toBe(0);
  });
});
