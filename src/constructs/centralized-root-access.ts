import { IamOrganizationsFeatures } from '@cdktf/provider-aws/lib/iam-organizations-features';
import { OrganizationsDelegatedAdministrator } from '@cdktf/provider-aws/lib/organizations-delegated-administrator';
import { OrganizationsOrganization } from '@cdktf/provider-aws/lib/organizations-organization';
import { OrganizationsPolicy } from '@cdktf/provider-aws/lib/organizations-policy';
import { OrganizationsPolicyAttachment } from '@cdktf/provider-aws/lib/organizations-policy-attachment';
import { Annotations, Token, dependable, type ITerraformDependable, type TerraformResource } from 'cdktf';
import { Construct } from 'constructs';

import {
  ACCOUNT_ID_PATTERN,
  OU_ID_PATTERN,
  ROOT_ID_PATTERN,
  type ValidationIssue,
} from '../shared/desired-state';
import { ConfigurationError } from './errors';
import {
  AWS_PROVIDER_MINIMUM_VERSIONS,
  highestVersion,
  requireAwsProviderVersion,
} from './provider-versions';
import {
  ROOT_RESTRICTION_VARIANTS,
  RootRestrictionVariant,
  SCP_MAX_CHARACTERS,
  renderPolicyDocument,
  rootRestrictionPolicyDocument,
} from './root-restriction-policy';
import { IAM_SERVICE_PRINCIPAL } from '../shared/lambda-contract';
import {
  checkFormat as checkFormatRule,
  duplicates as duplicatesRule,
  error,
  quote,
  warning,
  type Finding,
  type IdFormat,
  type RuleContext,
} from '../shared/validation/rules';

/** The two organization-level features of centralized root access (IAM `EnabledFeatures`). */
export const RootAccessFeature = {
  /** Lets the management account and the IAM delegated administrator delete and audit member accounts' root credentials. */
  ROOT_CREDENTIALS_MANAGEMENT: 'RootCredentialsManagement',
  /** Lets them open short, task-scoped root sessions in member accounts with `sts:AssumeRoot`. */
  ROOT_SESSIONS: 'RootSessions',
} as const;
export type RootAccessFeature = (typeof RootAccessFeature)[keyof typeof RootAccessFeature];
export const ROOT_ACCESS_FEATURES: readonly RootAccessFeature[] = Object.values(RootAccessFeature);

/** The service principal of IAM, whose trusted access the features need. */
export { IAM_SERVICE_PRINCIPAL };

/**
 * Organizations policy types, as of `@aws-sdk/client-organizations` 3.1169.0 (`PolicyType`).
 * Copied rather than imported: synth-time code never loads the runtime SDK.
 */
export const ORGANIZATION_POLICY_TYPES: readonly string[] = [
  'AISERVICES_OPT_OUT_POLICY',
  'BACKUP_POLICY',
  'BEDROCK_POLICY',
  'CHATBOT_POLICY',
  'DECLARATIVE_POLICY_EC2',
  'GUARDDUTY_POLICY',
  'INSPECTOR_POLICY',
  'NETWORK_SECURITY_DIRECTOR_POLICY',
  'RESOURCE_CONTROL_POLICY',
  'S3_POLICY',
  'SECURITYHUB_CSPM_POLICY',
  'SECURITYHUB_POLICY',
  'SERVICE_CONTROL_POLICY',
  'TAG_POLICY',
  'UPGRADE_ROLLOUT_POLICY',
];

export const DEFAULT_ROOT_RESTRICTION_POLICY_NAME = 'restrict-member-root-users';

/**
 * Opt-in ownership of the `aws_organizations_organization` resource.
 *
 * That resource owns the organization's whole list of trusted services and enabled policy
 * types: on apply, Terraform disables every trusted service and policy type that is not listed
 * here. Import the existing organization first (`terraform import <address> o-...`) and list
 * everything it has enabled today.
 */
