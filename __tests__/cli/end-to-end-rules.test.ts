/**
 * The command-line rules that unit tests cover, proved end to end: the built tool against the
 * emulator with the real SDK. A target that does not exist fails the run; a --break-glass flag can
 * only extend a window the config file declares; a file whose mode is "audit" is not enforced
 * without --override-config-mode; allow-recovery on a suspended or non-member account names the
 * account's state; unlock-sqs-queue-policy given an AWS queue URL goes to the configured endpoint.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startEmulator, type RunningEmulator } from '../../emulator';
import { runTool, runToolWithEnv } from './helpers';

const SCENARIOS = join(__dirname, '..', '..', 'emulator', 'scenarios');
const DAY = 86_400_000;

/** Windows are bounded to 30 days ahead, so every date here is relative to now. */
const daysFromNow = (days: number): string =>
  new Date(Date.now() + days * DAY).toISOString().replace(/\.\d{3}Z$/, 'Z');

interface AccountState {
  id: string;
  root: { password: boolean; accessKeys: unknown[] };
  queues: { name: string; url: string; policy: string | null }[];
}

function withEmulator(scenario: string, body: (get: () => RunningEmulator) => void): void {
  let emulator: RunningEmulator | undefined;
  beforeEach(async () => {
    emulator = await startEmulator({ scenario });
  });
  afterEach(async () => {
    await emulator?.stop();
  });
  body(() => {
    if (emulator === undefined) throw new Error('emulator not started');
    return emulator;
  });
}

async function accountState(emulator: RunningEmulator, id: string): Promise<AccountState> {
  const state = (await emulator.state()) as { accounts: AccountState[] };
  const found = state.accounts.find((account) => account.id === id);
  if (found === undefined) throw new Error(`no account ${id} in the emulator`);
  return found;
}

async function mutatingCalls(emulator: RunningEmulator) {
  return (await emulator.calls()).filter((call) => call.mutating && call.decision === 'allow');
}

const stderrLines = (stderr: string): string[] => stderr.split('\n').filter((line) => line !== '');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'root-access-rules-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function configFile(enforcement: object): string {
  const file = join(dir, 'root-access.config.json');
  writeFileSync(file, JSON.stringify({ enforcement }));
  return file;
}

describe('the default scenario', () => {
  withEmulator(join(SCENARIOS, 'default.json'), (emulator) => {
    it('fails a run whose OU does not exist: exit 1 and one error line naming it, not a warning too', async () => {
      const result = await runTool(emulator(), ['audit', '--ous', 'ou-nope-12345678', '--output', 'json']);

      expect(result.code).toBe(1);
      expect(stderrLines(result.stderr)).toEqual([
        expect.stringMatching(
          /^error: organizational unit ou-nope-12345678 was not found in organization o-\w+; .*check the OU id/,
        ),
      ]);
      expect(JSON.parse(result.stdout).summary.total).toBe(0);
      expect(await mutatingCalls(emulator())).toEqual([]);
    });

    it('fails a run on an account id that is not a member, even next to a real one', async () => {
      const result = await runTool(emulator(), [
        'audit',
        '--accounts',
        '123456789012,222222222222',
        '--output',
        'json',
      ]);

      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        /^error: .*123456789012.* is not a member of organization .*check the id/m,
      );
    });

    describe('break-glass: a flag can extend a window the file declares, never shorten it', () => {
      const fileUntil = daysFromNow(7);
      const config = (): string =>
        configFile({
          targets: { allAccounts: true },
          mode: 'enforce',
          breakGlass: [{ accountId: '777777777777', until: fileUntil, reason: 'INC-1 file window' }],
        });

      it('ignores an earlier --break-glass with a warning, keeps the file window, and never touches the account', async () => {
        const shorter = daysFromNow(2);

        const result = await runTool(emulator(), [
          'enforce',
          '--config',
          config(),
          '--yes',
          '--break-glass',
          `777777777777=${shorter}:INC-2 shorter`,
          '--output',
          'json',
        ]);

        expect(result.code).toBe(0);
        expect(result.stderr).toContain(
          `warning: --break-glass: 777777777777=${shorter} ends before the window`,
        );
        expect(result.stderr).toContain('a flag can only extend a window');
        const account = JSON.parse(result.stdout).accounts.find(
          (a: { accountId: string }) => a.accountId === '777777777777',
        );
        expect(account.status).toBe('break-glass');
        expect(account.reason).toContain('INC-1 file window');
        expect(account.reason).not.toContain('INC-2');
        // The window held: the enforce run removed others' credentials but not this account's.
        expect((await accountState(emulator(), '777777777777')).root.password).toBe(true);
        expect((await accountState(emulator(), '333333333333')).root.password).toBe(false);
        const calls = await emulator().calls();
        expect(
          calls.filter(
            (call) =>
              call.accountId === '777777777777' &&
              /IAMDeleteRootUserCredentials/.test(call.taskPolicyArn ?? ''),
          ),
        ).toEqual([]);
      });

      it('takes a later --break-glass over the file window, without a warning', async () => {
        const longer = daysFromNow(10);

        const result = await runTool(emulator(), [
          'enforce',
          '--config',
          config(),
          '--dry-run',
          '--break-glass',
          `777777777777=${longer}:INC-2 extended`,
          '--output',
          'json',
        ]);

        expect(result.code).toBe(0);
        expect(result.stderr).not.toContain('warning:');
        const account = JSON.parse(result.stdout).accounts.find(
          (a: { accountId: string }) => a.accountId === '777777777777',
        );
        expect(account).toMatchObject({
          status: 'break-glass',
          reason: expect.stringContaining('INC-2 extended'),
        });
        expect(account.reason).toContain(longer.slice(0, 10));
      });
    });

    describe('a config file whose mode is "audit"', () => {
      const auditConfig = (): string => configFile({ targets: { allAccounts: true }, mode: 'audit' });

      it('is not enforced: exit 2, one line naming the file and the flag, and no AWS call', async () => {
        const file = auditConfig();

        const result = await runTool(emulator(), ['enforce', '--config', file, '--yes']);

        expect(result.code).toBe(2);
        expect(stderrLines(result.stderr)).toEqual([
          expect.stringMatching(
            /^error: .*root-access\.config\.json.* is "audit", but this command enforces: run root-access audit, change the file's mode to "enforce", or pass --override-config-mode to enforce anyway$/,
          ),
        ]);
        expect(await emulator().calls()).toEqual([]);
      });

      it('may be previewed with --dry-run, with a warning, changing nothing', async () => {
        const result = await runTool(emulator(), ['enforce', '--config', auditConfig(), '--dry-run']);

        expect(result.code).toBe(0);
        expect(result.stderr).toMatch(
          /^warning: .* is "audit": this dry run only plans; enforcing it needs --override-config-mode$/m,
        );
        expect(await mutatingCalls(emulator())).toEqual([]);
      });

      it('is enforced with --override-config-mode, and the run says so', async () => {
        const result = await runTool(emulator(), [
          'enforce',
          '--config',
          auditConfig(),
          '--yes',
          '--override-config-mode',
          '--output',
          'json',
        ]);

        expect(result.code).toBe(0);
        expect(result.stderr).toMatch(
          /^warning: .* is "audit"; enforcing anyway \(--override-config-mode\)$/m,
        );
        expect(JSON.parse(result.stdout).summary.remediated).toBeGreaterThan(0);
        expect((await accountState(emulator(), '333333333333')).root.password).toBe(false);
      });
    });

    describe('allow-recovery diagnoses the account before any root session', () => {
      it.each([
        ['a suspended account', '888888888888', /^888888888888 is SUSPENDED: .*reinstated/],
        ['an account outside the organization', '123456789012', /123456789012 .*not a member/],
      ])(
        'on %s: exit 1, the state named, no AssumeRoot and no change',
        async (_name, accountId, diagnosis) => {
          const result = await runTool(emulator(), [
            'allow-recovery',
            '--account',
            accountId,
            '--output',
            'json',
          ]);

          expect(result.code).toBe(1);
          const output = JSON.parse(result.stdout);
          expect(output).toMatchObject({ task: 'allow-recovery', accountId, ok: false });
          expect(output.error).toMatch(diagnosis);
          expect(output.error).not.toMatch(/grant sts:AssumeRoot/);
          const calls = await emulator().calls();
          expect(calls.filter((call) => call.action === 'AssumeRoot')).toEqual([]);
          expect(await mutatingCalls(emulator())).toEqual([]);
        },
      );
    });
  });
});

