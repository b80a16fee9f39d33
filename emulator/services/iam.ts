/**
 * IAM (query protocol, 2010-05-08): the organization root-feature APIs and the root-credential
 * calls a root session makes in its member account.
 *
 * The emulator models no IAM users, groups or roles. IAM principals (the management caller, the
 * reconciler's role) can call the root-credential operations, but they address IAM users the
 * emulator does not hold: a named user is `NoSuchEntity`, an unnamed call from role credentials is
 * the `ValidationError` IAM gives for non-user credentials, and an unnamed call from user
 * credentials sees a user without credentials.
 */
import type { RawRequest, RawResponse, RequestContext, ServiceHandler } from '../model/request';
import {
  type Account,
  AwsError,
  type EmulatorState,
  ROOT_FEATURES,
  type RootCredentials,
  type RootFeature,
  rootArn,
} from '../model/state';
import {
  IAM_API,
  XmlMap,
  type XmlValue,
  newRequestId,
  parseQueryParams,
  queryError,
  queryResponse,
} from '../protocol/query';

const IAM_SERVICE_PRINCIPAL = 'iam.amazonaws.com';

type Result = { [member: string]: XmlValue } | undefined;

interface Call {
  action: string;
  params: Map<string, string>;
  ctx: RequestContext;
}

function noSuchEntity(message: string): AwsError {
  return new AwsError('NoSuchEntity', message, 404);
}

function invalidInput(message: string): AwsError {
  return new AwsError('InvalidInput', message, 400);
}

function required(params: Map<string, string>, name: string): string {
  const value = params.get(name);
  if (value === undefined || value === '') {
    throw new AwsError(
      'ValidationError',
      `1 validation error detected: Value null at '${name.charAt(0).toLowerCase()}${name.slice(1)}' failed to satisfy constraint: Member must not be null`,
      400,
    );
  }
  return value;
}

/** Denials are 403 `AccessDenied` with the evaluator's AWS-worded message. */
function authorizeOrThrow(call: Call, resource: string, resourceAccountId: string): void {
  const decision = call.ctx.authorize({ action: `iam:${call.action}`, resource, resourceAccountId });
  if (!decision.allowed) throw new AwsError('AccessDenied', decision.message, 403);
}

// ---------------------------------------------------------------------------------------------
// Organization features (see docs/aws-behaviour.md#root-features)

function featuresResult(state: EmulatorState): Result {
  return {
    OrganizationId: state.organization.id,
    EnabledFeatures: ROOT_FEATURES.filter((feature) => state.organization.rootFeatures.has(feature)),
  };
}

/**
 * Gates in the order of the model's error lists: the caller's account must be in the
 * organization; Enable* needs the management account, Disable* and List also accept the IAM
 * delegated administrator [I]; then all-features mode; then trusted access for IAM.
 */
function organizationFeature(call: Call, change?: { feature: RootFeature; enable: boolean }): RawResponse {
  const { state, principal } = call.ctx;
  const org = state.organization;
  const caller = principal.accountId;
  call.ctx.annotate({ action: call.action, accountId: caller, mutating: change !== undefined });
  authorizeOrThrow(call, '*', caller);

  const isManagement = caller === org.managementAccountId;
  if (!isManagement && !state.accounts.has(caller)) {
    throw new AwsError(
      'OrganizationNotFoundException',
      'The account is not a member of an organization.',
      400,
    );
  }
  if (change?.enable === true && !isManagement) {
    throw new AwsError(
      'CallerIsNotManagementAccountException',
      'The request was rejected because the account making the request is not the management account for the organization.',
      400,
    );
  }
  const isDelegatedAdmin = org.delegatedAdministrators.some(
    (admin) => admin.accountId === caller && admin.servicePrincipal === IAM_SERVICE_PRINCIPAL,
  );
  if (!isManagement && !isDelegatedAdmin) {
    throw new AwsError(
      'AccountNotManagementOrDelegatedAdministratorException',
      'The request was rejected because the account is not the management account or delegated administrator for IAM.',
      400,
    );
  }
  if (org.featureSet !== 'ALL') {
    throw new AwsError(
      'OrganizationNotInAllFeaturesModeException',
      'The request was rejected because the organization does not have all features enabled.',
      400,
    );
  }
  if (!org.trustedAccess.has(IAM_SERVICE_PRINCIPAL)) {
    throw new AwsError(
      'ServiceAccessNotEnabledException',
      'The request was rejected because trusted access for IAM is not enabled in AWS Organizations.',
      400,
    );
  }
  // Repeats are unconfirmed (docs/aws-behaviour.md#feature-prerequisites): enabling an enabled feature and disabling a disabled one
  // succeed and report the current set, which is what an idempotent Terraform apply needs.
  if (change?.enable === true) org.rootFeatures.add(change.feature);
  if (change?.enable === false) org.rootFeatures.delete(change.feature);
  return queryResponse(IAM_API, call.action, featuresResult(state));
}