export interface ManagedOrganizationOptions {
  /**
   * Every service principal that should have trusted access (`aws_service_access_principals`).
   * `iam.amazonaws.com` is always added; duplicates are removed.
   * @default - only iam.amazonaws.com
   */
  readonly servicePrincipals?: readonly string[];
  /**
   * Every policy type enabled in the organization root (`enabled_policy_types`).
   * `SERVICE_CONTROL_POLICY` is added when `rootRestrictionPolicy` is set.
   * @default - SERVICE_CONTROL_POLICY when rootRestrictionPolicy is set, otherwise none (which disables every policy type)
   */
  readonly enabledPolicyTypes?: readonly string[];
  /**
   * Whether Terraform refuses to destroy the organization. Destroying the resource calls
   * `DeleteOrganization`; turn this off only for throw-away organizations (tests, emulators).
   * @default true
   */
  readonly preventDestroy?: boolean;
}

/** A service control policy that restricts member accounts' root users without blocking `sts:AssumeRoot` sessions. */
export interface RootRestrictionPolicyOptions {
  /**
   * Which SCP document to use; see {@link RootRestrictionVariant}.
   * @default RootRestrictionVariant.DENY_LONG_TERM_ROOT - deny long-term root everything, exempt AssumeRoot sessions
   */
  readonly variant?: RootRestrictionVariant;
  /**
   * Where to attach the policy: the organization root (`r-...`), organizational units
   * (`ou-...-...`) or member accounts (12 digits). SCPs never apply to the management account,
   * so attaching to the root is safe for it (see docs/aws-behaviour.md#scp-management-account).
   */
  readonly targetIds: readonly string[];
  /**
   * Principal ARNs the policy never applies to (`ArnNotLike aws:PrincipalArn`), like Control
   * Tower's `ExemptedPrincipalArns`. Wildcards are allowed.
   * @default - no principal is exempt
   */
  readonly exemptPrincipalArns?: readonly string[];
  /** @default 'restrict-member-root-users' */
  readonly name?: string;
  /** @default - a sentence naming the variant */
  readonly description?: string;
}

export interface CentralizedRootAccessProps {
  /**
   * Which centralized root access features to turn on (`aws_iam_organizations_features`).
   * @default - both RootCredentialsManagement and RootSessions
   */
  readonly enabledFeatures?: readonly RootAccessFeature[];
  /**
   * The organization's management account, when known at synth time; used only to catch
   * mistakes before deployment (for example naming it as the delegated administrator).
   * @default - such mistakes surface at apply time
   */
  readonly managementAccountId?: string;
  /**
   * Take ownership of the organization resource, with `feature_set = "ALL"` and trusted access
   * for `iam.amazonaws.com`, the two prerequisites of the features.
   * @default - the organization is not managed: it must already have all features enabled and
   * trusted access for iam.amazonaws.com (`aws organizations enable-aws-service-access
   * --service-principal iam.amazonaws.com`), or another construct (the enforcer) must enable it
   * at apply time and be passed to {@link CentralizedRootAccess.addPrerequisite}
   */
  readonly manageOrganization?: ManagedOrganizationOptions;
  /**
   * A member account to register as IAM delegated administrator; it can then audit and delete
   * root credentials and open root sessions without using the management account.
   * @default - no delegated administrator
   */
  readonly delegatedAdministratorAccountId?: string;
  /**
   * A service control policy that restricts member accounts' root users. Attaching it needs the
   * `SERVICE_CONTROL_POLICY` policy type enabled in the organization root: `manageOrganization`
   * enables it; otherwise enable it beforehand (`aws organizations enable-policy-type`).
   * @default - no SCP
   */
  readonly rootRestrictionPolicy?: RootRestrictionPolicyOptions;
  /**
   * Whether `terraform destroy` may turn the features off. Other teams' root sessions depend on
   * them, and they may have been on before this stack existed, so by default the features
   * resource carries `prevent_destroy` and destroy stops before changing anything. To remove the
   * stack and keep the features, run `terraform state rm` on the features resource first
   * (Terraform forgets them, AWS keeps them on); to turn them off, set this to `true`, apply,
   * then destroy.
   * @default false
   */
  readonly disableFeaturesOnDestroy?: boolean;
}

/**
 * Turns on centralized root access for an AWS Organization: the IAM organization features,
 * optionally the organization's prerequisites, an IAM delegated administrator and a root
 * restriction SCP. Deploy it with credentials of the management account.
 */
