/**
 * Engine test helpers: an emulator per test file with the real SDK pointed at it through the
 * standard `AWS_ENDPOINT_URL`, and an in-memory organization for the pure resolution tests.
 */
import { startEmulator, type RunningEmulator } from '../../emulator/index';
import type { CallRecord, Faults } from '../../emulator/model/state';
import { createEngine, type Engine, type EngineLogger, type EngineOptions } from '../../src/engine';
import {
  ParentNotFoundError,
  type OrgAccount,
  type OrganizationInfo,
  type OrganizationSource,
} from '../../src/engine/organization';
import {
  parseDesiredState,
  type DesiredState,
  type ResolvedDesiredState,
} from '../../src/shared/desired-state';

export const MANAGEMENT = '111111111111';

export function desired(doc: Partial<DesiredState> = {}, now = new Date()): ResolvedDesiredState {
  return parseDesiredState({ targets: { allAccounts: true }, ...doc }, { now });
}

export interface LogLine {
  level: string;
  message: string;
  attributes?: Record<string, unknown>;
}

/** A logger that keeps every line, so tests can prove no secret reached it. */
export function recordingLogger(): EngineLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at =
    (level: string) =>
    (message: string, attributes?: Record<string, unknown>): void => {
      lines.push({ level, message, ...(attributes !== undefined ? { attributes } : {}) });
    };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export interface EngineHarness {
  emulator: RunningEmulator;
  engine: Engine;
  logger: ReturnType<typeof recordingLogger>;
  /** Calls logged since the last `clearCalls()`. */
  calls(): Promise<CallRecord[]>;
  stop(): Promise<void>;
}

export async function startHarness(
  scenario: string | object,
  options: { faults?: Partial<Faults>; engine?: Partial<EngineOptions> } = {},
): Promise<EngineHarness> {
  const emulator = await startEmulator({ scenario, ...(options.faults ? { faults: options.faults } : {}) });
  // The engine has no endpoint option on purpose: the SDK's standard configuration is the contract.
  process.env['AWS_ENDPOINT_URL'] = emulator.endpoint;
  const logger = recordingLogger();
  const engine = createEngine({
    region: emulator.region,
    credentials: async () => emulator.managementCredentials,
    logger,
    ...options.engine,
  });
  return {
    emulator,
    engine,
    logger,
    calls: () => emulator.calls(),
    stop: () => emulator.stop(),
  };
}

export const callsTo = (calls: readonly CallRecord[], accountId: string): CallRecord[] =>
  calls.filter((call) => call.accountId === accountId);

export interface MemoryAccount {
  id: string;
  parentId: string;
  state?: string;
  name?: string;
}

/** An organization tree in memory: the same interface the engine reads AWS through, counting calls. */
export class MemoryOrganization implements OrganizationSource {
  readonly calls: string[] = [];
  constructor(
    private readonly info: OrganizationInfo,
    private readonly rootId: string,
    private readonly ous: ReadonlyArray<{ id: string; parentId: string }>,
    private readonly accounts: readonly MemoryAccount[],
    private readonly pageSize = 20,
  ) {}

  async describeOrganization(): Promise<OrganizationInfo> {
    this.calls.push('DescribeOrganization');
    return this.info;
  }

  async listRoots(): Promise<string[]> {
    this.calls.push('ListRoots');
    return [this.rootId];
  }

  async listChildOrganizationalUnits(parentId: string): Promise<string[]> {
    this.calls.push(`ListOrganizationalUnitsForParent ${parentId}`);
    this.assertParent(parentId);
    return this.ous.filter((ou) => ou.parentId === parentId).map((ou) => ou.id);
  }

  async *listAccounts(parentId: string): AsyncIterable<OrgAccount[]> {
    this.assertParent(parentId);
    const children = this.accounts.filter((a) => a.parentId === parentId);
    for (let i = 0; i === 0 || i < children.length; i += this.pageSize) {
      this.calls.push(`ListAccountsForParent ${parentId}`);
      yield children.slice(i, i + this.pageSize).map((a) => this.shape(a));
    }
  }

  async describeAccount(accountId: string): Promise<OrgAccount | undefined> {
    this.calls.push(`DescribeAccount ${accountId}`);
    const account = this.accounts.find((a) => a.id === accountId);
    return account ? this.shape(account) : undefined;
  }

  async parentOf(childId: string): Promise<string> {
    this.calls.push(`ListParents ${childId}`);
    const parent =
      this.accounts.find((a) => a.id === childId)?.parentId ??
      this.ous.find((ou) => ou.id === childId)?.parentId;
    if (parent === undefined) throw new ParentNotFoundError(childId);
    return parent;
  }

  private assertParent(parentId: string): void {
    if (parentId !== this.rootId && !this.ous.some((ou) => ou.id === parentId))
      throw new ParentNotFoundError(parentId);
  }

  private shape(account: MemoryAccount): OrgAccount {
    return {
      id: account.id,
      state: account.state ?? 'ACTIVE',
      ...(account.name ? { name: account.name } : {}),
    };
  }
}
