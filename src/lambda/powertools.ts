/**
 * One configured Powertools Logger and Metrics per container, and the adapters the engine and
 * the report need. Only counts, statuses and identifiers are logged: the engine never hands
 * the handler a credential, and the raw event is never logged.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

import type { AccountReport, EngineLogger, RunReport } from '../engine/types';

import {
  METRICS_NAMESPACE,
  METRICS_NAMESPACE_ENV,
  METRIC_NAMES,
  SERVICE_NAME_ENV,
} from '../shared/lambda-contract';

export const DEFAULT_SERVICE_NAME = 'root-access-enforcer';

// Removing a credential is one of these; deleting the virtual device after deactivating it is
// the same credential, so it is not counted twice.
const REMOVAL_ACTIONS = new Set([
  'delete-login-profile',
  'delete-access-key',
  'delete-signing-certificate',
  'deactivate-mfa-device',
]);

export const logger = new Logger({
  serviceName: process.env[SERVICE_NAME_ENV] ?? DEFAULT_SERVICE_NAME,
});
export const metrics = new Metrics({
  namespace: process.env[METRICS_NAMESPACE_ENV] ?? METRICS_NAMESPACE,
  serviceName: process.env[SERVICE_NAME_ENV] ?? DEFAULT_SERVICE_NAME,
});

/** The engine's logger interface over Powertools: attributes become top-level JSON keys. */
export function engineLogger(): EngineLogger {
  return {
    debug: (message, attributes) => logger.debug(message, attributes ?? {}),
    info: (message, attributes) => logger.info(message, attributes ?? {}),
    warn: (message, attributes) => logger.warn(message, attributes ?? {}),
    error: (message, attributes) => logger.error(message, attributes ?? {}),
  };
}

/**
 * One line per finished account. The account id goes in the line's own attributes rather than
 * `appendKeys`, because the engine works on several accounts at once and appended keys are
 * shared by every line the container writes.
 */
export function logAccountDone(report: AccountReport, done: number, total: number): void {
  const attributes = {
    accountId: report.accountId,
    status: report.status,
    progress: `${done}/${total}`,
    ...(report.credentials ? { credentials: report.credentials } : {}),
    actions: report.actions.map((action) => ({ kind: action.kind, outcome: action.outcome })),
    ...(report.reason ? { reason: report.reason } : {}),
    ...(report.error ? { error: report.error } : {}),
  };
  if (report.status === 'failed') {
    logger.error('account failed', attributes);
  } else {
    logger.info('account done', attributes);
  }
}

/** Credentials actually removed in a run (dry-run plans count nothing). */
export function credentialsRemoved(report: RunReport): number {
  return report.accounts.reduce(
    (sum, account) =>
      sum +
      account.actions.filter((action) => action.outcome === 'done' && REMOVAL_ACTIONS.has(action.kind))
        .length,
    0,
  );
}

/** Adds the run's counts to the metrics buffer; the handler flushes it once per invocation. */
export function recordRunMetrics(report: RunReport): void {
  metrics.addMetric(METRIC_NAMES.compliant, MetricUnit.Count, report.summary.compliant);
  metrics.addMetric(METRIC_NAMES.remediated, MetricUnit.Count, report.summary.remediated);
  metrics.addMetric(METRIC_NAMES.nonCompliant, MetricUnit.Count, report.summary['non-compliant']);
  metrics.addMetric(METRIC_NAMES.failed, MetricUnit.Count, report.summary.failed);
  metrics.addMetric(METRIC_NAMES.deferred, MetricUnit.Count, report.summary.deferred);
  metrics.addMetric(METRIC_NAMES.credentialsRemoved, MetricUnit.Count, credentialsRemoved(report));
}
