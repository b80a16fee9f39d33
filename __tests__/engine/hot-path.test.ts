/**
 * The hot path (`src/engine/hot-path.ts`) sends AssumeRoot and GetAccountSummary without a
 * client's `send`. These tests hold it to the client: the same answers, the same typed errors,
 * throttling retried with the client's attempts, and a skewed clock corrected from the server's
 * Date header, all against the emulator with the real SDK.
 */
import { AssumeRootCommand, STSClient } from '@aws-sdk/client-sts';
import {
  GetAccountSummaryCommand,
  IAMClient,
  paginateListAccessKeys,
  paginateListMFADevices,
  paginateListSigningCertificates,
} from '@aws-sdk/client-iam';
import {
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  OrganizationsClient,
  paginateListAccountsForParent,
} from '@aws-sdk/client-organizations';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

import { startEmulator, type RunningEmulator } from '../../emulator/index';
import { generateScenario } from '../../emulator/scenario/generate';
import {
  createOrganizationsClient,
  createSessionIamClient,
  createSharedAgents,
  createStsClient,
  type ClientSettings,
} from '../../src/engine/clients';
import {
  assumeRoot,
  getAccountSummary,
  hasLoginProfile,
  listAccessKeyIds,
  listAccountsForParent,
  listMfaSerials,
  listSigningCertificateIds,
} from '../../src/engine/hot-path';
import { transportFor } from '../../src/engine/transport';

const AUDIT = 'arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials';

let emulator: RunningEmulator;
let member: string;
let nonMember: string;

beforeAll(async () => {
  const scenario = generateScenario({ accounts: 6, seed: 3, nonCompliantShare: 0.5 }) as {
    accounts: Array<{ id: string }>;
  };
  emulator = await startEmulator({ scenario });
  process.env['AWS_ENDPOINT_URL'] = emulator.endpoint;
  member = scenario.accounts.map((a) => a.id).find((id) => id !== '111111111111') ?? '';
  nonMember = '999999999999';
});

afterAll(async () => {
  await emulator.stop();
});

afterEach(async () => {
  await emulator.setFaults({ throttleRate: 0, errorRate: 0 });
});

function sts(extra: Record<string, unknown> = {}): STSClient {
  return new STSClient({
    region: emulator.region,
    credentials: { ...emulator.managementCredentials },
    ...extra,
  });
}

const input = (accountId: string) => ({
  targetPrincipal: accountId,
  taskPolicyArn: AUDIT,
  durationSeconds: 900,
});

/** The same AssumeRoot as {@link input}, through a full client's `send`. */
const assumeRootViaClient = (accountId: string) =>
  sts().send(
    new AssumeRootCommand({
      TargetPrincipal: accountId,
      TaskPolicyArn: { arn: AUDIT },
      DurationSeconds: 900,
    }),
  );

