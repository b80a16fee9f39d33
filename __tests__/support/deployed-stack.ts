/**
 * One deployment of the example app per test file: the emulator with moto, the app synthesized
 * from a config the test writes, `terraform init` from the mirror, and helpers to run Terraform
 * and read the emulator's state. The apply tiers (`__tests__/terraform/apply.test.ts`,
 * `continuous-enforcement.test.ts`) share it instead of copying the setup.
 *
 *   const stack = useDeployedStack({ name: 'apply', stackName, scenario, config });
 *   it('...', async () => { await stack.terraform('apply', 'apply', '-auto-approve'); });
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { type RunningEmulator, findMotoPython, startEmulator } from '../../emulator/index';
import { isCi, requireTerraformTier, terraformTier } from './terraform';
import {
  REPO_ROOT,
  describeRun,
  emulatedTerraformEnv,
  synthExampleApp,
  timedTerraform,
  type TimedResult,
} from './terraform-emulator';

export interface StateAccount {
  id: string;
  parentId?: string;
  root: { password: boolean; accessKeys: string[]; signingCertificates: string[]; mfaDevices: unknown[] };
}
export interface EmulatorStateJson {
  organization: {
    trustedAccess: string[];
    rootFeatures: string[];
    delegatedAdministrators: Array<{ accountId: string; servicePrincipal: string }>;
  };
  accounts: StateAccount[];
  policies: Array<{ id: string; name: string; targets: string[] }>;
}
export interface ReportAccount {
  accountId: string;
  status: string;
}

/** A break-glass window `days` out: within the 30-day bound, never in the past. */
export function breakGlassUntil(days = 14): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
}

export function hasRootCredentials(account: StateAccount): boolean {
  const root = account.root;
  return (
    root.password ||
    root.accessKeys.length > 0 ||
    root.signingCertificates.length > 0 ||
    root.mfaDevices.length > 0
  );
}

/** A scenario shipped in `emulator/scenarios/`, as a document the test may change. */
export function shippedScenario(name: string): {
  organization: Record<string, unknown>;
  accounts: Array<Record<string, unknown>>;
  principals?: Array<Record<string, unknown>>;
} & Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(REPO_ROOT, 'emulator', 'scenarios', `${name}.json`), 'utf8')) as {
    organization: Record<string, unknown>;
    accounts: Array<Record<string, unknown>>;
  };
}

/**
 * Day 0 of the default scenario: no trusted access for IAM, no root features, no delegated
 * administrator; all of it is left to the apply. `excludedAccountId` gets a root password, so
 * "never touched" is visible.
 */
export function dayZeroScenario(excludedAccountId: string): ReturnType<typeof shippedScenario> {
  const document = shippedScenario('default');
  document.organization['trustedAccess'] = (document.organization['trustedAccess'] as string[]).filter(
    (principal) => principal !== 'iam.amazonaws.com',
  );
  document.organization['rootFeatures'] = [];
  document.organization['delegatedAdministrators'] = [];
  const excluded = document.accounts.find((account) => account['id'] === excludedAccountId);
  if (excluded === undefined) throw new Error(`default scenario lost account ${excludedAccountId}`);
  excluded['root'] = { password: true };
  return document;
}

/** The tier's `describe`: skipped loudly without moto locally, failing under CI=true. */
export function applyTierDescribe(label: string): jest.Describe {
  const moto = findMotoPython();
  if (moto.ok || isCi()) return terraformTier(label);
  console.warn(`\n!! SKIPPING the ${label} tier: ${moto.message}. Under CI=true it fails instead.\n`);
  return describe.skip;
}

export interface DeployedStackOptions {
  /** Prefix of the temporary directory. */
  readonly name: string;
  /** The config's `stackName` (the synthesized stack's directory). */
  readonly stackName: string;
  readonly scenario: () => Record<string, unknown>;
  /** The app config, given where Terraform keeps its state. */
  readonly config: (stateFile: string) => Record<string, unknown>;
}

export interface DeployedStack {
  readonly emulator: RunningEmulator;
  readonly stackDir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly timings: Record<string, number>;
  state(): Promise<EmulatorStateJson>;
  account(id: string): Promise<StateAccount>;
  /**
   * Runs Terraform in the stack (adding -no-color, and -input=false where it applies); throws
   * with the output and the failed Lambda invocations unless it succeeded (with
   * -detailed-exitcode, 2 counts as success: "succeeded, with changes").
   */
  terraform(label: string, ...args: string[]): Promise<TimedResult>;
  /** The same, returning whatever Terraform exited with. */
  terraformUnchecked(label: string, ...args: string[]): Promise<TimedResult>;
  /** Writes a new app config, synthesizes again into the same stack directory and re-runs init. */
  resynth(config: (stateFile: string) => Record<string, unknown>): Promise<void>;
  /** The report output (`terraform output -json`), decoded. */
  report(
    label?: string,
  ): Promise<
    { mode: string; accounts: ReportAccount[]; summary: Record<string, number> } & Record<string, unknown>
  >;
}

