/**
 * Organizations conformance (docs/aws-behaviour.md#wire-protocols) and SCP evaluation (docs/aws-behaviour.md#control-tower-restrict-root) through the real
 * @aws-sdk/client-organizations, client-iam and client-sts v3 clients over HTTP.
 */
import { GetAccountSummaryCommand, ListAccessKeysCommand } from '@aws-sdk/client-iam';
import {
  AttachPolicyCommand,
  CreatePolicyCommand,
  DeregisterDelegatedAdministratorCommand,
  DescribeAccountCommand,
  DescribeOrganizationCommand,
  DescribePolicyCommand,
  DetachPolicyCommand,
  EnableAWSServiceAccessCommand,
  ListAccountsCommand,
  ListAccountsForParentCommand,
  ListAWSServiceAccessForOrganizationCommand,
  ListChildrenCommand,
  ListDelegatedAdministratorsCommand,
  ListDelegatedServicesForAccountCommand,
  ListOrganizationalUnitsForParentCommand,
  ListParentsCommand,
  ListPoliciesForTargetCommand,
  ListRootsCommand,
  ListTargetsForPolicyCommand,
  ListTagsForResourceCommand,
  RegisterDelegatedAdministratorCommand,
  paginateListAccounts,
  type Account,
} from '@aws-sdk/client-organizations';

import { AwsError } from '../../emulator/model/state';
import { organizationsService, renderError } from '../../emulator/services/organizations';
import {
  BARE_ACCOUNT,
  DELEGATED_ADMIN,
  DELEGATED_ADMIN_ACCOUNT,
  MANAGEMENT_ACCOUNT,
  MEMBER_ACCOUNT,
  MEMBER_ADMIN,
  OTHER_MEMBER_ACCOUNT,
  SUSPENDED_ACCOUNT,
  baseScenario,
  rejection,
  useEmulator,
} from '../support/emulator';
import { controlTowerRestrictRoot } from '../support/fixtures';

const ROOT_ID = 'r-ex12';
const PROD_OU = 'ou-ex12-prod0001';

const RESTRICT_ROOT_WITHOUT_EXEMPTION = JSON.stringify(controlTowerRestrictRoot({ exemptAssumeRoot: false }));
const RESTRICT_ROOT_WITH_EXEMPTION = JSON.stringify(controlTowerRestrictRoot({ exemptAssumeRoot: true }));

