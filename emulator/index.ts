/**
 * Starts the emulator in this process, on a loopback port, and returns a handle whose methods
 * drive the admin path over HTTP (the same calls a test in another process would make).
 */
import type { AddressInfo } from 'node:net';

import { MotoForwarder } from './forward/forwarder';
import { EventDispatcher } from './events/dispatch';
import { LambdaGaps } from './forward/lambda-gaps';
import { type MotoServer, startMoto } from './forward/moto';
import { type InvocationRecord, LambdaRuntime } from './lambda/invoke';
import type { CallRecord, Faults } from './model/state';
import { MANAGEMENT_ADMINISTRATOR, readScenarioFile } from './scenario/load';
import { EmulatorCore } from './server/core';
import { createEmulatorServer } from './server/http';
import type { RouteHandler, ServiceRegistry } from './server/router';
import { addForwarding, defaultServices } from './server/registry';

export { MotoUnavailableError, findMotoPython } from './forward/moto';
export type { InvocationRecord } from './lambda/invoke';

export interface StartEmulatorOptions {
  /** A scenario file path, or the scenario document itself. */
  scenario: string | object;
  /** Default 0: a free port. */
  port?: number;
  /** Overrides on top of the scenario's faults; kept across resets. */
  faults?: Partial<Faults>;
  /** Replaces the default services; for tests of the transport itself. */
  services?: ServiceRegistry;
  /**
   * Starts a moto server (python3 with moto[server]) and forwards to it every service the
   * emulator does not model, and serves Lambda Invoke by running the deployed code: what
   * `terraform apply` of the stacks needs. Off by default (no child process, fast start).
   * Throws {@link MotoUnavailableError} when moto cannot be started.
   */
  moto?: boolean | { python?: string };
}

export interface EmulatorCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface EmulatorAdmin {
  calls(): Promise<CallRecord[]>;
  clearCalls(): Promise<void>;
  state(): Promise<unknown>;
  setRootCredentials(accountId: string, root: unknown): Promise<void>;
  reset(): Promise<void>;
  setFaults(faults: Partial<Faults>): Promise<void>;
  /** With moto: fires a deployed schedule; resolves to each target's answer. */
  fireSchedule(group: string, name: string): Promise<unknown>;
  /** With moto: publishes an Organizations CloudTrail event through the deployed rules. */
  publishOrganizationsEvent(event: Record<string, unknown>): Promise<unknown>;
}

export interface RunningEmulator extends EmulatorAdmin {
  /** `http://127.0.0.1:PORT` */
  endpoint: string;
  region: string;
  /** {@link MANAGEMENT_CREDENTIALS}: the declared administrator of the management account. */
  managementCredentials: EmulatorCredentials;
  /** With `moto`: the moto server the emulator forwards to (for diagnostics; talk to the emulator). */
  moto?: { endpoint: string; pid: number; output(): string };
  /** With `moto`: the Lambda invocations run so far, with their logs, oldest first. */
  lambdaInvocations(): InvocationRecord[];
  /** Stops the server, the invocations still running and moto; leaves no child process behind. */
  stop(): Promise<void>;
}

/**
 * The declared management credentials: every scenario declares this administrator of the
 * management account (`arn:aws:iam::<management>:user/emulator-admin`), and requests signed
 * with it are verified like any other. The one place callers (tests, the demo, the benchmarks,
 * the Terraform tiers) take management credentials from; no other key is accepted.
 */
export const MANAGEMENT_CREDENTIALS: Readonly<EmulatorCredentials> = {
  accessKeyId: MANAGEMENT_ADMINISTRATOR.accessKeyId,
  secretAccessKey: MANAGEMENT_ADMINISTRATOR.secretAccessKey,
};

/** A fresh copy of {@link MANAGEMENT_CREDENTIALS} (SDK clients annotate the object they are given). */
export function managementCredentials(): EmulatorCredentials {
  return { ...MANAGEMENT_CREDENTIALS };
}

export async function startEmulator(options: StartEmulatorOptions): Promise<RunningEmulator> {
  const scenario =
    typeof options.scenario === 'string' ? readScenarioFile(options.scenario) : options.scenario;
  const services = new Map<string, RouteHandler>(options.services ?? defaultServices());
  const core = new EmulatorCore({
    scenario,
    faults: options.faults,
    services,
    onInternalError: (error) => {
      process.stderr.write(
        `emulator: service error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
    },
  });
  let moto: MotoServer | undefined;
  let forwarder: MotoForwarder | undefined;
  let lambda: LambdaRuntime | undefined;
  if (options.moto !== undefined && options.moto !== false) {
    moto = await startMoto({
      accountId: core.state.organization.managementAccountId,
      ...(typeof options.moto === 'object' && options.moto.python !== undefined
        ? { python: options.moto.python }
        : {}),
    });
    forwarder = new MotoForwarder(moto.endpoint);
    forwarder.observe(new LambdaGaps().observe);
    lambda = new LambdaRuntime(forwarder, {
      endpoint: () => core.endpoint,
      region: () => core.state.region,
      declarePrincipal: (principal) => core.declarePrincipal(principal),
      retirePrincipal: (key) => core.retirePrincipal(key),
    });
    addForwarding(services, forwarder, lambda);
    core.events = new EventDispatcher(forwarder, lambda, {
      region: () => core.state.region,
      managementAccountId: () => core.state.organization.managementAccountId,
    });
  }
  const stopChildren = async (): Promise<void> => {
    await lambda?.stop();
    forwarder?.close();
    await moto?.stop();
  };

  const server = createEmulatorServer(core);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await stopChildren();
    throw error;
  }
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  core.endpoint = endpoint;

  let stopped: Promise<void> | undefined;
  return {
    endpoint,
    region: core.state.region,
    managementCredentials: { ...MANAGEMENT_CREDENTIALS },
    ...(moto !== undefined
      ? { moto: { endpoint: moto.endpoint, pid: moto.pid, output: () => moto?.output() ?? '' } }
      : {}),
    lambdaInvocations: () => lambda?.invocations() ?? [],
    ...emulatorAdmin(endpoint),
    stop() {
      stopped ??= (async () => {
        const closed = new Promise<void>((resolve, reject) => {
          server.close((error) => (error ? reject(error) : resolve()));
        });
        // Running invocations still call the emulator, so they end before the sockets do.
        await stopChildren();
        // Keep-alive sockets from SDK clients would otherwise hold the server (and jest) open.
        server.closeAllConnections();
        await closed;
      })();
      return stopped;
    },
  };
}

/** The admin path of an emulator at `endpoint`, running in this process or another. */
export function emulatorAdmin(endpoint: string): EmulatorAdmin {
  async function call(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${endpoint}/_emulator/${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`emulator admin ${method} ${path}: HTTP ${response.status} ${text}`);
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  }
  return {
    async calls() {
      const body = (await call('GET', 'calls')) as { calls: CallRecord[] };
      return body.calls;
    },
    async clearCalls() {
      await call('DELETE', 'calls');
    },
    state: () => call('GET', 'state'),
    async setRootCredentials(accountId, root) {
      await call('PUT', `accounts/${encodeURIComponent(accountId)}/root`, root);
    },
    async reset() {
      await call('POST', 'reset');
    },
    async setFaults(faults) {
      await call('PUT', 'faults', faults);
    },
    fireSchedule: (group, name) =>
      call('POST', `scheduler/schedules/${encodeURIComponent(group)}/${encodeURIComponent(name)}/fire`),
    publishOrganizationsEvent: (event) => call('POST', 'events/organizations', event),
  };
}
