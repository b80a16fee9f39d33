/**
 * What the reconciler does for each kind of event. Each function is small: pick the desired
 * state, run the engine over the right accounts, hand deferred accounts on, shape the answer.
 */
import { createHash } from 'node:crypto';

import { DesiredStateError, validateDesiredState, type ResolvedDesiredState } from '../shared/desired-state';
import { DESIRED_STATE_ENV, LAST_DRIFT_REPAIR_PARAMETER_ENV } from '../shared/lambda-contract';
import { createEngine } from '../engine';
import type { AccountReport, Engine, RunReport } from '../engine/types';
import { invokeContinuation, type Continuation } from './continuation';
import {
  HandlerInputError,
  type AuditRequest,
  type ContinuationEvent,
  type DriftRepairRequest,
  type HandlerEvent,
  type LifecycleEvent,
  type OrganizationEvent,
  type ScheduledEvent,
} from './events';
import {
  lastDriftRepair,
  readLastDriftRepair,
  writeLastDriftRepair,
  type LastDriftRepair,
} from './last-drift-repair';
import { engineLogger, logAccountDone, logger, recordRunMetrics } from './powertools';
import { enforcementResult, nonComplianceMessage, runLogAttributes, type EnforcementResult } from './result';
import { enableIamTrustedAccess, type TrustedAccessResult } from './trusted-access';

/** The part of the Lambda context the handler uses (tests pass a plain object). */
export interface InvocationContext {
  readonly functionName: string;
  readonly awsRequestId: string;
  /** `arn:aws:lambda:<region>:<account>:function:<name>`: the function runs in the management account. */
  readonly invokedFunctionArn?: string;
  getRemainingTimeInMillis(): number;
}

export type { EnforcementResult } from './result';

/** The answer to `{ "action": "audit" }`: what a Terraform `check` block asserts on. */
export interface AuditResult {
  /** Accounts that hold root credentials of the kinds looked for (break-glass accounts are not listed). */
  readonly nonCompliant: readonly string[];
  /** Accounts whose state is unknown: the audit failed for them or ran out of time. */
  readonly unverified: readonly string[];
  readonly summary: RunReport['summary'];
  /**
   * What the last drift repair did (null before the first), read from the enforcer's parameter.
   * Present only when the function has one, i.e. when the enforcer has a drift repair.
   */
  readonly lastDriftRepair?: LastDriftRepair | null;
}

/** The answer to `{ "action": "audit", "onError": "report" }` when the audit could not run. */
export interface AuditFailure {
  readonly nonCompliant: readonly [];
  readonly unverified: readonly [];
  readonly error: string;
  /** As in {@link AuditResult}: a failed audit still says what the last repair did. */
  readonly lastDriftRepair?: LastDriftRepair | null;
}

/** A drift repair that ran: its report and the summary it recorded for later plans. */
export type DriftRepairResult = EnforcementResult & { readonly lastDriftRepair?: LastDriftRepair };

/** The answer to a drift repair request with no accounts: what a plan-time read gets. */
export interface NoDriftResult {
  readonly drift: 'none';
}

export interface DeletedResult {
  readonly deleted: true;
  readonly note: string;
}

export interface IgnoredResult {
  readonly ignored: true;
  readonly reason: string;
}

export type HandlerResult =
  | EnforcementResult
  | AuditResult
  | AuditFailure
  | NoDriftResult
  | DriftRepairResult
  | DeletedResult
  | IgnoredResult
  | (TrustedAccessResult & { readonly task: 'enable-trusted-access' });

/** Thrown after an apply-time run in which some accounts could not be made compliant. */
export class NonComplianceError extends Error {
  constructor(readonly failed: readonly AccountReport[]) {
    super(nonComplianceMessage(failed));
    this.name = 'NonComplianceError';
  }
}

let engine: Engine | undefined;

// One engine per container: its SDK clients (and their connection pools) outlive an invocation.
function getEngine(): Engine {
  engine ??= createEngine({ logger: engineLogger() });
  return engine;
}

export async function dispatch(event: HandlerEvent, context: InvocationContext): Promise<HandlerResult> {
  switch (event.kind) {
    case 'lifecycle':
      return onLifecycle(event, context);
    case 'schedule':
      return onSchedule(event, context);
    case 'organization':
      return onOrganizationEvent(event, context);
    case 'audit':
      return onAudit(event, context);
    case 'drift':
      return onDriftRepair(event, context);
    case 'continuation':
      return onContinuation(event, context);
  }
}

