/**
 * Finds the reconciler Lambda's prebuilt bundle (`dist/reconciler/`) and makes sure it is
 * not older than its sources, so `cdktf synth` never packages yesterday's handler.
 *
 * Choice: in a source checkout (the handler's TypeScript is present) a stale or missing bundle
 * is rebuilt by running `scripts/bundle.mjs` in a child process, which takes about a second;
 * when that is impossible (no script, no esbuild) synth fails with the command to run. The
 * construct never imports esbuild itself, so an installed package needs neither esbuild nor
 * the sources: there the shipped bundle is used as is.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

export const PACKAGE_NAME = 'cdktf-centralized-root-access';
/** Relative to the package root. */
export const BUNDLE_DIRECTORY = join('dist', 'reconciler');
export const BUNDLE_ENTRY = 'index.js';
export const BUNDLE_NAME = 'reconciler';
/** What the bundle is built from, relative to the package root. */
export const BUNDLE_SOURCES = [
  join('src', 'lambda'),
  join('src', 'engine'),
  join('src', 'shared'),
  join('scripts', 'bundle.mjs'),
  'package-lock.json',
];

/** Thrown when the bundle is missing or stale and cannot be rebuilt here. */
export class BundleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BundleError';
  }
}

export interface LocateBundleOptions {
  /** @default - the nearest directory above this file whose package.json is this package's */
  readonly packageRoot?: string;
  /** Rebuild a stale bundle in a source checkout. @default true */
  readonly rebuild?: boolean;
}

export interface LocatedBundle {
  /** Absolute path of the directory to zip. */
  readonly directory: string;
  /** Whether this call rebuilt it. */
  readonly rebuilt: boolean;
}

export function locateBundle(options: LocateBundleOptions = {}): LocatedBundle {
  const root = options.packageRoot ?? findPackageRoot(__dirname);
  const directory = join(root, BUNDLE_DIRECTORY);
  const entry = join(directory, BUNDLE_ENTRY);
  const sourcesPresent = existsSync(join(root, BUNDLE_SOURCES[0]));
  const builtAt = existsSync(entry) ? statSync(entry).mtimeMs : undefined;
  if (!sourcesPresent) {
    if (builtAt === undefined) {
      throw new BundleError(
        `the reconciler bundle ${entry} is missing from the installed package; reinstall it`,
      );
    }
    return { directory, rebuilt: false };
  }
  const newest = newestSource(root);
  if (builtAt !== undefined && builtAt >= newest.mtimeMs) {
    return { directory, rebuilt: false };
  }
  const why =
    builtAt === undefined
      ? `the reconciler bundle ${entry} does not exist`
      : `the reconciler bundle ${entry} is older than ${newest.path}`;
  const script = join(root, 'scripts', 'bundle.mjs');
  if (options.rebuild === false || !existsSync(script) || !esbuildAvailable(root)) {
    throw new BundleError(`${why}; run "npm run build:bundles" and synthesize again`);
  }
  try {
    execFileSync(process.execPath, [script, '--only', BUNDLE_NAME], { cwd: root, stdio: 'pipe' });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new BundleError(`${why}, and rebuilding it failed${stderr ? `:\n${stderr}` : ''}`);
  }
  if (!existsSync(entry)) {
    throw new BundleError(`${why}, and "node scripts/bundle.mjs" did not produce it`);
  }
  return { directory, rebuilt: true };
}

export function findPackageRoot(start: string): string {
  let current = start;
  for (;;) {
    const manifest = join(current, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === PACKAGE_NAME) {
          return current;
        }
      } catch {
        // An unreadable package.json is not ours; keep walking up.
      }
    }
    const parent = dirname(current);
    if (parent === current) {
      throw new BundleError(`cannot find the ${PACKAGE_NAME} package root above ${start}`);
    }
    current = parent;
  }
}

function newestSource(root: string): { path: string; mtimeMs: number } {
  let newest = { path: '', mtimeMs: 0 };
  const visit = (path: string): void => {
    if (!existsSync(path)) {
      return;
    }
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const name of readdirSync(path)) {
        visit(join(path, name));
      }
    } else if (stat.mtimeMs > newest.mtimeMs) {
      newest = { path, mtimeMs: stat.mtimeMs };
    }
  };
  for (const source of BUNDLE_SOURCES) {
    visit(join(root, source));
  }
  return newest;
}

function esbuildAvailable(root: string): boolean {
  try {
    require.resolve('esbuild', { paths: [root] });
    return true;
  } catch {
    return false;
  }
}
