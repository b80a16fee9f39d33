/**
 * The SSM parameter that remembers the last drift repair (created with the drift repair only).
 * Terraform cannot remember it by itself: the clean plan after a fixing apply reads the repair as
 * "no drift", so an output computed from Terraform's own values changes back. The function
 * writes the repair's summary here and the plan-time audit reads it back (src/lambda/last-drift-repair.ts).
 */
import { SsmParameter } from '@cdktf/provider-aws/lib/ssm-parameter';
import type { Construct } from 'constructs';

/** The parameter's name: one per function, under a path IAM and SSM console users can find. */
export function lastDriftRepairParameterName(functionName: string): string {
  return `/centralized-root-access/${functionName}/last-drift-repair`;
}

/** The value before the first repair: what the function reads as "no repair yet". */
export const LAST_DRIFT_REPAIR_INITIAL_VALUE = '{}';

export function createLastDriftRepairParameter(scope: Construct, functionName: string): SsmParameter {
  return new SsmParameter(scope, 'LastDriftRepair', {
    name: lastDriftRepairParameterName(functionName),
    description:
      'Last drift repair by the root credentials reconciler (account ids and counts, written by the function); enforcement_report shows it',
    // A summary is capped to fit the Standard tier's 4 KB (docs/aws-behaviour.md#ssm-parameter-limits).
    type: 'String',
    tier: 'Standard',
    value: LAST_DRIFT_REPAIR_INITIAL_VALUE,
    // The function owns the value after creation; Terraform must neither reset nor report it.
    lifecycle: { ignoreChanges: ['value'] },
  });
}
