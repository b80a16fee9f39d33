variable "region" {
  type    = string
  default = "us-east-1"
}

variable "management_account_id" {
  type        = string
  description = "The organization's management account; the provider refuses any other"
}

variable "root_restriction_target_ids" {
  type        = list(string)
  description = "Where the root restriction SCP is attached: the root (r-...), OUs or accounts"
  default     = ["r-ex12"]
}

variable "excluded_account_ids" {
  type        = list(string)
  description = "Accounts the reconciler never touches (IAM also denies it root sessions there)"
  default     = []
}

variable "break_glass" {
  type        = list(object({ account_id = string, until = string, reason = string }))
  description = "Accounts that keep their root credentials until a time (RFC 3339, at most 30 days ahead)"
  default     = []
}

variable "mode" {
  type        = string
  description = "audit reports; enforce also deletes root credentials"
  default     = "audit"
}

variable "alarm_email" {
  type        = string
  description = "Subscribed to the alarm topic; null for none"
  default     = null
}