// ---------------------------------------------------------------------------------------------
// Root credentials

/** Who the call is about: the session's root user, or an IAM user the emulator does not model. */
type Subject = { kind: 'root'; account: Account } | { kind: 'unmodelled-user'; userName: string };

/**
 * Resolves the subject and authorizes the call on it. Root sessions are authorized on
 * `arn:aws:iam::<acct>:root` (see docs/aws-behaviour.md#assume-root-caller), or on the named user when one is given, which the
 * task policies deny. `accountLevel` lets GetAccountSummary, an account-level call, use `*`
 * for IAM principals.
 */
function subjectOf(call: Call, options: { accountLevel?: boolean } = {}): Subject {
  const { state, principal } = call.ctx;
  const userName = call.params.get('UserName');
  const accountId = principal.accountId;
  const mutating = /^(Create|Delete|Deactivate)/.test(call.action);
  call.ctx.annotate({ action: call.action, accountId, mutating });

  if (principal.kind === 'root-session') {
    const resource =
      userName === undefined ? rootArn(accountId) : `arn:aws:iam::${accountId}:user/${userName}`;
    authorizeOrThrow(call, resource, accountId);
    if (userName !== undefined) throw noSuchEntity(`The user with name ${userName} cannot be found.`);
    const account = state.accounts.get(accountId);
    if (account === undefined) throw noSuchEntity(`The account ${accountId} cannot be found.`);
    return { kind: 'root', account };
  }

  const resource =
    userName !== undefined
      ? `arn:aws:iam::${accountId}:user/${userName}`
      : options.accountLevel
        ? '*'
        : principal.arn;
  authorizeOrThrow(call, resource, accountId);
  if (options.accountLevel) {
    const account = state.accounts.get(accountId);
    return account === undefined
      ? { kind: 'unmodelled-user', userName: userName ?? '' }
      : { kind: 'root', account };
  }
  if (userName !== undefined) throw noSuchEntity(`The user with name ${userName} cannot be found.`);
  const user = /:user\/(?:.*\/)?([^/]+)$/.exec(principal.arn);
  if (user?.[1] === undefined) {
    throw new AwsError(
      'ValidationError',
      'Must specify userName when calling with non-User credentials',
      400,
    );
  }
  return { kind: 'unmodelled-user', userName: user[1] };
}

const EMPTY_ROOT: RootCredentials = {
  accessKeys: [],
  signingCertificates: [],
  mfaDevices: [],
  unassignedVirtualMfaDevices: [],
};

function credentialsOf(subject: Subject): RootCredentials {
  return subject.kind === 'root' ? subject.account.root : EMPTY_ROOT;
}

/**
 * Unconfirmed (docs/aws-behaviour.md#root-session-iam-calls): the `UserName` IAM reports for the root user. The model marks it required;
 * third-party examples show the account id or `root`. The emulator uses the account id.
 */
function userNameOf(subject: Subject): string {
  return subject.kind === 'root' ? subject.account.id : subject.userName;
}

