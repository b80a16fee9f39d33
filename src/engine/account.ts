/**
 * One account's reconciliation: audit, then (enforce) remove and verify. Read, diff, act.
 *
 * Call budget:
 * - compliant: AssumeRoot(audit) + GetAccountSummary, nothing else;
 * - non-compliant, audit or dry-run: the same session also lists the kinds that are present
 *   (GetLoginProfile / ListAccessKeys / ListSigningCertificates / ListMFADevices), so the report
 *   carries real counts and the planned actions name each credential;
 * - break-glass: the two audit calls only; counts are GetAccountSummary's flags (1 = present);
 * - enforce: a delete session lists the present kinds and deletes each credential, then a fresh
 *   audit session's GetAccountSummary verifies. That is 2 calls, fewer than re-listing up to four
 *   kinds, and it reads the very flags the next audit will judge compliance by. IAM is eventually
 *   consistent (docs/aws-behaviour.md#iam-eventual-consistency), so a verification that still sees a flag reads again after a short pause before
 *   the account is declared failed.
 *
 * A virtual MFA device is deactivated and left in place: AWS removed iam:DeleteVirtualMFADevice
 * from the IAMDeleteRootUserCredentials policy on 2025-01-07, so a root session can never delete
 * it. Deactivated, it is an unassigned device of the account, no longer a root credential
 * (see docs/aws-behaviour.md#delete-virtual-mfa-removed; the flags are docs/aws-behaviour.md#account-summary-keys).
 */
import {
  DeactivateMFADeviceCommand,
  DeleteAccessKeyCommand,
  DeleteLoginProfileCommand,
  DeleteSigningCertificateCommand,
  type IAMClient,
  type SummaryKeyType,
} from '@aws-sdk/client-iam';

import type { CredentialKind, EngineDesiredState } from '../shared/desired-state';
import { createSessionIamClient, type ClientSettings } from './clients';
import type { Diagnoser } from './diagnose';
import { isNotFound, logAttributes } from './errors';
import {
  getAccountSummary,
  hasLoginProfile,
  listAccessKeyIds,
  listMfaSerials,
  listSigningCertificateIds,
} from './hot-path';
import {
  SessionClientPool,
  withSession,
  type RootSession,
  type SessionClient,
  type SessionDependencies,
} from './session';
import type { ResolvedTarget } from './targets';
import type { AccountAction, AccountReport, CredentialsFound, EngineLogger } from './types';

export interface AccountDependencies extends SessionDependencies {
  readonly settings: ClientSettings;
  /**
   * Root-session IAM clients, one per concurrently reconciled account (a run shares one pool
   * across its workers); without it each account gets a client of its own.
   */
  readonly iamClients?: SessionClientPool<IAMClient>;
  readonly diagnoser: Diagnoser;
  readonly logger: EngineLogger;
  /** Pauses before each re-read of a verification that still sees credentials. @default VERIFY_RETRY_DELAYS_MS */
  readonly verifyRetryDelaysMs?: readonly number[];
}

/** About 3 s in all: long enough for IAM's usual propagation, short beside a 900 s invocation. */
export const VERIFY_RETRY_DELAYS_MS: readonly number[] = [500, 1_000, 1_500];

export const VIRTUAL_MFA_LEFT_IN_PLACE =
  'deactivated; the virtual device stays in the account unassigned (AWS does not let root sessions delete it since 2025-01-07), so it is no longer a root credential';

type Flags = Record<CredentialKind, boolean>;

/** What the delete or audit session listed: identifiers, never secret material. */
interface Inventory {
  password: boolean;
  accessKeyIds: string[];
  certificateIds: string[];
  mfaSerials: string[];
}

const SUMMARY_KEYS: Record<CredentialKind, SummaryKeyType> = {
  password: 'AccountPasswordPresent',
  accessKeys: 'AccountAccessKeysPresent',
  signingCertificates: 'AccountSigningCertificatesPresent',
  mfaDevices: 'AccountMFAEnabled',
};
const SUMMARY_KEY_LIST = Object.values(SUMMARY_KEYS);