async function onLifecycle(event: LifecycleEvent, context: InvocationContext): Promise<HandlerResult> {
  if (event.action === 'delete') {
    // Destroying the enforcer stops enforcement; it must never give root credentials back.
    return {
      deleted: true,
      note: 'enforcement stops with this resource; no root credential is restored and no account is called',
    };
  }
  if (event.task === 'enable-trusted-access') {
    const result = await enableIamTrustedAccess();
    logger.info('trusted access for IAM', { ...result });
    return { task: 'enable-trusted-access', ...result };
  }
  const deployed = readDeployedDesiredState();
  if (event.desiredStateDigest !== deployed.digest) {
    // The construct computes the digest from the same value it puts in the environment, so a
    // mismatch is an input that was not written by this deployment (or a stale one).
    throw new HandlerInputError(
      [
        {
          path: 'desiredStateDigest',
          message: `got ${JSON.stringify(event.desiredStateDigest)}, but the deployed desired state's digest is ${JSON.stringify(deployed.digest)}; the function enforces only the desired state it was deployed with, so run terraform apply from the stack that deployed it`,
        },
      ],
      'aws_lambda_invocation input',
    );
  }
  const result = await enforce(deployed.desired, context, {
    trigger: 'lifecycle',
    runId: context.awsRequestId,
    generation: 0,
  });
  if (event.failOnNonCompliance && result.failed.length > 0) {
    throw new NonComplianceError(result.failed);
  }
  return result.answer;
}

async function onSchedule(_event: ScheduledEvent, context: InvocationContext): Promise<EnforcementResult> {
  const run = await enforce(resolveDesiredStateFromEnvironment(), context, {
    trigger: 'schedule',
    runId: context.awsRequestId,
    generation: 0,
  });
  return run.answer;
}

async function onOrganizationEvent(
  event: OrganizationEvent,
  context: InvocationContext,
): Promise<EnforcementResult | IgnoredResult> {
  if (event.ignoredBecause !== undefined) {
    logger.info('organization event ignored', { eventName: event.eventName, reason: event.ignoredBecause });
    return { ignored: true, reason: event.ignoredBecause };
  }
  const desired = resolveDesiredStateFromEnvironment();
  if (event.accountId === undefined) {
    // Dropping the event could leave a new account with root credentials until the next
    // schedule; running every target costs two calls per compliant account.
    logger.warn('organization event names no account; running every target', {
      eventName: event.eventName,
      lookedAt: event.accountIdNotFoundAt,
    });
    const run = await enforce(desired, context, {
      trigger: 'organization',
      runId: context.awsRequestId,
      generation: 0,
    });
    return run.answer;
  }
  const notTargeted = obviouslyNotTargeted(desired, event.accountId, ownAccountId(context));
  if (notTargeted !== undefined) {
    logger.info('organization event ignored', {
      eventName: event.eventName,
      accountId: event.accountId,
      reason: notTargeted,
    });
    return { ignored: true, reason: notTargeted };
  }
  const result = await enforce(desired, context, {
    trigger: 'organization',
    runId: context.awsRequestId,
    generation: 0,
    onlyAccountIds: [event.accountId],
  });
  logger.info('organization event handled', {
    eventName: event.eventName,
    accountId: event.accountId,
    status:
      result.report.accounts.find((account) => account.accountId === event.accountId)?.status ??
      'not-targeted',
  });
  return result.answer;
}

async function onAudit(event: AuditRequest, context: InvocationContext): Promise<AuditResult | AuditFailure> {
  // Read before the audit, so a failed audit still carries it and the output does not change.
  const last = await lastRepairForAudit();
  if (event.onError === 'report') {
    try {
      return { ...(await audit(event, context)), ...last };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      logger.error('plan-time audit failed', { error: message });
      return { nonCompliant: [], unverified: [], error: message, ...last };
    }
  }
  return { ...(await audit(event, context)), ...last };
}

/**
 * `{ lastDriftRepair }` for the audit's answer, or nothing when the function has no parameter. A
 * read failure never fails the audit (it would fail every plan): null, and a warning says why.
 */
async function lastRepairForAudit(): Promise<{ lastDriftRepair?: LastDriftRepair | null }> {
  const parameterName = process.env[LAST_DRIFT_REPAIR_PARAMETER_ENV];
  if (parameterName === undefined || parameterName === '') {
    return {};
  }
  try {
    const { summary, problem } = await readLastDriftRepair(parameterName);
    if (problem !== undefined) {
      logger.warn('last drift repair unreadable', { parameter: parameterName, reason: problem });
    }
    return { lastDriftRepair: summary };
  } catch (error) {
    logger.warn('last drift repair not read', {
      parameter: parameterName,
      reason: error instanceof Error ? error.message : String(error),
    });
    return { lastDriftRepair: null };
  }
}