function mutableRoot(subject: Subject): RootCredentials {
  if (subject.kind !== 'root')
    throw noSuchEntity(`The user with name ${subject.userName} has no such credential.`);
  return subject.account.root;
}

/** IAM's account quotas as GetAccountSummary reports them for a fresh account. */
const ACCOUNT_QUOTAS: ReadonlyArray<readonly [string, number]> = [
  ['AccessKeysPerUserQuota', 2],
  ['AssumeRolePolicySizeQuota', 2048],
  ['AttachedPoliciesPerGroupQuota', 10],
  ['AttachedPoliciesPerRoleQuota', 10],
  ['AttachedPoliciesPerUserQuota', 10],
  ['GlobalEndpointTokenVersion', 1],
  ['GroupPolicySizeQuota', 5120],
  ['Groups', 0],
  ['GroupsPerUserQuota', 10],
  ['GroupsQuota', 300],
  ['InstanceProfiles', 0],
  ['InstanceProfilesQuota', 1000],
  ['Policies', 0],
  ['PoliciesQuota', 1500],
  ['PolicySizeQuota', 6144],
  ['PolicyVersionsInUse', 0],
  ['PolicyVersionsInUseQuota', 10000],
  ['Providers', 0],
  ['RolePolicySizeQuota', 10240],
  ['Roles', 0],
  ['RolesQuota', 1000],
  ['ServerCertificates', 0],
  ['ServerCertificatesQuota', 20],
  ['SigningCertificatesPerUserQuota', 2],
  ['UserPolicySizeQuota', 2048],
  ['Users', 0],
  ['UsersQuota', 5000],
  ['VersionsPerPolicyQuota', 5],
];

function accountSummary(call: Call): RawResponse {
  const root = credentialsOf(subjectOf(call, { accountLevel: true }));
  const virtualUnassigned = root.unassignedVirtualMfaDevices.length;
  const flag = (present: boolean): number => (present ? 1 : 0);
  const entries: Array<readonly [string, number]> = [
    ['AccountAccessKeysPresent', flag(root.accessKeys.length > 0)],
    ['AccountMFAEnabled', flag(root.mfaDevices.length > 0)],
    ['AccountPasswordPresent', flag(root.loginProfile !== undefined)],
    ['AccountSigningCertificatesPresent', flag(root.signingCertificates.length > 0)],
    // MFADevices counts every device in the account, MFADevicesInUse only the assigned ones.
    ['MFADevices', root.mfaDevices.length + virtualUnassigned],
    ['MFADevicesInUse', root.mfaDevices.length],
    ...ACCOUNT_QUOTAS,
  ];
  return queryResponse(IAM_API, call.action, { SummaryMap: new XmlMap(entries) });
}

/** Marker/MaxItems/IsTruncated paging; the marker is an opaque offset. */
function paginate<T>(call: Call, items: readonly T[]): { page: T[]; IsTruncated: boolean; Marker?: string } {
  const maxItemsParam = call.params.get('MaxItems');
  const maxItems = maxItemsParam === undefined ? 100 : Number(maxItemsParam);
  if (!Number.isInteger(maxItems) || maxItems < 1 || maxItems > 1000) {
    throw new AwsError(
      'ValidationError',
      `1 validation error detected: Value '${maxItemsParam}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000`,
      400,
    );
  }
  const marker = call.params.get('Marker');
  let start = 0;
  if (marker !== undefined) {
    const decoded = /^offset:(\d+)$/.exec(Buffer.from(marker, 'base64').toString('utf8'));
    if (decoded === null) throw invalidInput('Invalid Marker.');
    start = Number(decoded[1]);
  }
  const page = items.slice(start, start + maxItems);
  const next = start + page.length;
  const truncated = next < items.length;
  return {
    page,
    IsTruncated: truncated,
    Marker: truncated ? Buffer.from(`offset:${next}`).toString('base64') : undefined,
  };
}