/** What a test may compare of an SDK error: its type and the metadata the engine reads. */
function shape(error: unknown) {
  const e = error as Error & { $fault?: string; $metadata?: { httpStatusCode?: number } };
  return {
    constructor: e.constructor.name,
    name: e.name,
    fault: e.$fault,
    status: e.$metadata?.httpStatusCode,
    message: e.message,
  };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('hot path against the full client', () => {
  it('returns the session the client would, and the same account summary', async () => {
    const client = sts();
    const credentials = await assumeRoot(client, input(member));
    expect(credentials?.accessKeyId).toMatch(/^ASIA/);
    const iam = new IAMClient({ region: emulator.region, credentials });
    const viaClient = await iam.send(new GetAccountSummaryCommand({}));
    expect(await getAccountSummary(iam, Object.keys(viaClient.SummaryMap ?? {}))).toEqual(
      viaClient.SummaryMap,
    );
    const calls = await emulator.calls();
    expect(calls.filter((c) => c.action === 'GetAccountSummary' && c.status === 200)).toHaveLength(2);
  });

  it('throws the typed error the client throws, with its $metadata and $response', async () => {
    const viaClient = await rejection(assumeRootViaClient(nonMember));
    const viaHotPath = await rejection(assumeRoot(sts(), input(nonMember)));
    expect(shape(viaHotPath)).toEqual(shape(viaClient));
    expect((viaHotPath as { $response?: { statusCode: number } }).$response?.statusCode).toBe(
      shape(viaClient).status,
    );
    expect((viaHotPath as { $metadata: { attempts?: number } }).$metadata.attempts).toBe(1);

    const bogus = new IAMClient({
      region: emulator.region,
      credentials: { accessKeyId: 'ASIAXXXXXXXXXXXXXXXX', secretAccessKey: 'x', sessionToken: 'y' },
    });
    const iamViaClient = await rejection(bogus.send(new GetAccountSummaryCommand({})));
    expect(shape(await rejection(getAccountSummary(bogus, ['AccountMFAEnabled'])))).toEqual(
      shape(iamViaClient),
    );
  });

  it('retries throttling with the client’s attempts and says how many it made', async () => {
    await emulator.setFaults({ throttleRate: 1 });
    await emulator.clearCalls();
    const error = await rejection(assumeRoot(sts({ maxAttempts: 2 }), input(member)));
    expect(shape(error).name).toMatch(/Throttl/);
    expect((error as { $metadata: { attempts?: number } }).$metadata.attempts).toBe(2);
    const assumes = (await emulator.calls()).filter((c) => c.action === 'AssumeRoot');
    expect(assumes.map((c) => c.status)).toEqual([400, 400]);
  });

  it('corrects a skewed clock offset from the server’s Date header, as the client does', async () => {
    const skew = -20 * 60 * 1000;
    const viaClient = sts({ systemClockOffset: skew });
    const clientFirst = await rejection(
      viaClient.send(
        new AssumeRootCommand({
          TargetPrincipal: member,
          TaskPolicyArn: { arn: AUDIT },
          DurationSeconds: 900,
        }),
      ),
    );
    const skewed = sts({ systemClockOffset: skew });
    await emulator.clearCalls();
    const first = await rejection(assumeRoot(skewed, input(member)));
    // Refused for its signing time, like the client's call; the offset is corrected in the
    // client's own configuration, so the next call is signed with the server's time.
    expect(shape(first)).toEqual({ ...shape(clientFirst), message: expect.stringMatching(/expired/) });
    expect(Math.abs(skewed.config.systemClockOffset)).toBeLessThan(60_000);
    expect(Math.abs(viaClient.config.systemClockOffset)).toBeLessThan(60_000);
    expect((await assumeRoot(skewed, input(member)))?.sessionToken).toBeTruthy();
    const assumes = (await emulator.calls()).filter((c) => c.action === 'AssumeRoot');
    expect(assumes.map((c) => c.status)).toEqual([403, 200]);
  });

  it('resolves the endpoint from the standard configuration (AWS_ENDPOINT_URL_STS wins)', async () => {
    const saved = process.env['AWS_ENDPOINT_URL_STS'];
    process.env['AWS_ENDPOINT_URL_STS'] = 'http://127.0.0.1:9';
    try {
      const error = await rejection(assumeRoot(sts({ maxAttempts: 1 }), input(member)));
      // The connection went to the configured endpoint (nothing listens on port 9).
      expect(String(error)).toContain('ECONNREFUSED 127.0.0.1:9');
    } finally {
      if (saved === undefined) delete process.env['AWS_ENDPOINT_URL_STS'];
      else process.env['AWS_ENDPOINT_URL_STS'] = saved;
    }
  });
});

describe('hot path on the engine’s own clients (its node:http transport)', () => {
  const settings = (maxAttempts = 8): ClientSettings => ({
    region: emulator.region,
    maxAttempts,
    credentials: async () => ({ ...emulator.managementCredentials }),
    agents: createSharedAgents(8),
  });

  it('sends over the engine’s transport and answers what the full client answers', async () => {
    const engineSts = createStsClient(settings());
    expect(transportFor(engineSts.config)).toBeDefined();
    expect(transportFor(sts().config)).toBeUndefined();
    const credentials = await assumeRoot(engineSts, input(member));
    expect(credentials?.accessKeyId).toMatch(/^ASIA/);
    const iam = createSessionIamClient(settings(), async () => ({ ...credentials! }));
    const viaClient = await iam.send(new GetAccountSummaryCommand({}));
    expect(await getAccountSummary(iam, Object.keys(viaClient.SummaryMap ?? {}))).toEqual(
      viaClient.SummaryMap,
    );
    // Only the named entries, and a key the map lacks is left out rather than read as 0.
    expect(await getAccountSummary(iam, ['AccountMFAEnabled', 'NotASummaryKey'])).toEqual({
      AccountMFAEnabled: viaClient.SummaryMap?.['AccountMFAEnabled'],
    });
  });

  it('throws the typed error the client throws, and retries throttling with the engine’s attempts', async () => {
    const viaClient = await rejection(assumeRootViaClient(nonMember));
    const viaTransport = await rejection(assumeRoot(createStsClient(settings()), input(nonMember)));
    expect(shape(viaTransport)).toEqual(shape(viaClient));
    expect((viaTransport as { $response?: { statusCode: number } }).$response?.statusCode).toBe(
      shape(viaClient).status,
    );

    await emulator.setFaults({ throttleRate: 1 });
    await emulator.clearCalls();
    const throttled = await rejection(assumeRoot(createStsClient(settings(2)), input(member)));
    expect(shape(throttled).name).toMatch(/Throttl/);
    expect((throttled as { $metadata: { attempts?: number } }).$metadata.attempts).toBe(2);
    const assumes = (await emulator.calls()).filter((c) => c.action === 'AssumeRoot');
    expect(assumes.map((c) => c.status)).toEqual([400, 400]);
  });

  it('lists every kind the SDK paginators list, and reads a missing login profile as none', async () => {
    await emulator.setRootCredentials(member, {
      password: true,
      accessKeys: 2,
      signingCertificates: 2,
      mfaDevices: [{ kind: 'virtual' }, { kind: 'fido' }],
    });
    const credentials = await assumeRoot(createStsClient(settings()), input(member));
    const iam = createSessionIamClient(settings(), async () => ({ ...credentials! }));
    const viaPaginator = async <T>(pages: AsyncIterable<T>, pick: (page: T) => string[]) => {
      const all: string[] = [];
      for await (const page of pages) all.push(...pick(page));
      return all;
    };
    const keys = await viaPaginator(paginateListAccessKeys({ client: iam }, {}), (p) =>
      (p.AccessKeyMetadata ?? []).map((k) => k.AccessKeyId ?? ''),
    );
    const certificates = await viaPaginator(paginateListSigningCertificates({ client: iam }, {}), (p) =>
      (p.Certificates ?? []).map((c) => c.CertificateId ?? ''),
    );
    const serials = await viaPaginator(paginateListMFADevices({ client: iam }, {}), (p) =>
      (p.MFADevices ?? []).map((d) => d.SerialNumber ?? ''),
    );
    expect(keys).toHaveLength(2);
    expect(certificates).toHaveLength(2);
    expect(serials).toHaveLength(2);
    expect(await listAccessKeyIds(iam)).toEqual(keys);
    expect(await listSigningCertificateIds(iam)).toEqual(certificates);
    expect(await listMfaSerials(iam)).toEqual(serials);
    expect(await hasLoginProfile(iam)).toBe(true);

    await emulator.setRootCredentials(member, {});
    expect(await hasLoginProfile(iam)).toBe(false);
    expect(await listAccessKeyIds(iam)).toEqual([]);
  });

  it('sends the user agent headers the client’s own middleware sets, app id included', async () => {
    const seen: Array<Record<string, string | string[] | undefined>> = [];
    const server = createServer((req, res) => {
      seen.push({ ua: req.headers['user-agent'], xua: req.headers['x-amz-user-agent'] });
      res.statusCode = 500;
      res.end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const saved = { endpoint: process.env['AWS_ENDPOINT_URL'], appId: process.env['AWS_SDK_UA_APP_ID'] };
    try {
      process.env['AWS_ENDPOINT_URL'] = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      process.env['AWS_SDK_UA_APP_ID'] = 'root-access-test';
      const iam = createSessionIamClient(settings(1), async () => ({
        accessKeyId: 'ASIAXXXXXXXXXXXXXXXX',
        secretAccessKey: 'x',
        sessionToken: 'y',
      }));
      await rejection(iam.send(new GetAccountSummaryCommand({})));
      await rejection(getAccountSummary(iam, ['AccountMFAEnabled']));
      expect(seen).toHaveLength(2);
      expect(seen[1]).toEqual(seen[0]);
      expect(seen[0]?.['ua']).toContain('app/root-access-test');
      expect(seen[0]?.['xua']).toMatch(/^aws-sdk-js\/\S+$/);
    } finally {
      process.env['AWS_ENDPOINT_URL'] = saved.endpoint;
      if (saved.appId === undefined) delete process.env['AWS_SDK_UA_APP_ID'];
      else process.env['AWS_SDK_UA_APP_ID'] = saved.appId;
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('maps a connection reset to the TimeoutError the SDK’s handler makes of it (retried as transient)', async () => {
    const server = createServer((req) => req.socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const error = await rejection(
        createSharedAgents(2).transport.send(new URL(`http://127.0.0.1:${port}/`), {}, 'Action=X'),
      );
      expect(error).toMatchObject({ name: 'TimeoutError', code: 'ECONNRESET' });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('the Organizations account listing on the hot path (AWS JSON 1.1)', () => {
  let big: RunningEmulator;
  let parents: string[];

  beforeAll(async () => {
    // ~30 accounts under each of four parents: every parent takes two pages of 20.
    big = await startEmulator({
      scenario: generateScenario({ accounts: 120, seed: 5, nonCompliantShare: 0, organizationalUnits: 1 }),
    });
    const client = viaSdk();
    const roots = (await client.send(new ListRootsCommand({}))).Roots ?? [];
    parents = roots.map((r) => r.Id ?? '');
    for (let i = 0; i < parents.length; i++) {
      const children = await client.send(
        new ListOrganizationalUnitsForParentCommand({ ParentId: parents[i] }),
      );
      parents.push(...(children.OrganizationalUnits ?? []).map((ou) => ou.Id ?? ''));
    }
    process.env['AWS_ENDPOINT_URL_ORGANIZATIONS'] = big.endpoint;
  });

  afterAll(async () => {
    delete process.env['AWS_ENDPOINT_URL_ORGANIZATIONS'];
    await big.stop();
  });

  function viaSdk(): OrganizationsClient {
    return new OrganizationsClient({
      region: big.region,
      endpoint: big.endpoint,
      credentials: { ...big.managementCredentials },
    });
  }

  /** The engine's client, sent to this emulator by the standard configuration (read at its first call). */
  function engineClient(maxAttempts = 8): OrganizationsClient {
    return createOrganizationsClient({
      region: big.region,
      maxAttempts,
      credentials: async () => ({ ...big.managementCredentials }),
      agents: createSharedAgents(8),
    });
  }

  async function pages<T>(iterable: AsyncIterable<T>): Promise<T[]> {
    const all: T[] = [];
    for await (const page of iterable) all.push(page);
    return all;
  }

  it('lists every page the SDK paginator lists, account for account', async () => {
    const client = engineClient();
    expect(transportFor(client.config)).toBeDefined();
    expect(parents.length).toBe(4);
    let multiPage = 0;
    for (const parentId of parents) {
      const viaPaginator = (
        await pages(paginateListAccountsForParent({ client: viaSdk() }, { ParentId: parentId }))
      )
        .flatMap((page) => page.Accounts ?? [])
        .map((a) => ({ Id: a.Id, Name: a.Name, State: a.State, Status: a.Status }));
      const hot = await pages(listAccountsForParent(client, parentId));
      if (hot.length > 1) multiPage += 1;
      expect(hot.flat().map((a) => ({ Id: a.Id, Name: a.Name, State: a.State, Status: a.Status }))).toEqual(
        viaPaginator,
      );
    }
    expect(multiPage).toBeGreaterThan(0);
    // A client the engine did not build sends through its own request handler, to the same pages.
    const sdkClient = viaSdk();
    expect(transportFor(sdkClient.config)).toBeUndefined();
    const throughHandler = await pages(listAccountsForParent(sdkClient, parents[0] ?? ''));
    expect(throughHandler.flat().map((a) => a.Id)).toEqual(
      (await pages(listAccountsForParent(client, parents[0] ?? ''))).flat().map((a) => a.Id),
    );
    const requests = (await big.calls()).filter((c) => c.action === 'ListAccountsForParent');
    expect(requests.length).toBeGreaterThan(parents.length);
  });

  it('throws the client’s typed ParentNotFoundException, and retries throttling with the engine’s attempts', async () => {
    const missing = 'ou-gen0-doesnotexist';
    const viaClient = await rejection(viaSdk().send(new ListAccountsForParentCommand({ ParentId: missing })));
    const hot = await rejection(pages(listAccountsForParent(engineClient(), missing)));
    expect(shape(hot)).toEqual(shape(viaClient));
    expect(shape(hot).name).toBe('ParentNotFoundException');

    await big.setFaults({ throttleRate: 1 });
    try {
      await big.clearCalls();
      const throttled = await rejection(pages(listAccountsForParent(engineClient(2), parents[0] ?? '')));
      expect(shape(throttled).name).toMatch(/Throttl|TooManyRequests/);
      expect((throttled as { $metadata: { attempts?: number } }).$metadata.attempts).toBe(2);
      const listed = (await big.calls()).filter((c) => c.action === 'ListAccountsForParent');
      expect(listed).toHaveLength(2);
      expect(listed.every((c) => c.status >= 400)).toBe(true);
    } finally {
      await big.setFaults({ throttleRate: 0 });
    }
  });
});