/** Audits, and in enforce mode remediates, one account. Never throws: failures become a `failed` report. */
export function reconcileAccount(
  deps: AccountDependencies,
  desired: EngineDesiredState,
  target: ResolvedTarget,
): Promise<AccountReport> {
  const pool = deps.iamClients ?? iamClientPool(deps.settings);
  // The account holds one client for all its sessions (audit, delete, verify), one after another.
  return pool.use((iam) => reconcileWith(deps, desired, target, iam));
}

export function iamClientPool(settings: ClientSettings): SessionClientPool<IAMClient> {
  return new SessionClientPool((credentials) => createSessionIamClient(settings, credentials));
}

async function reconcileWith(
  deps: AccountDependencies,
  desired: EngineDesiredState,
  target: ResolvedTarget,
  iam: SessionClient<IAMClient>,
): Promise<AccountReport> {
  const base = {
    accountId: target.accountId,
    ...(target.accountName !== undefined ? { accountName: target.accountName } : {}),
  };
  const kinds = desired.credentialKinds;
  const enforcing = desired.mode === 'enforce' && target.disposition === 'process';
  let step = 'audit (IAMAuditRootUserCredentials)';
  try {
    const audit = await withSession(
      deps,
      target.accountId,
      'IAMAuditRootUserCredentials',
      iam,
      async (session) => {
        step = 'iam:GetAccountSummary';
        const flags = await readFlags(session);
        const present = kinds.filter((kind) => flags[kind]);
        if (present.length === 0 || target.disposition === 'break-glass') return { flags, present };
        if (enforcing && !desired.dryRun) return { flags, present };
        step = 'listing credentials (audit session)';
        return { flags, present, inventory: await list(session, present) };
      },
    );
    const { flags, present, inventory } = audit;

    if (target.disposition === 'break-glass') {
      return {
        ...base,
        status: 'break-glass',
        credentials: fromFlags(flags),
        actions: [],
        ...reasonOf(target),
      };
    }
    if (present.length === 0) {
      deps.logger.debug('account compliant', { accountId: target.accountId });
      return { ...base, status: 'compliant', credentials: fromFlags(flags), actions: [] };
    }
    if (inventory !== undefined) {
      const actions = enforcing ? plan(inventory).map((a) => ({ ...a, outcome: 'planned' as const })) : [];
      return { ...base, status: 'non-compliant', credentials: counts(inventory, flags, kinds), actions };
    }

    step = 'remove (IAMDeleteRootUserCredentials)';
    const removal = await withSession(
      deps,
      target.accountId,
      'IAMDeleteRootUserCredentials',
      iam,
      async (session) => {
        step = 'listing credentials (delete session)';
        const found = await list(session, present);
        return { found, actions: await remove(deps, session, found, target) };
      },
    );

    step = 'verify (IAMAuditRootUserCredentials)';
    const stepFailed = removal.actions.some((a) => a.outcome === 'failed');
    const remaining = await verify(deps, target.accountId, iam, kinds, stepFailed);
    const credentials = counts(removal.found, flags, kinds);
    const warnings = removal.actions
      .filter((a) => a.outcome === 'warning')
      .map((a) => `${a.kind} ${a.target ?? ''}: ${a.detail ?? ''}`.trim());
    const extra = warnings.length > 0 ? { warnings } : {};
    if (remaining.length === 0) {
      deps.logger.info('account remediated', {
        accountId: target.accountId,
        actions: removal.actions.length,
      });
      return { ...base, status: 'remediated', credentials, actions: removal.actions, ...extra };
    }
    const failedSteps = removal.actions.filter((a) => a.outcome === 'failed');
    const error =
      failedSteps.length > 0
        ? failedSteps
            .map((a) => `${a.kind}${a.target ? ` ${a.target}` : ''}: ${a.detail ?? 'failed'}`)
            .join('; ')
        : `verification found ${remaining.join(', ')} still present after removal`;
    deps.logger.warn('account not remediated', { accountId: target.accountId, remaining });
    return { ...base, status: 'failed', credentials, actions: removal.actions, error, ...extra };
  } catch (error) {
    deps.logger.warn('account failed', { accountId: target.accountId, step, ...logAttributes(error) });
    return {
      ...base,
      status: 'failed',
      actions: [],
      error: await deps.diagnoser.explain(error, target.accountId, target.path, step),
    };
  }
}

