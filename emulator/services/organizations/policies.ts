/**
 * Service control policies: create, update, delete, attach, detach, the policy types of the root,
 * and tags.
 */
import type { ServiceControlPolicy } from '../../model/state';
import { AwsError } from '../../model/state';
import {
  FULL_AWS_ACCESS_CONTENT,
  FULL_AWS_ACCESS_DESCRIPTION,
  FULL_AWS_ACCESS_ID,
  FULL_AWS_ACCESS_NAME,
} from '../../policy/root-task-policies';
import { checkScpContent } from '../../policy/scp-document';
import {
  Operation,
  POLICY_ID,
  ROOT_ID,
  checkRoot,
  checkTaggable,
  constraint,
  findPolicy,
  findTarget,
  invalidInput,
  newPolicyId,
  paginate,
  policySummary,
  policyTypeFilter,
  readTags,
  refuseAwsManaged,
  requireScpsEnabled,
  rootShape,
  tagsOf,
} from './common';

export const POLICY_OPERATIONS: Record<string, Operation> = {
  ListPolicies: {
    rule: 'management-or-delegated',
    mutating: false,
    run: (input, { state }) => {
      const policies = policyTypeFilter(input) ? [...state.policies.values()] : [];
      const { page, NextToken } = paginate(input, policies, `ListPolicies:${input.string('Filter')}`);
      return { Policies: page.map((policy) => policySummary(state, policy)), NextToken };
    },
  },
  ListPoliciesForTarget: {
    rule: 'management-or-delegated',
    mutating: false,
    run: (input, { state }) => {
      const targetId = input.string('TargetId');
      findTarget(state, targetId);
      const scps = policyTypeFilter(input);
      const attached = scps
        ? [...state.policies.values()].filter((policy) => policy.targets.has(targetId))
        : [];
      const { page, NextToken } = paginate(
        input,
        attached,
        `ListPoliciesForTarget:${targetId}:${input.string('Filter')}`,
      );
      return { Policies: page.map((policy) => policySummary(state, policy)), NextToken };
    },
  },
  ListTargetsForPolicy: {
    rule: 'management-or-delegated',
    mutating: false,
    run: (input, { state }) => {
      const policy = findPolicy(state, input.string('PolicyId', POLICY_ID));
      const { page, NextToken } = paginate(input, [...policy.targets], `ListTargetsForPolicy:${policy.id}`);
      return {
        Targets: page.map((id) => {
          const target = findTarget(state, id);
          return { TargetId: id, Arn: target.arn, Name: target.name, Type: target.type };
        }),
        NextToken,
      };
    },
  },
  DescribePolicy: {
    rule: 'management-or-delegated',
    mutating: false,
    run: (input, { state }) => {
      const policy = findPolicy(state, input.string('PolicyId', POLICY_ID));
      return { Policy: { PolicySummary: policySummary(state, policy), Content: policy.content } };
    },
  },
  CreatePolicy: {
    rule: 'management',
    mutating: true,
    run: (input, { state }) => {
      const type = input.string('Type');
      if (type !== 'SERVICE_CONTROL_POLICY') {
        throw new AwsError(
          'PolicyTypeNotEnabledException',
          `The emulator supports only SERVICE_CONTROL_POLICY, not ${type}.`,
          400,
        );
      }
      const name = input.string('Name');
      const content = input.string('Content');
      checkScpContent(content);
      if ([...state.policies.values()].some((policy) => policy.name === name)) {
        throw new AwsError('DuplicatePolicyException', 'A policy with the same name already exists.', 409);
      }
      const policy: ServiceControlPolicy = {
        id: newPolicyId(state),
        name,
        description: input.optionalString('Description') ?? '',
        awsManaged: false,
        content,
        targets: new Set(),
      };
      state.policies.set(policy.id, policy);
      const tags = tagsOf(state, policy.id);
      for (const [key, value] of readTags(input)) tags.set(key, value);
      return { Policy: { PolicySummary: policySummary(state, policy), Content: policy.content } };
    },
  },
  UpdatePolicy: {
    rule: 'management',
    mutating: true,
    run: (input, { state }) => {
      const policy = findPolicy(state, input.string('PolicyId', POLICY_ID));
      refuseAwsManaged(policy);
      const name = input.optionalString('Name');
      const content = input.optionalString('Content');
      if (content !== undefined) checkScpContent(content);
      if (
        name !== undefined &&
        [...state.policies.values()].some((p) => p.name === name && p.id !== policy.id)
      ) {
        throw new AwsError('DuplicatePolicyException', 'A policy with the same name already exists.', 409);
      }
      if (name !== undefined) policy.name = name;
      if (content !== undefined) policy.content = content;
      policy.description = input.optionalString('Description') ?? policy.description;
      return { Policy: { PolicySummary: policySummary(state, policy), Content: policy.content } };
    },
  },
  DeletePolicy: {
    rule: 'management',
    mutating: true,
    run: (input, { state }) => {
      const policy = findPolicy(state, input.string('PolicyId', POLICY_ID));
      refuseAwsManaged(policy);
      if (policy.targets.size > 0) {
        throw new AwsError(
          'PolicyInUseException',
          'The policy is attached to one or more entities. You must detach it from all roots, OUs, and accounts before performing this operation.',
          409,
        );
      }
      state.policies.delete(policy.id);
      return {};
    },
  },
  AttachPolicy: {
    rule: 'management',
    mutating: true,
    run: (input, { state }) => {
      const policy = findPolicy(state, input.string('PolicyId', POLICY_ID));
      const targetId = input.string('TargetId');
      findTarget(state, targetId);
      requireScpsEnabled(state);
      if (policy.targets.has(targetId)) {
        throw new AwsError(
          'DuplicatePolicyAttachmentException',
          'The selected policy is already attached to the specified target.',
          409,
        );
      }
      policy.targets.add(targetId);
      return {};
    },
  },
  DetachPolicy: {
    rule: 'management',
    mutating: true,
    run: (input, { state }) => {
      const policy = findPolicy(state, input.string('PolicyId', POLICY_ID));
      const targetId = input.string('TargetId');
      findTarget(state, targetId);
      if (!policy.targets.has(targetId)) {
        throw new AwsError(
          'PolicyNotAttachedException',
          "The policy isn't attached to the specified target in the specified root.",
          404,
        );
      }
      // Every root, OU and account must keep at least one SCP while the policy type is enabled.
      const remaining = [...state.policies.values()].filter((p) => p.targets.has(targetId)).length;
      if (remaining <= 1 && state.organization.enabledPolicyTypes.has('SERVICE_CONTROL_POLICY')) {
        throw constraint(
          'MIN_POLICY_TYPE_ATTACHMENT_LIMIT_EXCEEDED',
          'You attempted to detach a policy from an entity that would leave it with fewer than the minimum number of policies of that type.',
        );
      }
      policy.targets.delete(targetId);
      return {};
    },
  },
  EnablePolicyType: {
    rule: 'management',
    mutating: true,
    run: (input, { state }) => {
      const rootId = input.string('RootId', ROOT_ID);
      const type = input.string('PolicyType');
      checkRoot(state, rootId);
      if (type !== 'SERVICE_CONTROL_POLICY') {
        throw invalidInput('INVALID_ENUM', `The emulator supports only SERVICE_CONTROL_POLICY, not ${type}.`);
      }
      const org = state.organization;
      if (org.featureSet !== 'ALL') {
        throw constraint(
          'ORGANIZATION_NOT_IN_ALL_FEATURES_MODE',
          'Service control policies require an organization with all features enabled.',
        );
      }
      if (org.enabledPolicyTypes.has(type)) {
        throw new AwsError(
          'PolicyTypeAlreadyEnabledException',
          'The specified policy type is already enabled.',
          409,
        );
      }
      org.enabledPolicyTypes.add(type);
      // Enabling SCPs attaches FullAWSAccess everywhere, so nothing is denied by the switch itself.
      let full = state.policies.get(FULL_AWS_ACCESS_ID);
      if (full === undefined) {
        full = {
          id: FULL_AWS_ACCESS_ID,
          name: FULL_AWS_ACCESS_NAME,
          description: FULL_AWS_ACCESS_DESCRIPTION,
          awsManaged: true,
          content: FULL_AWS_ACCESS_CONTENT,
          targets: new Set(),
        };
        state.policies.set(full.id, full);
      }
      for (const id of [org.rootId, ...state.organizationalUnits.keys(), ...state.accounts.keys()])
        full.targets.add(id);
      return { Root: rootShape(state) };
    },
  },
  DisablePolicyType: {
    rule: 'management',
    mutating: true,
    run: (input, { state }) => {
      const rootId = input.string('RootId', ROOT_ID);
      const type = input.string('PolicyType');
      checkRoot(state, rootId);
      if (!state.organization.enabledPolicyTypes.delete(type)) {
        throw new AwsError(
          'PolicyTypeNotEnabledException',
          'This operation can be performed only for enabled policy types.',
          409,
        );
      }
      // Disabling the type detaches every policy of that type.
      if (type === 'SERVICE_CONTROL_POLICY')
        for (const policy of state.policies.values()) policy.targets.clear();
      return { Root: rootShape(state) };
    },
  },
  ListTagsForResource: {
    rule: 'management-or-delegated',
    mutating: false,
    run: (input, { state }) => {
      const resourceId = input.string('ResourceId');
      checkTaggable(state, resourceId);
      const tags = [...tagsOf(state, resourceId).entries()].map(([Key, Value]) => ({ Key, Value }));
      const { page, NextToken } = paginate(input, tags, `ListTagsForResource:${resourceId}`);
      return { Tags: page, NextToken };
    },
  },
  TagResource: {
    rule: 'management',
    mutating: true,
    run: (input, { state }) => {
      const resourceId = input.string('ResourceId');
      checkTaggable(state, resourceId);
      const tags = tagsOf(state, resourceId);
      for (const [key, value] of readTags(input)) tags.set(key, value);
      return {};
    },
  },
  UntagResource: {
    rule: 'management',
    mutating: true,
    run: (input, { state }) => {
      const resourceId = input.string('ResourceId');
      checkTaggable(state, resourceId);
      const tags = tagsOf(state, resourceId);
      for (const key of input.list('TagKeys')) if (typeof key === 'string') tags.delete(key);
      return {};
    },
  },
};
