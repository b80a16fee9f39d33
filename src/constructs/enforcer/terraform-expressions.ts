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

/**
 * What a fixing apply prints: asserted only while applying, it fails (a warning, never an error)
 * exactly when this apply's drift repair ran, naming the accounts it fixed and any it could not.
 * Terraform has no other way to print during apply. It reads the drift repair's own result, so a
 * clean plan (repair read at plan time as `{drift: "none"}`) passes it and shows no change.
 * The condition and message read `locals` (`local.<prefix>_*`), not the data source: Terraform
 * prints every value a failed condition refers to, and the whole report would be printed.
 * `repair` is the drift repair's decoded result.
 */
export function driftRepairedCheck(
  repair: string,
  prefix: string,
): { locals: Record<string, string>; check: Record<string, unknown> } {
  const ids = (status: string): string =>
    `\${join(", ", [for account in try(${repair}.accounts, []) : account.accountId if account.status == "${status}"])}`;
  const ran = `${prefix}_repair_ran`;
  const summary = `${prefix}_repair_summary`;
  return {
    locals: {
      [ran]: `\${try(${repair}.drift, "") != "none"}`,
      [summary]: `root credentials removed from [${ids('remediated')}]; could not be fixed: [${ids('failed')}]; \${try(${repair}.summary.remediated, 0)} remediated, \${try(${repair}.summary.failed, 0)} failed in all`,
    },
    check: {
      assert: [
        {
          condition: `\${!terraform.applying || !local.${ran}}`,
          error_message: `Drift repaired by this apply (not a failure): \${local.${summary}}. The function's logs hold the repair's report; enforcement_report.lastDriftRepair holds its summary.`,
        },
      ],
    },
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
 * The report output: the apply-time run's report, and with a drift repair a `lastDriftRepair`
 * key: the repair's summary when this apply's repair ran, else the one the plan-time audit read
 * back from the parameter the repair wrote. The two are the same value, so the clean plan after a
 * fixing apply shows no output change. Each side is `jsonencode`d so the conditional compares
 * strings, not two object types Terraform may refuse to unify. `repair` and `audit` are the
 * decoded results; without them the output is the apply-time report alone.
 */
export function reportExpression(
  invocationResult: string,
  lastRepair?: { readonly repair: string; readonly audit: string },
): string {
  if (lastRepair === undefined) {
    return `\${jsondecode(${invocationResult})}`;
  }
  const { repair, audit } = lastRepair;
  const last = `jsondecode(try(${repair}.drift, "") != "none" ? jsonencode(try(${repair}.lastDriftRepair, null)) : jsonencode(try(${audit}.lastDriftRepair, null)))`;
  return `\${merge(jsondecode(${invocationResult}), {lastDriftRepair = ${last}})}`;
}