/**
 * The kinds still present after removal. When every step succeeded but a flag still reads present,
 * that is IAM's eventual consistency (docs/aws-behaviour.md#iam-eventual-consistency) more often than a real leftover, so the same session reads
 * again after each pause; a failed step explains the leftover, so it is not waited for.
 */
async function verify(
  deps: AccountDependencies,
  accountId: string,
  iam: SessionClient<IAMClient>,
  kinds: readonly CredentialKind[],
  stepFailed: boolean,
): Promise<CredentialKind[]> {
  const delays = stepFailed ? [] : (deps.verifyRetryDelaysMs ?? VERIFY_RETRY_DELAYS_MS);
  return withSession(deps, accountId, 'IAMAuditRootUserCredentials', iam, async (session) => {
    for (let read = 0; ; read += 1) {
      const after = await readFlags(session);
      const remaining = kinds.filter((kind) => after[kind]);
      const pause = delays[read];
      if (remaining.length === 0 || pause === undefined) return remaining;
      deps.logger.info('verification still sees credentials; reading again (IAM is eventually consistent)', {
        accountId,
        remaining,
        pauseMs: pause,
      });
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  });
}

async function readFlags(session: RootSession<IAMClient>): Promise<Flags> {
  const summary = await session.call((client) => getAccountSummary(client, SUMMARY_KEY_LIST));
  const flag = (kind: CredentialKind) => (summary[SUMMARY_KEYS[kind]] ?? 0) > 0;
  return {
    password: flag('password'),
    accessKeys: flag('accessKeys'),
    signingCertificates: flag('signingCertificates'),
    mfaDevices: flag('mfaDevices'),
  };
}

/** Lists the present kinds on the session's client, through the hot path (see `hot-path.ts`). */
async function list(session: RootSession<IAMClient>, kinds: readonly CredentialKind[]): Promise<Inventory> {
  const inventory: Inventory = { password: false, accessKeyIds: [], certificateIds: [], mfaSerials: [] };
  if (kinds.includes('password')) inventory.password = await session.call(hasLoginProfile);
  if (kinds.includes('accessKeys')) inventory.accessKeyIds = await session.call(listAccessKeyIds);
  if (kinds.includes('signingCertificates')) {
    inventory.certificateIds = await session.call(listSigningCertificateIds);
  }
  if (kinds.includes('mfaDevices')) inventory.mfaSerials = await session.call(listMfaSerials);
  return inventory;
}

const isVirtualMfa = (serial: string): boolean => serial.includes(':mfa/');

/** The removals an inventory calls for, in the order AWS documents: password, keys, certificates, MFA. */
function plan(inventory: Inventory): Array<Omit<AccountAction, 'outcome'>> {
  const actions: Array<Omit<AccountAction, 'outcome'>> = [];
  if (inventory.password) actions.push({ kind: 'delete-login-profile' });
  for (const id of inventory.accessKeyIds) actions.push({ kind: 'delete-access-key', target: id });
  for (const id of inventory.certificateIds) actions.push({ kind: 'delete-signing-certificate', target: id });
  for (const serial of inventory.mfaSerials) {
    actions.push({
      kind: 'deactivate-mfa-device',
      target: serial,
      ...(isVirtualMfa(serial) ? { detail: VIRTUAL_MFA_LEFT_IN_PLACE } : {}),
    });
  }
  return actions;
}

/**
 * Deletes what the inventory lists. Each step is idempotent (NoSuchEntity = already gone) and a
 * failed step does not stop the others: verification decides the account's status.
 */
async function remove(
  deps: AccountDependencies,
  session: RootSession<IAMClient>,
  inventory: Inventory,
  target: ResolvedTarget,
): Promise<AccountAction[]> {
  const actions: AccountAction[] = [];
  const attempt = async (
    kind: AccountAction['kind'],
    id: string | undefined,
    operation: (client: IAMClient) => Promise<unknown>,
    doneDetail?: string,
  ): Promise<AccountAction> => {
    const named = id !== undefined ? { target: id } : {};
    const detail = doneDetail !== undefined ? { detail: doneDetail } : {};
    let action: AccountAction;
    try {
      await session.call(operation);
      action = { kind, ...named, outcome: 'done', ...detail };
    } catch (error) {
      if (isNotFound(error) && attemptsOf(error) > 1) {
        // This session listed the credential, sent the delete, and only the retry met
        // NoSuchEntity: the first attempt removed it and its response was lost on the way back.
        action = { kind, ...named, outcome: 'done', ...detail };
      } else if (isNotFound(error)) {
        action = { kind, ...named, outcome: 'already-gone' };
      } else {
        const step = `iam:${kind}`;
        action = {
          kind,
          ...named,
          outcome: 'failed',
          detail: await deps.diagnoser.explain(error, target.accountId, target.path, step),
        };
      }
    }
    deps.logger.debug('root credential step', {
      accountId: target.accountId,
      step: kind,
      outcome: action.outcome,
    });
    actions.push(action);
    return action;
  };

  if (inventory.password) {
    await attempt('delete-login-profile', undefined, (c) => c.send(new DeleteLoginProfileCommand({})));
  }
  for (const id of inventory.accessKeyIds) {
    await attempt('delete-access-key', id, (c) => c.send(new DeleteAccessKeyCommand({ AccessKeyId: id })));
  }
  for (const id of inventory.certificateIds) {
    await attempt('delete-signing-certificate', id, (c) =>
      c.send(new DeleteSigningCertificateCommand({ CertificateId: id })),
    );
  }
  for (const serial of inventory.mfaSerials) {
    await attempt(
      'deactivate-mfa-device',
      serial,
      (c) => c.send(new DeactivateMFADeviceCommand({ SerialNumber: serial })),
      isVirtualMfa(serial) ? VIRTUAL_MFA_LEFT_IN_PLACE : undefined,
    );
  }
  return actions;
}

/** The SDK's `$metadata.attempts`: how many times the call was sent, retries included. */
function attemptsOf(error: unknown): number {
  return (error as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1;
}

function fromFlags(flags: Flags): CredentialsFound {
  return {
    password: flags.password,
    accessKeys: flags.accessKeys ? 1 : 0,
    signingCertificates: flags.signingCertificates ? 1 : 0,
    mfaDevices: flags.mfaDevices ? 1 : 0,
  };
}

/** Listed counts for the kinds that were listed; GetAccountSummary's 0/1 flag for the others. */
function counts(inventory: Inventory, flags: Flags, kinds: readonly CredentialKind[]): CredentialsFound {
  const listed = (kind: CredentialKind) => kinds.includes(kind) && flags[kind];
  const flagged = fromFlags(flags);
  return {
    password: listed('password') ? inventory.password : flagged.password,
    accessKeys: listed('accessKeys') ? inventory.accessKeyIds.length : flagged.accessKeys,
    signingCertificates: listed('signingCertificates')
      ? inventory.certificateIds.length
      : flagged.signingCertificates,
    mfaDevices: listed('mfaDevices') ? inventory.mfaSerials.length : flagged.mfaDevices,
  };
}

function reasonOf(target: ResolvedTarget): { reason?: string } {
  return target.reason !== undefined ? { reason: target.reason } : {};
}