async function audit(event: AuditRequest, context: InvocationContext): Promise<AuditResult> {
  const desired = resolveDesiredStateFromEnvironment();
  if (event.accountIds !== undefined && event.accountIds.length === 0) {
    return { nonCompliant: [], unverified: [], summary: emptySummary() };
  }
  // Plan-time: never mutate, whatever the deployed mode, and never continue (nobody waits for it).
  const report = await getEngine().run(
    { ...desired, mode: 'audit', dryRun: false },
    {
      deadline: Date.now() + context.getRemainingTimeInMillis(),
      onAccountDone: logAccountDone,
      ...(event.accountIds !== undefined ? { onlyAccountIds: event.accountIds } : {}),
    },
  );
  recordRunMetrics(report);
  return {
    nonCompliant: report.accounts.filter((a) => a.status === 'non-compliant').map((a) => a.accountId),
    unverified: report.accounts
      .filter((a) => a.status === 'failed' || a.status === 'deferred')
      .map((a) => a.accountId),
    summary: report.summary,
  };
}

async function onDriftRepair(
  event: DriftRepairRequest,
  context: InvocationContext,
): Promise<DriftRepairResult | NoDriftResult> {
  if (event.accountIds.length === 0) {
    // Terraform reads the data source while planning whenever the audit found no drift.
    return { drift: 'none' };
  }
  const result = await enforce(resolveDesiredStateFromEnvironment(), context, {
    trigger: 'drift',
    runId: context.awsRequestId,
    generation: 0,
    onlyAccountIds: event.accountIds,
  });
  // Recorded before a NonComplianceError, so later plans show the accounts it could not fix too.
  const recorded = await recordDriftRepair(result.report, context.awsRequestId);
  if (event.failOnNonCompliance && result.failed.length > 0) {
    throw new NonComplianceError(result.failed);
  }
  return { ...result.answer, ...(recorded !== undefined ? { lastDriftRepair: recorded } : {}) };
}

/**
 * Writes the repair's summary to the enforcer's parameter, when the function has one. A failed
 * write is logged and the repair's result stands: the fix happened, only its record is missing.
 */
async function recordDriftRepair(report: RunReport, runId: string): Promise<LastDriftRepair | undefined> {
  const parameterName = process.env[LAST_DRIFT_REPAIR_PARAMETER_ENV];
  if (parameterName === undefined || parameterName === '') {
    return undefined;
  }
  const summary = lastDriftRepair(report, runId, new Date());
  try {
    await writeLastDriftRepair(parameterName, summary);
  } catch (error) {
    logger.warn('last drift repair not recorded', {
      parameter: parameterName,
      reason: error instanceof Error ? error.message : String(error),
    });
  }
  return summary;
}

async function onContinuation(
  event: ContinuationEvent,
  context: InvocationContext,
): Promise<EnforcementResult> {
  // The accounts are only a subset to look at: the engine still applies the deployed targets,
  // exclusions and break-glass windows to them.
  const run = await enforce(resolveDesiredStateFromEnvironment(), context, {
    trigger: 'continuation',
    runId: event.runId,
    generation: event.generation,
    onlyAccountIds: event.accountIds,
  });
  return run.answer;
}

interface EnforceOptions {
  readonly trigger: HandlerEvent['kind'];
  readonly runId: string;
  /** 0 for a run started by an event; n for the n-th continuation of a run. */
  readonly generation: number;
  readonly onlyAccountIds?: readonly string[];
}

/** A finished run: the full report (for the handler's own decisions) and the compact answer. */
interface EnforceOutcome {
  readonly report: RunReport;
  readonly answer: EnforcementResult;
  readonly failed: readonly AccountReport[];
}

