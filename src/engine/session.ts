/**
 * Root sessions: one `sts:AssumeRoot` per account and task, its credentials handed straight to
 * the session's client and nowhere else. A call that meets `ExpiredToken` re-assumes once and
 * is retried; a second expiry on the same call fails it with {@link SessionExpiredError}. A session
 * lasts at most 900 s: see docs/aws-behaviour.md#assume-root-session-duration.
 *
 * A session does not build its own SDK client: it borrows a {@link SessionClient}, one long-lived
 * client whose `credentials` provider hands out whichever session currently holds it. A run keeps
 * one per worker ({@link SessionClientPool}), so 10,000 accounts cost as many clients as there are
 * workers, not one per account and task (each new client re-resolves its configuration and builds
 * its middleware stack, about 2 ms of CPU).
 */
import type { STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

import type { SessionCredentials } from './clients';
import { AssumeRootError, SessionExpiredError, isExpiredToken, logAttributes } from './errors';
import { assumeRoot } from './hot-path';
import type { EngineLogger } from './types';

import { rootTaskPolicyArn, type RootTask } from '../shared/root-tasks';

/** The longest session AssumeRoot grants; each account's work fits easily, and a fresh session is taken per account and task. */
export const SESSION_SECONDS = 900;

export interface SessionDependencies {
  readonly sts: STSClient;
  readonly logger: EngineLogger;
  /** Counts AssumeRoot calls, for the report's figures and the bench. */
  readonly onAssume?: () => void;
}

/**
 * One SDK client lent to one root session at a time. Its `credentials` provider (public SDK
 * configuration) returns the credentials of the session holding it, and fails when none does.
 * Each identity it returns carries `expiration: now`, so the SDK's identity cache, which keeps an
 * identity until its expiration nears, asks again for every request instead of signing the next
 * account's call with this one's session (the engine tests check every call in the emulator's
 * log against the session of the account it acts on). A session takes the client with
 * {@link SessionClient.hold}; a second holder is refused, so two sessions can never share it.
 *
 * Session clients share the engine's connection pool, so they are dropped, never destroyed:
 * `destroy()` would close the shared agents under every other worker.
 */
export class SessionClient<C> {
  readonly client: C;
  private holder: object | undefined;
  private credentials: SessionCredentials | undefined;

  constructor(make: (credentials: AwsCredentialIdentityProvider) => C) {
    this.client = make(async () => this.identity());
  }

  hold(holder: object): void {
    if (this.holder !== undefined && this.holder !== holder) {
      throw new Error('session client is already held by another root session');
    }
    this.holder = holder;
  }

  /** Supplies the holder's credentials (undefined: none, until it assumes again). */
  supply(holder: object, credentials: SessionCredentials | undefined): void {
    if (this.holder !== holder) throw new Error('session client is not held by this root session');
    this.credentials = credentials;
  }

  /** The client, for its holder only, while it has credentials. */
  clientFor(holder: object): C | undefined {
    return this.holder === holder && this.credentials !== undefined ? this.client : undefined;
  }

  release(holder: object): void {
    if (this.holder !== holder) return;
    this.holder = undefined;
    this.credentials = undefined;
  }

  private identity(): AwsCredentialIdentity {
    const credentials = this.credentials;
    if (credentials === undefined) throw new Error('no root session holds this client');
    return { ...credentials, expiration: new Date() };
  }
}

/**
 * Session clients for a pool of workers: `acquire` lends a free one (creating it if every
 * existing one is lent), `release` returns it. At most as many exist as were ever lent at once.
 */
export class SessionClientPool<C> {
  private readonly free: Array<SessionClient<C>> = [];

  constructor(private readonly make: (credentials: AwsCredentialIdentityProvider) => C) {}

  async use<T>(work: (client: SessionClient<C>) => Promise<T>): Promise<T> {
    const client = this.free.pop() ?? new SessionClient(this.make);
    try {
      return await work(client);
    } finally {
      this.free.push(client);
    }
  }
}

export class RootSession<C> {
  private constructor(
    private readonly deps: SessionDependencies,
    readonly accountId: string,
    readonly task: RootTask,
    private readonly lent: SessionClient<C>,
  ) {}

  static async open<C>(
    deps: SessionDependencies,
    accountId: string,
    task: RootTask,
    lent: SessionClient<C>,
  ): Promise<RootSession<C>> {
    const session = new RootSession(deps, accountId, task, lent);
    lent.hold(session);
    try {
      await session.assume();
    } catch (error) {
      session.close();
      throw error;
    }
    return session;
  }

  /** Runs `operation` with the session's client; on ExpiredToken takes a new session and runs it once more. */
  async call<T>(operation: (client: C) => Promise<T>): Promise<T> {
    try {
      return await operation(this.current());
    } catch (error) {
      if (!isExpiredToken(error)) throw error;
      this.deps.logger.info('root session expired; assuming a new one', {
        accountId: this.accountId,
        task: this.task,
      });
    }
    await this.assume();
    try {
      return await operation(this.current());
    } catch (error) {
      if (isExpiredToken(error)) throw new SessionExpiredError(this.accountId, this.task, { cause: error });
      throw error;
    }
  }

  /** Forgets the session's credentials and hands the client back. */
  close(): void {
    this.lent.release(this);
  }

  private current(): C {
    const client = this.lent.clientFor(this);
    if (client === undefined) throw new AssumeRootError(this.accountId, this.task, 'root session is closed');
    return client;
  }

  private async assume(): Promise<void> {
    this.lent.supply(this, undefined);
    this.deps.onAssume?.();
    let credentials: SessionCredentials;
    try {
      const issued = await assumeRoot(this.deps.sts, {
        targetPrincipal: this.accountId,
        taskPolicyArn: rootTaskPolicyArn(this.task),
        durationSeconds: SESSION_SECONDS,
      });
      if (issued === undefined) {
        throw new AssumeRootError(this.accountId, this.task, 'AssumeRoot returned no credentials');
      }
      credentials = issued;
    } catch (error) {
      if (error instanceof AssumeRootError) throw error;
      this.deps.logger.warn('AssumeRoot failed', {
        accountId: this.accountId,
        task: this.task,
        ...logAttributes(error),
      });
      throw new AssumeRootError(
        this.accountId,
        this.task,
        `AssumeRoot (${this.task}) failed for ${this.accountId}`,
        {
          cause: error,
        },
      );
    }
    this.lent.supply(this, credentials);
  }
}

/** Opens a session on `lent`, runs `work`, and always releases the client and forgets the credentials. */
export async function withSession<C, T>(
  deps: SessionDependencies,
  accountId: string,
  task: RootTask,
  lent: SessionClient<C>,
  work: (session: RootSession<C>) => Promise<T>,
): Promise<T> {
  const session = await RootSession.open(deps, accountId, task, lent);
  try {
    return await work(session);
  } finally {
    session.close();
  }
}
