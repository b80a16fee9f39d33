/**
 * `npm run demo` (scripts/demo.ts), the README's main job, run as a person runs it: on the default
 * scenario it converges and says so; on the Control Tower landing zone it must say what failed and
 * why, and never claim a convergence it did not reach. Every command it prints pastes into a shell
 * as the arguments it ran.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const SCENARIOS = join(ROOT, 'emulator', 'scenarios');
const TSX = require.resolve('tsx/cli');

async function demo(scenario: string): Promise<{ code: number; lines: string[] }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    AWS_CONFIG_FILE: '/nonexistent',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
  };
  delete env['COLUMNS'];
  const outcome = await execFileAsync(process.execPath, [TSX, join(ROOT, 'scripts', 'demo.ts'), scenario], {
    cwd: ROOT,
    env,
    maxBuffer: 64 << 20,
  }).then(
    ({ stdout }) => ({ code: 0, stdout }),
    (error: { code?: number; stdout?: string }) => ({ code: error.code ?? -1, stdout: error.stdout ?? '' }),
  );
  return { code: outcome.code, lines: outcome.stdout.split('\n') };
}

/** The arguments a POSIX shell makes of a printed command line. */
async function asTheShellReadsIt(commandLine: string): Promise<string[]> {
  const { stdout } = await execFileAsync('sh', ['-c', `printf '%s\\n' ${commandLine}`]);
  return stdout.split('\n').slice(0, -1);
}

describe('npm run demo', () => {
  it('on the Control Tower scenario says which accounts failed and why, and does not claim convergence', async () => {
    const { code, lines } = await demo(join(SCENARIOS, 'control-tower.json'));

    expect(code).toBe(1);
    expect(lines.filter((line) => /^converged/i.test(line))).toEqual([]);
    expect(lines).toContain(
      'Preflight failed: the accounts it names cannot be audited or enforced until that is fixed. The demo carries on to show what the tool then reports.',
    );
    const verdictAt = lines.findIndex((line) => line.startsWith('NOT converged: '));
    expect(lines[verdictAt]).toBe('NOT converged: 2 of 5 accounts are not compliant (2 failed):');
    expect(lines[verdictAt + 1]).toMatch(
      /^- 333333333333 \(workload-prod\), 444444444444 \(workload-dev\): AccessDenied by service control policy p-ctrestrictroot1 .*ExemptAssumeRoot/,
    );
    expect(lines[verdictAt + 2]).toMatch(/^Preflight \(step 1\) failed before any change was made/);
  });

  it('on the default scenario converges, says so, and prints commands that paste as they ran', async () => {
    const { code, lines } = await demo(join(SCENARIOS, 'default.json'));

    expect(code).toBe(0);
    expect(lines.filter((line) => line !== '').at(-1)).toMatch(
      /^Converged: 6 targeted accounts compliant, none left non-compliant or failed; 1 keeps root credentials on purpose, under a break-glass window; 2 skipped/,
    );
    const commands = lines.filter((line) => line.startsWith('$ root-access '));
    expect(commands).toHaveLength(5);
    const dryRun = commands.find((line) => line.includes('--dry-run')) ?? '';
    const args = await asTheShellReadsIt(dryRun.slice('$ '.length));
    expect(args.slice(0, 5)).toEqual(['root-access', 'enforce', '--all', '--dry-run', '--break-glass']);
    expect(args[5]).toMatch(/^777777777777=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ:INC-4711 sandbox root recovery$/);
    expect(args.slice(6)).toEqual(['--output', 'table']);
  });
});