describe('Organizations', () => {
  const env = useEmulator(baseScenario());

  beforeEach(async () => {
    await env.emulator.reset();
  });

  describe('reads', () => {
    it('describes the organization with its management account', async () => {
      const { Organization } = await env.organizations().send(new DescribeOrganizationCommand({}));

      expect(Organization).toMatchObject({
        Id: 'o-exampleorg1',
        FeatureSet: 'ALL',
        MasterAccountId: MANAGEMENT_ACCOUNT,
        MasterAccountEmail: 'mgmt@example.com',
        Arn: `arn:aws:organizations::${MANAGEMENT_ACCOUNT}:organization/o-exampleorg1`,
      });
    });

    it('pages ListAccounts one account at a time and lists every account exactly once', async () => {
      // GIVEN a page size of 1
      const client = env.organizations();
      const ids: string[] = [];
      let pages = 0;

      // WHEN the SDK paginator walks every page
      for await (const page of paginateListAccounts({ client, pageSize: 1 }, {})) {
        pages++;
        expect(page.Accounts?.length).toBeLessThanOrEqual(1);
        ids.push(...(page.Accounts ?? []).map((account) => account.Id ?? ''));
      }

      // THEN every account of the scenario appears once, management included
      const expected = [
        MANAGEMENT_ACCOUNT,
        DELEGATED_ADMIN_ACCOUNT,
        MEMBER_ACCOUNT,
        BARE_ACCOUNT,
        SUSPENDED_ACCOUNT,
        OTHER_MEMBER_ACCOUNT,
      ].sort();
      expect([...ids].sort()).toEqual(expected);
      expect(pages).toBe(expected.length);
    });

    it('answers DescribeAccount with State, Status, epoch JoinedTimestamp and the account path', async () => {
      const { Account: account } = await env
        .organizations()
        .send(new DescribeAccountCommand({ AccountId: MEMBER_ACCOUNT }));

      expect(account).toMatchObject({
        Id: MEMBER_ACCOUNT,
        Name: 'prod-a',
        Email: 'prod-a@example.com',
        Status: 'ACTIVE',
        State: 'ACTIVE',
        JoinedMethod: 'CREATED',
        Arn: `arn:aws:organizations::${MANAGEMENT_ACCOUNT}:account/o-exampleorg1/${MEMBER_ACCOUNT}`,
      });
      // The SDK turns epoch seconds into a Date; a string or milliseconds would not round-trip.
      expect(account?.JoinedTimestamp).toBeInstanceOf(Date);
      expect(account?.JoinedTimestamp?.getUTCFullYear()).toBeGreaterThan(2015);
      expect((account as Account & { Paths?: string[] }).Paths).toEqual([
        `o-exampleorg1/${ROOT_ID}/${PROD_OU}/${MEMBER_ACCOUNT}/`,
      ]);
    });

    it('reports a suspended account as SUSPENDED in both State and Status', async () => {
      const { Account: account } = await env
        .organizations()
        .send(new DescribeAccountCommand({ AccountId: SUSPENDED_ACCOUNT }));
      expect(account?.State).toBe('SUSPENDED');
      expect(account?.Status).toBe('SUSPENDED');
    });

    it('lists only direct children with ListAccountsForParent', async () => {
      const client = env.organizations();

      const atRoot = await client.send(new ListAccountsForParentCommand({ ParentId: ROOT_ID }));
      const inProd = await client.send(new ListAccountsForParentCommand({ ParentId: PROD_OU }));

      expect(atRoot.Accounts?.map((a) => a.Id).sort()).toEqual(
        [MANAGEMENT_ACCOUNT, DELEGATED_ADMIN_ACCOUNT, SUSPENDED_ACCOUNT].sort(),
      );
      expect(inProd.Accounts?.map((a) => a.Id).sort()).toEqual(
        [MEMBER_ACCOUNT, BARE_ACCOUNT, OTHER_MEMBER_ACCOUNT].sort(),
      );
    });

    it('walks the tree with ListRoots, ListOrganizationalUnitsForParent, ListChildren and ListParents', async () => {
      const client = env.organizations();

      const roots = await client.send(new ListRootsCommand({}));
      const ous = await client.send(new ListOrganizationalUnitsForParentCommand({ ParentId: ROOT_ID }));
      const children = await client.send(
        new ListChildrenCommand({ ParentId: PROD_OU, ChildType: 'ACCOUNT', MaxResults: 2 }),
      );
      const parents = await client.send(new ListParentsCommand({ ChildId: MEMBER_ACCOUNT }));

      expect(roots.Roots).toEqual([
        expect.objectContaining({
          Id: ROOT_ID,
          Name: 'Root',
          PolicyTypes: [{ Type: 'SERVICE_CONTROL_POLICY', Status: 'ENABLED' }],
        }),
      ]);
      expect(ous.OrganizationalUnits).toEqual([expect.objectContaining({ Id: PROD_OU, Name: 'Prod' })]);
      expect(children.Children).toHaveLength(2);
      expect(children.Children?.[0]?.Type).toBe('ACCOUNT');
      expect(children.NextToken).toEqual(expect.any(String));
      expect(parents.Parents).toEqual([{ Id: PROD_OU, Type: 'ORGANIZATIONAL_UNIT' }]);
    });

    it('lets the delegated administrator list accounts and trusted access', async () => {
      const client = env.organizations({ credentials: DELEGATED_ADMIN });

      const accounts = await client.send(new ListAccountsCommand({}));
      const access = await client.send(new ListAWSServiceAccessForOrganizationCommand({}));
      const admins = await client.send(new ListDelegatedAdministratorsCommand({}));

      expect(accounts.Accounts?.length).toBe(6);
      expect(access.EnabledServicePrincipals?.map((p) => p.ServicePrincipal)).toEqual(['iam.amazonaws.com']);
      expect(access.EnabledServicePrincipals?.[0]?.DateEnabled).toBeInstanceOf(Date);
      expect(admins.DelegatedAdministrators?.map((a) => a.Id)).toEqual([DELEGATED_ADMIN_ACCOUNT]);
    });

    it('returns an empty tag list for an account (the Terraform provider reads tags)', async () => {
      const { Tags } = await env
        .organizations()
        .send(new ListTagsForResourceCommand({ ResourceId: MEMBER_ACCOUNT }));
      expect(Tags).toEqual([]);
    });
  });

  describe('errors', () => {
    it('fails with ParentNotFoundException for an unknown OU', async () => {
      const error = await rejection(
        env.organizations().send(new ListAccountsForParentCommand({ ParentId: 'ou-ex12-missing01' })),
      );
      expect(error.name).toBe('ParentNotFoundException');
      expect(error.$metadata?.httpStatusCode).toBe(404);
    });

    it('fails with AccountNotFoundException for an account outside the organization', async () => {
      const error = await rejection(
        env.organizations().send(new DescribeAccountCommand({ AccountId: '999999999999' })),
      );
      expect(error.name).toBe('AccountNotFoundException');
      expect(error.message).toBe("You specified an account that doesn't exist.");
    });

    it('fails with AccessDeniedException when a plain member account lists accounts', async () => {
      const error = await rejection(
        env.organizations({ credentials: MEMBER_ADMIN }).send(new ListAccountsCommand({})),
      );
      expect(error.name).toBe('AccessDeniedException');
      expect(error.$metadata?.httpStatusCode).toBe(403);
    });

    it('fails with AccessDeniedException when the delegated administrator calls a management-only operation', async () => {
      const error = await rejection(
        env
          .organizations({ credentials: DELEGATED_ADMIN })
          .send(new EnableAWSServiceAccessCommand({ ServicePrincipal: 'sso.amazonaws.com' })),
      );
      expect(error.name).toBe('AccessDeniedException');
    });

    it('fails with ConstraintViolationException CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR', async () => {
      const error = await rejection(
        env.organizations().send(
          new RegisterDelegatedAdministratorCommand({
            AccountId: MANAGEMENT_ACCOUNT,
            ServicePrincipal: 'iam.amazonaws.com',
          }),
        ),
      );
      expect(error.name).toBe('ConstraintViolationException');
      expect(error.Reason).toBe('CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR');
      expect(error.$metadata?.httpStatusCode).toBe(409);
    });

    it('fails with AccountAlreadyRegisteredException when registering the same delegation twice', async () => {
      const error = await rejection(
        env.organizations().send(
          new RegisterDelegatedAdministratorCommand({
            AccountId: DELEGATED_ADMIN_ACCOUNT,
            ServicePrincipal: 'iam.amazonaws.com',
          }),
        ),
      );
      expect(error.name).toBe('AccountAlreadyRegisteredException');
    });

    it('fails with InvalidInputException INVALID_NEXT_TOKEN for a forged token', async () => {
      const error = await rejection(
        env.organizations().send(new ListAccountsCommand({ NextToken: 'not-a-token-we-issued' })),
      );
      expect(error.name).toBe('InvalidInputException');
      expect(error.Reason).toBe('INVALID_NEXT_TOKEN');
    });

    it('fails with INVALID_NEXT_TOKEN when a token from one parent is replayed against another', async () => {
      const client = env.organizations();
      const first = await client.send(new ListAccountsForParentCommand({ ParentId: PROD_OU, MaxResults: 1 }));
      expect(first.NextToken).toBeDefined();

      const error = await rejection(
        client.send(new ListAccountsForParentCommand({ ParentId: ROOT_ID, NextToken: first.NextToken })),
      );
      expect(error.Reason).toBe('INVALID_NEXT_TOKEN');
    });
  });

  describe('input limits', () => {
    it('fails with InvalidInputException MAX_VALUE_EXCEEDED for MaxResults above 20', async () => {
      const error = await rejection(env.organizations().send(new ListAccountsCommand({ MaxResults: 21 })));
      expect(error.name).toBe('InvalidInputException');
      expect(error.Reason).toBe('MAX_VALUE_EXCEEDED');
    });

    it('lists the services delegated to an account and fails for one with none', async () => {
      const client = env.organizations();
      const delegated = await client.send(
        new ListDelegatedServicesForAccountCommand({ AccountId: DELEGATED_ADMIN_ACCOUNT }),
      );
      const error = await rejection(
        client.send(new ListDelegatedServicesForAccountCommand({ AccountId: MEMBER_ACCOUNT })),
      );

      expect(delegated.DelegatedServices?.map((d) => d.ServicePrincipal)).toEqual(['iam.amazonaws.com']);
      expect(error.name).toBe('AccountNotRegisteredException');
    });
  });

  describe('delegated administrators and trusted access', () => {
    it('deregisters and re-registers the IAM delegated administrator', async () => {
      const client = env.organizations();
      const delegation = { AccountId: DELEGATED_ADMIN_ACCOUNT, ServicePrincipal: 'iam.amazonaws.com' };

      await client.send(new DeregisterDelegatedAdministratorCommand(delegation));
      const afterDeregister = await client.send(new ListDelegatedAdministratorsCommand({}));
      await client.send(new RegisterDelegatedAdministratorCommand(delegation));
      const afterRegister = await client.send(
        new ListDelegatedAdministratorsCommand({ ServicePrincipal: 'iam.amazonaws.com' }),
      );

      expect(afterDeregister.DelegatedAdministrators).toEqual([]);
      expect(afterRegister.DelegatedAdministrators?.map((a) => a.Id)).toEqual([DELEGATED_ADMIN_ACCOUNT]);
    });

    it('records the enabling call as mutating in the call log', async () => {
      await env.emulator.clearCalls();
      await env
        .organizations()
        .send(new EnableAWSServiceAccessCommand({ ServicePrincipal: 'sso.amazonaws.com' }));
      await env.organizations().send(new ListAWSServiceAccessForOrganizationCommand({}));

      const calls = await env.emulator.calls();
      expect(calls.map((c) => [c.service, c.action, c.mutating, c.decision])).toEqual([
        ['organizations', 'EnableAWSServiceAccess', true, 'allow'],
        ['organizations', 'ListAWSServiceAccessForOrganization', false, 'allow'],
      ]);
    });
  });

  describe('service control policies', () => {
    async function createAndAttach(content: string, name: string, targetId: string): Promise<string> {
      const client = env.organizations();
      const { Policy } = await client.send(
        new CreatePolicyCommand({
          Content: content,
          Name: name,
          Description: name,
          Type: 'SERVICE_CONTROL_POLICY',
        }),
      );
      const policyId = Policy?.PolicySummary?.Id ?? '';
      await client.send(new AttachPolicyCommand({ PolicyId: policyId, TargetId: targetId }));
      return policyId;
    }

    it('returns policy content verbatim and lists its targets', async () => {
      const policyId = await createAndAttach(RESTRICT_ROOT_WITH_EXEMPTION, 'restrict-root', PROD_OU);
      const client = env.organizations();

      const described = await client.send(new DescribePolicyCommand({ PolicyId: policyId }));
      const targets = await client.send(new ListTargetsForPolicyCommand({ PolicyId: policyId }));
      const forTarget = await client.send(
        new ListPoliciesForTargetCommand({ TargetId: PROD_OU, Filter: 'SERVICE_CONTROL_POLICY' }),
      );

      expect(policyId).toMatch(/^p-[0-9a-z]{8}$/);
      expect(described.Policy?.Content).toBe(RESTRICT_ROOT_WITH_EXEMPTION);
      expect(targets.Targets).toEqual([
        expect.objectContaining({ TargetId: PROD_OU, Type: 'ORGANIZATIONAL_UNIT', Name: 'Prod' }),
      ]);
      expect(forTarget.Policies?.map((p) => p.Id).sort()).toEqual(['p-FullAWSAccess', policyId].sort());
    });

    it('denies a root session when the OU carries AWS-GR_RESTRICT_ROOT_USER without the AssumedRoot exemption', async () => {
      // GIVEN the control without ExemptAssumeRoot on the member's OU
      const policyId = await createAndAttach(RESTRICT_ROOT_WITHOUT_EXEMPTION, 'restrict-root', PROD_OU);
      const session = await env.rootSession(MEMBER_ACCOUNT, 'IAMAuditRootUserCredentials');

      // WHEN the session audits the root user
      const error = await rejection(env.iam({ credentials: session }).send(new GetAccountSummaryCommand({})));

      // THEN the denial names the SCP, as AWS words it
      expect(error.name).toBe('AccessDenied');
      expect(error.$metadata?.httpStatusCode).toBe(403);
      expect(error.message).toBe(
        `User: arn:aws:iam::${MEMBER_ACCOUNT}:root is not authorized to perform: iam:GetAccountSummary ` +
          `on resource: arn:aws:iam::${MEMBER_ACCOUNT}:root with an explicit deny in a service control policy: ` +
          `arn:aws:organizations::${MANAGEMENT_ACCOUNT}:policy/o-exampleorg1/service_control_policy/${policyId}`,
      );
    });

    it('allows a root session when the control carries the Null aws:AssumedRoot exemption', async () => {
      await createAndAttach(RESTRICT_ROOT_WITH_EXEMPTION, 'restrict-root-exempt', PROD_OU);
      const session = await env.rootSession(MEMBER_ACCOUNT, 'IAMAuditRootUserCredentials');

      const summary = await env.iam({ credentials: session }).send(new GetAccountSummaryCommand({}));

      expect(summary.SummaryMap?.['AccountPasswordPresent']).toBe(1);
    });

    it('implicitly denies once FullAWSAccess is detached from the OU and only an S3 allow is left', async () => {
      // GIVEN the Prod OU keeps an SCP that allows S3 only
      const client = env.organizations();
      await createAndAttach(
        JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }],
        }),
        'allow-s3-only',
        PROD_OU,
      );
      await client.send(new DetachPolicyCommand({ PolicyId: 'p-FullAWSAccess', TargetId: PROD_OU }));
      const session = await env.rootSession(MEMBER_ACCOUNT, 'IAMDeleteRootUserCredentials');

      // WHEN the session lists access keys
      const error = await rejection(env.iam({ credentials: session }).send(new ListAccessKeysCommand({})));

      // THEN no SCP on the path allows it
      expect(error.name).toBe('AccessDenied');
      expect(error.message).toContain(
        'because no service control policy allows the iam:ListAccessKeys action',
      );
    });

    it('refuses to detach the last SCP from a target', async () => {
      const error = await rejection(
        env.organizations().send(new DetachPolicyCommand({ PolicyId: 'p-FullAWSAccess', TargetId: PROD_OU })),
      );
      expect(error.name).toBe('ConstraintViolationException');
      expect(error.Reason).toBe('MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED');
    });

    it('never applies SCPs to the management account', async () => {
      // GIVEN a deny-everything SCP on the root and directly on the management account
      const denyAll = JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Deny', Action: '*', Resource: '*' }],
      });
      const policyId = await createAndAttach(denyAll, 'deny-all', ROOT_ID);
      await env
        .organizations()
        .send(new AttachPolicyCommand({ PolicyId: policyId, TargetId: MANAGEMENT_ACCOUNT }));

      // WHEN the management administrator keeps working
      const accounts = await env.organizations().send(new ListAccountsCommand({}));

      // THEN it is unaffected, while the delegated administrator (a member) is denied by the SCP
      expect(accounts.Accounts?.length).toBe(6);
      const error = await rejection(
        env.organizations({ credentials: DELEGATED_ADMIN }).send(new ListAccountsCommand({})),
      );
      expect(error.name).toBe('AccessDeniedException');
      expect(error.message).toContain(`service_control_policy/${policyId}`);
    });
  });

  describe('wire details', () => {
    it('renders errors as JSON 1.1 with __type, Message and Reason', () => {
      const response = renderError(
        new AwsError('TooManyRequestsException', 'Rate exceeded', 429, { Type: 'AWSOrganizations' }),
      );
      expect(response.status).toBe(429);
      expect(response.headers['content-type']).toBe('application/x-amz-json-1.1');
      expect(JSON.parse(response.body)).toEqual({
        __type: 'TooManyRequestsException',
        Message: 'Rate exceeded',
        Type: 'AWSOrganizations',
      });
    });

    it('answers an unknown operation with UnknownOperationException', async () => {
      const annotations: unknown[] = [];
      const response = await organizationsService.handle(
        {
          method: 'POST',
          path: '/',
          query: new URLSearchParams(),
          headers: { 'x-amz-target': 'AWSOrganizationsV20161128.MakeCoffee' },
          body: '{}',
          region: 'us-east-1',
        },
        {
          state: undefined as never,
          principal: {
            kind: 'iam',
            accessKeyId: 'AKIA',
            secretAccessKey: 'secret',
            accountId: MANAGEMENT_ACCOUNT,
            arn: 'arn:aws:iam::111111111111:user/a',
          },
          now: new Date(),
          authorize: () => ({ allowed: true }),
          annotate: (annotation) => annotations.push(annotation),
        },
      );
      expect(response.status).toBe(400);
      expect(JSON.parse(response.body)).toMatchObject({ __type: 'UnknownOperationException' });
      expect(annotations).toEqual([{ action: 'MakeCoffee', accountId: MANAGEMENT_ACCOUNT, mutating: false }]);
    });
  });
});

