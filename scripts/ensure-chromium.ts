/**
 * Finds a headless-capable Chromium for the HTML report's browser test, and on a CI machine that
 * lacks one, installs Debian's `chromium` with apt-get (as root only; a developer's machine is never
 * changed by `npm test`, it is told the command instead). Nothing is downloaded at test time: the
 * install happens in `pretest`, before jest starts, and only when the browser is missing.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Names a Chromium build goes by on PATH: Debian's, Ubuntu's older one, Google's. */
export const CHROMIUM_NAMES = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'];

export const INSTALL_COMMAND = 'apt-get install -y --no-install-recommends chromium';

/** What to tell a person who has no Chromium: the command, with sudo when they are not root. */
export const INSTALL_HINT = `install Debian's chromium (\`sudo ${INSTALL_COMMAND}\`), or set CHROMIUM_PATH to a Chromium or Chrome binary`;

type Env = Readonly<Record<string, string | undefined>>;

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The first executable called `name` on PATH. */
export function onPath(name: string, env: Env): string | undefined {
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    if (isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

/** CHROMIUM_PATH when set (and it must then be an executable), else the first Chromium on PATH. */
export function findChromium(env: Env = process.env): string | undefined {
  const explicit = env['CHROMIUM_PATH'];
  if (explicit !== undefined && explicit !== '') {
    return isExecutableFile(explicit) ? explicit : undefined;
  }
  for (const name of CHROMIUM_NAMES) {
    const found = onPath(name, env);
    if (found !== undefined) return found;
  }
  return undefined;
}

export function isCi(env: Env = process.env): boolean {
  return env['CI'] === 'true' || env['CI'] === '1';
}

export type ChromiumPlan =
  | { readonly kind: 'present'; readonly path: string }
  | { readonly kind: 'install'; readonly aptGet: string }
  | { readonly kind: 'advise'; readonly message: string };

/**
 * What `pretest` does about Chromium. Installing is for CI only (CI=true), as root, where apt-get
 * exists: a CI machine is disposable and has no one to ask, a developer's machine is theirs.
 */
export function planChromium(facts: { env: Env; uid: number | undefined }): ChromiumPlan {
  const { env, uid } = facts;
  const path = findChromium(env);
  if (path !== undefined) return { kind: 'present', path };
  const explicit = env['CHROMIUM_PATH'];
  if (explicit !== undefined && explicit !== '') {
    return {
      kind: 'advise',
      message: `CHROMIUM_PATH is ${JSON.stringify(explicit)}, which is not an executable file; point it at a Chromium or Chrome binary, or unset it to search PATH`,
    };
  }
  if (!isCi(env)) {
    return {
      kind: 'advise',
      message: `no Chromium on PATH (looked for ${CHROMIUM_NAMES.join(', ')}): the HTML report's browser test will be skipped; ${INSTALL_HINT}`,
    };
  }
  const aptGet = onPath('apt-get', env);
  if (aptGet === undefined || uid !== 0) {
    return {
      kind: 'advise',
      message: `no Chromium on PATH and ${aptGet === undefined ? 'no apt-get to install one' : 'not root, so apt-get cannot install one'}: under CI=true the HTML report's browser test fails; ${INSTALL_HINT}`,
    };
  }
  return { kind: 'install', aptGet };
}

/** Runs a command with inherited output; resolves its exit status. */
export type Runner = (command: string, args: readonly string[], env: Env) => number;

const spawnRunner: Runner = (command, args, env) =>
  spawnSync(command, args, { stdio: 'inherit', env: { ...env } }).status ?? 1;

/**
 * Carries out {@link planChromium}. Install first tries the package lists the machine has (fast,
 * offline-friendly), and refreshes them only if that fails. Never throws: a failed install is a
 * warning here and a failing browser test later, with the same hint.
 */
export function ensureChromium(
  facts: { env: Env; uid: number | undefined },
  run: Runner = spawnRunner,
  log: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
): { path: string | undefined; installed: boolean } {
  const plan = planChromium(facts);
  if (plan.kind === 'present') return { path: plan.path, installed: false };
  if (plan.kind === 'advise') {
    log(`ensure-tools: ${plan.message}`);
    return { path: undefined, installed: false };
  }
  const env = { ...facts.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = INSTALL_COMMAND.split(' ').slice(1);
  log(
    `ensure-tools: no Chromium on PATH; installing it for the HTML report's browser test: ${INSTALL_COMMAND}`,
  );
  let status = run(plan.aptGet, install, env);
  if (status !== 0) {
    log('ensure-tools: install failed; refreshing the package lists (apt-get update) and trying once more');
    const update = run(plan.aptGet, ['update'], env);
    status = update === 0 ? run(plan.aptGet, install, env) : update;
  }
  const path = findChromium(facts.env);
  if (path === undefined) {
    log(
      `ensure-tools: could not install Chromium (apt-get exit ${status}); the HTML report's browser test will fail under CI=true; ${INSTALL_HINT}`,
    );
    return { path: undefined, installed: false };
  }
  log(`ensure-tools: Chromium installed at ${path}`);
  return { path, installed: true };
}
