/**
 * The built `root-access` tool (dist/cli/root-access.js, through bin/root-access.js) against the
 * emulator, as an operator runs it: no TTY, AWS access through the SDK's standard environment.
 * Covers: audit exit codes and JSON, enforce confirmation, dry-run and exclusions making no changes,
 * convergence, preflight failures, the three root tasks, and bad input through the bundle. The
 * interactive confirmation runs in-process with a fake terminal and the real engine.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { runCli } from '../../src/cli/run';
import { createEngine } from '../../src/engine';
import { startEmulator, type RunningEmulator } from '../../emulator';
import { captureIo, runTool as tool, toolEnv } from './helpers';

const execFileAsync = promisify(execFile);
const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'root-access.js');
const SCENARIOS = join(ROOT, 'emulator', 'scenarios');

const SMALL_ORG = {
  organization: {
    managementAccountId: '111111111111',
    rootId: 'r-ex12',
    featureSet: 'ALL',
    trustedAccess: ['iam.amazonaws.com'],
    rootFeatures: ['RootCredentialsManagement', 'RootSessions'],
  },
  organizationalUnits: [{ id: 'ou-ex12-prod0001', name: 'Prod', parentId: 'r-ex12' }],
  accounts: [
    { id: '222222222222', parentId: 'ou-ex12-prod0001', root: { password: true, accessKeys: 1 } },
    { id: '333333333333' },
  ],
  policies: [],
};

async function mutatingCalls(emulator: RunningEmulator) {
  return (await emulator.calls()).filter((call) => call.mutating && call.decision === 'allow');
}

function withEmulator(scenario: string | object, body: (get: () => RunningEmulator) => void): void {
  let emulator: RunningEmulator | undefined;
  beforeEach(async () => {
    emulator = await startEmulator({ scenario });
  });
  afterEach(async () => {
    await emulator?.stop();
  });
  body(() => {
    if (emulator === undefined) {
      throw new Error('emulator not started');
    }
    return emulator;
  });
}

// The tests run the bundle an operator runs, built from the sources under test by jest's globalSetup.

describe('root-access against the emulator', () => {
  describe('audit and enforce', () => {
    withEmulator(SMALL_ORG, (emulator) => {
      it('audit exits 1 and lists the non-compliant account in JSON, changing nothing', async () => {
        // WHEN
        const result = await tool(emulator(), ['audit', '--all', '--output', 'json']);

        // THEN
        expect(result.code).toBe(1);
        const report = JSON.parse(result.stdout);
        expect(report.mode).toBe('audit');
        expect(report.summary).toMatchObject({ 'non-compliant': 1, compliant: 1 });
        const account = report.accounts.find((a: { accountId: string }) => a.accountId === '222222222222');
        expect(account).toMatchObject({
          status: 'non-compliant',
          credentials: { password: true, accessKeys: 1, signingCertificates: 0, mfaDevices: 0 },
        });
        expect(await mutatingCalls(emulator())).toEqual([]);
      });

      it('defaults to JSON when stdout is not a terminal', async () => {
        const result = await tool(emulator(), ['audit', '--accounts', '333333333333']);

        expect(result.code).toBe(0);
        expect(JSON.parse(result.stdout).accounts).toEqual([
          expect.objectContaining({ accountId: '333333333333', status: 'compliant' }),
        ]);
      });

      it('fails enforce without --yes before making any AWS call', async () => {
        const result = await tool(emulator(), ['enforce', '--all']);

        expect(result.code).toBe(2);
        expect(result.stderr).toBe(
          'error: enforce changes accounts; pass --yes to confirm (or --dry-run to preview)\n',
        );
        expect(result.stdout).toBe('');
        expect(await emulator().calls()).toEqual([]);
      });

      it('plans removals in a dry run and makes no mutating call', async () => {
        const result = await tool(emulator(), ['enforce', '--all', '--dry-run', '--output', 'json']);

        expect(result.code).toBe(0);
        const report = JSON.parse(result.stdout);
        expect(report.dryRun).toBe(true);
        const account = report.accounts.find((a: { accountId: string }) => a.accountId === '222222222222');
        expect(
          account.actions.map((action: { kind: string; outcome: string }) => [action.kind, action.outcome]),
        ).toEqual(
          expect.arrayContaining([
            ['delete-login-profile', 'planned'],
            ['delete-access-key', 'planned'],
          ]),
        );
        expect(await mutatingCalls(emulator())).toEqual([]);
      });

      it('enforce --yes removes the credentials, and a following audit exits 0', async () => {
        // WHEN
        const enforced = await tool(emulator(), ['enforce', '--all', '--yes', '--output', 'json']);
        const audited = await tool(emulator(), ['audit', '--all', '--output', 'csv']);

        // THEN
        expect(enforced.code).toBe(0);
        expect(JSON.parse(enforced.stdout).accounts).toContainEqual(
          expect.objectContaining({ accountId: '222222222222', status: 'remediated' }),
        );
        expect(audited.code).toBe(0);
        expect(audited.stdout.split('\r\n')[0]).toMatch(/^accountId,accountName,status,/);
        expect(audited.stdout).not.toContain('non-compliant');
      });

      it('never calls into an excluded account', async () => {
        const result = await tool(emulator(), ['enforce', '--all', '--exclude', '222222222222', '--yes']);

        expect(result.code).toBe(0);
        expect(JSON.parse(result.stdout).accounts).toContainEqual(
          expect.objectContaining({ accountId: '222222222222', status: 'excluded' }),
        );
        const calls = await emulator().calls();
        expect(calls.filter((call) => call.accountId === '222222222222')).toEqual([]);
      });

      it('reports the management account given with --accounts as skipped, without calling it', async () => {
        const result = await tool(emulator(), ['audit', '--accounts', '111111111111,333333333333']);

        expect(result.code).toBe(0);
        expect(JSON.parse(result.stdout).accounts).toContainEqual(
          expect.objectContaining({
            accountId: '111111111111',
            status: 'skipped',
            reason: expect.stringContaining('management account'),
          }),
        );
        const calls = await emulator().calls();
        expect(
          calls.filter((call) => call.action === 'AssumeRoot' && call.accountId === '111111111111'),
        ).toEqual([]);
      });

      it('runs from a config file, printing a markdown table', async () => {
        // GIVEN
        const dir = mkdtempSync(join(tmpdir(), 'root-access-'));
        const file = join(dir, 'root-access.config.json');
        writeFileSync(
          file,
          JSON.stringify({
            enforcement: { targets: { organizationalUnitIds: ['ou-ex12-prod0001'] }, mode: 'enforce' },
          }),
        );
        try {
          // WHEN
          const result = await tool(emulator(), ['audit', '--config', file, '--output', 'markdown']);

          // THEN
          expect(result.code).toBe(1);
          expect(result.stdout).toMatch(
            /^\| 222222222222[^|]*\| non-compliant \| password, 1 access key \|/m,
          );
          expect(result.stdout).not.toContain('333333333333');
          expect(result.stdout).toContain('**1 account: 1 non-compliant**');
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });

      it.each<[string, string[], RegExp]>([
        [
          'a short account id',
          ['audit', '--accounts', '123'],
          /^error: --accounts: "123" is not a 12-digit AWS account id/,
        ],
        [
          'a target that is also excluded',
          ['audit', '--accounts', '222222222222', '--exclude', '222222222222'],
          /^error: --accounts: account 222222222222 is both a target and excluded/,
        ],
        ['an unknown flag', ['audit', '--all', '--nope'], /^error: unknown option '--nope'/],
        [
          'allow-recovery with a short account id',
          ['allow-recovery', '--account', '12345'],
          /^error: --account: "12345"/,
        ],
      ])('fails on %s with exit 2, one line and no AWS call', async (_name, args, pattern) => {
        const result = await tool(emulator(), args);

        expect(result.code).toBe(2);
        expect(result.stderr).toMatch(pattern);
        expect(result.stderr).not.toMatch(/\n\s+at /);
        expect(await emulator().calls()).toEqual([]);
      });

      it('turns an unknown profile into one line naming it, exit 3 and no AWS call, with the stack only under --debug', async () => {
        const plain = await tool(emulator(), ['audit', '--all', '--profile', 'no-such-profile']);
        const debug = await tool(emulator(), ['audit', '--all', '--profile', 'no-such-profile', '--debug']);

        // Changed with issue 11: the profile is checked before the SDK words it as missing credentials.
        expect(plain.code).toBe(3);
        expect(plain.stderr).toMatch(
          /^error: --profile: no profile named "no-such-profile" in .*; create it/,
        );
        expect(plain.stderr.trimEnd().split('\n')).toHaveLength(1);
        expect(await emulator().calls()).toEqual([]);
        expect(debug.code).toBe(3);
        expect(debug.stderr).toMatch(/\n\s+at /);
      });

      it('never prints the secret of the caller or of a root session, even with --debug', async () => {
        const result = await tool(emulator(), ['enforce', '--all', '--yes', '--debug', '--output', 'json']);

        expect(result.code).toBe(0);
        const printed = result.stdout + result.stderr;
        expect(printed).not.toContain(emulator().managementCredentials.secretAccessKey);
        expect(printed).not.toMatch(/SecretAccessKey|SessionToken/i);
      });

      it('fails on malformed and unknown-field config files with the position or the field', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'root-access-'));
        try {
          const malformed = join(dir, 'malformed.json');
          writeFileSync(malformed, '{\n  "targets": { "allAccounts": true, }\n}\n');
          const unknown = join(dir, 'unknown.json');
          writeFileSync(
            unknown,
            JSON.stringify({ targets: { allAccounts: true }, exclude: ['222222222222'] }),
          );

          const first = await tool(emulator(), ['audit', '--config', malformed]);
          const second = await tool(emulator(), ['audit', '--config', unknown]);

          expect(first.code).toBe(2);
          expect(first.stderr).toMatch(/^error: .*malformed\.json: line 2, column \d+: is not valid JSON: /);
          expect(second.code).toBe(2);
          expect(second.stderr).toBe(
            `error: ${unknown}: unknown field "exclude"; remove it or check the spelling\n`,
          );
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    });
  });

  describe('preflight', () => {
    describe('on a Control Tower landing zone', () => {
      withEmulator(join(SCENARIOS, 'control-tower.json'), (emulator) => {
        it('exits 1 and names the SCP that blocks root sessions and the accounts it blocks', async () => {
          const result = await tool(emulator(), ['preflight', '--all', '--output', 'json']);

          expect(result.code).toBe(1);
          const report = JSON.parse(result.stdout);
          expect(report.ok).toBe(false);
          const failed = report.checks.filter((check: { ok: boolean }) => !check.ok);
          expect(failed.map((check: { detail: string }) => check.detail).join('\n')).toMatch(
            /p-ctrestrictroot1|ExemptAssumeRoot/,
          );
          expect(
            failed.flatMap((check: { blockedAccountIds: string[] }) => check.blockedAccountIds),
          ).toContain('333333333333');
          expect(await mutatingCalls(emulator())).toEqual([]);
        });
      });
    });

    describe('on an organization that has not enabled centralized root access', () => {
      withEmulator(join(SCENARIOS, 'not-enabled.json'), (emulator) => {
        it('exits 1 naming the missing trusted access and root features, in the table', async () => {
          const result = await tool(emulator(), ['preflight', '--all', '--output', 'table']);

          expect(result.code).toBe(1);
          expect(result.stdout).toMatch(/FAIL/);
          expect(result.stdout).toMatch(/│ trusted-access +│ FAIL +│ trusted access for/);
          expect(result.stdout).toMatch(/│ root-features +│ FAIL +│/);
          expect(result.stdout.trimEnd().split('\n').pop()).toMatch(
            /^preflight failed: \d+ of \d+ checks failed$/,
          );
        });
      });
    });
  });

  describe('root tasks', () => {
    withEmulator(join(SCENARIOS, 'unlock.json'), (emulator) => {
      interface AccountState {
        id: string;
        root: { password: boolean };
        buckets: { name: string; policy: string | null }[];
        queues: { name: string; url: string; policy: string | null }[];
      }
      const account = async (id: string): Promise<AccountState> => {
        const state = (await emulator().state()) as { accounts: AccountState[] };
        const found = state.accounts.find((a) => a.id === id);
        if (found === undefined) {
          throw new Error(`no account ${id}`);
        }
        return found;
      };

      it('allow-recovery creates a root login profile', async () => {
        const result = await tool(emulator(), [
          'allow-recovery',
          '--account',
          '444444444444',
          '--output',
          'json',
        ]);

        expect(result.code).toBe(0);
        expect(JSON.parse(result.stdout)).toMatchObject({
          task: 'allow-recovery',
          accountId: '444444444444',
          ok: true,
        });
        expect((await account('444444444444')).root.password).toBe(true);
      });

      it('unlock-s3-bucket-policy deletes the bucket policy', async () => {
        const result = await tool(emulator(), [
          'unlock-s3-bucket-policy',
          '--account',
          '333333333333',
          '--bucket',
          'locked-bucket',
        ]);

        expect(result.code).toBe(0);
        expect(
          (await account('333333333333')).buckets.find((b) => b.name === 'locked-bucket')?.policy,
        ).toBeNull();
      });

      it('unlock-sqs-queue-policy removes the queue policy', async () => {
        const queue = (await account('333333333333')).queues.find((q) => q.name === 'locked-queue');

        const result = await tool(emulator(), [
          'unlock-sqs-queue-policy',
          '--account',
          '333333333333',
          '--queue-url',
          queue?.url ?? '',
        ]);

        expect(result.code).toBe(0);
        expect(
          (await account('333333333333')).queues.find((q) => q.name === 'locked-queue')?.policy,
        ).toBeFalsy();
      });

      it('exits 1 with the diagnosis when a task fails', async () => {
        const result = await tool(emulator(), [
          'unlock-s3-bucket-policy',
          '--account',
          '444444444444',
          '--bucket',
          'no-such-bucket',
          '--output',
          'json',
        ]);

        expect(result.code).toBe(1);
        const output = JSON.parse(result.stdout);
        expect(output.ok).toBe(false);
        expect(output.error).toEqual(expect.any(String));
      });
    });
  });
});

describe('bin/root-access.js', () => {
  it('asks for the build when the bundle is missing, and exits 2', async () => {
    // GIVEN a copy of the shim with no dist/ beside it
    const dir = mkdtempSync(join(tmpdir(), 'root-access-bin-'));
    mkdirSync(join(dir, 'bin'));
    copyFileSync(BIN, join(dir, 'bin', 'root-access.js'));
    try {
      // WHEN
      const result = await execFileAsync(process.execPath, [
        join(dir, 'bin', 'root-access.js'),
        '--help',
      ]).then(
        () => ({ code: 0, stderr: '' }),
        (error: { code: number; stderr: string }) => error,
      );

      // THEN
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('run `npm run build:bundles` first');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('interactive enforce (in-process, fake terminal, real engine)', () => {
  let emulator: RunningEmulator;
  const saved = { ...process.env };

  beforeEach(async () => {
    emulator = await startEmulator({ scenario: join(SCENARIOS, 'default.json') });
    Object.assign(process.env, toolEnv(emulator));
    delete process.env['AWS_PROFILE'];
  });
  afterEach(async () => {
    await emulator.stop();
    process.env = { ...saved };
  });

  it('asks with the number of accounts that would change, then enforces only those', async () => {
    // GIVEN
    const terminal = captureIo({ tty: true, answers: ['y'] });

    // WHEN
    const code = await runCli(['enforce', '--all', '--output', 'json'], { io: terminal.io, createEngine });

    // THEN
    // Changed with issue 11: the question follows the list of what will be removed.
    expect(terminal.questions).toEqual(['Remove these root credentials from 4 accounts? [y/N] ']);
    expect(terminal.stderr()).toMatch(
      /Will remove root credentials from 4 of 9 targeted accounts:\n {2}\d{12}/,
    );
    expect(terminal.stderr()).toMatch(/in all: \d+ password/);
    expect(code).toBe(0);
    const report = JSON.parse(terminal.stdout());
    expect(report.dryRun).toBe(false);
    expect(report.summary).toMatchObject({ remediated: 4, 'non-compliant': 0, total: 9 });
    // Only the accounts that held credentials got a delete-task session, and the compliant ones were
    // audited once (by the preview), not twice.
    const calls = await emulator.calls();
    const remediated = report.accounts
      .filter((a: { status: string }) => a.status === 'remediated')
      .map((a: { accountId: string }) => a.accountId);
    const deleteTaskAccounts = calls
      .filter((call) => /IAMDeleteRootUserCredentials/.test(call.taskPolicyArn ?? ''))
      .map((call) => call.accountId);
    expect(new Set(deleteTaskAccounts)).toEqual(new Set(remediated));
    const compliant = report.accounts
      .filter((a: { status: string }) => a.status === 'compliant')
      .map((a: { accountId: string }) => a.accountId);
    expect(compliant.length).toBeGreaterThan(0);
    for (const accountId of compliant) {
      expect(
        calls.filter((call) => call.action === 'AssumeRoot' && call.accountId === accountId),
      ).toHaveLength(1);
    }
  });

  it('changes nothing and exits 1 when the operator declines', async () => {
    const terminal = captureIo({ tty: true, answers: ['n'] });

    const code = await runCli(['enforce', '--all'], { io: terminal.io, createEngine });

    expect(code).toBe(1);
    expect(terminal.stderr()).toContain('aborted; nothing was changed');
    expect(terminal.stdout()).toBe('');
    expect(await mutatingCalls(emulator)).toEqual([]);
  });

  it('draws progress in place on a terminal, and plain lines when stderr is captured', async () => {
    const terminal = captureIo({ tty: true });
    const captured = captureIo({ tty: false });
    const progressTiming = { quietMs: 0, redrawEveryMs: 5, lineEveryMs: 5 };

    await runCli(['audit', '--all', '--output', 'json'], { io: terminal.io, createEngine, progressTiming });
    await runCli(['audit', '--all', '--output', 'json'], { io: captured.io, createEngine, progressTiming });

    // Changed with issue 11: every run that lasts shows progress, on a non-terminal as plain lines.
    expect(terminal.stderr()).toContain('\r\u001b[Kauditing: ');
    expect(captured.stderr()).toMatch(/^auditing: /m);
    expect(captured.stderr()).not.toContain('\u001b');
    expect(JSON.parse(terminal.stdout()).summary).toEqual(JSON.parse(captured.stdout()).summary);
  });
});