describe('Organizations condition keys', () => {
  // A role like the reconciler's: it may enable trusted access for IAM and for nothing else.
  const SCOPED = {
    accessKeyId: 'AKIASCOPEDSERVICE001',
    secretAccessKey: 'scoped-service-secret-000000000000000000',
  };
  const scenario = baseScenario() as { principals: unknown[] } & Record<string, unknown>;
  const env = useEmulator({
    ...scenario,
    principals: [
      ...scenario.principals,
      {
        ...SCOPED,
        accountId: MANAGEMENT_ACCOUNT,
        arn: `arn:aws:sts::${MANAGEMENT_ACCOUNT}:assumed-role/Reconciler/scoped`,
        identityPolicies: [
          {
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Action: 'organizations:EnableAWSServiceAccess',
                Resource: '*',
                Condition: { StringEquals: { 'organizations:ServicePrincipal': 'iam.amazonaws.com' } },
              },
            ],
          },
        ],
      },
    ],
  });

  it('evaluates organizations:ServicePrincipal on EnableAWSServiceAccess', async () => {
    // GIVEN
    const client = env.organizations({ credentials: SCOPED, maxAttempts: 1 });

    // WHEN
    await client.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: 'iam.amazonaws.com' }));
    const denied = await rejection(
      client.send(new EnableAWSServiceAccessCommand({ ServicePrincipal: 'sso.amazonaws.com' })),
    );

    // THEN
    expect(denied.name).toBe('AccessDeniedException');
    expect(denied.message).toContain('organizations:EnableAWSServiceAccess');
  });
});
