/**
 * The example app's config file (`root-access.config.json`): its schema, loader and validation.
 *
 * Every problem in the file is reported at once, one line each, as `<file>: <field>: <problem>;
 * <fix>`. The organization section is checked by the construct's own rules
 * ({@link validateCentralizedRootAccessProps}) and the enforcement section by the desired-state
 * rules, so the file and the library never disagree about what is valid.
 */
import { readFileSync } from 'node:fs';

import { z } from 'zod';

import {
  validateCentralizedRootAccessProps,
  type CentralizedRootAccessProps,
  type ManagedOrganizationOptions,
  type RootAccessFeature,
} from '../src/constructs/centralized-root-access';
import {
  formatIssue,
  issuesFromZod,
  type DesiredState,
  type ResolvedDesiredState,
  type ValidateOptions,
  type ValidationIssue,
} from '../src/shared/desired-state';
import {
  validateEnforcerProps,
  type RootCredentialsEnforcerProps,
} from '../src/constructs/root-credentials-enforcer';
import type { RootRestrictionVariant } from '../src/constructs/root-restriction-policy';
import { isRecord } from '../src/shared/is-record';
import { formatJsonProblem, readJson } from '../src/shared/json-file';

/** The enforcer construct's options that the config file may set; the desired state comes from `enforcement`. */
export type EnforcerOptions = Omit<RootCredentialsEnforcerProps, 'desiredState' | 'schedule'>;

export const DEFAULT_CONFIG_FILE = 'root-access.config.json';
export const DEFAULT_REGION = 'us-east-1';
export const DEFAULT_STACK_NAME = 'centralized-root-access';

/** Where Terraform keeps state. */
export type BackendConfig =
  | {
      readonly kind: 'local';
      /**
       * State file; a relative path is relative to the config file's folder (not to
       * `cdktf.out/stacks/<stack>`, which synth regenerates).
       * @default - `terraform.<stackName>.tfstate` next to the config file
       */
      readonly path?: string;
    }
  | {
      readonly kind: 's3';
      readonly bucket: string;
      readonly key: string;
      readonly region: string;
      readonly encrypt: boolean;
      readonly useLockfile: boolean;
    };

/** The config file with every default filled in. */
export interface AppConfig {
  /** The cdktf stack name, which is also the folder under `cdktf.out/stacks/`. */
  readonly stackName: string;
  /** Region of the AWS provider; Organizations and IAM are global, so this only picks the endpoint. */
  readonly region: string;
  readonly backend: BackendConfig;
  /** Provider `default_tags`, applied to every taggable resource. */
  readonly tags: Readonly<Record<string, string>>;
  readonly organization: CentralizedRootAccessProps;
  /** The reconciler's desired state; with it, the app deploys the enforcer. */
  readonly enforcement?: ResolvedDesiredState;
  /** Options of the enforcer construct (function name, alarm email, ...). */
  readonly enforcer: EnforcerOptions;
}

export type AppConfigResult =
  | { readonly ok: true; readonly config: AppConfig; readonly warnings: readonly ValidationIssue[] }
  | {
      readonly ok: false;
      readonly errors: readonly ValidationIssue[];
      readonly warnings: readonly ValidationIssue[];
    };

const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d+$/;
const STACK_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;

const stringList = z.array(z.string());

const managedOrganizationShape = z.strictObject({
  servicePrincipals: stringList.optional(),
  enabledPolicyTypes: stringList.optional(),
  preventDestroy: z.boolean().optional(),
});

const organizationShape = z.strictObject({
  managementAccountId: z.string().optional(),
  // Names are checked by the construct's rules, which list the allowed values.
  enabledFeatures: stringList.optional(),
  // `true`, `false` or the options object; checked separately so each form gets a plain message.
  manageOrganization: z.unknown().optional(),
  delegatedAdministratorAccountId: z.string().optional(),
  disableFeaturesOnDestroy: z.boolean().optional(),
  rootRestrictionPolicy: z
    .strictObject({
      variant: z.string().optional(),
      targetIds: stringList,
      exemptPrincipalArns: stringList.optional(),
      name: z.string().optional(),
      description: z.string().optional(),
    })
    .optional(),
});

