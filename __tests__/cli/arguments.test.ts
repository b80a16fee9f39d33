import { parseCommandLine } from '../../src/cli/commands';
import { runCli } from '../../src/cli/run';
import { buildTargeting } from '../../src/cli/targeting';
import type { Engine, EngineOptions } from '../../src/engine/types';
import { captureIo } from './helpers';

const NOW = new Date('2026-06-01T00:00:00Z');

/** Files by name, so --config cases need no disk. */
function files(map: Record<string, string>): (path: string) => string {
  return (path) => {
    const text = map[path];
    if (text === undefined) {
      throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
    }
    return text;
  };
}

const CONFIG = JSON.stringify({
  app: { region: 'us-east-1' },
  enforcement: {
    targets: { organizationalUnitIds: ['ou-ex12-prod0001'] },
    exclusions: { accountIds: ['444444444444'] },
    breakGlass: [{ accountId: '555555555555', until: '2026-06-20T00:00:00Z', reason: 'INC-1' }],
    mode: 'enforce',
    concurrency: 5,
  },
});

function targeting(argv: string[], readFile = files({})) {
  const parsed = parseCommandLine(argv, { writeOut: () => undefined, writeErr: () => undefined });
  if (typeof parsed === 'number' || parsed.kind !== 'run') {
    throw new Error(`not a run command: ${JSON.stringify(parsed)}`);
  }
  return buildTargeting(parsed.targeting, {
    mode: parsed.command === 'audit' ? 'audit' : 'enforce',
    now: NOW,
    readFile,
  });
}

/** Runs the tool in-process with an engine factory that records whether any AWS work was started. */
async function run(argv: string[], readFile = files({})) {
  const captured = captureIo();
  const engines: EngineOptions[] = [];
  const code = await runCli(argv, {
    io: captured.io,
    now: () => NOW,
    readFile,
    createEngine: (options) => {
      engines.push(options);
      throw new Error('the engine must not be created for bad input');
    },
  });
  return { code, stdout: captured.stdout(), stderr: captured.stderr(), enginesCreated: engines.length };
}