export class CentralizedRootAccess extends Construct {
  /** The `aws_iam_organizations_features` resource. */
  readonly features: IamOrganizationsFeatures;
  /** The organization id (`o-...`), known after apply. */
  readonly organizationId: string;
  /** The managed organization, when `manageOrganization` is set. */
  readonly organization?: OrganizationsOrganization;
  readonly delegatedAdministrator?: OrganizationsDelegatedAdministrator;
  /** The root restriction SCP, when `rootRestrictionPolicy` is set. */
  readonly policy?: OrganizationsPolicy;
  /** The SCP's attachments, keyed by target id. */
  readonly policyAttachments: ReadonlyMap<string, OrganizationsPolicyAttachment>;

  constructor(scope: Construct, id: string, props: CentralizedRootAccessProps = {}) {
    super(scope, id);
    const findings = validateCentralizedRootAccessProps(props);
    if (findings.errors.length > 0) {
      throw new ConfigurationError(findings.errors, `CentralizedRootAccess props at ${this.node.path}`);
    }
    for (const warning of findings.warnings) {
      Annotations.of(this).addWarning(`${warning.path}: ${warning.message}`);
    }

    requireAwsProviderVersion(this, highestVersion(Object.values(AWS_PROVIDER_MINIMUM_VERSIONS)));

    const scp = props.rootRestrictionPolicy;
    if (props.manageOrganization !== undefined) {
      const options = props.manageOrganization;
      this.organization = new OrganizationsOrganization(this, 'Organization', {
        featureSet: 'ALL',
        awsServiceAccessPrincipals: sortedUnique([
          ...(options.servicePrincipals ?? []),
          IAM_SERVICE_PRINCIPAL,
        ]),
        enabledPolicyTypes: sortedUnique([
          ...(options.enabledPolicyTypes ?? []),
          ...(scp !== undefined ? ['SERVICE_CONTROL_POLICY'] : []),
        ]),
        lifecycle: { preventDestroy: options.preventDestroy ?? true },
      });
    }
    const organizationDependency = this.organization !== undefined ? [this.organization] : [];
    // An empty `depends_on` is valid Terraform but noise in every plan review; leave it out.
    const afterOrganization = organizationDependency.length > 0 ? { dependsOn: organizationDependency } : {};

    this.features = new IamOrganizationsFeatures(this, 'Features', {
      enabledFeatures: [...(props.enabledFeatures ?? ROOT_ACCESS_FEATURES)],
      lifecycle: { preventDestroy: !(props.disableFeaturesOnDestroy ?? false) },
      ...afterOrganization,
    });
    this.organizationId = this.features.id;

    if (props.delegatedAdministratorAccountId !== undefined) {
      this.delegatedAdministrator = new OrganizationsDelegatedAdministrator(this, 'DelegatedAdministrator', {
        accountId: props.delegatedAdministratorAccountId,
        servicePrincipal: IAM_SERVICE_PRINCIPAL,
        // Registering an IAM delegated administrator needs IAM's trusted access, and the
        // administrator is only useful once the features it administers exist.
        dependsOn: [...organizationDependency, this.features],
      });
    }

    const attachments = new Map<string, OrganizationsPolicyAttachment>();
    if (scp !== undefined) {
      const variant = scp.variant ?? RootRestrictionVariant.DENY_LONG_TERM_ROOT;
      this.policy = new OrganizationsPolicy(this, 'RootRestrictionPolicy', {
        name: scp.name ?? DEFAULT_ROOT_RESTRICTION_POLICY_NAME,
        description: scp.description ?? DEFAULT_DESCRIPTIONS[variant],
        type: 'SERVICE_CONTROL_POLICY',
        content: renderPolicyDocument(
          rootRestrictionPolicyDocument({
            variant,
            ...(scp.exemptPrincipalArns !== undefined
              ? { exemptPrincipalArns: scp.exemptPrincipalArns }
              : {}),
          }),
        ),
        ...afterOrganization,
      });
      // One child per target, named by the target id, so adding or removing a target never
      // renames (and so replaces) another target's attachment.
      const attachmentScope = new Construct(this, 'RootRestrictionPolicyAttachments');
      scp.targetIds.forEach((targetId, index) => {
        const childId = Token.isUnresolved(targetId) ? `Target${index}` : targetId;
        attachments.set(
          childId,
          new OrganizationsPolicyAttachment(attachmentScope, childId, {
            policyId: this.policy!.id,
            targetId,
            ...afterOrganization,
          }),
        );
      });
    }
    this.policyAttachments = attachments;
  }

