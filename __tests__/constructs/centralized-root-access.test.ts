import { IamOrganizationsFeatures } from '@cdktf/provider-aws/lib/iam-organizations-features';
import { OrganizationsDelegatedAdministrator } from '@cdktf/provider-aws/lib/organizations-delegated-administrator';
import { OrganizationsOrganization } from '@cdktf/provider-aws/lib/organizations-organization';
import { OrganizationsPolicy } from '@cdktf/provider-aws/lib/organizations-policy';
import { OrganizationsPolicyAttachment } from '@cdktf/provider-aws/lib/organizations-policy-attachment';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { TerraformOutput, TerraformStack, TerraformVariable, Testing } from 'cdktf';
// Type-only: the matchers are registered in __tests__/support/setup.ts; this brings their types.
import type {} from 'cdktf/lib/testing/adapters/jest';

import {
  CentralizedRootAccess,
  ROOT_TASK_ACTIONS,
  RootAccessFeature,
  RootRestrictionVariant,
  type CentralizedRootAccessProps,
} from '../../src';
import { ConfigurationError } from '../../src/constructs/errors';
import { AWS_PROVIDER_VERSION_RANGE } from '../../src/constructs/provider-versions';
import { rootRestrictionPolicyDocument } from '../../src/constructs/root-restriction-policy';
import { assetHashSerializer, scrubAssetHashes } from '../support/snapshot';

expect.addSnapshotSerializer(assetHashSerializer);

const MANAGEMENT = '111111111111';
const MEMBER = '222222222222';
const ROOT = 'r-ab12';
const OU = 'ou-ab12-cdef3456';

/** Synthesized Terraform JSON: untyped by nature, so tests index it freely. */
type Json = ReturnType<typeof JSON.parse>;

interface Synthesized {
  readonly text: string;
  readonly json: Json;
  readonly construct: CentralizedRootAccess;
  readonly stack: TerraformStack;
}

function synthesize(props?: CentralizedRootAccessProps): Synthesized {
  const stack = new TerraformStack(Testing.app(), 'test');
  new AwsProvider(stack, 'aws', { region: 'us-east-1' });
  const construct = new CentralizedRootAccess(stack, 'RootAccess', props);
  const text = Testing.synth(stack);
  return { text, json: JSON.parse(text), construct, stack };
}

/** The one resource of a type, by Terraform type. */
function only(json: Json, type: string): Json {
  const resources = Object.values(json.resource?.[type] ?? {});
  expect(resources).toHaveLength(1);
  return resources[0];
}

function addressOf(json: Json, type: string): string {
  const names = Object.keys(json.resource[type]);
  expect(names).toHaveLength(1);
  return `${type}.${names[0]}`;
}

function scpStatements(json: Json): Json[] {
  return JSON.parse(only(json, 'aws_organizations_policy').content).Statement;
}

function constructionError(props: CentralizedRootAccessProps): ConfigurationError {
  const stack = new TerraformStack(Testing.app(), 'test');
  try {
    new CentralizedRootAccess(stack, 'RootAccess', props);
  } catch (caught) {
    expect(caught).toBeInstanceOf(ConfigurationError);
    return caught as ConfigurationError;
  }
  throw new Error('expected the construct to throw a ConfigurationError');
}

function warningsOf(construct: CentralizedRootAccess): string[] {
  return construct.node.metadata
    .filter((entry) => entry.type === '@cdktf/warn')
    .map((entry) => String(entry.data));
}

