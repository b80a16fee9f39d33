/**
 * Generates `modules/centralized-root-access/`, the plain Terraform module, from the constructs:
 * synthesizes `withEnforcer` in a stack whose props are Terraform variables, then turns the
 * synthesized JSON into a module (no provider, no backend, readable addresses, `count` where a
 * prop made a resource optional) next to the reconciler bundle as a deterministic zip.
 *
 *   npm run generate:module          writes the module
 *
 * A test (__tests__/package/module-generation.test.ts) fails when the committed module differs
 * from a fresh generation, so run this after changing the constructs, the engine or the handler.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { App, TerraformIterator, TerraformLocal, TerraformStack, TerraformVariable, Token } from 'cdktf';
import * as prettier from 'prettier';

import { withEnforcer } from '../src/constructs/with-enforcer';
import { CentralizedRootAccess } from '../src/constructs/centralized-root-access';
import { RootRestrictionVariant, ROOT_RESTRICTION_VARIANTS } from '../src/constructs/root-restriction-policy';
import {
  AUDIT_TASK_POLICY_ARN,
  DELETE_TASK_POLICY_ARN,
  enforcerPolicyDocument,
  type IdentityPolicyStatement,
} from '../src/constructs/enforcer/policy';
import { locateBundle, BUNDLE_ENTRY } from '../src/constructs/enforcer/bundle';
import type { ResolvedDesiredState } from '../src/shared/desired-state';
import { LAST_DRIFT_REPAIR_PARAMETER_ENV } from '../src/shared/lambda-contract';
import { DESIRED_STATE_LOCAL, MODULE_VARIABLES, variableBlocks } from './generate-module-variables';
import { deterministicZip } from './generate-module-zip';
import { moduleOutputs, moduleReadme } from './generate-module-readme';

type Attributes = Record<string, unknown>;
type Block = Record<string, Record<string, Attributes>>;
/** The parts of a synthesized cdk.tf.json this script reads. */
interface TerraformDocument {
  readonly terraform: { readonly required_providers: unknown };
  readonly locals: Attributes;
  readonly data: Block;
  readonly resource: Block;
  readonly check: unknown;
  readonly output?: Record<string, unknown>;
}

export const REPO = path.resolve(__dirname, '..');
export const MODULE_DIRECTORY = path.join(REPO, 'modules', 'centralized-root-access');
export const ARTIFACT = 'reconciler.zip';
export const REGENERATE_COMMAND = 'npm run generate:module';
const STACK = 'module';
/** Stacks only read for their constructs' values are never synthesized, so nothing is written here. */
const UNUSED_OUTDIR = path.join(tmpdir(), 'root-access-module-unused');

/** Resources a prop turned optional, and the condition that keeps them. */
const COUNTS: Readonly<Record<string, string>> = {
  'aws_organizations_organization.organization': 'var.manage_organization == null ? 0 : 1',
  'aws_organizations_delegated_administrator.delegated_administrator':
    'var.delegated_administrator_account_id == null ? 0 : 1',
  'aws_organizations_policy.root_restriction_policy': 'var.root_restriction_policy == null ? 0 : 1',
  'aws_lambda_invocation.trusted_access': 'var.enable_trusted_access ? 1 : 0',
  'aws_iam_role.scheduler_role': 'var.enable_schedule ? 1 : 0',
  'aws_iam_role_policy.scheduler_role_policy': 'var.enable_schedule ? 1 : 0',
  'aws_scheduler_schedule.schedule': 'var.enable_schedule ? 1 : 0',
  'aws_cloudwatch_event_rule.organization_events': 'var.enable_organization_events ? 1 : 0',
  'aws_lambda_permission.organization_events_permission': 'var.enable_organization_events ? 1 : 0',
  'aws_cloudwatch_event_target.organization_events_target': 'var.enable_organization_events ? 1 : 0',
  'aws_sns_topic_subscription.alarm_email': 'var.alarm_email == null ? 0 : 1',
  'data.aws_lambda_invocation.drift_audit': 'var.plan_time_audit ? 1 : 0',
  'data.aws_lambda_invocation.drift_repair': 'var.plan_time_audit ? 1 : 0',
  // As the construct decides it: only a stack that repairs drift records the last repair.
  'aws_ssm_parameter.last_drift_repair':
    'var.plan_time_audit && var.mode == "enforce" && !var.dry_run ? 1 : 0',
};