  /**
   * Makes the features and the delegated administrator wait for `dependencies`, e.g. a
   * resource that enables trusted access for `iam.amazonaws.com` when the organization is not
   * managed here.
   */
  addPrerequisite(...dependencies: ITerraformDependable[]): void {
    const dependents: TerraformResource[] = [this.features];
    if (this.delegatedAdministrator !== undefined) {
      dependents.push(this.delegatedAdministrator);
    }
    for (const dependent of dependents) {
      // `dependable` renders the bare address (`aws_x.name`); a plain `fqn` would render `${aws_x.name}`.
      dependent.dependsOn = [...new Set([...(dependent.dependsOn ?? []), ...dependencies.map(dependable)])];
    }
  }
}

const DEFAULT_DESCRIPTIONS: Readonly<Record<RootRestrictionVariant, string>> = {
  'deny-long-term-root':
    'Denies long-term root credentials of member accounts every action; sts:AssumeRoot sessions are exempt',
  'allow-root-tasks-only':
    'Denies the root user of member accounts every action except those of the root-task policies',
};

// ---------------------------------------------------------------------------------------------
// Validation: each rule reads the props and reports problems with the prop path, the bad value
// and the fix. Values that are still tokens are skipped: they are only known at apply time.

export interface PropsFindings {
  readonly errors: readonly ValidationIssue[];
  readonly warnings: readonly ValidationIssue[];
}

type Rule = (props: CentralizedRootAccessProps) => Finding[];

/** The shared rule helpers, told that cdktf tokens are values known only at apply time. */
const TOKENS: RuleContext = { isUnresolved: (value) => Token.isUnresolved(value) };

const ACCOUNT_ID: IdFormat = {
  pattern: ACCOUNT_ID_PATTERN,
  problem: 'is not a 12-digit AWS account id',
  fix: 'write it as 12 digits, e.g. "123456789012"',
};
const OU_ID: IdFormat = {
  pattern: OU_ID_PATTERN,
  problem: 'is not an organizational unit id',
  fix: 'OU ids look like "ou-ab12-cdef3456" (see `aws organizations list-organizational-units-for-parent`)',
};
const ROOT_ID: IdFormat = {
  pattern: ROOT_ID_PATTERN,
  problem: 'is not an organization root id',
  fix: 'root ids look like "r-ab12" (see `aws organizations list-roots`)',
};
const SERVICE_PRINCIPAL: IdFormat = {
  pattern: /^[a-z0-9][a-z0-9.-]*\.amazonaws\.com(\.cn)?$/,
  problem: 'is not an AWS service principal',
  fix: 'write the full name, e.g. "sso.amazonaws.com"',
};
const PRINCIPAL_ARN: IdFormat = {
  pattern: /^arn:[a-z*?-]+:iam::[0-9*?]+:\S+$/,
  problem: 'is not an IAM principal ARN',
  fix: 'write e.g. "arn:aws:iam::123456789012:role/BreakGlass" (wildcards * and ? are allowed)',
};

/** Which id format a policy target uses, judged by its prefix so the message names the likely intent. */
function targetFormat(targetId: string): IdFormat {
  if (targetId.startsWith('r-')) {
    return ROOT_ID;
  }
  if (targetId.startsWith('ou-')) {
    return OU_ID;
  }
  if (/^\d+$/.test(targetId)) {
    return ACCOUNT_ID;
  }
  return {
    pattern: /^$/,
    problem: 'is not a policy target',
    fix: 'use the organization root id ("r-ab12"), an OU id ("ou-ab12-cdef3456") or a 12-digit account id',
  };
}

