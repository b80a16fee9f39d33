/**
 * The emulator models AWS on its own and imports nothing of the product (the layer rules), so a
 * few AWS lists exist twice: once in the product, once in the emulator. A test may read both;
 * this one fails when the two copies (or the SDK they were copied from) disagree.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { PolicyType } from '@aws-sdk/client-organizations';

import { POLICY_TYPES } from '../../emulator/model/policy-types';
import { ROOT_FEATURES, ROOT_TASK_POLICIES, ROOT_TASK_POLICY_PREFIX } from '../../emulator/model/state';
import { ROOT_TASK_POLICY_DOCUMENTS } from '../../emulator/policy/root-task-policies';
import {
  ORGANIZATION_POLICY_TYPES,
  ROOT_ACCESS_FEATURES,
} from '../../src/constructs/centralized-root-access';
import {
  ROOT_TASKS,
  ROOT_TASK_POLICY_ACTIONS,
  ROOT_TASK_POLICY_ARN_PREFIX,
} from '../../src/shared/root-tasks';
import { controlTowerRestrictRoot } from '../support/fixtures';

const sorted = (values: Iterable<string>): string[] => [...values].sort();

describe('the product and the emulator agree on', () => {
  it('the Organizations policy types, and both match the SDK', () => {
    // GIVEN the SDK's enum, the construct's copy and the emulator's copy
    const sdk = sorted(Object.values(PolicyType));

    // THEN
    expect(sorted(ORGANIZATION_POLICY_TYPES)).toEqual(sdk);
    expect(sorted(POLICY_TYPES)).toEqual(sdk);
  });

  it('the five root tasks and their policy ARN prefix', () => {
    expect(sorted(ROOT_TASK_POLICIES)).toEqual(sorted(ROOT_TASKS));
    expect(ROOT_TASK_POLICIES).toHaveLength(5);
    expect(ROOT_TASK_POLICY_PREFIX).toBe(ROOT_TASK_POLICY_ARN_PREFIX);
  });

  it.each(ROOT_TASKS)('what the %s task policy leaves allowed', (task) => {
    // GIVEN the emulator's published document: its first statement denies everything but NotAction
    const statements = ROOT_TASK_POLICY_DOCUMENTS[task].Statement;
    const [denyOthers] = Array.isArray(statements) ? statements : [statements];

    // THEN the product's list of allowed actions is that NotAction list
    expect(denyOthers).toEqual(
      expect.objectContaining({ Sid: 'DenyAllOtherActionsOnAnyResource', Effect: 'Deny' }),
    );
    expect(sorted((denyOthers as { NotAction: string[] }).NotAction)).toEqual(
      sorted(ROOT_TASK_POLICY_ACTIONS[task]),
    );
  });

  it('the two organization features', () => {
    expect(sorted(ROOT_FEATURES)).toEqual(sorted(ROOT_ACCESS_FEATURES));
  });

  it("Control Tower's AWS-GR_RESTRICT_ROOT_USER: the test fixture is the control-tower scenario's text", () => {
    // GIVEN the scenario the demo and the Control Tower tests run
    const scenario = JSON.parse(
      readFileSync(join(__dirname, '..', '..', 'emulator', 'scenarios', 'control-tower.json'), 'utf8'),
    ) as { policies: { id: string; content: unknown }[] };
    const content = (id: string): unknown => scenario.policies.find((policy) => policy.id === id)?.content;

    // THEN
    expect(content('p-ctrestrictroot1')).toEqual(controlTowerRestrictRoot({ exemptAssumeRoot: false }));
    expect(content('p-ctrestrictroot2')).toEqual(controlTowerRestrictRoot({ exemptAssumeRoot: true }));
  });
});