const configShape = z.strictObject({
  // Lets editors find a JSON schema; ignored otherwise.
  $schema: z.string().optional(),
  stackName: z
    .string()
    .regex(STACK_NAME_PATTERN, {
      error: 'is not a stack name; use a letter followed by up to 63 letters, digits, "-" or "_"',
    })
    .optional(),
  region: z
    .string()
    .regex(REGION_PATTERN, { error: 'is not an AWS region; write it like "us-east-1"' })
    .optional(),
  backend: z
    .strictObject({
      local: z.strictObject({ path: z.string().min(1).optional() }).optional(),
      s3: z
        .strictObject({
          bucket: z.string().min(1),
          key: z.string().min(1),
          region: z
            .string()
            .regex(REGION_PATTERN, { error: 'is not an AWS region; write it like "us-east-1"' })
            .optional(),
          encrypt: z.boolean().optional(),
          useLockfile: z.boolean().optional(),
        })
        .optional(),
    })
    .optional(),
  tags: z.record(z.string(), z.string()).optional(),
  // Checked on its own (below), so its problems are reported even when another section is wrong.
  organization: z.unknown().optional(),
  // Checked by validateDesiredState, which knows its own fields.
  enforcement: z.unknown().optional(),
  enforcer: z
    .strictObject({
      functionName: z.string().optional(),
      logRetentionDays: z.number().optional(),
      enableSchedule: z.boolean().optional(),
      enableOrganizationEvents: z.boolean().optional(),
      alarmEmail: z.string().optional(),
      failOnNonCompliance: z.boolean().optional(),
      enableTrustedAccess: z.boolean().optional(),
      planTimeAudit: z.boolean().optional(),
      timeoutSeconds: z.number().optional(),
      memorySize: z.number().optional(),
      reservedConcurrency: z.number().optional(),
    })
    .optional(),
});

/**
 * Checks a parsed config document and fills in its defaults. `options.now` is the clock for
 * break-glass windows in the enforcement section.
 */
export function validateAppConfig(input: unknown, options: ValidateOptions = {}): AppConfigResult {
  const errors: ValidationIssue[] = [];
  const warnings: ValidationIssue[] = [];

  const parsed = configShape.safeParse(input);
  if (!parsed.success) {
    errors.push(...issuesFromZod(parsed.error, input));
  }
  const raw = record(input);
  const rawOrganization = record(raw?.['organization']);

  if (parsed.success && parsed.data.backend?.local !== undefined && parsed.data.backend.s3 !== undefined) {
    errors.push({
      path: 'backend',
      message: 'sets both "local" and "s3"; keep only the one Terraform should use',
    });
  }

  let organization: CentralizedRootAccessProps | undefined;
  // Only a missing section means the defaults; `null` is a mistake, not `{}`.
  const organizationInput = raw?.['organization'] === undefined ? {} : raw['organization'];
  if (organizationInput === null) {
    errors.push({
      path: 'organization',
      message: 'got null; expected an object (leave "organization" out to use the defaults)',
    });
  }
  const organizationParsed = organizationShape.safeParse(organizationInput ?? {});
  const manageOrganization = parseManageOrganization(rawOrganization?.['manageOrganization'], errors);
  if (!organizationParsed.success) {
    errors.push(...issuesFromZod(organizationParsed.error, organizationInput, 'organization'));
  } else {
    const section = organizationParsed.data;
    const scp = section.rootRestrictionPolicy;
    organization = {
      ...(section.managementAccountId !== undefined
        ? { managementAccountId: section.managementAccountId }
        : {}),
      // Unknown names are reported by the construct's rules below, with the allowed values.
      ...(section.enabledFeatures !== undefined
        ? { enabledFeatures: section.enabledFeatures as RootAccessFeature[] }
        : {}),
      ...(manageOrganization !== undefined ? { manageOrganization } : {}),
      ...(section.delegatedAdministratorAccountId !== undefined
        ? { delegatedAdministratorAccountId: section.delegatedAdministratorAccountId }
        : {}),
      ...(section.disableFeaturesOnDestroy !== undefined
        ? { disableFeaturesOnDestroy: section.disableFeaturesOnDestroy }
        : {}),
      ...(scp !== undefined
        ? {
            rootRestrictionPolicy: {
              targetIds: scp.targetIds,
              ...(scp.variant !== undefined ? { variant: scp.variant as RootRestrictionVariant } : {}),
              ...(scp.exemptPrincipalArns !== undefined
                ? { exemptPrincipalArns: scp.exemptPrincipalArns }
                : {}),
              ...(scp.name !== undefined ? { name: scp.name } : {}),
              ...(scp.description !== undefined ? { description: scp.description } : {}),
            },
          }
        : {}),
    };
    const findings = validateCentralizedRootAccessProps(organization);
    errors.push(...findings.errors.map((issue) => under('organization', issue)));
    warnings.push(...findings.warnings.map((issue) => under('organization', issue)));
  }

  const enforcer: EnforcerOptions = parsed.success ? (parsed.data.enforcer ?? {}) : {};
  let enforcement: ResolvedDesiredState | undefined;
  const rawEnforcement = raw?.['enforcement'];
  if (rawEnforcement !== undefined) {
    const managementAccountId = rawOrganization?.['managementAccountId'];
    const enforcementRecord = record(rawEnforcement);
    const declared = enforcementRecord?.['managementAccountId'];
    if (
      typeof managementAccountId === 'string' &&
      declared !== undefined &&
      declared !== managementAccountId
    ) {
      errors.push({
        path: 'enforcement.managementAccountId',
        message: `${JSON.stringify(declared)} differs from organization.managementAccountId ${JSON.stringify(managementAccountId)}; remove it here (the organization's value is used) or make them equal`,
      });
    }
    // The organization's management account also guards the enforcement targets against it.
    const document =
      enforcementRecord !== undefined && declared === undefined && typeof managementAccountId === 'string'
        ? { ...enforcementRecord, managementAccountId }
        : rawEnforcement;
    // One pass over the desired state and the enforcer's own options, as the construct runs it:
    // the state it resolves is remembered, so the construct does not check it again.
    const findings = validateEnforcerProps(
      { ...enforcer, desiredState: document as DesiredState },
      options.now !== undefined ? { now: options.now } : {},
    );
    const fromProps = (issue: ValidationIssue): ValidationIssue =>
      issue.path.startsWith('desiredState')
        ? { ...issue, path: issue.path.replace(/^desiredState/, 'enforcement') }
        : under('enforcer', issue);
    errors.push(...findings.errors.map(fromProps));
    warnings.push(...findings.warnings.map(fromProps));
    enforcement = findings.errors.length === 0 ? findings.desired : undefined;
  }

  if (parsed.success && parsed.data.enforcer !== undefined && rawEnforcement === undefined) {
    errors.push({
      path: 'enforcer',
      message:
        'configures the reconciler, but there is no "enforcement" section saying what to enforce; add one or remove "enforcer"',
    });
  }

  if (errors.length > 0 || !parsed.success || organization === undefined) {
    return { ok: false, errors, warnings };
  }
  const data = parsed.data;
  const region = data.region ?? DEFAULT_REGION;
  const s3 = data.backend?.s3;
  return {
    ok: true,
    warnings,
    config: {
      stackName: data.stackName ?? DEFAULT_STACK_NAME,
      region,
      backend:
        s3 !== undefined
          ? {
              kind: 's3',
              bucket: s3.bucket,
              key: s3.key,
              region: s3.region ?? region,
              encrypt: s3.encrypt ?? true,
              useLockfile: s3.useLockfile ?? true,
            }
          : {
              kind: 'local',
              ...(data.backend?.local?.path !== undefined ? { path: data.backend.local.path } : {}),
            },
      tags: data.tags ?? {},
      organization,
      ...(enforcement !== undefined ? { enforcement } : {}),
      enforcer,
    },
  };
}

