/**
 * Service control policy documents as Organizations accepts and rejects them (issue 13): the
 * whole IAM condition grammar is accepted and evaluated, the elements SCPs do not support and
 * the size limit are rejected with AWS's errors. Through the real client-organizations.
 */
import { CreatePolicyCommand, UpdatePolicyCommand } from '@aws-sdk/client-organizations';

import { MEMBER_ACCOUNT, baseScenario, expectAwsError, signer, useEmulator } from '../support/emulator';

function statement(extra: Record<string, unknown>): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Deny', Action: '*', Resource: '*', ...extra }],
  });
}

describe('SCP grammar', () => {
  const env = useEmulator(baseScenario());
  let counter = 0;
  const create = (content: string) =>
    env.organizations().send(
      new CreatePolicyCommand({
        Name: `scp-${(counter += 1)}`,
        Description: 'grammar probe',
        Type: 'SERVICE_CONTROL_POLICY',
        Content: content,
      }),
    );

  it.each([
    ['NumericLessThan', { NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' } }],
    ['DateGreaterThan', { DateGreaterThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } }],
    ['IpAddress', { IpAddress: { 'aws:SourceIp': ['203.0.113.0/24', '2001:db8::/32'] } }],
    ['NotIpAddress', { NotIpAddress: { 'aws:SourceIp': '203.0.113.0/24' } }],
    ['Bool', { Bool: { 'aws:SecureTransport': 'false' } }],
    ['BoolIfExists', { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } }],
    ['StringNotEqualsIfExists', { StringNotEqualsIfExists: { 'aws:RequestedRegion': ['us-east-1'] } }],
    ['ForAllValues:StringLike', { 'ForAllValues:StringLike': { 'aws:TagKeys': ['env*'] } }],
    ['ForAnyValue:StringEquals', { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['owner'] } }],
    ['ArnNotLike', { ArnNotLike: { 'aws:PrincipalArn': 'arn:aws:iam::*:role/Admin' } }],
    ['Null', { Null: { 'aws:ResourceTag/owner': 'true' } }],
  ])('accepts a %s condition', async (_name, condition) => {
    const result = await create(statement({ Condition: condition }));
    expect(result.Policy?.PolicySummary?.Id).toMatch(/^p-/);
  });

  it('accepts an Allow with a condition when it names its Resource', async () => {
    const content = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: 's3:*',
          Resource: '*',
          Condition: { Bool: { 'aws:SecureTransport': 'true' } },
        },
      ],
    });
    await expect(create(content)).resolves.toBeDefined();
  });

  it.each([
    ['a Principal element', statement({ Principal: { AWS: '*' } }), /Principal element/],
    [
      'a NotPrincipal element',
      statement({ NotPrincipal: { AWS: `arn:aws:iam::${MEMBER_ACCOUNT}:root` } }),
      /NotPrincipal/,
    ],
    [
      'an unknown operator',
      statement({ Condition: { NumericAlmost: { 'aws:MultiFactorAuthAge': '1' } } }),
      /NumericAlmost/,
    ],
    [
      'an Allow with a condition and no Resource',
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'true' } } },
        ],
      }),
      /no Resource/,
    ],
    ['text that is not JSON', '{"Version": "2012-10-17", ', /not valid JSON/],
  ])('rejects %s as MalformedPolicyDocumentException', async (_what, content, detail) => {
    const error = await expectAwsError(create(content), 'MalformedPolicyDocumentException', 400);
    expect(error.message).toMatch(detail);
  });

  it('rejects content over 5,120 characters with POLICY_CONTENT_LIMIT_EXCEEDED, on create and update', async () => {
    const actions = Array.from({ length: 400 }, (_, i) => `iam:Action${i}`);
    const big = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Deny', Action: actions, Resource: '*' }],
    });
    expect(big.length).toBeGreaterThan(5120);
    const error = await expectAwsError(create(big), 'ConstraintViolationException', 409);
    expect(error.Reason).toBe('POLICY_CONTENT_LIMIT_EXCEEDED');

    const small = await create(statement({}));
    const update = await expectAwsError(
      env
        .organizations()
        .send(new UpdatePolicyCommand({ PolicyId: small.Policy?.PolicySummary?.Id, Content: big })),
      'ConstraintViolationException',
      409,
    );
    expect(update.Reason).toBe('POLICY_CONTENT_LIMIT_EXCEEDED');
  });
});

describe('ListDelegatedAdministrators on the wire', () => {
  const env = useEmulator(baseScenario());

  it('has no Paths member (the DelegatedAdministrator shape has none)', async () => {
    const url = new URL(env.emulator.endpoint);
    const body = '{}';
    const signed = await signer('organizations', env.emulator.managementCredentials).sign({
      method: 'POST',
      protocol: 'http:',
      hostname: url.hostname,
      port: Number(url.port),
      path: '/',
      headers: {
        host: url.host,
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'AWSOrganizationsV20161128.ListDelegatedAdministrators',
      },
      body,
    });
    const response = await fetch(env.emulator.endpoint, { method: 'POST', headers: signed.headers, body });
    const parsed = (await response.json()) as { DelegatedAdministrators: Array<Record<string, unknown>> };
    expect(parsed.DelegatedAdministrators.length).toBeGreaterThan(0);
    for (const admin of parsed.DelegatedAdministrators) {
      expect(admin).not.toHaveProperty('Paths');
      expect(admin).toHaveProperty('DelegationEnabledDate');
    }
  });
});