async function enforce(
  desired: ResolvedDesiredState,
  context: InvocationContext,
  options: EnforceOptions,
): Promise<EnforceOutcome> {
  logger.appendKeys({ runId: options.runId, trigger: options.trigger, generation: options.generation });
  const report = await getEngine().run(desired, {
    deadline: Date.now() + context.getRemainingTimeInMillis(),
    onAccountDone: logAccountDone,
    ...(options.onlyAccountIds ? { onlyAccountIds: options.onlyAccountIds } : {}),
  });
  recordRunMetrics(report);
  // The whole report, compacted to fit one log event (every account also has its own line).
  logger.info('run report', { report: runLogAttributes(report) });
  for (const warning of report.warnings) {
    logger.warn('desired state warning', { warning });
  }
  const deferred = report.accounts.filter((a) => a.status === 'deferred').map((a) => a.accountId);
  let continuation: Continuation | undefined;
  if (deferred.length > 0) {
    if (
      options.onlyAccountIds !== undefined &&
      options.generation > 0 &&
      deferred.length >= options.onlyAccountIds.length
    ) {
      // A continuation that finished no account would hand the same list on forever.
      throw new HandlerInputError(
        [
          {
            path: 'accountIds',
            message: `continuation ${options.generation} of run ${options.runId} finished none of its ${deferred.length} account(s) before its deadline; raise the function timeout or lower the concurrency's per-account cost`,
          },
        ],
        'continuation event',
      );
    }
    continuation = await invokeContinuation(context.functionName, {
      runId: options.runId,
      generation: options.generation + 1,
      origin: options.trigger === 'audit' ? 'schedule' : options.trigger,
      accountIds: deferred,
    });
    logger.info('deferred accounts handed to a continuation', {
      deferred: deferred.length,
      nextGeneration: continuation.generation,
    });
  }
  return {
    report,
    failed: report.accounts.filter((account) => account.status === 'failed'),
    answer: enforcementResult(report, {
      runId: options.runId,
      trigger: options.trigger,
      ...(continuation ? { continuation } : {}),
    }),
  };
}

/**
 * The cheap half of targeting, decided from the desired state alone so that an event about an
 * account nobody targets costs no AWS call. OU membership needs the live organization, so an
 * account that might be under a targeted OU goes to the engine, which decides.
 */
function obviouslyNotTargeted(
  desired: ResolvedDesiredState,
  accountId: string,
  managementAccountId: string | undefined,
): string | undefined {
  if (desired.exclusions.accountIds.includes(accountId)) {
    return `account ${accountId} is excluded by the desired state`;
  }
  if (managementAccountId === accountId) {
    return `account ${accountId} is the management account, which the reconciler never targets`;
  }
  const { allAccounts, accountIds, organizationalUnitIds } = desired.targets;
  if (!allAccounts && organizationalUnitIds.length === 0 && !accountIds.includes(accountId)) {
    return `account ${accountId} is not a target of the desired state`;
  }
  return undefined;
}

/**
 * The account the function runs in, which is the management account (the enforcer is deployed
 * there), from Lambda's own context rather than from the desired state or the event.
 */
function ownAccountId(context: InvocationContext): string | undefined {
  const account = context.invokedFunctionArn?.split(':')[4];
  return account !== undefined && /^\d{12}$/.test(account) ? account : undefined;
}

function resolveDesiredStateFromEnvironment(): ResolvedDesiredState {
  return readDeployedDesiredState().desired;
}

/** The desired state the function was deployed with, and the digest the apply-time input must match. */
function readDeployedDesiredState(): { desired: ResolvedDesiredState; digest: string } {
  const raw = process.env[DESIRED_STATE_ENV];
  if (raw === undefined || raw.trim() === '') {
    throw new HandlerInputError(
      [
        {
          path: DESIRED_STATE_ENV,
          message: 'is not set; the enforcer construct sets it to the desired state (JSON)',
        },
      ],
      'function environment',
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    throw new HandlerInputError(
      [
        {
          path: DESIRED_STATE_ENV,
          message: `is not valid JSON (${error instanceof Error ? error.message : String(error)})`,
        },
      ],
      'function environment',
    );
  }
  return {
    desired: resolveDesiredState(parsed, DESIRED_STATE_ENV, 'desired state in the function environment'),
    digest: desiredStateDigest(raw),
  };
}

/** SHA-256 of the environment variable's exact text: what Terraform's `sha256()` gives for the same string. */
export function desiredStateDigest(json: string): string {
  return createHash('sha256').update(json, 'utf8').digest('hex');
}

/** Run-time validation: the handler never trusts that synth-time validation happened. */
function resolveDesiredState(input: unknown, path: string, source: string): ResolvedDesiredState {
  const result = validateDesiredState(input, {}, path);
  for (const warning of result.warnings) {
    logger.warn('desired state warning', { path: warning.path, warning: warning.message });
  }
  if (!result.ok) {
    throw new DesiredStateError(result.errors, source);
  }
  return result.value;
}

function emptySummary(): RunReport['summary'] {
  return {
    compliant: 0,
    remediated: 0,
    'non-compliant': 0,
    excluded: 0,
    'break-glass': 0,
    skipped: 0,
    failed: 0,
    deferred: 0,
    total: 0,
  };
}