/** Parses and checks the text of a config file. */
export function parseAppConfig(text: string, options: ValidateOptions = {}): AppConfigResult {
  const read = readJson(text);
  if (!read.ok) {
    return { ok: false, warnings: [], errors: [{ path: '', message: formatJsonProblem(read.problem) }] };
  }
  return validateAppConfig(read.value, options);
}

/** Reads and checks a config file; a missing or unreadable file is an ordinary error, not an exception. */
export function loadAppConfig(file: string, options: ValidateOptions = {}): AppConfigResult {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const message =
      code === 'ENOENT'
        ? `cannot read the config file: it does not exist; create it (see ${DEFAULT_CONFIG_FILE} in the repository) or point ROOT_ACCESS_CONFIG at it`
        : `cannot read the config file (${code ?? String(cause)}); check the path and its permissions`;
    return { ok: false, warnings: [], errors: [{ path: '', message }] };
  }
  return parseAppConfig(text, options);
}

/** One line for a problem in `file`: `root-access.config.json: organization.x: "12" is not ...`. */
export function formatConfigIssue(file: string, issue: ValidationIssue): string {
  return `${file}: ${formatIssue(issue)}`;
}

function parseManageOrganization(
  value: unknown,
  errors: ValidationIssue[],
): ManagedOrganizationOptions | undefined {
  if (value === undefined || value === false) {
    return undefined;
  }
  if (value === true) {
    return {};
  }
  const parsed = managedOrganizationShape.safeParse(value);
  if (parsed.success) {
    const options = parsed.data;
    return {
      ...(options.servicePrincipals !== undefined ? { servicePrincipals: options.servicePrincipals } : {}),
      ...(options.enabledPolicyTypes !== undefined ? { enabledPolicyTypes: options.enabledPolicyTypes } : {}),
      ...(options.preventDestroy !== undefined ? { preventDestroy: options.preventDestroy } : {}),
    };
  }
  if (record(value) === undefined) {
    errors.push({
      path: 'organization.manageOrganization',
      message: `got ${JSON.stringify(value)}; expected true, false or an object with "servicePrincipals", "enabledPolicyTypes" and "preventDestroy"`,
    });
  } else {
    errors.push(...issuesFromZod(parsed.error, value, 'organization.manageOrganization'));
  }
  return undefined;
}

function under(prefix: string, issue: ValidationIssue): ValidationIssue {
  return { path: issue.path ? `${prefix}.${issue.path}` : prefix, message: issue.message };
}

function record(value: unknown): Record<string, unknown> | undefined {
  return isRecord(value) ? value : undefined;
}

/** The offset and description of the first problem in `text` (see src/shared/json-file.ts). */
export function locateJsonError(text: string): { offset: number; message: string } {
  const read = readJson(text);
  return read.ok
    ? { offset: 0, message: 'the document is valid JSON' }
    : { offset: read.problem.offset, message: read.problem.message };
}
