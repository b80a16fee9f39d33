/**
 * Every Terraform expression the enforcer writes by hand, in one place, so each can be read and
 * tested as the HCL Terraform will evaluate. The rest of the construct uses cdktf's typed API.
 *
 * `audit` is the expression of the plan-time audit's decoded result; `repair` the drift repair's.
 */
import { REPAIR_DRIFT_ACTION } from '../../shared/lambda-contract';

/** `jsondecode(data.aws_lambda_invocation.<id>.result)`. */
export function decodedResult(dataSourceId: string): string {
  return `jsondecode(data.aws_lambda_invocation.${dataSourceId}.result)`;
}

/**
 * The drift repair's input. The accounts the audit found non-compliant or could not verify, with
 * `timestamp()` when there are any: unknown while planning, so Terraform reads the data source
 * (and the handler enforces) during apply. Without drift the input is known and constant, so
 * plan reads it, the handler returns at once, and nothing drift-related lands in state.
 * `repairs` is an HCL boolean: `true`, or a condition on the mode when the mode is a variable.
 */
export function driftRepairInput(audit: string, failOnNonCompliance: string, repairs: string): string {
  const found = `distinct(concat(try(${audit}.nonCompliant, []), try(${audit}.unverified, [])))`;
  const drifted = repairs === 'true' ? found : `(${repairs}) ? ${found} : []`;
  return `\${jsonencode({action = "${REPAIR_DRIFT_ACTION}", accountIds = ${drifted}, requestedAt = length(${drifted}) > 0 ? timestamp() : null, failOnNonCompliance = ${failOnNonCompliance}})}`;
}

/**
 * The check block over the audit. Its audit is a data source scoped to the block, which Terraform
 * reads while planning and again at the end of apply: a plan lists the drift, and after an apply
 * that removed it the warning is gone (an audit outside the block would be re-asserted with its
 * plan-time result and repeat the list).
 */
export function driftCheckBlock(
  scopedAuditId: string,
  functionName: string,
  auditInput: string,
  dependsOn: readonly string[],
): Record<string, unknown> {
  return {
    data: {
      aws_lambda_invocation: {
        [scopedAuditId]: { function_name: functionName, input: auditInput, depends_on: [...dependsOn] },
      },
    },
    assert: [
      driftAssertion(
        decodedResult(scopedAuditId),
        'after this apply',
        'The drift repair could not remove them; see the enforcement_report output and the function logs.',
      ),
    ],
  };
}

/**
 * The plan-facing check: the plan-time audit's findings. `terraform.applying` keeps it from
 * being asserted again, with its plan-time result, after an apply that may have removed them.
 */
export function planTimeDriftCheck(audit: string, repairs: boolean): Record<string, unknown> {
  const next = repairs
    ? 'The next terraform apply removes their root credentials.'
    : 'The enforcer does not remove them (audit mode or dry-run); the scheduled run reports them.';
  const assertion = driftAssertion(audit, 'at plan time', next);
  return {
    assert: [{ ...assertion, condition: `\${terraform.applying || ${assertion.condition.slice(2, -1)}}` }],
  };
}

function driftAssertion(
  audit: string,
  when: string,
  next: string,
): { condition: string; error_message: string } {
  return {
    condition: `\${(try(${audit}.error, null) == null && length(${audit}.nonCompliant) == 0 && length(${audit}.unverified) == 0)}`,
    error_message: `\${try(${audit}.error, null) != null ? "The audit of root credentials ${when} failed: \${try(${audit}.error, "")}" : "Member accounts hold root credentials ${when}: [\${join(", ", ${audit}.nonCompliant)}]; could not be audited: [\${join(", ", ${audit}.unverified)}]. ${next}"}`,
  };
}

/**
 * The report output: the drift repair's report when this apply repaired drift, else the
 * apply-time run's. Both are strings, so the conditional needs no common object type.
 */
export function reportExpression(invocationResult: string, repairResultExpression?: string): string {
  if (repairResultExpression === undefined) {
    return `\${jsondecode(${invocationResult})}`;
  }
  return `\${jsondecode(try(jsondecode(${repairResultExpression}).drift, "") == "none" ? ${invocationResult} : ${repairResultExpression})}`;
}