function loginProfileXml(subject: Subject, root: RootCredentials): Result {
  const profile = root.loginProfile;
  if (profile === undefined) return undefined;
  return {
    LoginProfile: {
      UserName: userNameOf(subject),
      CreateDate: profile.createDate,
      PasswordResetRequired: profile.passwordResetRequired,
    },
  };
}

function noLoginProfile(subject: Subject): AwsError {
  // Unconfirmed (docs/aws-behaviour.md#root-session-iam-calls): the exact message for root is unknown; this is IAM's wording for users.
  return noSuchEntity(`Login Profile for User ${userNameOf(subject)} cannot be found.`);
}

function getLoginProfile(call: Call): RawResponse {
  const subject = subjectOf(call);
  const root = credentialsOf(subject);
  const result = loginProfileXml(subject, root);
  if (result === undefined) throw noLoginProfile(subject);
  return queryResponse(IAM_API, call.action, result);
}

function createLoginProfile(call: Call): RawResponse {
  const { principal, now } = call.ctx;
  if (principal.kind === 'root-session') {
    // Inside an AssumeRoot session both must be omitted (docs/aws-behaviour.md#create-password).
    if (call.params.has('UserName') || call.params.has('Password')) {
      throw invalidInput(
        'UserName and Password must be omitted when the request is made with an AssumeRoot session.',
      );
    }
  }
  const subject = subjectOf(call);
  const root = mutableRoot(subject);
  if (root.loginProfile !== undefined) {
    throw new AwsError(
      'EntityAlreadyExists',
      `Login Profile for user ${userNameOf(subject)} already exists.`,
      409,
    );
  }
  root.loginProfile = {
    createDate: now,
    passwordResetRequired: call.params.get('PasswordResetRequired') === 'true',
  };
  return queryResponse(IAM_API, call.action, loginProfileXml(subject, root));
}

function deleteLoginProfile(call: Call): RawResponse {
  const subject = subjectOf(call);
  const root = credentialsOf(subject);
  if (root.loginProfile === undefined) throw noLoginProfile(subject);
  delete mutableRoot(subject).loginProfile;
  return queryResponse(IAM_API, call.action, undefined);
}

function listAccessKeys(call: Call): RawResponse {
  const subject = subjectOf(call);
  const { page, ...paging } = paginate(call, credentialsOf(subject).accessKeys);
  return queryResponse(IAM_API, call.action, {
    AccessKeyMetadata: page.map((key) => ({
      UserName: userNameOf(subject),
      AccessKeyId: key.accessKeyId,
      Status: key.status,
      CreateDate: key.createDate,
    })),
    ...paging,
  });
}

function deleteAccessKey(call: Call): RawResponse {
  const accessKeyId = required(call.params, 'AccessKeyId');
  const subject = subjectOf(call);
  const root = credentialsOf(subject);
  const index = root.accessKeys.findIndex((key) => key.accessKeyId === accessKeyId);
  if (index < 0) throw noSuchEntity(`The Access Key with id ${accessKeyId} cannot be found.`);
  mutableRoot(subject).accessKeys.splice(index, 1);
  return queryResponse(IAM_API, call.action, undefined);
}

function getAccessKeyLastUsed(call: Call): RawResponse {
  const accessKeyId = required(call.params, 'AccessKeyId');
  const subject = subjectOf(call);
  const key = credentialsOf(subject).accessKeys.find((candidate) => candidate.accessKeyId === accessKeyId);
  if (key === undefined) {
    // The model lists no errors; IAM answers a key outside the caller's reach as a denial.
    throw new AwsError(
      'AccessDenied',
      `User: ${call.ctx.principal.arn} is not authorized to perform: iam:GetAccessKeyLastUsed on resource: access key ${accessKeyId}`,
      403,
    );
  }
  return queryResponse(IAM_API, call.action, {
    UserName: userNameOf(subject),
    // Seeded keys carry no usage history, which IAM reports as N/A.
    AccessKeyLastUsed: { ServiceName: 'N/A', Region: 'N/A' },
  });
}

