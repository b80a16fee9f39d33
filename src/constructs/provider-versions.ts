import { TerraformStack } from 'cdktf';
import type { IConstruct } from 'constructs';

/**
 * The `hashicorp/aws` releases this library's resources need, and the version range the
 * synthesized JSON declares.
 *
 * Why a range and not the binding's pin: `@cdktf/provider-aws` 21.22.1 was generated from
 * provider 6.25.0 and would write `version = "6.25.0"` into `required_providers`, which forces
 * every user onto that exact release (and fails `terraform init` wherever only an older 5.x is
 * mirrored, as on air-gapped runners). The resources below are older than the binding, so the
 * honest constraint is "the first release that has every resource we emit".
 *
 * Why the upper bound is `< 7.0.0` and not `< 6.0.0`: the floor (5.78.0) is in the 5.x line, but
 * the bindings themselves target 6.x, and every argument we set exists with the same meaning in
 * both majors (6.0 added an optional per-resource `region` argument, which we do not set, and
 * removed nothing we use). Capping at 6.0 would block users already on 6.x for no reason; not
 * capping at all would let a future major with breaking schema changes in. 5.100.0 (the
 * release mirrored on the build machines, and the one `terraform validate` runs against in
 * `__tests__/terraform`) sits inside the range.
 */
export const AWS_PROVIDER_SOURCE = 'hashicorp/aws';

/**
 * First `hashicorp/aws` release that shipped each resource type this library emits.
 * Later constructs add their resource types here; the stack's floor is the highest entry used.
 */
export const AWS_PROVIDER_MINIMUM_VERSIONS: Readonly<Record<string, string>> = {
  // New Resource entry between 5.79.0 and 5.78.0 in the provider CHANGELOG (PR #40164); the
  // one inferred fact in this table (see docs/aws-behaviour.md#provider-minimum-versions).
  aws_iam_organizations_features: '5.78.0',
  // The Organizations resources are far older than the floor above (all 2.x/3.x era).
  aws_organizations_organization: '1.0.0',
  aws_organizations_delegated_administrator: '3.1.0',
  aws_organizations_policy: '1.0.0',
  aws_organizations_policy_attachment: '1.0.0',
};

/** First major release we have not checked the emitted arguments against. */
export const AWS_PROVIDER_NEXT_UNVERIFIED_MAJOR = 7;

/** The version constraint for the given minimum, e.g. `>= 5.78.0, < 7.0.0`. */
export function awsProviderVersionRange(minimum: string): string {
  return `>= ${minimum}, < ${AWS_PROVIDER_NEXT_UNVERIFIED_MAJOR}.0.0`;
}

/** The range for this library's organization-level resources: `>= 5.78.0, < 7.0.0`. */
export const AWS_PROVIDER_VERSION_RANGE = awsProviderVersionRange(
  highestVersion(Object.values(AWS_PROVIDER_MINIMUM_VERSIONS)),
);

// Keyed by stack, not stored in construct context: context cannot be set once a stack has children.
const floors = new WeakMap<TerraformStack, string>();

/**
 * Declares that the stack containing `scope` needs `hashicorp/aws` at `minimum` or later, and
 * rewrites `terraform.required_providers.aws.version` to the range. Called by every construct
 * of this library; the stack keeps the highest minimum asked for, so constructs with different
 * needs compose.
 */
export function requireAwsProviderVersion(scope: IConstruct, minimum: string): void {
  const stack = TerraformStack.of(scope);
  const current = floors.get(stack);
  const floor = current === undefined ? minimum : highestVersion([current, minimum]);
  floors.set(stack, floor);
  stack.addOverride('terraform.required_providers.aws.source', AWS_PROVIDER_SOURCE);
  stack.addOverride('terraform.required_providers.aws.version', awsProviderVersionRange(floor));
}

/** The highest of some `major.minor.patch` versions. */
export function highestVersion(versions: readonly string[]): string {
  if (versions.length === 0) {
    throw new RangeError('highestVersion needs at least one version');
  }
  return versions.reduce((best, candidate) => (compareVersions(candidate, best) > 0 ? candidate : best));
}

function compareVersions(a: string, b: string): number {
  const left = a.split('.').map(Number);
  const right = b.split('.').map(Number);
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const difference = (left[i] ?? 0) - (right[i] ?? 0);
    if (difference !== 0) {
      return difference;
    }
  }
  return 0;
}