/** The stack: both constructs, every prop a variable (or a value overridden below). */
function synthesizeStack(): TerraformDocument {
  const outdir = mkdtempSync(path.join(tmpdir(), 'root-access-module-'));
  try {
    const app = new App({ outdir });
    const stack = new TerraformStack(app, STACK);
    // Only for the constructs' provider checks; the module declares no provider.
    new AwsProvider(stack, 'aws', { region: 'us-east-1' });
    const variable = (name: string) => {
      const declared = MODULE_VARIABLES.find((v) => v.name === name);
      if (declared === undefined) throw new Error(`no module variable ${name}`);
      return new TerraformVariable(stack, name, { type: declared.type });
    };
    const desiredState = new TerraformLocal(stack, 'desired_state', DESIRED_STATE_LOCAL);
    // One attachment resource whose for_each (set below) is the variable's target list.
    const target = TerraformIterator.fromList(variable('root_restriction_policy').listValue);
    withEnforcer(stack, {
      rootAccess: {
        enabledFeatures: variable('enabled_features').listValue as never,
        managementAccountId: variable('management_account_id').stringValue,
        manageOrganization: { preventDestroy: true },
        delegatedAdministratorAccountId: variable('delegated_administrator_account_id').stringValue,
        rootRestrictionPolicy: { targetIds: [Token.asString(target.value)] },
      },
      enforcer: {
        desiredState: desiredState.expression as never,
        functionName: variable('function_name').stringValue,
        logRetentionDays: variable('log_retention_days').numberValue,
        schedule: variable('schedule').stringValue,
        alarmEmail: variable('alarm_email').stringValue,
        enableTrustedAccess: true,
        timeoutSeconds: variable('timeout_seconds').numberValue,
        memorySize: variable('memory_size').numberValue,
        reservedConcurrency: variable('reserved_concurrency').numberValue,
      },
    });
    app.synth();
    return JSON.parse(
      readFileSync(path.join(outdir, 'stacks', STACK, 'cdk.tf.json'), 'utf8'),
    ) as TerraformDocument;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** The SCP's description per variant, as the construct writes it. */
function scpDescriptions(): Record<string, string> {
  return Object.fromEntries(
    ROOT_RESTRICTION_VARIANTS.map((variant) => {
      const stack = new TerraformStack(new App({ outdir: UNUSED_OUTDIR }), 's');
      const construct = new CentralizedRootAccess(stack, 'C', {
        rootRestrictionPolicy: { variant, targetIds: ['r-ab12'] },
      });
      return [variant, String(construct.policy?.descriptionInput)];
    }),
  );
}

const stripMetadata = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(stripMetadata);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Attributes)
        .filter(([key]) => key !== '//')
        .map(([key, inner]) => [key, stripMetadata(inner)]),
    );
  }
  return value;
};

/** `Enforcer_SchedulerRole_0598844F` -> `scheduler_role`. */
function readableName(logicalId: string): string {
  const parts = logicalId.split('_');
  const name = parts
    .slice(1, -1)
    .join('_')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
  return name.startsWith('root_restriction_policy_attachments') ? 'root_restriction_policy' : name;
}

function renameAddresses(doc: TerraformDocument): TerraformDocument {
  let text = JSON.stringify(doc);
  const names = new Map<string, string>();
  for (const block of [doc.resource, doc.data]) {
    for (const byName of Object.values(block)) {
      for (const id of Object.keys(byName)) names.set(id, readableName(id));
    }
  }
  // Longest first, so no id is replaced inside a longer one.
  for (const [id, name] of [...names].sort((a, b) => b[0].length - a[0].length)) {
    text = text.split(id).join(name);
  }
  return JSON.parse(text) as TerraformDocument;
}

/** Splices HCL expressions into a JSON value: each `from` (a JSON value) becomes `to`. */
function hcl(value: unknown, substitutions: readonly (readonly [unknown, string])[] = []): string {
  let text = JSON.stringify(value);
  for (const [from, to] of substitutions) {
    const needle = JSON.stringify(from);
    if (!text.includes(needle)) throw new Error(`generate-module: ${needle} not found in ${text}`);
    text = text.split(needle).join(to);
  }
  return text;
}

const SENTINEL_ACCOUNT = '000000000009';
const SENTINEL_UNTIL = '2099-01-01T00:00:00Z';

