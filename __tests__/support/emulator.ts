/**
 * Test helper: an emulator started from an inline scenario for one test file, and real SDK v3
 * clients pointed at it.
 *
 *   const env = useEmulator(baseScenario());
 *   it('...', async () => { const sts = env.sts(); ... });
 */
import { type Hash, type Hmac, createHash, createHmac } from 'node:crypto';

import { IAMClient } from '@aws-sdk/client-iam';
import {
  AttachPolicyCommand,
  CreatePolicyCommand,
  DeletePolicyCommand,
  DetachPolicyCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { AssumeRootCommand, STSClient } from '@aws-sdk/client-sts';
import { SignatureV4 } from '@smithy/signature-v4';
import type { SourceData } from '@smithy/types';

import {
  type EmulatorCredentials,
  type RunningEmulator,
  type StartEmulatorOptions,
  startEmulator,
} from '../../emulator/index';
import { ROOT_TASK_POLICY_PREFIX, type RootTaskPolicyName } from '../../emulator/model/state';

export const REGION = 'us-east-1';
export const MANAGEMENT_ACCOUNT = '111111111111';
export const DELEGATED_ADMIN_ACCOUNT = '222222222222';
export const MEMBER_ACCOUNT = '333333333333';
export const BARE_ACCOUNT = '444444444444';
export const SUSPENDED_ACCOUNT = '555555555555';
export const OTHER_MEMBER_ACCOUNT = '666666666666';

/** A declared reconciler role in the management account, with a real secret (signatures checked). */
export const RECONCILER = {
  accessKeyId: 'AKIARECONCILER000001',
  secretAccessKey: 'reconciler-secret-0000000000000000000000',
  arn: `arn:aws:sts::${MANAGEMENT_ACCOUNT}:assumed-role/Reconciler/session`,
};

/** A declared administrator in the IAM delegated administrator account. */
export const DELEGATED_ADMIN = {
  accessKeyId: 'AKIADELEGATEDADMIN01',
  secretAccessKey: 'delegated-admin-secret-00000000000000000',
  arn: `arn:aws:iam::${DELEGATED_ADMIN_ACCOUNT}:user/admin`,
};

/** A declared administrator of a plain member account (neither management nor delegated admin). */
export const MEMBER_ADMIN = {
  accessKeyId: 'AKIAMEMBERADMIN00001',
  secretAccessKey: 'member-admin-secret-0000000000000000000',
  arn: `arn:aws:iam::${MEMBER_ACCOUNT}:user/admin`,
};

export function taskPolicy(name: RootTaskPolicyName): string {
  return `${ROOT_TASK_POLICY_PREFIX}${name}`;
}

/**
 * An organization with every prerequisite in place: all features, trusted access for IAM,
 * both root features, a delegated administrator, a member with every kind of root credential,
 * a member with none, and a suspended member.
 */
export function baseScenario(): Record<string, unknown> {
  return {
    region: REGION,
    organization: {
      id: 'o-exampleorg1',
      rootId: 'r-ex12',
      managementAccountId: MANAGEMENT_ACCOUNT,
      managementAccountEmail: 'mgmt@example.com',
      featureSet: 'ALL',
      trustedAccess: ['iam.amazonaws.com'],
      rootFeatures: ['RootCredentialsManagement', 'RootSessions'],
      delegatedAdministrators: [
        { accountId: DELEGATED_ADMIN_ACCOUNT, servicePrincipal: 'iam.amazonaws.com' },
      ],
    },
    organizationalUnits: [{ id: 'ou-ex12-prod0001', name: 'Prod', parentId: 'r-ex12' }],
    accounts: [
      account(DELEGATED_ADMIN_ACCOUNT, 'security', 'r-ex12', { password: false }),
      account(MEMBER_ACCOUNT, 'prod-a', 'ou-ex12-prod0001', {
        password: true,
        accessKeys: [
          { accessKeyId: 'AKIAROOTKEY000000001', status: 'Active' },
          { accessKeyId: 'AKIAROOTKEY000000002', status: 'Inactive' },
        ],
        signingCertificates: 1,
        mfaDevices: [
          { kind: 'virtual' },
          { kind: 'fido' },
          { kind: 'hardware', serialNumber: 'GAHT12345678' },
        ],
      }),
      account(BARE_ACCOUNT, 'prod-b', 'ou-ex12-prod0001', { password: false }),
      { ...account(SUSPENDED_ACCOUNT, 'old', 'r-ex12', { password: true }), status: 'SUSPENDED' },
      account(OTHER_MEMBER_ACCOUNT, 'prod-c', 'ou-ex12-prod0001', { password: true }),
    ],
    policies: [],
    fullAwsAccess: true,
    principals: [
      {
        accessKeyId: RECONCILER.accessKeyId,
        secretAccessKey: RECONCILER.secretAccessKey,
        accountId: MANAGEMENT_ACCOUNT,
        arn: RECONCILER.arn,
      },
      {
        accessKeyId: DELEGATED_ADMIN.accessKeyId,
        secretAccessKey: DELEGATED_ADMIN.secretAccessKey,
        accountId: DELEGATED_ADMIN_ACCOUNT,
        arn: DELEGATED_ADMIN.arn,
      },
      {
        accessKeyId: MEMBER_ADMIN.accessKeyId,
        secretAccessKey: MEMBER_ADMIN.secretAccessKey,
        accountId: MEMBER_ACCOUNT,
        arn: MEMBER_ADMIN.arn,
      },
    ],
    faults: {
      seed: 1,
      latencyMs: 0,
      errorRate: 0,
      throttleRate: 0,
      rateLimits: {},
      sessionLifetimeSeconds: 900,
    },
  };
}

function account(
  id: string,
  name: string,
  parentId: string,
  root: Record<string, unknown>,
): Record<string, unknown> {
  return {
    id,
    name,
    email: `${name}@example.com`,
    status: 'ACTIVE',
    parentId,
    joinedMethod: 'CREATED',
    root,
  };
}

export interface ClientOptions {
  credentials?: EmulatorCredentials & { sessionToken?: string };
  /** 1 when a test must see the raw error instead of the SDK's retries. */
  maxAttempts?: number;
  /** Milliseconds the client's clock is off (negative: behind), to exercise skew handling. */
  systemClockOffset?: number;
}

export interface EmulatorFixture {
  /** Valid inside tests (after beforeAll). */
  readonly emulator: RunningEmulator;
  sts(options?: ClientOptions): STSClient;
  iam(options?: ClientOptions): IAMClient;
  organizations(options?: ClientOptions): OrganizationsClient;
  s3(options?: ClientOptions): S3Client;
  sqs(options?: ClientOptions): SQSClient;
  /** Opens a root session in `accountId` as `caller` (default: the management administrator). */
  rootSession(
    accountId: string,
    policy: RootTaskPolicyName,
    caller?: EmulatorCredentials,
  ): Promise<EmulatorCredentials & { sessionToken: string }>;
}

/**
 * Starts an emulator in `beforeAll` and stops it (and every client it handed out) in
 * `afterAll`. `scenario` is a document or a scenario file path. Clients default to the
 * management credentials and `maxAttempts: 1`.
 */
export function useEmulator(
  scenario: string | object,
  options: Omit<StartEmulatorOptions, 'scenario'> = {},
): EmulatorFixture {
  let running: RunningEmulator | undefined;
  const clients: Array<{ destroy(): void }> = [];

  beforeAll(async () => {
    running = await startEmulator({ ...options, scenario });
  });
  afterAll(async () => {
    for (const client of clients.splice(0)) client.destroy();
    await running?.stop();
  });

  const emulator = (): RunningEmulator => {
    if (running === undefined)
      throw new Error('the emulator is only available inside tests (after beforeAll)');
    return running;
  };
  function config(clientOptions: ClientOptions = {}) {
    const current = emulator();
    return {
      endpoint: current.endpoint,
      region: REGION,
      credentials: clientOptions.credentials ?? current.managementCredentials,
      maxAttempts: clientOptions.maxAttempts ?? 1,
      ...(clientOptions.systemClockOffset !== undefined
        ? { systemClockOffset: clientOptions.systemClockOffset }
        : {}),
    };
  }
  function track<T extends { destroy(): void }>(client: T): T {
    clients.push(client);
    return client;
  }

  const fixture: EmulatorFixture = {
    get emulator() {
      return emulator();
    },
    sts: (o) => track(new STSClient(config(o))),
    iam: (o) => track(new IAMClient(config(o))),
    organizations: (o) => track(new OrganizationsClient(config(o))),
    s3: (o) => track(new S3Client({ ...config(o), forcePathStyle: true })),
    sqs: (o) => track(new SQSClient(config(o))),
    async rootSession(accountId, policy, caller) {
      const result = await fixture
        .sts({ credentials: caller })
        .send(
          new AssumeRootCommand({ TargetPrincipal: accountId, TaskPolicyArn: { arn: taskPolicy(policy) } }),
        );
      const credentials = result.Credentials;
      if (
        credentials?.AccessKeyId === undefined ||
        credentials.SecretAccessKey === undefined ||
        credentials.SessionToken === undefined
      ) {
        throw new Error('AssumeRoot returned no credentials');
      }
      return {
        accessKeyId: credentials.AccessKeyId,
        secretAccessKey: credentials.SecretAccessKey,
        sessionToken: credentials.SessionToken,
      };
    },
  };
  return fixture;
}

// ---------------------------------------------------------------------------------------------
// An independent SigV4 signer (Smithy's, the one inside every SDK v3 client) for tests and the
// benchmark that need raw signed HTTP: presigned URLs, tampered bodies, keep-alive load.

/** Smithy's checksum interface over node:crypto: a plain hash, or an HMAC when given a secret. */
class NodeSha256 {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: SourceData) {
    this.hash = this.create();
  }
  private create(): Hash | Hmac {
    if (this.secret === undefined) return createHash('sha256');
    const key = typeof this.secret === 'string' ? this.secret : Buffer.from(this.secret as ArrayBuffer);
    return createHmac('sha256', key);
  }
  update(data: Uint8Array): void {
    this.hash.update(data);
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.hash.digest()));
  }
  reset(): void {
    this.hash = this.create();
  }
}

