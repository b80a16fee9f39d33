/**
 * A CPU quota like a Lambda's, as a cgroup: Lambda gives a function CPU in proportion to its
 * memory, one full vCPU at 1,769 MB (AWS Lambda developer guide, "Configure Lambda function
 * memory"), enforced by CFS quota. A cgroup v1 `cpu` controller (or v2 `cpu.max`) with
 * quota = period x MB / 1769 reproduces that on the engine's process. Returns undefined where no
 * cgroup can be made (no controller, no permission); the bench then says so instead of guessing.
 */
import { existsSync, mkdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const PERIOD_US = 100_000;
export const LAMBDA_MB_PER_VCPU = 1769;

export interface CpuQuota {
  readonly vcpu: number;
  add(pid: number): void;
  remove(): void;
}

export function createCpuQuota(name: string, memoryMb: number): CpuQuota | undefined {
  const vcpu = memoryMb / LAMBDA_MB_PER_VCPU;
  const quotaUs = Math.round(PERIOD_US * vcpu);
  const v1 = '/sys/fs/cgroup/cpu';
  const v2 = '/sys/fs/cgroup/unified';
  try {
    if (existsSync(join(v1, 'cpu.cfs_quota_us'))) {
      const dir = join(v1, name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'cpu.cfs_period_us'), String(PERIOD_US));
      writeFileSync(join(dir, 'cpu.cfs_quota_us'), String(quotaUs));
      return cgroup(dir, vcpu);
    }
    if (existsSync(join(v2, 'cgroup.controllers'))) {
      const dir = join(v2, name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'cpu.max'), `${quotaUs} ${PERIOD_US}`);
      return cgroup(dir, vcpu);
    }
  } catch {
    return undefined;
  }
  return undefined;
}

function cgroup(dir: string, vcpu: number): CpuQuota {
  return {
    vcpu,
    add: (pid) => writeFileSync(join(dir, 'cgroup.procs'), String(pid)),
    remove: () => {
      try {
        rmdirSync(dir);
      } catch {
        // A process still inside keeps the group; it is removed with the next run's name.
      }
    },
  };
}