describe('targeting flags', () => {
  it('builds an audit of every account from --all with the defaults filled in', () => {
    const { desired, warnings } = targeting(['audit', '--all']);

    expect(desired).toEqual({
      targets: { allAccounts: true, accountIds: [], organizationalUnitIds: [] },
      exclusions: { accountIds: [], organizationalUnitIds: [] },
      breakGlass: [],
      mode: 'audit',
      dryRun: false,
      credentialKinds: ['password', 'accessKeys', 'signingCertificates', 'mfaDevices'],
      concurrency: 10,
      maxBreakGlassDays: 30,
    });
    expect(warnings).toEqual([]);
  });

  it('accepts comma lists and repeated flags, and routes --exclude by shape', () => {
    const { desired } = targeting([
      'enforce',
      '--accounts',
      '222222222222,333333333333,',
      '--accounts',
      '666666666666',
      '--ous',
      'ou-ex12-prod0001',
      '--exclude',
      '444444444444,ou-ex12-sand0001',
      '--concurrency',
      '3',
      '--dry-run',
    ]);

    expect(desired.targets.accountIds).toEqual(['222222222222', '333333333333', '666666666666']);
    expect(desired.targets.organizationalUnitIds).toEqual(['ou-ex12-prod0001']);
    expect(desired.exclusions).toEqual({
      accountIds: ['444444444444'],
      organizationalUnitIds: ['ou-ex12-sand0001'],
    });
    expect(desired.mode).toBe('enforce');
    expect(desired.dryRun).toBe(true);
    expect(desired.concurrency).toBe(3);
  });

  it('parses break-glass windows whose instant contains colons, with and without a reason', () => {
    const { desired } = targeting([
      'audit',
      '--all',
      '--break-glass',
      '222222222222=2026-06-20T18:00:00Z:INC-42: locked out',
      '--break-glass',
      '333333333333=2026-06-20T18:00:00+01:00',
    ]);

    expect(desired.breakGlass).toEqual([
      { accountId: '222222222222', until: '2026-06-20T18:00:00Z', reason: 'INC-42: locked out' },
      {
        accountId: '333333333333',
        until: '2026-06-20T18:00:00+01:00',
        reason: 'granted with --break-glass on the command line',
      },
    ]);
  });

  it('warns about an expired break-glass window and goes on', () => {
    const { warnings } = targeting([
      'audit',
      '--all',
      '--break-glass',
      '222222222222=2026-01-01T00:00:00Z:INC-9',
    ]);

    expect(warnings).toEqual([
      expect.stringMatching(
        /^--break-glass: the break-glass window for 222222222222 ended at 2026-01-01T00:00:00.000Z/,
      ),
    ]);
  });

  describe('--config', () => {
    it('reads the enforcement section of root-access.config.json, ignoring its mode', () => {
      const { desired } = targeting(
        ['audit', '--config', 'root-access.config.json'],
        files({ 'root-access.config.json': CONFIG }),
      );

      expect(desired.targets.organizationalUnitIds).toEqual(['ou-ex12-prod0001']);
      expect(desired.exclusions.accountIds).toEqual(['444444444444']);
      expect(desired.breakGlass).toHaveLength(1);
      expect(desired.concurrency).toBe(5);
      expect(desired.mode).toBe('audit');
    });

    it('reads a file that is itself a desired-state document', () => {
      const { desired } = targeting(
        ['audit', '--config', 'desired.json'],
        files({ 'desired.json': JSON.stringify({ targets: { accountIds: ['222222222222'] } }) }),
      );

      expect(desired.targets.accountIds).toEqual(['222222222222']);
    });

    it('lets targeting flags replace the file targets while exclusions and windows add up', () => {
      const { desired } = targeting(
        [
          'audit',
          '--config',
          'c.json',
          '--accounts',
          '222222222222',
          '--exclude',
          '777777777777,444444444444',
          '--break-glass',
          '555555555555=2026-06-25T00:00:00Z:INC-2',
          '--concurrency',
          '20',
        ],
        files({ 'c.json': CONFIG }),
      );

      expect(desired.targets).toEqual({
        allAccounts: false,
        accountIds: ['222222222222'],
        organizationalUnitIds: [],
      });
      expect(desired.exclusions.accountIds).toEqual(['444444444444', '777777777777']);
      expect(desired.breakGlass).toEqual([
        { accountId: '555555555555', until: '2026-06-25T00:00:00Z', reason: 'INC-2' },
      ]);
      expect(desired.concurrency).toBe(20);
    });

    it('keeps a dry run the file asks for', () => {
      const file = JSON.stringify({ targets: { allAccounts: true }, mode: 'enforce', dryRun: true });

      expect(targeting(['enforce', '--config', 'd.json'], files({ 'd.json': file })).desired.dryRun).toBe(
        true,
      );
    });
  });
});