export interface SignedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  query?: Record<string, string>;
}

export function signer(
  service: string,
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
  region = 'us-east-1',
): SignatureV4 {
  return new SignatureV4({
    service,
    region,
    credentials,
    sha256: NodeSha256,
    uriEscapePath: service !== 's3',
  });
}

/** Signs a form-encoded query-protocol request to `endpoint` (`http://127.0.0.1:PORT`). */
export async function signQuery(
  endpoint: string,
  service: string,
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string },
  body: string,
): Promise<SignedRequest & { body: string }> {
  const url = new URL(endpoint);
  const signed = await signer(service, credentials).sign({
    method: 'POST',
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: '/',
    headers: { host: url.host, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
    body,
  });
  return { method: 'POST', path: '/', headers: signed.headers, body };
}

/** An error thrown by an SDK v3 client, with the fields the conformance tests look at. */
export type AwsSdkError = Error & {
  $metadata?: { httpStatusCode?: number };
  /** Organizations' `ConstraintViolationException` / `InvalidInputException` reason. */
  Reason?: string;
  /** S3's error code, when the SDK keeps it beside `name`. */
  Code?: string;
};

/** The error a call fails with; fails the test when the call succeeds. */
export async function rejection(promise: Promise<unknown>): Promise<AwsSdkError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e as AwsSdkError,
  );
  if (error === undefined) throw new Error('expected the call to fail, but it succeeded');
  return error;
}