/**
 * The reconciler role's policy as one Terraform expression: the construct's statements, with
 * the parts the desired state decides (session resources, task policies, the denies on
 * excluded accounts and open break-glass windows, trusted access) computed from the variables.
 */
function rolePolicyExpression(synthesized: string): string {
  const generated = JSON.parse(synthesized) as { Statement: IdentityPolicyStatement[] };
  const bySid = (statements: readonly IdentityPolicyStatement[], sid: string) => {
    const statement = statements.find((s) => s.Sid === sid);
    if (statement === undefined) throw new Error(`generate-module: the role policy has no ${sid}`);
    return statement;
  };
  const placeholders: ResolvedDesiredState = {
    targets: { allAccounts: true, accountIds: [], organizationalUnitIds: [] },
    exclusions: { accountIds: [SENTINEL_ACCOUNT], organizationalUnitIds: [] },
    breakGlass: [{ accountId: SENTINEL_ACCOUNT, until: SENTINEL_UNTIL, reason: 'x' }],
    mode: 'enforce',
    dryRun: false,
    credentialKinds: [],
    concurrency: 1,
    maxBreakGlassDays: 30,
  };
  const literal = enforcerPolicyDocument({
    desired: placeholders,
    functionArn: 'f',
    deadLetterQueueArn: 'q',
    logGroupArn: 'l',
    enableTrustedAccess: true,
  }).Statement;
  const root = `arn:aws:iam::${SENTINEL_ACCOUNT}:root`;
  const sessions = hcl(bySid(generated.Statement, 'OpenTaskScopedRootSessions'), [
    [['arn:aws:iam::*:root'], 'local.root_session_resources'],
    [[AUDIT_TASK_POLICY_ARN, DELETE_TASK_POLICY_ARN], 'local.task_policy_arns'],
  ]);
  const excluded = hcl(bySid(literal, 'NeverTouchExcludedAccounts'), [[[root], 'local.excluded_root_arns']]);
  const window = hcl(bySid(literal, 'NoDeletionDuringBreakGlass0'), [
    ['NoDeletionDuringBreakGlass0', '"NoDeletionDuringBreakGlass${i}"'],
    [root, '"arn:aws:iam::${w.account_id}:root"'],
    [SENTINEL_UNTIL, 'w.until'],
  ]);
  const plain = (sids: readonly string[]) =>
    `[${sids.map((sid) => hcl(bySid(generated.Statement, sid))).join(', ')}]`;
  // Zero or one statement, as the parameter has zero or one instance.
  const lastRepairParameter = '${aws_ssm_parameter.last_drift_repair.arn}';
  const record = hcl(bySid(generated.Statement, 'RecordLastDriftRepair'), [
    [lastRepairParameter, 'parameter.arn'],
  ]);
  const statements = [
    `[${sessions}]`,
    `length(local.excluded_root_arns) > 0 ? [${excluded}] : []`,
    `[for i, w in var.break_glass : ${window}]`,
    plain(['ReadOrganization', 'ReadRootAccessFeatures']),
    `var.enable_trusted_access ? ${plain(['EnableTrustedAccessForIam'])} : []`,
    plain(['ContinueDeferredAccounts', 'DeadLetterQueue', 'WriteOwnLogs']),
    `[for parameter in aws_ssm_parameter.last_drift_repair : ${record}]`,
  ];
  return `\${jsonencode({ Version = "2012-10-17", Statement = concat(${statements.join(', ')}) })}`;
}

/** The SCP text per variant, with and without exempt principals; the ARNs come from the variable. */
function scpDocuments(
  synthesizedContentOf: (variant: string, exempt: readonly string[]) => string,
): Attributes {
  const sentinel = 'arn:aws:iam::000000000009:role/exempt';
  return Object.fromEntries(
    ROOT_RESTRICTION_VARIANTS.map((variant) => [
      variant,
      {
        none: synthesizedContentOf(variant, []),
        exempt: synthesizedContentOf(variant, [sentinel])
          .split(JSON.stringify([sentinel]))
          .join('${jsonencode(try(var.root_restriction_policy.exempt_principal_arns, []))}'),
      },
    ]),
  );
}

function scpContent(variant: string, exempt: readonly string[]): string {
  const stack = new TerraformStack(new App({ outdir: UNUSED_OUTDIR }), 's');
  const construct = new CentralizedRootAccess(stack, 'C', {
    rootRestrictionPolicy: {
      variant: variant as RootRestrictionVariant,
      targetIds: ['r-ab12'],
      ...(exempt.length > 0 ? { exemptPrincipalArns: exempt } : {}),
    },
  });
  return String(construct.policy?.contentInput);
}