describe('bad input exits 2 with one line per problem and no AWS work', () => {
  const ACCOUNT_HINT = 'is not a 12-digit AWS account id';

  it.each<[string, string[], Record<string, string>, RegExp[]]>([
    [
      'a short account id',
      ['audit', '--accounts', '123'],
      {},
      [new RegExp(`^error: --accounts: "123" ${ACCOUNT_HINT}`)],
    ],
    ['no targets at all', ['audit'], {}, [/^error: no targets: pass --all, --accounts/]],
    [
      '--all with --accounts',
      ['audit', '--all', '--accounts', '222222222222'],
      {},
      [/^error: --all selects every member account/],
    ],
    [
      'a duplicate account',
      ['audit', '--accounts', '222222222222,222222222222'],
      {},
      [/^error: --accounts: "222222222222" is listed twice \(first at index 0\); remove the duplicate$/],
    ],
    [
      'a target that is also excluded',
      ['audit', '--accounts', '222222222222', '--exclude', '222222222222'],
      {},
      [/^error: --accounts: account 222222222222 is both a target and excluded/],
    ],
    [
      'an --exclude of neither shape',
      ['audit', '--all', '--exclude', 'prod'],
      {},
      [/^error: --exclude: "prod" is neither a 12-digit account id nor an organizational unit id/],
    ],
    [
      'a malformed OU id',
      ['audit', '--ous', 'ou-x'],
      {},
      [/^error: --ous: "ou-x" is not an organizational unit id/],
    ],
    [
      'a concurrency of zero',
      ['audit', '--all', '--concurrency', '0'],
      {},
      [/^error: --concurrency: got 0; must be at least 1$/],
    ],
    [
      'a non-numeric concurrency',
      ['audit', '--all', '--concurrency', 'lots'],
      {},
      [/^error: --concurrency: got "lots"; expected a whole number/],
    ],
    [
      'a break-glass window without an instant',
      ['audit', '--all', '--break-glass', '222222222222=tomorrow'],
      {},
      [/^error: --break-glass: got "222222222222=tomorrow"; expected ACCOUNT=UNTIL\[:REASON\]/],
    ],
    [
      'a missing config file',
      ['audit', '--config', 'nope.json'],
      {},
      [/^error: --config: cannot read nope.json: no such file$/],
    ],
    [
      'a config file with malformed JSON',
      ['audit', '--config', 'bad.json'],
      { 'bad.json': '{\n  "targets": {\n    "allAccounts": true,\n  }\n}\n' },
      [/^error: bad.json: line 4, column 3: is not valid JSON: /],
    ],
    [
      'an empty config file',
      ['audit', '--config', 'empty.json'],
      { 'empty.json': '' },
      [
        /^error: empty.json: line 1, column 1: is not valid JSON: expected a value .*, found the end of the file; fix the syntax/,
      ],
    ],
    [
      'an unknown field in the config file',
      ['audit', '--config', 'c.json'],
      { 'c.json': JSON.stringify({ enforcement: { targets: { allAccounts: true, acounts: [] } } }) },
      [/^error: c.json: enforcement.targets: unknown field "acounts"; remove it or check the spelling$/],
    ],
    [
      'a config file of neither kind',
      ['audit', '--config', 'c.json'],
      { 'c.json': JSON.stringify({ target: {} }) },
      [/^error: c.json: has neither "targets" .* nor "enforcement"/],
    ],
    [
      'the management account, when the config file names it',
      ['audit', '--config', 'c.json', '--accounts', '111111111111'],
      { 'c.json': JSON.stringify({ targets: { allAccounts: true }, managementAccountId: '111111111111' }) },
      [/^error: --accounts: 111111111111 is the management account/],
    ],
    [
      'a flag problem and a config problem at once',
      ['audit', '--config', 'c.json', '--exclude', 'prod'],
      { 'c.json': JSON.stringify({ targets: { accountIds: ['12'] } }) },
      [
        /^error: --exclude: "prod" is neither/,
        new RegExp(`^error: c.json: targets.accountIds\\[0\\]: "12" ${ACCOUNT_HINT}`),
      ],
    ],
    ['an unknown flag', ['audit', '--all', '--frobnicate'], {}, [/^error: unknown option '--frobnicate'/]],
    [
      'an unknown output format',
      ['audit', '--all', '--output', 'xml'],
      {},
      [/error: option .*--output <format>.* argument 'xml' is invalid/],
    ],
    ['an unknown command', ['audti', '--all'], {}, [/error: unknown command 'audti'/]],
    [
      'enforce without --yes and without a terminal',
      ['enforce', '--all'],
      {},
      [/^error: enforce changes accounts; pass --yes to confirm \(or --dry-run to preview\)$/],
    ],
    [
      'allow-recovery with a short account id',
      ['allow-recovery', '--account', '123'],
      {},
      [new RegExp(`^error: --account: "123" ${ACCOUNT_HINT}`)],
    ],
    [
      'allow-recovery without --account',
      ['allow-recovery'],
      {},
      [/error: required option '--account <id>' not specified/],
    ],
    [
      'a bucket name S3 would refuse',
      ['unlock-s3-bucket-policy', '--account', '222222222222', '--bucket', 'Bad_Name'],
      {},
      [/^error: --bucket: "Bad_Name" is not an S3 bucket name/],
    ],
    [
      'a queue URL of another account',
      [
        'unlock-sqs-queue-policy',
        '--account',
        '222222222222',
        '--queue-url',
        'https://sqs.us-east-1.amazonaws.com/333333333333/locked',
      ],
      {},
      [/^error: --queue-url: the queue belongs to account 333333333333, not to --account 222222222222/],
    ],
    [
      'a queue URL that is not a URL',
      ['unlock-sqs-queue-policy', '--account', '222222222222', '--queue-url', 'locked'],
      {},
      [/^error: --queue-url: "locked" is not a URL/],
    ],
  ])('fails on %s', async (_name, argv, fileMap, expected) => {
    // WHEN
    const result = await run(argv, files(fileMap));

    // THEN
    expect(result.code).toBe(2);
    expect(result.enginesCreated).toBe(0);
    expect(result.stdout).toBe('');
    const lines = result.stderr.split('\n');
    for (const pattern of expected) {
      expect(lines.some((line) => pattern.test(line))).toBe(true);
    }
    expect(result.stderr).not.toMatch(/\n\s+at .+:\d+:\d+/);
  });

  it('reports every problem of a bad invocation, one line each', async () => {
    const result = await run([
      'audit',
      '--accounts',
      '222222222222,222222222222,333333333333',
      '--exclude',
      'prod,333333333333',
      '--break-glass',
      'x',
    ]);

    expect(result.code).toBe(2);
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      'error: --exclude: "prod" is neither a 12-digit account id nor an organizational unit id (ou-...)',
      expect.stringMatching(/^error: --break-glass: got "x"; expected ACCOUNT=UNTIL/),
      'error: --accounts: "222222222222" is listed twice (first at index 0); remove the duplicate',
      'error: --accounts: account 333333333333 is both a target and excluded; remove it from one of the two lists',
    ]);
  });
});

