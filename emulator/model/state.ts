/**
 * The emulated organization's state, shared by every service the emulator serves.
 *
 * This file is the contract between the emulator's parts: the transport (server, SigV4,
 * faults, call log, admin path), the services (STS, IAM, Organizations, S3, SQS), the policy
 * evaluator and the scenario loader. It holds types and tiny helpers only.
 */

export const ROOT_FEATURES = ['RootCredentialsManagement', 'RootSessions'] as const;
export type RootFeature = (typeof ROOT_FEATURES)[number];

export const ROOT_TASK_POLICY_PREFIX = 'arn:aws:iam::aws:policy/root-task/';
export const ROOT_TASK_POLICIES = [
  'IAMAuditRootUserCredentials',
  'IAMCreateRootUserPassword',
  'IAMDeleteRootUserCredentials',
  'S3UnlockBucketPolicy',
  'SQSUnlockQueuePolicy',
] as const;
export type RootTaskPolicyName = (typeof ROOT_TASK_POLICIES)[number];

export type AccountState = 'ACTIVE' | 'SUSPENDED' | 'PENDING_CLOSURE' | 'CLOSED' | 'PENDING_ACTIVATION';
export type MfaDeviceKind = 'virtual' | 'fido' | 'hardware';

export interface LoginProfile {
  createDate: Date;
  passwordResetRequired: boolean;
}

export interface RootAccessKey {
  accessKeyId: string;
  status: 'Active' | 'Inactive';
  createDate: Date;
}

export interface RootSigningCertificate {
  certificateId: string;
  status: 'Active' | 'Inactive';
  body: string;
  uploadDate: Date;
}

export interface RootMfaDevice {
  /** Virtual: `arn:aws:iam::<acct>:mfa/<name>`; FIDO: `arn:aws:iam::<acct>:u2f/root/<name>`; hardware: printed serial. */
  serialNumber: string;
  kind: MfaDeviceKind;
  enableDate: Date;
}

/** The long-term credentials of one member account's root user. */
export interface RootCredentials {
  loginProfile?: LoginProfile;
  accessKeys: RootAccessKey[];
  signingCertificates: RootSigningCertificate[];
  /** Devices assigned to the root user. */
  mfaDevices: RootMfaDevice[];
  /** Virtual devices that exist in the account but are assigned to no one (after deactivation). */
  unassignedVirtualMfaDevices: string[];
}

export interface Bucket {
  name: string;
  /** The bucket policy JSON, if any. */
  policy?: string;
}

export interface Queue {
  name: string;
  region: string;
  attributes: Record<string, string>;
}

export interface Account {
  id: string;
  name: string;
  email: string;
  state: AccountState;
  /** `r-...` or `ou-...` */
  parentId: string;
  joinedMethod: 'INVITED' | 'CREATED';
  joinedTimestamp: Date;
  root: RootCredentials;
  buckets: Bucket[];
  queues: Queue[];
}

export interface OrganizationalUnit {
  id: string;
  name: string;
  /** `r-...` or `ou-...` */
  parentId: string;
}

export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatement | PolicyStatement[];
}

export interface ServiceControlPolicy {
  /** `p-FullAWSAccess` for the AWS-managed one, `p-<8..128 chars>` otherwise. */
  id: string;
  name: string;
  description: string;
  awsManaged: boolean;
  /** The policy JSON exactly as stored (Organizations returns it verbatim). */
  content: string;
  /** Root, OU and account ids the policy is attached to. */
  targets: Set<string>;
}

export interface DelegatedAdministrator {
  accountId: string;
  servicePrincipal: string;
  delegationEnabledDate: Date;
}

export interface Organization {
  id: string;
  managementAccountId: string;
  managementAccountEmail: string;
  featureSet: 'ALL' | 'CONSOLIDATED_BILLING';
  rootId: string;
  /** Trusted service principals and when access was enabled. */
  trustedAccess: Map<string, Date>;
  rootFeatures: Set<RootFeature>;
  delegatedAdministrators: DelegatedAdministrator[];
  /** Policy types enabled on the root (SERVICE_CONTROL_POLICY by default). */
  enabledPolicyTypes: Set<string>;
}

/** A caller with long-term or role credentials, declared by a scenario (or the management administrator). */
export interface IamPrincipal {
  kind: 'iam';
  accessKeyId: string;
  /** Every request signed with this key must carry a valid SigV4 signature made with this secret. */
  secretAccessKey: string;
  sessionToken?: string;
  accountId: string;
  /** e.g. `arn:aws:iam::111111111111:user/admin` or `arn:aws:sts::111111111111:assumed-role/Reconciler/x` */
  arn: string;
  /** Identity policies; `undefined` means an administrator (everything allowed). */
  identityPolicies?: PolicyDocument[];
}

/** A session returned by `AssumeRoot`: bound to one member account, one task policy and an expiry. */
export interface RootSession {
  kind: 'root-session';
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** The member account whose root user the session acts as. */
  accountId: string;
  arn: string;
  taskPolicyArn: string;
  expiresAt: Date;
  /** The ARN of the principal that called AssumeRoot. */
  issuedTo: string;
}

export type Principal = IamPrincipal | RootSession;

/** Faults injected into responses; all rates are 0..1 and every draw comes from one seeded generator. */
export interface Faults {
  seed: number;
  /** Added to every AWS call before it is answered. */
  latencyMs: number;
  /** Share of calls answered with a 5xx (`ServiceFailure`/`ServiceUnavailable`/`ServiceException`). */
  errorRate: number;
  /** Share of calls answered with the service's throttling error. */
  throttleRate: number;
  /** Token-bucket limits per `service:Action` (or `*`), in requests per second; excess calls are throttled. */
  rateLimits: Record<string, number>;
  /** Caps the lifetime of AssumeRoot sessions (seconds), whatever DurationSeconds asked for. */
  sessionLifetimeSeconds?: number;
}

/** One entry of the call log served at `GET /_emulator/calls`. */
export interface CallRecord {
  sequence: number;
  time: string;
  service: string;
  action: string;
  /** The account acted on: the root session's account, the target of AssumeRoot, or the caller's. */
  accountId?: string;
  principalArn?: string;
  /** Root sessions only: the task policy the session carries. */
  taskPolicyArn?: string;
  mutating: boolean;
  decision: 'allow' | 'deny';
  status: number;
  errorCode?: string;
  /** Answered by the moto server the emulator forwards unmodelled services to. */
  forwarded?: boolean;
}

export interface EmulatorState {
  organization: Organization;
  accounts: Map<string, Account>;
  organizationalUnits: Map<string, OrganizationalUnit>;
  policies: Map<string, ServiceControlPolicy>;
  /** Principals by access key id: declared ones and issued root sessions. */
  principals: Map<string, Principal>;
  faults: Faults;
  region: string;
}

/** An AWS error; each protocol renders it in its own envelope. */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly extra: Record<string, string> = {},
    readonly fault: 'Sender' | 'Receiver' = status >= 500 ? 'Receiver' : 'Sender',
  ) {
    super(message);
    this.name = code;
  }
}

export function rootArn(accountId: string): string {
  return `arn:aws:iam::${accountId}:root`;
}

export function taskPolicyArn(name: RootTaskPolicyName): string {
  return `${ROOT_TASK_POLICY_PREFIX}${name}`;
}