function listSigningCertificates(call: Call): RawResponse {
  const subject = subjectOf(call);
  const { page, ...paging } = paginate(call, credentialsOf(subject).signingCertificates);
  return queryResponse(IAM_API, call.action, {
    Certificates: page.map((certificate) => ({
      UserName: userNameOf(subject),
      CertificateId: certificate.certificateId,
      CertificateBody: certificate.body,
      Status: certificate.status,
      UploadDate: certificate.uploadDate,
    })),
    ...paging,
  });
}

function deleteSigningCertificate(call: Call): RawResponse {
  const certificateId = required(call.params, 'CertificateId');
  const subject = subjectOf(call);
  const root = credentialsOf(subject);
  const index = root.signingCertificates.findIndex(
    (certificate) => certificate.certificateId === certificateId,
  );
  if (index < 0) throw noSuchEntity(`The Certificate with id ${certificateId} cannot be found.`);
  mutableRoot(subject).signingCertificates.splice(index, 1);
  return queryResponse(IAM_API, call.action, undefined);
}

function listMfaDevices(call: Call): RawResponse {
  const subject = subjectOf(call);
  const { page, ...paging } = paginate(call, credentialsOf(subject).mfaDevices);
  return queryResponse(IAM_API, call.action, {
    MFADevices: page.map((device) => ({
      UserName: userNameOf(subject),
      SerialNumber: device.serialNumber,
      EnableDate: device.enableDate,
    })),
    ...paging,
  });
}

/** A virtual device stays in the account, unassigned; FIDO and hardware devices are gone. */
function deactivateMfaDevice(call: Call): RawResponse {
  const serialNumber = required(call.params, 'SerialNumber');
  const subject = subjectOf(call);
  const root = credentialsOf(subject);
  const index = root.mfaDevices.findIndex((device) => device.serialNumber === serialNumber);
  if (index < 0) throw noSuchEntity(`MFA Device with serial number ${serialNumber} does not exist.`);
  const target = mutableRoot(subject);
  const [device] = target.mfaDevices.splice(index, 1);
  if (device?.kind === 'virtual') target.unassignedVirtualMfaDevices.push(device.serialNumber);
  return queryResponse(IAM_API, call.action, undefined);
}

/**
 * Authorized on the device, `arn:aws:iam::<acct>:mfa/<name>` [I] (docs/aws-behaviour.md#delete-virtual-mfa-resource): the IAM service authorization
 * reference lists DeleteVirtualMFADevice under the `mfa` resource type (arn:aws:iam::<acct>:mfa/
 * <path><name>), unlike the user-scoped credential calls, and the serial number of a virtual
 * device is that ARN. Inside an IAMDeleteRootUserCredentials session it is denied either way:
 * the policy no longer lists the action (AWS removed it on 2025-01-07, root-task-policies.ts).
 */
function deleteVirtualMfaDevice(call: Call): RawResponse {
  const serialNumber = required(call.params, 'SerialNumber');
  const { state, principal } = call.ctx;
  const accountId = principal.accountId;
  call.ctx.annotate({ action: call.action, accountId, mutating: true });
  const deviceArn = /^arn:aws[\w-]*:iam::(\d{12}):mfa\/.+$/.exec(serialNumber);
  const resource = deviceArn !== null ? serialNumber : `arn:aws:iam::${accountId}:mfa/${serialNumber}`;
  authorizeOrThrow(call, resource, deviceArn?.[1] ?? accountId);
  const account = state.accounts.get(accountId);
  // The emulator holds virtual devices only for root users; any other account has none.
  const root = account?.root ?? EMPTY_ROOT;
  if (root.mfaDevices.some((device) => device.serialNumber === serialNumber)) {
    throw new AwsError('DeleteConflict', 'MFA VirtualDevice in use. Must deactivate first.', 409);
  }
  const index = root.unassignedVirtualMfaDevices.indexOf(serialNumber);
  if (index < 0 || account === undefined) {
    throw noSuchEntity(`VirtualMFADevice with serial number ${serialNumber} doesn't exist.`);
  }
  account.root.unassignedVirtualMfaDevices.splice(index, 1);
  return queryResponse(IAM_API, call.action, undefined);
}