describe('help and unexpected errors', () => {
  it('prints help naming every command and exits 0', async () => {
    const result = await run(['--help']);

    expect(result.code).toBe(0);
    for (const command of [
      'preflight',
      'audit',
      'enforce',
      'allow-recovery',
      'unlock-s3-bucket-policy',
      'unlock-sqs-queue-policy',
    ]) {
      expect(result.stdout).toContain(command);
    }
    expect(result.stdout).toContain('Exit codes:');
  });

  it('exits 2 with the help on stderr when no command is given', async () => {
    const result = await run([]);

    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Usage: root-access');
  });

  async function failingEngine(argv: string[]) {
    const captured = captureIo();
    const engine: Engine = {
      run: async () => {
        throw new Error('Could not load credentials from any providers');
      },
      preflight: async () => {
        throw new Error('unused');
      },
      allowRecovery: async () => {
        throw new Error('unused');
      },
      unlockS3BucketPolicy: async () => {
        throw new Error('unused');
      },
      unlockSqsQueuePolicy: async () => {
        throw new Error('unused');
      },
    };
    const code = await runCli(argv, { io: captured.io, createEngine: () => engine });
    return { code, stderr: captured.stderr() };
  }

  it('turns missing credentials into one line that says the fix, and exit 3', async () => {
    const result = await failingEngine(['audit', '--all']);

    // Changed with issue 11: a setup problem is diagnosed in one line, without the --debug hint.
    expect(result.code).toBe(3);
    expect(result.stderr).toBe(
      'error: no AWS credentials found: set AWS_PROFILE (or --profile) to a profile of the management account (or the IAM delegated administrator), or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; for SSO profiles run aws sso login first\n',
    );
  });

  it('prints the stack with --debug', async () => {
    const result = await failingEngine(['audit', '--all', '--debug']);

    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/^error: no AWS credentials found: .*\nError: Could not load/);
    expect(result.stderr).toMatch(/\n\s+at .+:\d+:\d+/);
  });
});
