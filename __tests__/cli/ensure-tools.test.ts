/**
 * `npm test`'s pretest (scripts/ensure-tools.ts): finds Chromium, and installs Debian's with apt-get
 * only on a CI machine, as root, when it is missing. A real PATH search over temp dirs; the install
 * path runs against a stand-in apt-get (a script on a temp PATH that records its arguments and
 * "installs" a chromium file), so this machine's packages are never touched.
 */
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import {
  ensureChromium,
  findChromium,
  INSTALL_COMMAND,
  planChromium,
  type Runner,
} from '../../scripts/ensure-chromium';

const execFileAsync = promisify(execFile);
const ROOT = join(__dirname, '..', '..');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ensure-tools-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function executable(name: string, body = `#!${process.execPath}\n`): string {
  const path = join(dir, name);
  writeFileSync(path, body);
  chmodSync(path, 0o755);
  return path;
}

describe('findChromium', () => {
  it('finds chromium on PATH, skipping a non-executable file of the same name', () => {
    const other = mkdtempSync(join(tmpdir(), 'ensure-tools-'));
    try {
      writeFileSync(join(other, 'chromium'), 'not executable');
      const found = executable('chromium-browser');

      expect(findChromium({ PATH: `${other}:${dir}` })).toBe(found);
      expect(findChromium({ PATH: other })).toBeUndefined();
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('takes CHROMIUM_PATH over PATH, and only when it is executable', () => {
    executable('chromium');
    const chrome = executable('my-chrome');

    expect(findChromium({ PATH: dir, CHROMIUM_PATH: chrome })).toBe(chrome);
    expect(findChromium({ PATH: dir, CHROMIUM_PATH: join(dir, 'missing') })).toBeUndefined();
  });
});

describe('planChromium', () => {
  it('does nothing when Chromium is there', () => {
    const path = executable('chromium');

    expect(planChromium({ env: { PATH: dir, CI: 'true' }, uid: 0 })).toEqual({ kind: 'present', path });
  });

  it('never installs on a developer machine (no CI), even as root with apt-get: it names the command', () => {
    executable('apt-get');

    const plan = planChromium({ env: { PATH: dir }, uid: 0 });

    expect(plan.kind).toBe('advise');
    expect(plan).toMatchObject({ message: expect.stringContaining(`sudo ${INSTALL_COMMAND}`) });
    expect(plan).toMatchObject({ message: expect.stringContaining('will be skipped') });
  });

  it('under CI, installs with apt-get as root, and says why it cannot otherwise', () => {
    const aptGet = executable('apt-get');

    expect(planChromium({ env: { PATH: dir, CI: 'true' }, uid: 0 })).toEqual({ kind: 'install', aptGet });
    expect(planChromium({ env: { PATH: dir, CI: 'true' }, uid: 1000 })).toMatchObject({
      kind: 'advise',
      message: expect.stringMatching(
        /^no Chromium on PATH and not root, so apt-get cannot install one: .* fails; /,
      ),
    });
    rmSync(aptGet);
    expect(planChromium({ env: { PATH: dir, CI: '1' }, uid: 0 })).toMatchObject({
      kind: 'advise',
      message: expect.stringContaining('no apt-get to install one'),
    });
  });

  it('names a CHROMIUM_PATH that is not executable instead of installing over it', () => {
    executable('apt-get');

    expect(
      planChromium({ env: { PATH: dir, CI: 'true', CHROMIUM_PATH: '/no/such/chrome' }, uid: 0 }),
    ).toMatchObject({
      kind: 'advise',
      message: expect.stringContaining('CHROMIUM_PATH is "/no/such/chrome"'),
    });
  });
});

describe('ensureChromium', () => {
  const facts = (): { env: Record<string, string>; uid: number } => ({
    env: { PATH: dir, CI: 'true' },
    uid: 0,
  });

  it('installs once when the first apt-get install works', () => {
    executable('apt-get');
    const calls: string[][] = [];
    const run: Runner = (_command, args, env) => {
      calls.push([...args, `DEBIAN_FRONTEND=${env['DEBIAN_FRONTEND']}`]);
      executable('chromium');
      return 0;
    };

    const result = ensureChromium(facts(), run, () => undefined);

    expect(result).toEqual({ path: join(dir, 'chromium'), installed: true });
    expect(calls).toEqual([[...INSTALL_COMMAND.split(' ').slice(1), 'DEBIAN_FRONTEND=noninteractive']]);
  });

  it('refreshes the package lists and retries when the first install fails', () => {
    executable('apt-get');
    const calls: string[] = [];
    const run: Runner = (_command, args) => {
      calls.push(args.join(' '));
      if (calls.length === 1) return 100;
      if (args[0] === 'install') executable('chromium');
      return 0;
    };

    const result = ensureChromium(facts(), run, () => undefined);

    expect(calls).toEqual([
      'install -y --no-install-recommends chromium',
      'update',
      'install -y --no-install-recommends chromium',
    ]);
    expect(result.installed).toBe(true);
  });

  it('reports a failed install with the hint, and never throws', () => {
    executable('apt-get');
    const lines: string[] = [];

    const result = ensureChromium(
      facts(),
      () => 100,
      (line) => lines.push(line),
    );

    expect(result).toEqual({ path: undefined, installed: false });
    expect(lines.at(-1)).toMatch(
      /^ensure-tools: could not install Chromium \(apt-get exit 100\); .*`sudo apt-get install/,
    );
  });

  it('runs nothing when Chromium is already there', () => {
    executable('chromium');
    executable('apt-get');
    const run = jest.fn<number, Parameters<Runner>>(() => 0);

    expect(ensureChromium(facts(), run, () => undefined).installed).toBe(false);
    expect(run).not.toHaveBeenCalled();
  });
});

// The script as `npm test` runs it, with a stand-in apt-get on a PATH that has no Chromium.
(process.getuid?.() === 0 ? describe : describe.skip)('scripts/ensure-tools.ts as pretest (root)', () => {
  const script = join(ROOT, 'scripts', 'ensure-tools.ts');
  const tsx = require.resolve('tsx/cli');

  function standInAptGet(): string {
    const log = join(dir, 'apt-get.log');
    executable(
      'apt-get',
      `#!${process.execPath}
const fs = require('node:fs');
const path = require('node:path');
fs.appendFileSync(${JSON.stringify(log)}, process.argv.slice(2).join(' ') + ' DEBIAN_FRONTEND=' + process.env.DEBIAN_FRONTEND + '\\n');
if (process.argv[2] === 'install') {
  const chromium = path.join(${JSON.stringify(dir)}, 'chromium');
  fs.writeFileSync(chromium, '#!' + process.execPath + '\\n');
  fs.chmodSync(chromium, 0o755);
}
`,
    );
    return log;
  }

  it('under CI=true installs Chromium with apt-get and exits 0', async () => {
    const log = standInAptGet();

    const { stderr } = await execFileAsync(process.execPath, [tsx, script], {
      cwd: ROOT,
      env: { PATH: dir, CI: 'true' },
    });

    expect(readFileSync(log, 'utf8')).toBe(
      'install -y --no-install-recommends chromium DEBIAN_FRONTEND=noninteractive\n',
    );
    expect(stderr).toContain(`ensure-tools: Chromium installed at ${join(dir, 'chromium')}`);
  });

  it('without CI leaves the machine alone and names the install command', async () => {
    const log = standInAptGet();

    const { stderr } = await execFileAsync(process.execPath, [tsx, script], {
      cwd: ROOT,
      env: { PATH: dir },
    });

    expect(existsSync(log)).toBe(false);
    expect(stderr).toContain(`sudo ${INSTALL_COMMAND}`);
  });
});
