/**
 * The reconciler function's environment, shared by the construct (which sets it) and the props
 * validation (which checks it fits Lambda's 4 KB limit before Terraform tries), and the desired
 * state's JSON in it.
 */
import { Fn, Token } from 'cdktf';
import { createHash } from 'node:crypto';

import type { DesiredState } from '../../shared/desired-state';
import {
  DESIRED_STATE_ENV,
  LAST_DRIFT_REPAIR_PARAMETER_ENV,
  METRICS_NAMESPACE,
  METRICS_NAMESPACE_ENV,
  SERVICE_NAME_ENV,
} from '../../shared/lambda-contract';

export function enforcerEnvironment(
  functionName: string,
  desiredStateJson: string,
  lastDriftRepairParameter?: string,
): Record<string, string> {
  return {
    [DESIRED_STATE_ENV]: desiredStateJson,
    [SERVICE_NAME_ENV]: functionName,
    [METRICS_NAMESPACE_ENV]: METRICS_NAMESPACE,
    NODE_OPTIONS: '--enable-source-maps',
    ...(lastDriftRepairParameter !== undefined
      ? { [LAST_DRIFT_REPAIR_PARAMETER_ENV]: lastDriftRepairParameter }
      : {}),
  };
}

/**
 * JSON text, or a `jsonencode()` expression when the value holds a Terraform list, number or map:
 * string references survive `JSON.stringify` as interpolations, the others do not.
 */
export function renderJson(value: unknown): string {
  return containsUnresolved(value, lostInJson) ? Fn.jsonencode(value) : JSON.stringify(value);
}

/** Whether `isUnresolved` holds for `value` or anything nested in it (lists, objects). */
export function containsUnresolved(value: unknown, isUnresolved: (value: unknown) => boolean): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const next = stack.pop();
    if (isUnresolved(next)) return true;
    if (Array.isArray(next)) stack.push(...(next as unknown[]));
    else if (next !== null && typeof next === 'object')
      stack.push(...Object.values(next as Record<string, unknown>));
  }
  return false;
}

/** Tokens `JSON.stringify` would lose: a string token survives as its interpolation. */
function lostInJson(value: unknown): boolean {
  return typeof value !== 'string' && Token.isUnresolved(value);
}

/**
 * The desired state as the function's environment holds it, and its digest for the apply-time
 * input. Literal states are JSON written here (readable in the plan) with the digest computed
 * here; a state with Terraform values is `jsonencode()`d by Terraform and digested with
 * `sha256()` of the same expression, so both sides hash the same text either way.
 */
export function serializeDesiredState(
  desiredState: DesiredState,
  hasUnresolved: boolean,
): { json: string; digest: string } {
  if (!hasUnresolved && !containsUnresolved(desiredState, lostInJson)) {
    const json = JSON.stringify(desiredState);
    return { json, digest: createHash('sha256').update(json, 'utf8').digest('hex') };
  }
  const json = Fn.jsonencode(desiredState);
  return { json, digest: Fn.sha256(json) };
}