const RULES: readonly Rule[] = [
  function enabledFeaturesAreKnown({ enabledFeatures }) {
    if (enabledFeatures === undefined || Token.isUnresolved(enabledFeatures)) {
      return [];
    }
    const findings: Finding[] = [];
    if (enabledFeatures.length === 0) {
      findings.push(
        error(
          'enabledFeatures',
          `is empty; list ${ROOT_ACCESS_FEATURES.map(quote).join(' and/or ')}, or omit it for both (to turn the features off, remove the construct)`,
        ),
      );
    }
    enabledFeatures.forEach((feature, index) => {
      if (!Token.isUnresolved(feature) && !ROOT_ACCESS_FEATURES.includes(feature)) {
        findings.push(
          error(
            `enabledFeatures[${index}]`,
            `${quote(feature)} is not a centralized root access feature; use ${ROOT_ACCESS_FEATURES.map(quote).join(' or ')}`,
          ),
        );
      }
    });
    return [...findings, ...duplicates(enabledFeatures, 'enabledFeatures')];
  },
  function managementAccountIdIsAnAccount({ managementAccountId }) {
    return checkFormat(managementAccountId, 'managementAccountId', ACCOUNT_ID);
  },
  function delegatedAdministratorIsAMemberAccount({ delegatedAdministratorAccountId, managementAccountId }) {
    const findings = checkFormat(
      delegatedAdministratorAccountId,
      'delegatedAdministratorAccountId',
      ACCOUNT_ID,
    );
    if (
      findings.length === 0 &&
      delegatedAdministratorAccountId !== undefined &&
      delegatedAdministratorAccountId === managementAccountId &&
      !Token.isUnresolved(delegatedAdministratorAccountId)
    ) {
      findings.push(
        error(
          'delegatedAdministratorAccountId',
          `${quote(delegatedAdministratorAccountId)} is the management account, which cannot be its own delegated administrator; name a member account or omit the prop`,
        ),
      );
    }
    return findings;
  },
  function servicePrincipalsAreServicePrincipals({ manageOrganization }) {
    return (manageOrganization?.servicePrincipals ?? []).flatMap((principal, index) =>
      checkFormat(principal, `manageOrganization.servicePrincipals[${index}]`, SERVICE_PRINCIPAL),
    );
  },
  function policyTypesAreKnown({ manageOrganization }) {
    return (manageOrganization?.enabledPolicyTypes ?? []).flatMap((type, index) =>
      Token.isUnresolved(type) || ORGANIZATION_POLICY_TYPES.includes(type)
        ? []
        : [
            error(
              `manageOrganization.enabledPolicyTypes[${index}]`,
              `${quote(type)} is not an Organizations policy type; use one of ${ORGANIZATION_POLICY_TYPES.join(', ')}`,
            ),
          ],
    );
  },
  function managedOrganizationKeepsServiceControlPolicies({ manageOrganization, rootRestrictionPolicy }) {
    if (
      manageOrganization === undefined ||
      rootRestrictionPolicy !== undefined ||
      Token.isUnresolved(manageOrganization.enabledPolicyTypes) ||
      (manageOrganization.enabledPolicyTypes ?? []).includes('SERVICE_CONTROL_POLICY')
    ) {
      return [];
    }
    return [
      warning(
        'manageOrganization.enabledPolicyTypes',
        'does not include "SERVICE_CONTROL_POLICY", so applying disables service control policies in the organization and detaches every SCP; add it (and every other policy type enabled today) unless that is what you want',
      ),
    ];
  },
  function rootRestrictionVariantIsKnown({ rootRestrictionPolicy }) {
    const variant = rootRestrictionPolicy?.variant;
    if (variant === undefined || Token.isUnresolved(variant) || ROOT_RESTRICTION_VARIANTS.includes(variant)) {
      return [];
    }
    return [
      error(
        'rootRestrictionPolicy.variant',
        `${quote(variant)} is not a root restriction variant; use ${ROOT_RESTRICTION_VARIANTS.map(quote).join(' or ')}`,
      ),
    ];
  },
  function policyTargetsAreRootsOusOrAccounts({ rootRestrictionPolicy, managementAccountId }) {
    if (rootRestrictionPolicy === undefined || Token.isUnresolved(rootRestrictionPolicy.targetIds)) {
      return [];
    }
    const { targetIds } = rootRestrictionPolicy;
    const findings: Finding[] = [];
    if (targetIds.length === 0) {
      findings.push(
        warning(
          'rootRestrictionPolicy.targetIds',
          'is empty, so the policy is created but protects no account; list the organization root ("r-...") or OUs to attach it',
        ),
      );
    }
    targetIds.forEach((targetId, index) => {
      const path = `rootRestrictionPolicy.targetIds[${index}]`;
      findings.push(...checkFormat(targetId, path, targetFormat(targetId)));
      if (targetId === managementAccountId && !Token.isUnresolved(targetId)) {
        findings.push(
          warning(
            path,
            `${quote(targetId)} is the management account, which service control policies never apply to; attach the policy to member accounts, OUs or the root instead`,
          ),
        );
      }
    });
    return [...findings, ...duplicates(targetIds, 'rootRestrictionPolicy.targetIds')];
  },
  function exemptPrincipalsArePrincipalArns({ rootRestrictionPolicy }) {
    const arns = rootRestrictionPolicy?.exemptPrincipalArns;
    if (arns === undefined || Token.isUnresolved(arns)) {
      return [];
    }
    return [
      ...arns.flatMap((arn, index) =>
        checkFormat(arn, `rootRestrictionPolicy.exemptPrincipalArns[${index}]`, PRINCIPAL_ARN),
      ),
      ...duplicates(arns, 'rootRestrictionPolicy.exemptPrincipalArns'),
    ];
  },
  function policyFitsTheScpSizeLimit({ rootRestrictionPolicy }) {
    if (rootRestrictionPolicy === undefined) {
      return [];
    }
    const { variant, exemptPrincipalArns } = rootRestrictionPolicy;
    if (
      (variant !== undefined && !ROOT_RESTRICTION_VARIANTS.includes(variant)) ||
      Token.isUnresolved(exemptPrincipalArns) ||
      (exemptPrincipalArns ?? []).some((arn) => Token.isUnresolved(arn))
    ) {
      return [];
    }
    const size = renderPolicyDocument(
      rootRestrictionPolicyDocument({
        ...(variant !== undefined ? { variant } : {}),
        ...(exemptPrincipalArns !== undefined ? { exemptPrincipalArns } : {}),
      }),
    ).length;
    return size <= SCP_MAX_CHARACTERS
      ? []
      : [
          error(
            'rootRestrictionPolicy.exemptPrincipalArns',
            `makes the policy ${size} characters long, over the ${SCP_MAX_CHARACTERS}-character SCP limit; list fewer ARNs or combine them with wildcards`,
          ),
        ];
  },
  function policyNameFitsOrganizations({ rootRestrictionPolicy }) {
    const findings: Finding[] = [];
    const name = rootRestrictionPolicy?.name;
    if (name !== undefined && !Token.isUnresolved(name) && (name.trim().length === 0 || name.length > 128)) {
      findings.push(
        error(
          'rootRestrictionPolicy.name',
          `${quote(name)} must be 1 to 128 characters; shorten it or omit it`,
        ),
      );
    }
    const description = rootRestrictionPolicy?.description;
    if (description !== undefined && !Token.isUnresolved(description) && description.length > 512) {
      findings.push(
        error(
          'rootRestrictionPolicy.description',
          `is ${description.length} characters long; Organizations accepts at most 512, so shorten it`,
        ),
      );
    }
    return findings;
  },
];

/**
 * Checks {@link CentralizedRootAccessProps} without building anything, returning every
 * problem at once. The construct throws a {@link ConfigurationError} with the errors and turns
 * the warnings into annotations; the example app uses it to report config-file problems.
 */
export function validateCentralizedRootAccessProps(props: CentralizedRootAccessProps): PropsFindings {
  const findings = RULES.flatMap((rule) => rule(props));
  const strip = ({ path, message }: Finding): ValidationIssue => ({ path, message });
  return {
    errors: findings.filter((f) => f.severity === 'error').map(strip),
    warnings: findings.filter((f) => f.severity === 'warning').map(strip),
  };
}

function checkFormat(value: string | undefined, path: string, format: IdFormat): Finding[] {
  return checkFormatRule(value, path, format, TOKENS);
}

function duplicates(values: readonly string[], path: string): Finding[] {
  return duplicatesRule(values, path, TOKENS);
}

function sortedUnique(values: readonly string[]): string[] {
  return [...new Set(values)].sort();
}