/** A rewrite of the synthesized text that must apply: a construct change that breaks it fails generation. */
function replaceOnce(text: string, from: string, to: string): string {
  if (text.split(from).length !== 2) throw new Error(`generate-module: expected ${from} once in ${text}`);
  return text.replace(from, to);
}

function resourceAt(doc: TerraformDocument, address: string): Attributes {
  const parts = address.split('.');
  const [block, type, name] =
    parts[0] === 'data' ? [doc.data, parts[1], parts[2]] : [doc.resource, parts[0], parts[1]];
  const found = block[type ?? '']?.[name ?? ''];
  if (found === undefined) throw new Error(`generate-module: the synthesized stack has no ${address}`);
  return found;
}

/** The module's main.tf.json from the synthesized stack. */
export function moduleMain(synthesized: TerraformDocument, artifactPath: string): Attributes {
  let doc = renameAddresses(stripMetadata(synthesized) as TerraformDocument);
  const artifact = `\${path.module}/${artifactPath}`;
  const bundleHash = `\${filebase64sha256("${artifact}")}`;

  const fn = resourceAt(doc, 'aws_lambda_function.function');
  const variables = (fn['environment'] as { variables: Record<string, string> }).variables;
  // "" when the parameter is not created; the function then neither writes nor reads it.
  variables[LAST_DRIFT_REPAIR_PARAMETER_ENV] = replaceOnce(
    variables[LAST_DRIFT_REPAIR_PARAMETER_ENV] ?? '',
    '${aws_ssm_parameter.last_drift_repair.name}',
    '${join("", aws_ssm_parameter.last_drift_repair[*].name)}',
  );
  fn['filename'] = artifact;
  fn['source_code_hash'] = bundleHash;

  const enforcement = resourceAt(doc, 'aws_lambda_invocation.enforcement');
  enforcement['triggers'] = { bundle: bundleHash };
  enforcement['input'] = replaceOnce(
    String(enforcement['input']),
    '"failOnNonCompliance":true',
    '"failOnNonCompliance":${var.fail_on_non_compliance}',
  );
  const repair = resourceAt(doc, 'data.aws_lambda_invocation.drift_repair');
  repair['input'] = replaceOnce(
    String(repair['input']),
    'failOnNonCompliance = true',
    'failOnNonCompliance = var.fail_on_non_compliance',
  );

  const organization = resourceAt(doc, 'aws_organizations_organization.organization');
  organization['aws_service_access_principals'] =
    '${sort(distinct(concat(var.manage_organization.service_principals, ["iam.amazonaws.com"])))}';
  organization['enabled_policy_types'] =
    '${sort(distinct(concat(var.manage_organization.enabled_policy_types, var.root_restriction_policy == null ? [] : ["SERVICE_CONTROL_POLICY"])))}';

  const policy = resourceAt(doc, 'aws_organizations_policy.root_restriction_policy');
  policy['name'] = '${var.root_restriction_policy.name}';
  policy['description'] =
    '${coalesce(var.root_restriction_policy.description, local.root_restriction_descriptions[var.root_restriction_policy.variant])}';
  policy['content'] =
    '${local.root_restriction_documents[var.root_restriction_policy.variant][length(var.root_restriction_policy.exempt_principal_arns) > 0 ? "exempt" : "none"]}';
  resourceAt(doc, 'aws_organizations_policy_attachment.root_restriction_policy')['for_each'] =
    '${var.root_restriction_policy == null ? toset([]) : toset(var.root_restriction_policy.target_ids)}';

  const rolePolicy = resourceAt(doc, 'aws_iam_role_policy.role_policy');
  rolePolicy['policy'] = rolePolicyExpression(String(rolePolicy['policy']));

  for (const [address, count] of Object.entries(COUNTS)) {
    resourceAt(doc, address)['count'] = `\${${count}}`;
  }
  // References to a counted resource name its one instance; a skipped audit reads as "no drift".
  let text = JSON.stringify(doc)
    .split('data.aws_lambda_invocation.drift_audit.result')
    .join(
      'try(data.aws_lambda_invocation.drift_audit[0].result, jsonencode({ nonCompliant = [], unverified = [] }))',
    );
  for (const address of Object.keys(COUNTS)) {
    const pattern = new RegExp(`(?<![\\w.])${address.replace(/\./g, '\\.')}\\.(?=[a-z])`, 'g');
    text = text.replace(pattern, `${address}[0].`);
  }
  doc = JSON.parse(text) as TerraformDocument;
  // Without the plan-time audit there is no repair instance, and `try` alone would read the
  // missing instance as "the repair ran" and print a repair that never happened.
  for (const [name, value] of Object.entries(doc.locals)) {
    if (name.endsWith('_repair_ran') && typeof value === 'string') {
      doc.locals[name] = value.replace(/^\$\{/, '${length(data.aws_lambda_invocation.drift_repair) > 0 && ');
    }
  }

  return {
    terraform: {
      required_version: '>= 1.5.0',
      required_providers: doc.terraform.required_providers,
    },
    locals: {
      // The constructs' own locals (the desired state, the drift repair's summary) come first;
      // the module's replace those the constructs compute at synth.
      ...doc.locals,
      desired_state: doc.locals['desired_state'],
      root_session_resources:
        '${!var.targets.all_accounts && length(var.targets.organizational_unit_ids) == 0 ? [for id in var.targets.account_ids : "arn:aws:iam::${id}:root"] : ["arn:aws:iam::*:root"]}',
      task_policy_arns: `\${var.mode == "enforce" && !var.dry_run ? ${hcl([AUDIT_TASK_POLICY_ARN, DELETE_TASK_POLICY_ARN])} : ${hcl([AUDIT_TASK_POLICY_ARN])}}`,
      excluded_root_arns: '${[for id in var.exclusions.account_ids : "arn:aws:iam::${id}:root"]}',
      root_restriction_descriptions: scpDescriptions(),
      root_restriction_documents: scpDocuments(scpContent),
    },
    data: doc.data,
    resource: doc.resource,
    check: doc.check,
    ...(doc.output !== undefined ? { output: doc.output } : {}),
  };
}

async function formatJson(value: unknown): Promise<Buffer> {
  const options = (await prettier.resolveConfig(path.join(REPO, 'package.json'))) ?? {};
  return Buffer.from(await prettier.format(JSON.stringify(value), { ...options, parser: 'json' }));
}

/** Every file of the module, by name. */
export async function generateModule(): Promise<Map<string, Buffer>> {
  const bundle = locateBundle({ rebuild: false }).directory;
  const zip = deterministicZip([{ name: BUNDLE_ENTRY, data: readFileSync(path.join(bundle, BUNDLE_ENTRY)) }]);
  const { output, ...main } = moduleMain(synthesizeStack(), ARTIFACT);
  const outputs = moduleOutputs(output as Record<string, unknown> | undefined);
  const options = (await prettier.resolveConfig(path.join(REPO, 'package.json'))) ?? {};
  return new Map<string, Buffer>([
    ['main.tf.json', await formatJson(main)],
    ['variables.tf.json', await formatJson({ variable: variableBlocks() })],
    ['outputs.tf.json', await formatJson({ output: outputs })],
    [ARTIFACT, zip],
    [
      'README.md',
      Buffer.from(
        await prettier.format(moduleReadme(MODULE_VARIABLES, outputs, REGENERATE_COMMAND), {
          ...options,
          parser: 'markdown',
        }),
      ),
    ],
  ]);
}

/** Writes the module to `directory`, removing files a previous generation left that this one does not. */
export async function writeModule(directory: string = MODULE_DIRECTORY): Promise<string[]> {
  const files = await generateModule();
  mkdirSync(directory, { recursive: true });
  for (const existing of readdirSync(directory)) {
    if (!files.has(existing)) rmSync(path.join(directory, existing), { recursive: true, force: true });
  }
  for (const [name, content] of files) writeFileSync(path.join(directory, name), content);
  return [...files.keys()];
}

if (require.main === module) {
  // `--out DIR` writes elsewhere (the freshness test compares that with the committed folder).
  const at = process.argv.indexOf('--out');
  const directory = at >= 0 ? path.resolve(process.argv[at + 1] ?? '') : MODULE_DIRECTORY;
  writeModule(directory).then(
    (names) => console.log(`wrote ${path.relative(REPO, directory) || directory}/: ${names.join(', ')}`),
    (caught: unknown) => {
      console.error(`generate-module failed: ${caught instanceof Error ? caught.message : String(caught)}`);
      process.exitCode = 1;
    },
  );
}