/** Registers beforeAll/afterAll for one deployment; the returned object is usable inside tests. */
export function useDeployedStack(options: DeployedStackOptions): DeployedStack {
  let emulator: RunningEmulator | undefined;
  let work = '';
  let stackDir = '';
  let env: NodeJS.ProcessEnv = {};
  const timings: Record<string, number> = {};

  const running = (): RunningEmulator => {
    if (emulator === undefined) throw new Error('the emulator did not start');
    return emulator;
  };

  async function unchecked(label: string, args: string[]): Promise<TimedResult> {
    const interactive = ['init', 'plan', 'apply', 'destroy'].includes(args[0] ?? '');
    const result = await timedTerraform(
      [...args, '-no-color', ...(interactive ? ['-input=false'] : [])],
      stackDir,
      env,
    );
    timings[label] = result.ms;
    return result;
  }

  async function checked(label: string, args: string[]): Promise<TimedResult> {
    const result = await unchecked(label, args);
    const succeeded = result.status === 0 || (result.status === 2 && args.includes('-detailed-exitcode'));
    if (!succeeded) {
      const logs = running()
        .lambdaInvocations()
        .filter((invocation) => invocation.outcome !== 'succeeded')
        .map(
          (invocation) =>
            `${invocation.requestId} ${invocation.outcome}: ${invocation.error?.errorMessage ?? ''}`,
        );
      throw new Error(`${describeRun(args, result)}\n--- failed invocations\n${logs.join('\n')}`);
    }
    return result;
  }

  async function synth(config: (stateFile: string) => Record<string, unknown>): Promise<void> {
    const configFile = path.join(work, 'root-access.config.json');
    writeFileSync(configFile, JSON.stringify(config(path.join(work, 'terraform.tfstate'))));
    const synthesized = await synthExampleApp({
      configFile,
      outdir: path.join(work, 'cdktf.out'),
      endpoint: running().endpoint,
      stackName: options.stackName,
    });
    // The app points every service at ROOT_ACCESS_AWS_ENDPOINT itself; nothing had to be patched in.
    if (synthesized.patchedServices.length > 0) {
      throw new Error(`the app left services unpointed: ${synthesized.patchedServices.join(', ')}`);
    }
    timings['synth'] = synthesized.synthMs;
    stackDir = synthesized.stackDir;
    await checked('init', ['init']);
  }

  beforeAll(async () => {
    requireTerraformTier();
    work = mkdtempSync(path.join(tmpdir(), `root-access-${options.name}-`));
    const started = performance.now();
    emulator = await startEmulator({ scenario: options.scenario(), moto: true });
    timings['emulator start (with moto)'] = Math.round(performance.now() - started);
    env = emulatedTerraformEnv(path.join(work, 'terraform-cli'), emulator.managementCredentials);
    await synth(options.config);
  }, 120_000);

  afterAll(async () => {
    await emulator?.stop();
    if (work !== '') rmSync(work, { recursive: true, force: true });
    console.info(
      `terraform ${options.name} tier timings (ms): ${Object.entries(timings)
        .map(([step, ms]) => `${step}=${ms}`)
        .join(', ')}`,
    );
  }, 30_000);

  const stack: DeployedStack = {
    get emulator() {
      return running();
    },
    get stackDir() {
      return stackDir;
    },
    get env() {
      return env;
    },
    timings,
    state: async () => (await running().state()) as EmulatorStateJson,
    async account(id) {
      const found = (await stack.state()).accounts.find((candidate) => candidate.id === id);
      if (found === undefined) throw new Error(`no account ${id} in the emulator`);
      return found;
    },
    terraform: (label, ...args) => checked(label, args),
    terraformUnchecked: (label, ...args) => unchecked(label, args),
    resynth: synth,
    async report(label = 'output') {
      const output = await checked(label, ['output', '-json']);
      const outputs = JSON.parse(output.stdout) as Record<string, { value: unknown }>;
      return outputs['enforcement_report']?.value as Awaited<ReturnType<DeployedStack['report']>>;
    },
  };
  return stack;
}
