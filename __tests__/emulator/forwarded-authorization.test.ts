/**
 * Forwarded calls by a principal declared with identity policies (a function's role session) are
 * held to those policies where the emulator can name the resource (SSM parameters), since moto
 * checks no policy. Other principals' forwarded calls go to moto unevaluated, as before.
 *
 * Needs python3 with moto[server]; locally a missing moto skips the file loudly, under CI=true
 * it fails.
 */
import { GetParameterCommand, PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';

import { findMotoPython } from '../../emulator/index';
import { forwardedResource } from '../../emulator/forward/resources';
import { MANAGEMENT_ACCOUNT, REGION, baseScenario, useEmulator } from '../support/emulator';
import { isCi } from '../support/terraform';

const moto = findMotoPython();
const suite = moto.ok || isCi() ? describe : describe.skip;
if (!moto.ok && !isCi()) console.warn(`\n!! SKIPPING forwarded authorization tests: ${moto.message}\n`);

const ALLOWED = '/app/allowed';
const SCOPED = {
  accessKeyId: 'ASIASCOPEDROLE000001',
  secretAccessKey: 'scoped-role-secret-0000000000000000000',
  arn: `arn:aws:sts::${MANAGEMENT_ACCOUNT}:assumed-role/scoped/scoped`,
};

describe('forwardedResource', () => {
  it.each([
    ['/app/allowed', `arn:aws:ssm:${REGION}:${MANAGEMENT_ACCOUNT}:parameter/app/allowed`],
    ['plain', `arn:aws:ssm:${REGION}:${MANAGEMENT_ACCOUNT}:parameter/plain`],
    [
      `arn:aws:ssm:${REGION}:${MANAGEMENT_ACCOUNT}:parameter/given`,
      `arn:aws:ssm:${REGION}:${MANAGEMENT_ACCOUNT}:parameter/given`,
    ],
  ])('names the parameter %s as %s', (name, arn) => {
    expect(
      forwardedResource({
        service: 'ssm',
        action: 'GetParameter',
        body: JSON.stringify({ Name: name }),
        region: REGION,
        accountId: MANAGEMENT_ACCOUNT,
      }),
    ).toBe(arn);
  });

  it('names nothing for calls it does not model', () => {
    const call = { body: '{}', region: REGION, accountId: MANAGEMENT_ACCOUNT };
    expect(forwardedResource({ ...call, service: 'ssm', action: 'DescribeParameters' })).toBeUndefined();
    expect(forwardedResource({ ...call, service: 'sqs', action: 'SendMessage' })).toBeUndefined();
    expect(forwardedResource({ ...call, service: 'ssm', action: 'GetParameter' })).toBeUndefined();
  });
});

suite('forwarded calls of a principal with identity policies', () => {
  jest.setTimeout(60_000);
  const scenario = baseScenario();
  const env = useEmulator(
    {
      ...scenario,
      principals: [
        ...(scenario['principals'] as unknown[]),
        {
          ...SCOPED,
          accountId: MANAGEMENT_ACCOUNT,
          identityPolicies: [
            {
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Action: ['ssm:GetParameter', 'ssm:PutParameter'],
                  Resource: [`arn:aws:ssm:${REGION}:${MANAGEMENT_ACCOUNT}:parameter${ALLOWED}`],
                },
              ],
            },
          ],
        },
      ],
    },
    { moto: true },
  );
  const client = (credentials?: typeof SCOPED) =>
    new SSMClient({
      endpoint: env.emulator.endpoint,
      region: REGION,
      credentials: credentials ?? env.emulator.managementCredentials,
      maxAttempts: 1,
    });

  it('allows the parameter the policy names and refuses another, before moto sees it', async () => {
    // GIVEN both parameters exist (created by the unrestricted administrator)
    const admin = client();
    const scoped = client(SCOPED);
    try {
      for (const Name of [ALLOWED, '/app/other']) {
        await admin.send(new PutParameterCommand({ Name, Value: 'v1', Type: 'String' }));
      }
      await env.emulator.clearCalls();
      // WHEN / THEN
      const got = await scoped.send(new GetParameterCommand({ Name: ALLOWED }));
      expect(got.Parameter?.Value).toBe('v1');
      await expect(scoped.send(new GetParameterCommand({ Name: '/app/other' }))).rejects.toMatchObject({
        name: 'AccessDeniedException',
        message: expect.stringContaining(
          `not authorized to perform: ssm:GetParameter on resource: arn:aws:ssm:${REGION}:${MANAGEMENT_ACCOUNT}:parameter/app/other because no identity-based policy allows`,
        ),
      });
      await expect(
        scoped.send(
          new PutParameterCommand({ Name: '/app/other', Value: 'v2', Type: 'String', Overwrite: true }),
        ),
      ).rejects.toMatchObject({ name: 'AccessDeniedException' });
      // The refused write never reached moto.
      expect((await admin.send(new GetParameterCommand({ Name: '/app/other' }))).Parameter?.Value).toBe('v1');
      const calls = (await env.emulator.calls()).filter((call) => call.principalArn === SCOPED.arn);
      expect(calls.map((call) => [call.action, call.decision])).toEqual([
        ['GetParameter', 'allow'],
        ['GetParameter', 'deny'],
        ['PutParameter', 'deny'],
      ]);
    } finally {
      admin.destroy();
      scoped.destroy();
    }
  });
});
