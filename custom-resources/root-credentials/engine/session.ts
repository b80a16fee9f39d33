/**
 * Root sessions: one `sts:AssumeRoot` per account and task, its credentials handed straight to
 * the session's clients and nowhere else. A call that meets `ExpiredToken` re-assumes once and
 * is retried; a second expiry on the same call fails it with {@link SessionExpiredError}.
 */
import { AssumeRootCommand, type STSClient } from '@aws-sdk/client-sts';

import type { SessionCredentials } from './clients';
import { AssumeRootError, SessionExpiredError, isExpiredToken, logAttributes } from './errors';
import type { EngineLogger } from './types';

import { rootTaskPolicyArn, type RootTask } from '../../../lib/root-tasks';

/** The longest session AssumeRoot grants; each account's work fits easily, and a fresh session is taken per account and task. */
export const SESSION_SECONDS = 900;

/**
 * Session clients share the engine's connection pool, so they are dropped, never destroyed:
 * `destroy()` would close the shared agents under every other worker.
 */
type Destroyable = object;

export interface SessionDependencies {
  readonly sts: STSClient;
  readonly logger: EngineLogger;
  /** Counts AssumeRoot calls, for the report's figures and the bench. */
  readonly onAssume?: () => void;
}

export class RootSession<C extends Destroyable> {
  private client: C | undefined;

  private constructor(
    private readonly deps: SessionDependencies,
    readonly accountId: string,
    readonly task: RootTask,
    private readonly makeClient: (credentials: SessionCredentials) => C,
  ) {}

  static async open<C extends Destroyable>(
    deps: SessionDependencies,
    accountId: string,
    task: RootTask,
    makeClient: (credentials: SessionCredentials) => C,
  ): Promise<RootSession<C>> {
    const session = new RootSession(deps, accountId, task, makeClient);
    await session.assume();
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

  close(): void {
    this.client = undefined;
  }

  private current(): C {
    if (this.client === undefined)
      throw new AssumeRootError(this.accountId, this.task, 'root session is closed');
    return this.client;
  }

  private async assume(): Promise<void> {
    this.close();
    this.deps.onAssume?.();
    let credentials: SessionCredentials;
    try {
      const response = await this.deps.sts.send(
        new AssumeRootCommand({
          TargetPrincipal: this.accountId,
          TaskPolicyArn: { arn: rootTaskPolicyArn(this.task) },
          DurationSeconds: SESSION_SECONDS,
        }),
      );
      const issued = response.Credentials;
      if (!issued?.AccessKeyId || !issued.SecretAccessKey || !issued.SessionToken) {
        throw new AssumeRootError(this.accountId, this.task, 'AssumeRoot returned no credentials');
      }
      credentials = {
        accessKeyId: issued.AccessKeyId,
        secretAccessKey: issued.SecretAccessKey,
        sessionToken: issued.SessionToken,
      };
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
    this.client = this.makeClient(credentials);
  }
}

/** Opens a session, runs `work`, and always releases the session's client. */
export async function withSession<C extends Destroyable, T>(
  deps: SessionDependencies,
  accountId: string,
  task: RootTask,
  makeClient: (credentials: SessionCredentials) => C,
  work: (session: RootSession<C>) => Promise<T>,
): Promise<T> {
  const session = await RootSession.open(deps, accountId, task, makeClient);
  try {
    return await work(session);
  } finally {
    session.close();
  }
}
