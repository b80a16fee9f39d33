/**
 * Continuous enforcement of the deployed stack (issue 13): the example app applied through real
 * Terraform against the emulator with moto, then the two paths that enforce between applies,
 * fired as AWS fires them:
 * - the deployed `aws_scheduler_schedule`, fired with the input the stack configured, removes
 *   drift added after the apply;
 * - Organizations events, delivered through the deployed EventBridge rule's pattern: an invited
 *   account that accepts (the real AcceptHandshake, which raises `AccountJoinedOrganization`) and
 *   an account moved out of an excluded OU into a targeted one (the real MoveAccount) are
 *   enforced at once;
 * - an event naming an excluded account touches nothing in it.
 *
 * Needs Terraform, the provider mirror and python3 with moto[server]; locally a missing tool
 * skips the tier loudly, under CI=true it fails.
 */
import {
  AcceptHandshakeCommand,
  InviteAccountToOrganizationCommand,
  MoveAccountCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';

import type { CallRecord } from '../../emulator/model/state';
import {
  applyTierDescribe,
  hasRootCredentials,
  dayZeroScenario,
  useDeployedStack,
} from '../support/deployed-stack';

const STACK = 'root-access-continuous';
const FUNCTION = 'root-credentials-enforcer';
const EXCLUDED = '222222222222';
const DRIFTED = '666666666666';
const SANDBOX_OU = 'ou-ex12-sandbox1';
const PROD_OU = 'ou-ex12-prod0001';
/** In the sandbox OU, which the config excludes, until it is moved into Prod. */
const MOVED = '777777777777';
/** An account outside the organization that is invited and accepts. */
const JOINER = {
  accountId: '123456789012',
  accessKeyId: 'AKIAJOINERADMIN00001',
  secretAccessKey: 'joiner-admin-secret-000000000000000000000',
};

interface Delivery {
  source: string;
  status: number;
  functionError?: string;
  payload: { accounts?: Array<{ accountId: string; status: string }>; ignored?: boolean; reason?: string };
}

/**
 * Day 0 as in the apply tier (no trusted access for IAM, no features, no delegated
 * administrator), plus an administrator of the standalone account that will be invited.
 */
function scenario(): Record<string, unknown> {
  const document = dayZeroScenario(EXCLUDED);
  document['principals'] = [
    {
      accessKeyId: JOINER.accessKeyId,
      secretAccessKey: JOINER.secretAccessKey,
      accountId: JOINER.accountId,
      arn: `arn:aws:iam::${JOINER.accountId}:user/admin`,
    },
  ];
  return document;
}

function appConfig(stateFile: string): Record<string, unknown> {
  return {
    stackName: STACK,
    region: 'us-east-1',
    backend: { local: { path: stateFile } },
    organization: {
      managementAccountId: '111111111111',
      enabledFeatures: ['RootCredentialsManagement', 'RootSessions'],
      delegatedAdministratorAccountId: EXCLUDED,
    },
    enforcement: {
      targets: { allAccounts: true },
      exclusions: { accountIds: [EXCLUDED], organizationalUnitIds: [SANDBOX_OU] },
      mode: 'enforce',
      concurrency: 4,
      schedule: 'rate(12 hours)',
    },
  };
}

const tier = applyTierDescribe('continuous enforcement');

tier('continuous enforcement of the deployed stack: fired schedule and organization events', () => {
  const stack = useDeployedStack({ name: 'continuous', stackName: STACK, scenario, config: appConfig });
  const organizations = (credentials = stack.emulator.managementCredentials): OrganizationsClient =>
    new OrganizationsClient({
      endpoint: stack.emulator.endpoint,
      region: 'us-east-1',
      credentials: { ...credentials },
      maxAttempts: 1,
    });
  const callsIn = async (accountId: string): Promise<CallRecord[]> =>
    (await stack.emulator.calls()).filter((call) => call.accountId === accountId);
  const deletesIn = async (accountId: string): Promise<string[]> =>
    (await callsIn(accountId))
      .filter((call) => call.mutating && call.status === 200 && call.taskPolicyArn !== undefined)
      .map((call) => call.action);

  it('applies the stack: the schedule and the organization event rule exist, excluded accounts keep their credentials', async () => {
    // WHEN
    await stack.terraform('apply', 'apply', '-auto-approve');

    // THEN
    expect(hasRootCredentials(await stack.account('333333333333'))).toBe(false);
    expect(hasRootCredentials(await stack.account(EXCLUDED))).toBe(true);
    expect(hasRootCredentials(await stack.account(MOVED))).toBe(true);
    const listed = await stack.terraform('state list', 'state', 'list');
    expect(listed.stdout).toMatch(/^aws_scheduler_schedule\.\S+$/m);
    expect(listed.stdout).toMatch(/^aws_cloudwatch_event_rule\.\S+$/m);
  }, 180_000);

  it('removes drift added after the apply when the deployed schedule fires', async () => {
    // GIVEN
    await stack.emulator.setRootCredentials(DRIFTED, { password: true, accessKeys: 1 });
    await stack.emulator.clearCalls();

    // WHEN
    const { deliveries } = (await stack.emulator.fireSchedule('default', FUNCTION)) as {
      deliveries: Delivery[];
    };

    // THEN
    expect(deliveries).toHaveLength(1);
    expect(deliveries[0]).toMatchObject({ source: `schedule/default/${FUNCTION}`, status: 200 });
    expect(deliveries[0]?.functionError).toBeUndefined();
    const status = deliveries[0]?.payload.accounts?.find((entry) => entry.accountId === DRIFTED)?.status;
    expect(status).toBe('remediated');
    expect(hasRootCredentials(await stack.account(DRIFTED))).toBe(false);
    expect((await deletesIn(DRIFTED)).sort()).toEqual(['DeleteAccessKey', 'DeleteLoginProfile']);
    // The schedule ran the deployed desired state: the excluded account was not even read.
    expect(await callsIn(EXCLUDED)).toEqual([]);
  }, 120_000);

  it('enforces an invited account as soon as it accepts (AccountJoinedOrganization through the deployed rule)', async () => {
    // GIVEN
    await stack.emulator.clearCalls();
    const invited = await organizations().send(
      new InviteAccountToOrganizationCommand({ Target: { Type: 'ACCOUNT', Id: JOINER.accountId } }),
    );

    // WHEN: the invited account accepts; Organizations logs the membership event in the
    // management account, and EventBridge routes it to the function.
    await organizations({ accessKeyId: JOINER.accessKeyId, secretAccessKey: JOINER.secretAccessKey }).send(
      new AcceptHandshakeCommand({ HandshakeId: invited.Handshake?.Id }),
    );

    // THEN
    const joined = await stack.account(JOINER.accountId);
    expect(hasRootCredentials(joined)).toBe(false);
    expect(await deletesIn(JOINER.accountId)).toEqual(['DeleteLoginProfile']);
    const event = await lastPublished(stack.emulator.endpoint);
    expect(event.eventName).toBe('AccountJoinedOrganization');
    expect(event.deliveries).toHaveLength(1);
    expect(event.deliveries[0]?.payload.accounts).toEqual([
      expect.objectContaining({ accountId: JOINER.accountId, status: 'remediated' }),
    ]);
  }, 120_000);

  it('enforces an account moved out of an excluded OU into a targeted one (MoveAccount through the deployed rule)', async () => {
    // GIVEN
    await stack.emulator.clearCalls();

    // WHEN
    await organizations().send(
      new MoveAccountCommand({
        AccountId: MOVED,
        SourceParentId: SANDBOX_OU,
        DestinationParentId: PROD_OU,
      }),
    );

    // THEN
    expect((await stack.account(MOVED)).parentId).toBe(PROD_OU);
    expect(hasRootCredentials(await stack.account(MOVED))).toBe(false);
    expect(await deletesIn(MOVED)).toEqual(
      expect.arrayContaining(['DeleteLoginProfile', 'DeleteAccessKey', 'DeleteSigningCertificate']),
    );
    const event = await lastPublished(stack.emulator.endpoint);
    expect(event.eventName).toBe('MoveAccount');
    expect(event.deliveries[0]?.payload.accounts).toEqual([
      expect.objectContaining({ accountId: MOVED, status: 'remediated' }),
    ]);
  }, 120_000);

  it('touches nothing in an excluded account an event names', async () => {
    // GIVEN
    await stack.emulator.clearCalls();

    // WHEN: an event as Organizations would send for the excluded account
    const published = (await stack.emulator.publishOrganizationsEvent({
      eventName: 'MoveAccount',
      requestParameters: { accountId: EXCLUDED, sourceParentId: 'r-ex12', destinationParentId: PROD_OU },
    })) as { deliveries: Delivery[] };

    // THEN: delivered to the function, which ignored it without a single call for that account.
    expect(published.deliveries).toHaveLength(1);
    expect(published.deliveries[0]?.payload).toMatchObject({ ignored: true });
    expect(published.deliveries[0]?.payload.reason).toContain(EXCLUDED);
    expect(await callsIn(EXCLUDED)).toEqual([]);
    expect(hasRootCredentials(await stack.account(EXCLUDED))).toBe(true);
  }, 60_000);
});

async function lastPublished(endpoint: string): Promise<{ eventName: string; deliveries: Delivery[] }> {
  const response = await fetch(`${endpoint}/_emulator/events`);
  const { published } = (await response.json()) as {
    published: Array<{ event: { detail: { eventName: string } }; deliveries: Delivery[] }>;
  };
  const last = published.at(-1);
  if (last === undefined) throw new Error('no Organizations event was published');
  return { eventName: last.event.detail.eventName, deliveries: last.deliveries };
}
