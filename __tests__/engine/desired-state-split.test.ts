/**
 * The desired state the engine needs, apart from the deployment settings (`schedule`,
 * `managementAccountId`) that the enforcer and the synth-time checks read and the engine ignores.
 */
import type { Engine } from '../../src/engine';
import {
  DEPLOYMENT_SETTING_KEYS,
  parseDesiredState,
  splitDesiredState,
} from '../../src/shared/desired-state';

describe('splitDesiredState', () => {
  it('separates the deployment settings from what the engine runs on', () => {
    // GIVEN a document with both deployment settings
    const resolved = parseDesiredState({
      targets: { accountIds: ['222222222222'] },
      mode: 'enforce',
      schedule: 'rate(12 hours)',
      managementAccountId: '111111111111',
    });

    // WHEN
    const { engine, deployment } = splitDesiredState(resolved);

    // THEN the engine part carries no deployment key, and loses nothing else
    expect(deployment).toEqual({ schedule: 'rate(12 hours)', managementAccountId: '111111111111' });
    for (const key of DEPLOYMENT_SETTING_KEYS) {
      expect(engine).not.toHaveProperty(key);
    }
    expect({ ...engine, ...deployment }).toEqual(resolved);
    expect(engine.targets.accountIds).toEqual(['222222222222']);
    expect(engine.mode).toBe('enforce');
  });

  it('leaves absent settings absent', () => {
    // GIVEN / WHEN
    const { deployment } = splitDesiredState(parseDesiredState({ targets: { allAccounts: true } }));

    // THEN
    expect(deployment).toEqual({});
  });

  it("is what the engine's signatures take, so the engine cannot read a deployment setting", () => {
    // GIVEN the engine's own parameter type
    type RunInput = Parameters<Engine['run']>[0];
    type PreflightInput = Parameters<Engine['preflight']>[0];
    type Deployment = (typeof DEPLOYMENT_SETTING_KEYS)[number];
    const noDeploymentKeys: [
      Extract<keyof RunInput, Deployment>,
      Extract<keyof PreflightInput, Deployment>,
    ] extends [never, never]
      ? true
      : false = true;
    const engine = splitDesiredState(parseDesiredState({ targets: { allAccounts: true } })).engine;

    // THEN (checked by the compiler: each line fails to compile if the key reappears)
    // @ts-expect-error the engine's desired state has no schedule
    expect(engine.schedule).toBeUndefined();
    // @ts-expect-error nor a management account id: the engine asks Organizations
    expect(engine.managementAccountId).toBeUndefined();
    expect(noDeploymentKeys).toBe(true);
  });
});
