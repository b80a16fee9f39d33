/**
 * Organizations policy types, the one list the emulator uses (scenario checks, ListPolicies
 * filters, EnablePolicyType): the `PolicyType` enum of `@aws-sdk/client-organizations` 3.1169.0.
 * Only SERVICE_CONTROL_POLICY is evaluated; the others are names the API accepts.
 */
export const POLICY_TYPES = [
  'AISERVICES_OPT_OUT_POLICY',
  'BACKUP_POLICY',
  'BEDROCK_POLICY',
  'CHATBOT_POLICY',
  'DECLARATIVE_POLICY_EC2',
  'GUARDDUTY_POLICY',
  'INSPECTOR_POLICY',
  'NETWORK_SECURITY_DIRECTOR_POLICY',
  'RESOURCE_CONTROL_POLICY',
  'S3_POLICY',
  'SECURITYHUB_CSPM_POLICY',
  'SECURITYHUB_POLICY',
  'SERVICE_CONTROL_POLICY',
  'TAG_POLICY',
  'UPGRADE_ROLLOUT_POLICY',
] as const;
export type PolicyType = (typeof POLICY_TYPES)[number];

export function isPolicyType(value: string): value is PolicyType {
  return (POLICY_TYPES as readonly string[]).includes(value);
}