describe('unlock-sqs-queue-policy with the queue URL as AWS prints it', () => {
  withEmulator(join(SCENARIOS, 'unlock.json'), (emulator) => {
    it('removes the policy through the configured endpoint, not sqs.us-east-1.amazonaws.com', async () => {
      const before = await accountState(emulator(), '333333333333');
      expect(before.queues.find((queue) => queue.name === 'locked-queue')?.policy).toBeTruthy();

      const result = await runTool(emulator(), [
        'unlock-sqs-queue-policy',
        '--account',
        '333333333333',
        '--queue-url',
        'https://sqs.us-east-1.amazonaws.com/333333333333/locked-queue',
        '--output',
        'json',
      ]);

      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ ok: true });
      const after = await accountState(emulator(), '333333333333');
      expect(after.queues.find((queue) => queue.name === 'locked-queue')?.policy).toBeFalsy();
      const neighbour = await accountState(emulator(), '444444444444');
      expect(neighbour.queues.map((queue) => queue.policy ?? null)).toEqual([null]);
    });
  });
});

describe('an AWS_ENDPOINT_URL that does not answer as AWS', () => {
  let server: Server;
  let endpoint: string;
  beforeAll(async () => {
    // A web server, not AWS: an HTML page at /, 404 under /missing.
    server = createServer((request, response) => {
      const missing = request.url?.startsWith('/missing') === true;
      response.writeHead(missing ? 404 : 200, { 'content-type': 'text/html' });
      response.end(
        missing ? '<html><body>Not Found</body></html>' : '<!doctype html><html><body>Welcome</body></html>',
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it.each([
    ['an HTML page', '', /answered HTTP 200 with a body that is not an AWS API response/],
    ['an HTML 404 page', '/missing', /answered HTTP 404 with a body that is not an AWS API response/],
  ])('answering %s: exit 3 and one line naming the endpoint and the fix', async (_name, path, pattern) => {
    const result = await runToolWithEnv(
      {
        PATH: process.env['PATH'] ?? '',
        AWS_ENDPOINT_URL: `${endpoint}${path}`,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'AKIAEXAMPLEEXAMPLE00',
        AWS_SECRET_ACCESS_KEY: 'not-a-secret',
        AWS_CONFIG_FILE: '/nonexistent',
        AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
      },
      ['audit', '--all', '--output', 'json'],
    );

    expect(result.code).toBe(3);
    const lines = stderrLines(result.stderr).filter((line) => !line.startsWith('auditing:'));
    expect(lines).toEqual([expect.stringMatching(pattern)]);
    expect(lines[0]).toMatch(
      new RegExp(
        `^error: AWS_ENDPOINT_URL ${endpoint}.* point AWS_ENDPOINT_URL at an AWS-compatible endpoint, or unset it$`,
      ),
    );
    expect(result.stdout).toBe('');
  });
});