/** Unconfirmed (docs/aws-behaviour.md#root-session-iam-calls): root's GetUser carries no UserName/Path; the emulator omits them. */
function getUser(call: Call): RawResponse {
  const subject = subjectOf(call);
  if (subject.kind === 'root') {
    return queryResponse(IAM_API, call.action, {
      User: {
        UserId: subject.account.id,
        Arn: rootArn(subject.account.id),
        CreateDate: subject.account.joinedTimestamp,
      },
    });
  }
  const { principal } = call.ctx;
  return queryResponse(IAM_API, call.action, {
    User: {
      Path: '/',
      UserName: subject.userName,
      UserId: `AIDA${principal.accountId}EMULATOR`,
      Arn: principal.arn,
      CreateDate: new Date(0),
    },
  });
}

const OPERATIONS: Record<string, (call: Call) => RawResponse> = {
  EnableOrganizationsRootCredentialsManagement: (call) =>
    organizationFeature(call, { feature: 'RootCredentialsManagement', enable: true }),
  EnableOrganizationsRootSessions: (call) =>
    organizationFeature(call, { feature: 'RootSessions', enable: true }),
  DisableOrganizationsRootCredentialsManagement: (call) =>
    organizationFeature(call, { feature: 'RootCredentialsManagement', enable: false }),
  DisableOrganizationsRootSessions: (call) =>
    organizationFeature(call, { feature: 'RootSessions', enable: false }),
  ListOrganizationsFeatures: (call) => organizationFeature(call),
  GetAccountSummary: accountSummary,
  GetLoginProfile: getLoginProfile,
  CreateLoginProfile: createLoginProfile,
  DeleteLoginProfile: deleteLoginProfile,
  ListAccessKeys: listAccessKeys,
  DeleteAccessKey: deleteAccessKey,
  GetAccessKeyLastUsed: getAccessKeyLastUsed,
  ListSigningCertificates: listSigningCertificates,
  DeleteSigningCertificate: deleteSigningCertificate,
  ListMFADevices: listMfaDevices,
  DeactivateMFADevice: deactivateMfaDevice,
  DeleteVirtualMFADevice: deleteVirtualMfaDevice,
  GetUser: getUser,
};

/** The IAM actions this emulator answers itself; the router forwards every other IAM action (roles) to moto. */
export const EMULATED_IAM_ACTIONS: ReadonlySet<string> = new Set(Object.keys(OPERATIONS));

/**
 * Any other action is authorized first (so a root session gets its task policy's AccessDenied,
 * as in AWS), then refused as not served.
 */
function unsupported(call: Call): RawResponse {
  const accountId = call.ctx.principal.accountId;
  call.ctx.annotate({
    action: call.action,
    accountId,
    mutating:
      /^(Create|Delete|Put|Attach|Detach|Update|Tag|Untag|Deactivate|Enable|Disable|Set|Upload|Add|Remove)/.test(
        call.action,
      ),
  });
  authorizeOrThrow(call, '*', accountId);
  throw new AwsError(
    'InvalidAction',
    `Could not find operation ${call.action} for version ${IAM_API.version}`,
    400,
  );
}

export const iamService: ServiceHandler = {
  service: 'iam',
  actionOf(request: RawRequest): string {
    return parseQueryParams(request.body, request.query).get('Action') ?? 'Unknown';
  },
  handle(request: RawRequest, ctx: RequestContext): RawResponse {
    const requestId = newRequestId();
    const params = parseQueryParams(request.body, request.query);
    const action = params.get('Action') ?? 'Unknown';
    const call: Call = { action, params, ctx };
    try {
      return (OPERATIONS[action] ?? unsupported)(call);
    } catch (error) {
      if (error instanceof AwsError) return queryError(IAM_API, error, requestId);
      throw error;
    }
  },
};
