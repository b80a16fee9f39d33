/**
 * The engine: one module behind the reconciler Lambda and the `root-access` command-line tool.
 * It imports the AWS SDK and `src/shared` only (no cdktf), so it bundles small.
 */
import { MAX_CONCURRENCY, type EngineDesiredState } from '../shared/desired-state';
import {
  createCallerIamClient,
  createOrganizationsClient,
  createSharedAgents,
  createStsClient,
  DEFAULT_MAX_ATTEMPTS,
  resolveRegion,
  type ClientSettings,
} from './clients';
import { Diagnoser } from './diagnose';
import { AwsOrganizationSource, type OrganizationInfo } from './organization';
import { runPreflight } from './preflight';
import { accountWorker, runReconciliation } from './run';
import { allowRecovery, unlockS3BucketPolicy, unlockSqsQueuePolicy, type TaskDependencies } from './tasks';
import type {
  Engine,
  EngineLogger,
  EngineOptions,
  PreflightReport,
  RunOptions,
  RunReport,
  TaskResult,
} from './types';

export * from './types';
export { EngineError, TargetResolutionError, AssumeRootError, SessionExpiredError } from './errors';
export { rootSessionDenial, RECONCILER_IAM_ACTIONS } from './scp';
export { summarize } from './report';

const silent: EngineLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

export function createEngine(options: EngineOptions = {}): Engine {
  const settings: ClientSettings = {
    region: resolveRegion(options.region),
    // Sockets for every worker plus the Organizations listing running beside them.
    agents: createSharedAgents(MAX_CONCURRENCY + 16),
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    ...(options.credentials !== undefined ? { credentials: options.credentials } : {}),
  };
  const logger = options.logger ?? silent;
  // Caller-side clients live as long as the engine: STS's adaptive rate limiter learns the
  // AssumeRoot rate once and every account shares it.
  const sts = createStsClient(settings);
  const organizationsClient = createOrganizationsClient(settings);
  const iam = createCallerIamClient(settings);
  const source = new AwsOrganizationSource(organizationsClient);
  const gateClients = { sts, organizations: organizationsClient, iam };

  let organization: Promise<OrganizationInfo> | undefined;
  const describeOrganization = (): Promise<OrganizationInfo> => {
    organization ??= source.describeOrganization().catch((error: unknown) => {
      organization = undefined;
      throw error;
    });
    return organization;
  };
  const managementAccountId = async (): Promise<string> =>
    options.managementAccountId ?? (await describeOrganization()).managementAccountId;

  const taskDeps = (): TaskDependencies => ({
    sts,
    logger,
    settings,
    diagnoser: new Diagnoser(gateClients, source, describeOrganization),
    managementAccountId,
    describeAccount: (accountId) => source.describeAccount(accountId),
  });

  return {
    async run(desired: EngineDesiredState, runOptions: RunOptions = {}): Promise<RunReport> {
      // A fresh diagnoser per run: SCPs and gates may have been fixed since the last one.
      const diagnoser = new Diagnoser(gateClients, source, describeOrganization);
      logger.info('run started', {
        mode: desired.mode,
        dryRun: desired.dryRun,
        concurrency: desired.concurrency,
      });
      const report = await runReconciliation(
        source,
        desired,
        runOptions,
        accountWorker({ sts, logger, settings, diagnoser }, desired),
      );
      logger.info('run finished', { ...report.summary });
      return report;
    },
    preflight(desired: EngineDesiredState): Promise<PreflightReport> {
      return runPreflight(gateClients, source, desired, new Date());
    },
    allowRecovery(accountId: string): Promise<TaskResult> {
      return allowRecovery(taskDeps(), accountId);
    },
    unlockS3BucketPolicy(accountId: string, bucketName: string): Promise<TaskResult> {
      return unlockS3BucketPolicy(taskDeps(), accountId, bucketName);
    },
    unlockSqsQueuePolicy(accountId: string, queueUrl: string): Promise<TaskResult> {
      return unlockSqsQueuePolicy(taskDeps(), accountId, queueUrl);
    },
  };
}
