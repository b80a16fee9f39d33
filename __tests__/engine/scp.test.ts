import { RECONCILER_IAM_ACTIONS, rootSessionDenial } from '../../src/engine/scp';
import { controlTowerRestrictRoot } from '../support/fixtures';

const ACCOUNT = '333333333333';

/** AWS-GR_RESTRICT_ROOT_USER with and without ExemptAssumeRoot (docs/aws-behaviour.md#control-tower-restrict-root). */
const restrictRoot = (exempt: boolean) =>
  JSON.stringify(controlTowerRestrictRoot({ exemptAssumeRoot: exempt }));

describe('SCP static analysis for root sessions', () => {
  it('finds that AWS-GR_RESTRICT_ROOT_USER without ExemptAssumeRoot blocks every reconciler call', () => {
    // WHEN
    const denial = rootSessionDenial(restrictRoot(false), ACCOUNT);

    // THEN
    expect(denial).toEqual({
      sid: 'GRRESTRICTROOTUSER',
      actions: [...RECONCILER_IAM_ACTIONS],
      rootWithoutExemption: true,
      explanation:
        "it denies arn:aws:iam::*:root without exempting aws:AssumedRoot (add Condition Null aws:AssumedRoot=true, or Control Tower's ExemptAssumeRoot parameter)",
    });
  });

  it('lets root sessions through when the control carries the Null aws:AssumedRoot exemption', () => {
    expect(rootSessionDenial(restrictRoot(true), ACCOUNT)).toBeUndefined();
  });

  it('flags the older StringLike copy of the control, which has no exemption', () => {
    // GIVEN the pre-parameter copy of the control (docs/aws-behaviour.md#control-tower-restrict-root, "Older copies")
    const old = JSON.stringify({
      Statement: {
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { StringLike: { 'aws:principalarn': 'arn:aws:iam::*:root' } },
      },
    });

    // THEN
    expect(rootSessionDenial(old, ACCOUNT)?.rootWithoutExemption).toBe(true);
  });

  it('does not flag the access-key sibling control, which only denies iam:CreateAccessKey', () => {
    // GIVEN AWS-GR_RESTRICT_ROOT_USER_ACCESS_KEYS
    const keys = JSON.stringify({
      Statement: [
        {
          Sid: 'GRRESTRICTROOTUSERACCESSKEYS',
          Effect: 'Deny',
          Action: 'iam:CreateAccessKey',
          Resource: '*',
          Condition: { ArnLike: { 'aws:PrincipalArn': ['arn:*:iam::*:root'] } },
        },
      ],
    });

    // THEN
    expect(rootSessionDenial(keys, ACCOUNT)).toBeUndefined();
  });

  it('names the denied actions of a narrower deny that does not single out root', () => {
    // GIVEN
    const narrow = JSON.stringify({
      Statement: [
        {
          Sid: 'NoMfaChanges',
          Effect: 'Deny',
          Action: ['iam:Deactivate*', 'iam:DeleteVirtualMFADevice'],
          Resource: '*',
        },
      ],
    });

    // WHEN
    const denial = rootSessionDenial(narrow, ACCOUNT);

    // THEN
    // DeleteVirtualMFADevice is not a reconciler call since AWS took it out of the delete task
    // policy (2025-01-07), so denying it blocks nothing the reconciler does.
    expect(denial?.actions).toEqual(['iam:DeactivateMFADevice']);
    expect(denial?.rootWithoutExemption).toBe(false);
    expect(denial?.explanation).toBe(
      'its statement NoMfaChanges denies iam:DeactivateMFADevice to root sessions (aws:AssumedRoot sessions are not exempted)',
    );
  });

  it('respects NotAction, NotResource and conditions that exclude the account', () => {
    const cases = [
      { Effect: 'Deny', NotAction: 'iam:*', Resource: '*' },
      { Effect: 'Deny', Action: '*', NotResource: 'arn:aws:iam::*:root' },
      {
        Effect: 'Deny',
        Action: '*',
        Resource: '*',
        Condition: { StringNotEquals: { 'aws:PrincipalAccount': ACCOUNT } },
      },
      { Effect: 'Deny', Action: '*', Resource: '*', Condition: { Bool: { 'aws:AssumedRoot': 'false' } } },
      { Effect: 'Allow', Action: '*', Resource: '*' },
    ];
    for (const statement of cases) {
      expect(rootSessionDenial(JSON.stringify({ Statement: [statement] }), ACCOUNT)).toBeUndefined();
    }
  });

  it('returns nothing for a document it cannot read, rather than a false alarm', () => {
    expect(rootSessionDenial('not json', ACCOUNT)).toBeUndefined();
    expect(
      rootSessionDenial(
        JSON.stringify({
          Statement: [
            {
              Effect: 'Deny',
              Action: '*',
              Condition: { DateGreaterThan: { 'aws:CurrentTime': '2020-01-01T00:00:00Z' } },
            },
          ],
        }),
        ACCOUNT,
      ),
    ).toBeUndefined();
  });
});