describe('CentralizedRootAccess', () => {
  describe('defaults', () => {
    it('enables both features and creates nothing else', () => {
      // GIVEN / WHEN
      const { text, json } = synthesize();

      // THEN
      expect(text).toHaveResourceWithProperties(IamOrganizationsFeatures, {
        enabled_features: ['RootCredentialsManagement', 'RootSessions'],
      });
      expect(Object.keys(json.resource)).toEqual(['aws_iam_organizations_features']);
      expect(only(json, 'aws_iam_organizations_features').depends_on).toBeUndefined();
    });

    it('declares the hashicorp/aws version range instead of the binding pin', () => {
      // GIVEN / WHEN
      const { json } = synthesize();

      // THEN
      expect(json.terraform.required_providers.aws).toEqual({
        source: 'hashicorp/aws',
        version: '>= 5.78.0, < 7.0.0',
      });
      expect(AWS_PROVIDER_VERSION_RANGE).toBe('>= 5.78.0, < 7.0.0');
    });

    it('exposes the organization id as the features resource id', () => {
      // GIVEN
      const stack = new TerraformStack(Testing.app(), 'test');

      // WHEN
      const rootAccess = new CentralizedRootAccess(stack, 'RootAccess');
      new TerraformOutput(stack, 'organization_id', { value: rootAccess.organizationId });

      // THEN
      const json = JSON.parse(Testing.synth(stack));
      expect(json.output.organization_id.value).toBe(
        `\${${addressOf(json, 'aws_iam_organizations_features')}.id}`,
      );
      expect(rootAccess.organization).toBeUndefined();
      expect(rootAccess.policy).toBeUndefined();
      expect(rootAccess.delegatedAdministrator).toBeUndefined();
      expect(rootAccess.policyAttachments.size).toBe(0);
    });

    it('matches the snapshot', () => {
      expect(synthesize().text).toMatchSnapshot();
    });
  });

  describe('enabledFeatures', () => {
    it.each([[RootAccessFeature.ROOT_SESSIONS], [RootAccessFeature.ROOT_CREDENTIALS_MANAGEMENT]])(
      'turns on %s alone',
      (feature) => {
        // GIVEN / WHEN
        const { text } = synthesize({ enabledFeatures: [feature] });

        // THEN
        expect(text).toHaveResourceWithProperties(IamOrganizationsFeatures, { enabled_features: [feature] });
      },
    );
  });

  describe('manageOrganization', () => {
    it('owns the organization with all features, IAM trusted access and prevent_destroy', () => {
      // GIVEN / WHEN
      const { text, json, construct } = synthesize({ manageOrganization: {} });

      // THEN
      expect(text).toHaveResourceWithProperties(OrganizationsOrganization, {
        feature_set: 'ALL',
        aws_service_access_principals: ['iam.amazonaws.com'],
        enabled_policy_types: [],
        lifecycle: { prevent_destroy: true },
      });
      expect(construct.organization).toBeDefined();
      expect(only(json, 'aws_iam_organizations_features').depends_on).toEqual([
        addressOf(json, 'aws_organizations_organization'),
      ]);
    });

    it('keeps every listed service principal and adds iam.amazonaws.com once', () => {
      // GIVEN / WHEN
      const { json } = synthesize({
        manageOrganization: {
          servicePrincipals: [
            'sso.amazonaws.com',
            'iam.amazonaws.com',
            'config.amazonaws.com',
            'sso.amazonaws.com',
          ],
          enabledPolicyTypes: ['TAG_POLICY'],
        },
      });

      // THEN
      const organization = only(json, 'aws_organizations_organization');
      expect(organization.aws_service_access_principals).toEqual([
        'config.amazonaws.com',
        'iam.amazonaws.com',
        'sso.amazonaws.com',
      ]);
      expect(organization.enabled_policy_types).toEqual(['TAG_POLICY']);
    });

    it('enables service control policies when the root restriction policy is used', () => {
      // GIVEN / WHEN
      const { json } = synthesize({
        manageOrganization: { enabledPolicyTypes: ['TAG_POLICY'] },
        rootRestrictionPolicy: { targetIds: [ROOT] },
      });

      // THEN
      expect(only(json, 'aws_organizations_organization').enabled_policy_types).toEqual([
        'SERVICE_CONTROL_POLICY',
        'TAG_POLICY',
      ]);
    });

    it('makes every other resource wait for the organization', () => {
      // GIVEN / WHEN
      const { json } = synthesize({
        manageOrganization: {},
        delegatedAdministratorAccountId: MEMBER,
        rootRestrictionPolicy: { targetIds: [ROOT, OU] },
      });

      // THEN
      const organization = addressOf(json, 'aws_organizations_organization');
      const features = addressOf(json, 'aws_iam_organizations_features');
      expect(only(json, 'aws_iam_organizations_features').depends_on).toEqual([organization]);
      expect(only(json, 'aws_organizations_delegated_administrator').depends_on).toEqual([
        organization,
        features,
      ]);
      expect(only(json, 'aws_organizations_policy').depends_on).toEqual([organization]);
      for (const attachment of Object.values<Json>(json.resource.aws_organizations_policy_attachment)) {
        expect(attachment.depends_on).toEqual([organization]);
      }
    });

    it('allows destroying the organization only when preventDestroy is false', () => {
      // GIVEN / WHEN
      const { text } = synthesize({ manageOrganization: { preventDestroy: false } });

      // THEN
      expect(text).toHaveResourceWithProperties(OrganizationsOrganization, {
        lifecycle: { prevent_destroy: false },
      });
    });

    it('warns when applying would disable service control policies', () => {
      // GIVEN / WHEN
      const { construct } = synthesize({ manageOrganization: { enabledPolicyTypes: ['TAG_POLICY'] } });

      // THEN
      expect(warningsOf(construct)).toEqual([
        expect.stringContaining(
          'manageOrganization.enabledPolicyTypes: does not include "SERVICE_CONTROL_POLICY", so applying disables service control policies',
        ),
      ]);
    });

    it('does not warn when service control policies stay enabled', () => {
      // GIVEN / WHEN
      const { construct } = synthesize({
        manageOrganization: { enabledPolicyTypes: ['SERVICE_CONTROL_POLICY'] },
      });

      // THEN
      expect(warningsOf(construct)).toEqual([]);
    });

    it('matches the snapshot with every option', () => {
      // GIVEN / WHEN
      const { text } = synthesize({
        managementAccountId: MANAGEMENT,
        manageOrganization: { servicePrincipals: ['sso.amazonaws.com'], enabledPolicyTypes: ['TAG_POLICY'] },
        delegatedAdministratorAccountId: MEMBER,
        rootRestrictionPolicy: {
          variant: RootRestrictionVariant.ALLOW_ROOT_TASKS_ONLY,
          targetIds: [ROOT, OU, MEMBER],
          exemptPrincipalArns: ['arn:aws:iam::333333333333:root'],
        },
      });

      // THEN
      expect(text).toMatchSnapshot();
    });
  });

  describe('delegatedAdministratorAccountId', () => {
    it('registers the account as IAM delegated administrator after the features', () => {
      // GIVEN / WHEN
      const { text, json } = synthesize({ delegatedAdministratorAccountId: MEMBER });

      // THEN
      expect(text).toHaveResourceWithProperties(OrganizationsDelegatedAdministrator, {
        account_id: MEMBER,
        service_principal: 'iam.amazonaws.com',
      });
      expect(only(json, 'aws_organizations_delegated_administrator').depends_on).toEqual([
        addressOf(json, 'aws_iam_organizations_features'),
      ]);
    });
  });

  describe('rootRestrictionPolicy', () => {
    it('denies long-term root everything and exempts AssumeRoot sessions by default', () => {
      // GIVEN / WHEN
      const { text, json } = synthesize({ rootRestrictionPolicy: { targetIds: [ROOT] } });

      // THEN
      expect(text).toHaveResourceWithProperties(OrganizationsPolicy, {
        name: 'restrict-member-root-users',
        type: 'SERVICE_CONTROL_POLICY',
      });
      expect(scpStatements(json)).toEqual([
        {
          Sid: 'DenyLongTermRootUser',
          Effect: 'Deny',
          Action: '*',
          Resource: '*',
          Condition: {
            ArnLike: { 'aws:PrincipalArn': ['arn:*:iam::*:root'] },
            Null: { 'aws:AssumedRoot': 'true' },
          },
        },
      ]);
    });

    it('allow-root-tasks-only denies root every action except those of the root-task policies', () => {
      // GIVEN / WHEN
      const { json } = synthesize({
        rootRestrictionPolicy: { variant: RootRestrictionVariant.ALLOW_ROOT_TASKS_ONLY, targetIds: [OU] },
      });

      // THEN
      const [statement] = scpStatements(json);
      expect(statement).toEqual({
        Sid: 'DenyRootUserExceptRootTasks',
        Effect: 'Deny',
        NotAction: [...ROOT_TASK_ACTIONS],
        Resource: '*',
        Condition: { ArnLike: { 'aws:PrincipalArn': ['arn:*:iam::*:root'] } },
      });
      expect(statement.NotAction).toEqual(
        expect.arrayContaining([
          'iam:GetAccountSummary',
          'iam:ListAccessKeys',
          'iam:CreateLoginProfile',
          'iam:DeleteLoginProfile',
          'iam:DeactivateMFADevice',
          's3:DeleteBucketPolicy',
          's3:PutBucketPolicy',
          's3:GetBucketPolicy',
          's3:ListAllMyBuckets',
          'sqs:SetQueueAttributes',
          'sqs:GetQueueUrl',
        ]),
      );
      // 20: AWS took iam:DeleteVirtualMFADevice out of IAMDeleteRootUserCredentials (2025-01-07).
      expect(statement.NotAction).toHaveLength(20);
      expect(statement.NotAction).not.toContain('iam:CreateAccessKey');
      expect(statement.NotAction).not.toContain('iam:DeleteVirtualMFADevice');
    });

    it.each(Object.values(RootRestrictionVariant))(
      '%s exempts the listed principals with ArnNotLike',
      (variant) => {
        // GIVEN
        const exempt = ['arn:aws:iam::333333333333:root', 'arn:aws:iam::*:role/BreakGlass*'];

        // WHEN
        const { json } = synthesize({
          rootRestrictionPolicy: { variant, targetIds: [ROOT], exemptPrincipalArns: exempt },
        });

        // THEN
        const [statement] = scpStatements(json);
        expect(statement.Condition.ArnNotLike).toEqual({ 'aws:PrincipalArn': exempt });
        expect(statement.Condition.ArnLike).toEqual({ 'aws:PrincipalArn': ['arn:*:iam::*:root'] });
      },
    );

    it('attaches the policy once per target, keyed by target id', () => {
      // GIVEN / WHEN
      const { text, json, construct } = synthesize({
        rootRestrictionPolicy: { targetIds: [ROOT, OU, MEMBER] },
      });

      // THEN
      expect([...construct.policyAttachments.keys()]).toEqual([ROOT, OU, MEMBER]);
      const policy = addressOf(json, 'aws_organizations_policy');
      for (const targetId of [ROOT, OU, MEMBER]) {
        expect(text).toHaveResourceWithProperties(OrganizationsPolicyAttachment, {
          target_id: targetId,
          policy_id: `\${${policy}.id}`,
        });
      }
      expect(Object.keys(json.resource.aws_organizations_policy_attachment)).toHaveLength(3);
    });

    it('keeps the other attachments addresses when a target is removed', () => {
      // GIVEN
      const before = synthesize({ rootRestrictionPolicy: { targetIds: [ROOT, OU, MEMBER] } }).json;

      // WHEN
      const after = synthesize({ rootRestrictionPolicy: { targetIds: [ROOT, MEMBER] } }).json;

      // THEN
      const remaining = Object.keys(after.resource.aws_organizations_policy_attachment);
      expect(remaining).toHaveLength(2);
      for (const name of remaining) {
        expect(Object.keys(before.resource.aws_organizations_policy_attachment)).toContain(name);
      }
      expect(remaining.some((name) => name.includes(OU))).toBe(false);
    });

    it('uses the given name and description', () => {
      // GIVEN / WHEN
      const { text } = synthesize({
        rootRestrictionPolicy: { targetIds: [ROOT], name: 'no-root', description: 'Org-wide root guard' },
      });

      // THEN
      expect(text).toHaveResourceWithProperties(OrganizationsPolicy, {
        name: 'no-root',
        description: 'Org-wide root guard',
      });
    });

    it('warns, without failing, when a target is the management account', () => {
      // GIVEN / WHEN
      const { construct } = synthesize({
        managementAccountId: MANAGEMENT,
        rootRestrictionPolicy: { targetIds: [MANAGEMENT] },
      });

      // THEN
      expect(warningsOf(construct)).toEqual([
        expect.stringContaining(
          'rootRestrictionPolicy.targetIds[0]: "111111111111" is the management account, which service control policies never apply to',
        ),
      ]);
    });

    it('warns when the policy has no target', () => {
      // GIVEN / WHEN
      const { construct, json } = synthesize({ rootRestrictionPolicy: { targetIds: [] } });

      // THEN
      expect(warningsOf(construct)).toEqual([
        expect.stringContaining('rootRestrictionPolicy.targetIds: is empty'),
      ]);
      expect(json.resource.aws_organizations_policy_attachment).toBeUndefined();
    });

    it('matches the snapshot', () => {
      expect(
        synthesize({
          rootRestrictionPolicy: { targetIds: [ROOT], exemptPrincipalArns: ['arn:aws:iam::*:role/Admin'] },
        }).text,
      ).toMatchSnapshot();
    });
  });

  describe('addPrerequisite', () => {
    it('makes the features and the delegated administrator wait for the prerequisite', () => {
      // GIVEN
      const stack = new TerraformStack(Testing.app(), 'test');
      const trustedAccess = new OrganizationsPolicy(stack, 'Stand-in', { name: 'x', content: '{}' });
      const rootAccess = new CentralizedRootAccess(stack, 'RootAccess', {
        delegatedAdministratorAccountId: MEMBER,
      });

      // WHEN
      rootAccess.addPrerequisite(trustedAccess);

      // THEN
      const json = JSON.parse(Testing.synth(stack));
      expect(only(json, 'aws_iam_organizations_features').depends_on).toEqual([
        'aws_organizations_policy.Stand-in',
      ]);
      expect(only(json, 'aws_organizations_delegated_administrator').depends_on).toEqual([
        addressOf(json, 'aws_iam_organizations_features'),
        'aws_organizations_policy.Stand-in',
      ]);
    });
  });

  describe('validation', () => {
    it.each<[string, CentralizedRootAccessProps, string, string]>([
      [
        'fails with an empty feature list',
        { enabledFeatures: [] },
        'enabledFeatures',
        'is empty; list "RootCredentialsManagement" and/or "RootSessions"',
      ],
      [
        'fails with an unknown feature',
        { enabledFeatures: ['RootSession' as RootAccessFeature] },
        'enabledFeatures[0]',
        '"RootSession" is not a centralized root access feature; use "RootCredentialsManagement" or "RootSessions"',
      ],
      [
        'fails with a duplicated feature',
        { enabledFeatures: ['RootSessions', 'RootSessions'] },
        'enabledFeatures[1]',
        '"RootSessions" is listed twice (first at index 0); remove the duplicate',
      ],
      [
        'fails with a malformed management account id',
        { managementAccountId: '1234' },
        'managementAccountId',
        '"1234" is not a 12-digit AWS account id; write it as 12 digits',
      ],
      [
        'fails with a malformed delegated administrator account id',
        { delegatedAdministratorAccountId: '12' },
        'delegatedAdministratorAccountId',
        '"12" is not a 12-digit AWS account id; write it as 12 digits',
      ],
      [
        'fails when the delegated administrator is the management account',
        { managementAccountId: MANAGEMENT, delegatedAdministratorAccountId: MANAGEMENT },
        'delegatedAdministratorAccountId',
        '"111111111111" is the management account, which cannot be its own delegated administrator; name a member account',
      ],
      [
        'fails with a malformed root id',
        { rootRestrictionPolicy: { targetIds: ['r-AB'] } },
        'rootRestrictionPolicy.targetIds[0]',
        '"r-AB" is not an organization root id; root ids look like "r-ab12"',
      ],
      [
        'fails with a malformed OU id',
        { rootRestrictionPolicy: { targetIds: [ROOT, 'ou-1234'] } },
        'rootRestrictionPolicy.targetIds[1]',
        '"ou-1234" is not an organizational unit id; OU ids look like "ou-ab12-cdef3456"',
      ],
      [
        'fails with a malformed account id as target',
        { rootRestrictionPolicy: { targetIds: ['12345678901'] } },
        'rootRestrictionPolicy.targetIds[0]',
        '"12345678901" is not a 12-digit AWS account id',
      ],
      [
        'fails with a target that is neither a root, an OU nor an account',
        { rootRestrictionPolicy: { targetIds: ['Sandbox'] } },
        'rootRestrictionPolicy.targetIds[0]',
        '"Sandbox" is not a policy target; use the organization root id ("r-ab12"), an OU id ("ou-ab12-cdef3456") or a 12-digit account id',
      ],
      [
        'fails with duplicated target ids',
        { rootRestrictionPolicy: { targetIds: [OU, ROOT, OU] } },
        'rootRestrictionPolicy.targetIds[2]',
        '"ou-ab12-cdef3456" is listed twice (first at index 0); remove the duplicate',
      ],
      [
        'fails with an unknown policy variant',
        { rootRestrictionPolicy: { targetIds: [ROOT], variant: 'deny-root' as RootRestrictionVariant } },
        'rootRestrictionPolicy.variant',
        '"deny-root" is not a root restriction variant; use "deny-long-term-root" or "allow-root-tasks-only"',
      ],
      [
        'fails with a malformed exempt principal ARN',
        { rootRestrictionPolicy: { targetIds: [ROOT], exemptPrincipalArns: ['BreakGlassRole'] } },
        'rootRestrictionPolicy.exemptPrincipalArns[0]',
        '"BreakGlassRole" is not an IAM principal ARN; write e.g. "arn:aws:iam::123456789012:role/BreakGlass"',
      ],
      [
        'fails when exempt principals push the policy over the SCP size limit',
        {
          rootRestrictionPolicy: {
            targetIds: [ROOT],
            exemptPrincipalArns: Array.from(
              { length: 120 },
              (_, i) => `arn:aws:iam::${String(i).padStart(12, '0')}:role/BreakGlass`,
            ),
          },
        },
        'rootRestrictionPolicy.exemptPrincipalArns',
        'over the 5120-character SCP limit; list fewer ARNs or combine them with wildcards',
      ],
      [
        'fails with a policy name over 128 characters',
        { rootRestrictionPolicy: { targetIds: [ROOT], name: 'n'.repeat(129) } },
        'rootRestrictionPolicy.name',
        'must be 1 to 128 characters',
      ],
      [
        'fails with a malformed service principal',
        { manageOrganization: { servicePrincipals: ['sso'] } },
        'manageOrganization.servicePrincipals[0]',
        '"sso" is not an AWS service principal; write the full name, e.g. "sso.amazonaws.com"',
      ],
      [
        'fails with an unknown policy type',
        { manageOrganization: { enabledPolicyTypes: ['SCP'] } },
        'manageOrganization.enabledPolicyTypes[0]',
        '"SCP" is not an Organizations policy type; use one of AISERVICES_OPT_OUT_POLICY',
      ],
    ])('%s', (_name, props, path, message) => {
      // GIVEN / WHEN
      const error = constructionError(props);

      // THEN
      expect(error.issues).toEqual([{ path, message: expect.stringContaining(message) }]);
      expect(error.message).toContain(`${path}: `);
      expect(error.message).toContain('invalid CentralizedRootAccess props at test/RootAccess');
    });

    it('fails with every problem listed at once', () => {
      // GIVEN / WHEN
      const error = constructionError({
        enabledFeatures: [],
        managementAccountId: 'abc',
        delegatedAdministratorAccountId: '12',
        rootRestrictionPolicy: { targetIds: ['ou-x', 'ou-x'] },
      });

      // THEN
      expect(error.issues.map((issue) => issue.path)).toEqual([
        'enabledFeatures',
        'managementAccountId',
        'delegatedAdministratorAccountId',
        'rootRestrictionPolicy.targetIds[0]',
        'rootRestrictionPolicy.targetIds[1]',
        'rootRestrictionPolicy.targetIds[1]',
      ]);
      expect(error.message.split('\n')).toHaveLength(7);
    });

    it('skips values that are only known at apply time', () => {
      // GIVEN
      const stack = new TerraformStack(Testing.app(), 'test');
      const account = new TerraformVariable(stack, 'admin', { type: 'string' });
      const target = new TerraformVariable(stack, 'target', { type: 'string' });

      // WHEN
      const rootAccess = new CentralizedRootAccess(stack, 'RootAccess', {
        managementAccountId: account.stringValue,
        delegatedAdministratorAccountId: account.stringValue,
        rootRestrictionPolicy: { targetIds: [target.stringValue, ROOT] },
      });

      // THEN
      expect([...rootAccess.policyAttachments.keys()]).toEqual(['Target0', ROOT]);
      expect(Testing.synth(stack)).toHaveResourceWithProperties(OrganizationsDelegatedAdministrator, {
        account_id: '${var.admin}',
      });
    });

    it('attaches the SCP to each id of a whole list variable, one for_each resource keyed by id', () => {
      // GIVEN
      const stack = new TerraformStack(Testing.app(), 'test');
      const targets = new TerraformVariable(stack, 'scp_targets', { type: 'list(string)' });

      // WHEN
      const rootAccess = new CentralizedRootAccess(stack, 'RootAccess', {
        rootRestrictionPolicy: { targetIds: targets.listValue },
      });

      // THEN
      expect([...rootAccess.policyAttachments.keys()]).toEqual(['ForEachTarget']);
      const synthesized: Json = JSON.parse(Testing.synth(stack));
      const attachments: Json[] = Object.values(synthesized.resource.aws_organizations_policy_attachment);
      expect(attachments).toHaveLength(1);
      expect(attachments[0]).toMatchObject({
        for_each: '${toset(var.scp_targets)}',
        target_id: '${each.value}',
      });
    });
  });
});

