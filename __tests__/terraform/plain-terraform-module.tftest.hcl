# `terraform test` for the generated module with a mocked AWS provider (no AWS, no emulator), in
# plan mode:
# the counts, conditions and computed policies for input combinations the apply tier does not
# deploy. Copied into the module's tests/ folder by __tests__/terraform/plain-terraform-validate.test.ts.

mock_provider "aws" {
  mock_data "aws_lambda_invocation" {
    defaults = { result = "{\"nonCompliant\":[],\"unverified\":[]}" }
  }
  mock_data "aws_caller_identity" {
    defaults = { account_id = "111111111111" }
  }
}

# The plan-time audit reads after the apply-time run, so in a plan of a new deployment its check
# is "known after apply", which terraform test reports as an error; the apply tier covers it.
variables {
  targets         = { all_accounts = true }
  plan_time_audit = false
}

run "defaults_audit_mode" {
  command = plan
  assert {
    condition     = tolist(local.task_policy_arns) == tolist(["arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"])
    error_message = "audit mode must not grant the delete task policy"
  }
  assert {
    condition     = tolist(local.root_session_resources) == tolist(["arn:aws:iam::*:root"])
    error_message = "all accounts: sessions anywhere in the organization"
  }
  assert {
    condition = (length(aws_organizations_organization.organization) == 0 &&
      length(aws_organizations_delegated_administrator.delegated_administrator) == 0 &&
      length(aws_organizations_policy.root_restriction_policy) == 0 &&
      length(aws_organizations_policy_attachment.root_restriction_policy) == 0 &&
    length(aws_sns_topic_subscription.alarm_email) == 0)
    error_message = "optional organization resources and the email subscription are off by default"
  }
  assert {
    condition = (length(aws_scheduler_schedule.schedule) == 1 &&
      length(aws_cloudwatch_event_rule.organization_events) == 1 &&
    length(aws_lambda_invocation.trusted_access) == 1)
    error_message = "schedule, organization events and trusted access are on by default"
  }
  assert {
    condition     = jsondecode(aws_lambda_function.function.environment[0].variables["DESIRED_STATE"]) == jsondecode(jsonencode({ targets = { allAccounts = true, accountIds = [], organizationalUnitIds = [] }, exclusions = { accountIds = [], organizationalUnitIds = [] }, breakGlass = [], mode = "audit", dryRun = false, credentialKinds = ["password", "accessKeys", "signingCertificates", "mfaDevices"], concurrency = 10, maxBreakGlassDays = 30, schedule = "rate(12 hours)" }))
    error_message = "the desired state leaves out a null management account id"
  }
}

run "everything_on_enforce" {
  command = plan
  variables {
    management_account_id              = "111111111111"
    manage_organization                = { service_principals = ["sso.amazonaws.com"], enabled_policy_types = ["TAG_POLICY"] }
    delegated_administrator_account_id = "222222222222"
    root_restriction_policy = {
      variant               = "allow-root-tasks-only"
      target_ids            = ["r-ab12", "ou-ab12-cdef3456"]
      exempt_principal_arns = ["arn:aws:iam::*:role/BreakGlass"]
    }
    targets              = { account_ids = ["333333333333", "444444444444"] }
    exclusions           = { account_ids = ["555555555555"] }
    break_glass          = [{ account_id = "444444444444", until = "2099-01-01T00:00:00Z", reason = "INC-1" }]
    mode                 = "enforce"
    alarm_email          = "security@example.com"
    reserved_concurrency = 2
    function_name        = "reconciler"
  }

  assert {
    condition     = tolist(local.task_policy_arns) == tolist(["arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials", "arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials"])
    error_message = "enforce mode grants the delete task policy"
  }
  assert {
    condition     = tolist(local.root_session_resources) == tolist(["arn:aws:iam::333333333333:root", "arn:aws:iam::444444444444:root"])
    error_message = "account targets scope the root sessions to those accounts"
  }
  assert {
    condition     = tolist(local.excluded_root_arns) == tolist(["arn:aws:iam::555555555555:root"])
    error_message = "the excluded account's root ARN feeds the deny"
  }
  assert {
    condition     = tolist(aws_organizations_organization.organization[0].aws_service_access_principals) == tolist(["iam.amazonaws.com", "sso.amazonaws.com"])
    error_message = "trusted access for IAM is always added to the managed organization"
  }
  assert {
    condition     = tolist(aws_organizations_organization.organization[0].enabled_policy_types) == tolist(["SERVICE_CONTROL_POLICY", "TAG_POLICY"])
    error_message = "SCPs are enabled when the SCP is used"
  }
  assert {
    condition     = aws_organizations_delegated_administrator.delegated_administrator[0].account_id == "222222222222"
    error_message = "delegated administrator"
  }
  assert {
    condition     = toset(keys(aws_organizations_policy_attachment.root_restriction_policy)) == toset(["r-ab12", "ou-ab12-cdef3456"])
    error_message = "one attachment per target, keyed by the target id"
  }
  assert {
    condition = (jsondecode(aws_organizations_policy.root_restriction_policy[0].content).Statement[0].Sid == "DenyRootUserExceptRootTasks" &&
    jsondecode(aws_organizations_policy.root_restriction_policy[0].content).Statement[0].Condition.ArnNotLike["aws:PrincipalArn"][0] == "arn:aws:iam::*:role/BreakGlass")
    error_message = "the variant's document, with the exempt principals"
  }
  assert {
    condition     = aws_sns_topic_subscription.alarm_email[0].endpoint == "security@example.com"
    error_message = "alarm email subscription"
  }
  assert {
    condition     = aws_lambda_function.function.function_name == "reconciler" && aws_lambda_function.function.reserved_concurrent_executions == 2
    error_message = "function settings"
  }
  assert {
    condition     = jsondecode(aws_lambda_function.function.environment[0].variables["DESIRED_STATE"]).managementAccountId == "111111111111"
    error_message = "the management account id reaches the desired state"
  }
  assert {
    condition     = length(aws_ssm_parameter.last_drift_repair) == 0 && aws_lambda_function.function.environment[0].variables["LAST_DRIFT_REPAIR_PARAMETER"] == ""
    error_message = "without the plan-time audit nothing repairs drift, so no parameter records a repair and the function is given none"
  }
}

run "enforce_dry_run_and_toggles_off" {
  command = plan
  variables {
    mode                       = "enforce"
    dry_run                    = true
    enable_schedule            = false
    enable_organization_events = false
    enable_trusted_access      = false
    plan_time_audit            = false
  }

  assert {
    condition     = tolist(local.task_policy_arns) == tolist(["arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"])
    error_message = "dry run never grants the delete task policy"
  }
  assert {
    condition = (length(aws_scheduler_schedule.schedule) == 0 && length(aws_iam_role.scheduler_role) == 0 &&
      length(aws_cloudwatch_event_rule.organization_events) == 0 && length(aws_lambda_permission.organization_events_permission) == 0 &&
    length(aws_lambda_invocation.trusted_access) == 0 && length(data.aws_lambda_invocation.drift_audit) == 0 && length(data.aws_lambda_invocation.drift_repair) == 0)
    error_message = "each toggle removes its resources"
  }
  assert {
    condition     = local.function_drift_repair_ran == false
    error_message = "without the plan-time audit no repair runs, so an apply never prints one"
  }
}
