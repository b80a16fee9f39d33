/** The `policies` section of a scenario: service control policies and their targets. */
import type { ServiceControlPolicy } from '../model/state';
import {
  FULL_AWS_ACCESS_CONTENT,
  FULL_AWS_ACCESS_DESCRIPTION,
  FULL_AWS_ACCESS_ID,
  FULL_AWS_ACCESS_NAME,
} from '../policy/root-task-policies';
import { type Checker, show } from './checker';
import { POLICY_ID_PATTERN } from './organization';
import { LOWER_ALNUM, type SeededRandom } from './random';

export interface PoliciesContext {
  rootId: string;
  organizationalUnitIds: string[];
  accountIds: string[];
  isTarget: (id: string) => boolean;
}

export function parsePolicies(
  check: Checker,
  random: SeededRandom,
  value: unknown,
  fullAwsAccessInput: unknown,
  { rootId, organizationalUnitIds, accountIds, isTarget }: PoliciesContext,
): Map<string, ServiceControlPolicy> {
  const policies = new Map<string, ServiceControlPolicy>();
  check.array(value, 'policies').forEach((item, index) => {
    const field = `policies[${index}]`;
    const input = check.record(item, field, ['id', 'name', 'description', 'content', 'targets']);
    if (input === undefined) return;
    const id =
      input['id'] === FULL_AWS_ACCESS_ID
        ? FULL_AWS_ACCESS_ID
        : (check.id(
            input['id'],
            `${field}.id`,
            POLICY_ID_PATTERN,
            'use "p-" and 8-128 letters, digits or underscores, or leave it out',
          ) ?? `p-${random.chars(LOWER_ALNUM, 8)}`);
    if (policies.has(id)) {
      check.add(`${field}.id`, `duplicate policy id ${show(id)}`, 'give every policy its own id');
      return;
    }
    const awsManaged = id === FULL_AWS_ACCESS_ID;
    const content = awsManaged ? FULL_AWS_ACCESS_CONTENT : check.policy(input['content'], `${field}.content`);
    if (!awsManaged && input['content'] === undefined) {
      check.add(`${field}.content`, 'missing', 'write the SCP document (object or JSON string)');
    }
    const targets = new Set<string>();
    check.array(input['targets'], `${field}.targets`).forEach((target, t) => {
      if (typeof target !== 'string' || !isTarget(target)) {
        check.add(
          `${field}.targets[${t}]`,
          `unknown target ${show(target)}`,
          'use the root id, an OU id or an account id',
        );
      } else targets.add(target);
    });
    policies.set(id, {
      id,
      name: awsManaged
        ? FULL_AWS_ACCESS_NAME
        : (check.string(input['name'], `${field}.name`, 'name the policy') ?? id),
      description: awsManaged
        ? FULL_AWS_ACCESS_DESCRIPTION
        : (check.string(input['description'], `${field}.description`, 'describe the policy') ?? ''),
      awsManaged,
      content: content ?? '{"Version":"2012-10-17","Statement":[]}',
      targets,
    });
  });
  const fullAwsAccess = check.boolean(fullAwsAccessInput, 'fullAwsAccess') ?? true;
  if (fullAwsAccess && !policies.has(FULL_AWS_ACCESS_ID)) {
    policies.set(FULL_AWS_ACCESS_ID, {
      id: FULL_AWS_ACCESS_ID,
      name: FULL_AWS_ACCESS_NAME,
      description: FULL_AWS_ACCESS_DESCRIPTION,
      awsManaged: true,
      content: FULL_AWS_ACCESS_CONTENT,
      // AWS attaches FullAWSAccess to every root, OU and account when SCPs are enabled.
      targets: new Set([rootId, ...organizationalUnitIds, ...accountIds]),
    });
  }
  return policies;
}