describe('rootRestrictionPolicyDocument', () => {
  it('never denies AssumeRoot sessions in the default variant', () => {
    // GIVEN / WHEN
    const [statement] = rootRestrictionPolicyDocument().Statement;

    // THEN
    expect(statement?.Condition['Null']).toEqual({ 'aws:AssumedRoot': 'true' });
  });

  it('fails with an unknown variant', () => {
    expect(() => rootRestrictionPolicyDocument({ variant: 'x' as RootRestrictionVariant })).toThrow(
      'unknown root restriction variant "x"; use one of deny-long-term-root, allow-root-tasks-only',
    );
  });
});

describe('assetHashSerializer', () => {
  it('scrubs asset folder hashes and hash-valued arguments, and nothing else', () => {
    // GIVEN
    const synthesized = JSON.stringify(
      {
        filename: 'assets/Enforcer_Bundle_1A2B3C4D/0123456789ABCDEF0123456789ABCDEF/archive.zip',
        source_code_hash: 'q1w2e3r4t5y6u7i8o9p0=',
        reference: '${aws_lambda_function.x.source_code_hash}',
        account_id: '222222222222',
      },
      null,
      2,
    );

    // WHEN
    const scrubbed = JSON.parse(scrubAssetHashes(synthesized));

    // THEN
    expect(scrubbed).toEqual({
      filename: 'assets/Enforcer_Bundle_1A2B3C4D/<scrubbed>/archive.zip',
      source_code_hash: '<scrubbed>',
      reference: '${aws_lambda_function.x.source_code_hash}',
      account_id: '222222222222',
    });
    expect(assetHashSerializer.test(synthesized)).toBe(true);
    expect(assetHashSerializer.test(JSON.stringify(scrubbed))).toBe(false);
  });
});

describe('destroying the stack', () => {
  function featuresLifecycle(props: ConstructorParameters<typeof CentralizedRootAccess>[2]) {
    const app = Testing.app();
    const stack = new TerraformStack(app, 'destroy');
    new CentralizedRootAccess(stack, 'RootAccess', props);
    const json = JSON.parse(Testing.synth(stack));
    return Object.values<{ lifecycle?: { prevent_destroy?: boolean } }>(
      json.resource.aws_iam_organizations_features,
    )[0].lifecycle;
  }

  it('never turns the features off by default: the features resource refuses destroy', () => {
    expect(featuresLifecycle({})).toEqual({ prevent_destroy: true });
  });

  it('lets destroy turn them off only when disableFeaturesOnDestroy is set', () => {
    expect(featuresLifecycle({ disableFeaturesOnDestroy: true })).toEqual({ prevent_destroy: false });
  });
});
