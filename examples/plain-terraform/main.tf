# Centralized root access with plain Terraform: no Node.js, no cdktf. Run from this folder:
#   terraform init && terraform apply -var management_account_id=111111111111 -var alarm_email=security@example.com
terraform {
  required_version = ">= 1.5.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.82.0, < 7.0.0"
    }
  }
}

provider "aws" {
  # Organizations delivers account events to EventBridge in us-east-1 only.
  region = var.region
  # Terraform refuses any other account's credentials instead of failing halfway.
  allowed_account_ids = [var.management_account_id]
}

module "root_access" {
  source = "../../modules/centralized-root-access"

  management_account_id = var.management_account_id
  root_restriction_policy = {
    variant    = "deny-long-term-root"
    target_ids = var.root_restriction_target_ids
  }
  targets     = { all_accounts = true }
  exclusions  = { account_ids = var.excluded_account_ids }
  break_glass = var.break_glass
  mode        = var.mode
  alarm_email = var.alarm_email
}

output "enforcement_report" {
  description = "Per-account report of the last apply-time enforcement"
  value       = module.root_access.enforcement_report
}

output "function_arn" {
  value = module.root_access.function_arn
}

output "alarm_topic_arn" {
  value = module.root_access.alarm_topic_arn
}