/** Asserts a call fails with the AWS error `name` and HTTP `status`, and returns the error. */
export async function expectAwsError(
  promise: Promise<unknown>,
  name: string,
  status: number,
): Promise<AwsSdkError> {
  const error = await rejection(promise);
  expect(error.name).toBe(name);
  expect(error.$metadata?.httpStatusCode).toBe(status);
  return error;
}

/**
 * A real cause for a failure: an SCP that denies `actions` in `targetId`, created and attached
 * with the SDK (the emulator evaluates it for root sessions, as AWS does). `remove()` detaches and
 * deletes it.
 */
export async function attachDenyScp(
  organizations: OrganizationsClient,
  targetId: string,
  actions: readonly string[],
): Promise<{ readonly policyId: string; remove(): Promise<void> }> {
  const created = await organizations.send(
    new CreatePolicyCommand({
      Name: `deny-${actions.map((action) => action.split(':').pop()).join('-')}`.slice(0, 128),
      Description: 'denies what the reconciler needs, for the test',
      Type: 'SERVICE_CONTROL_POLICY',
      Content: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Deny', Action: [...actions], Resource: '*' }],
      }),
    }),
  );
  const policyId = created.Policy?.PolicySummary?.Id;
  if (policyId === undefined) throw new Error('CreatePolicy returned no policy id');
  await organizations.send(new AttachPolicyCommand({ PolicyId: policyId, TargetId: targetId }));
  return {
    policyId,
    async remove() {
      await organizations.send(new DetachPolicyCommand({ PolicyId: policyId, TargetId: targetId }));
      await organizations.send(new DeletePolicyCommand({ PolicyId: policyId }));
    },
  };
}
