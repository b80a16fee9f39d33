/**
 * The desired state is checked once at synth: the example app checks its config file, and the
 * resolved state it hands the enforcer construct comes back from the construct's check as the
 * very same value (no second pass of the rules), with the warnings it had.
 */
import { TerraformStack, Testing, Token } from 'cdktf';

import { validateAppConfig } from '../../app/config';
import { RootCredentialsEnforcer } from '../../src/constructs/root-credentials-enforcer';
import { desiredStateShape, parseDesiredState, validateDesiredState } from '../../src/shared/desired-state';

const NOW = { now: new Date('2026-06-01T00:00:00Z') };
const EXPIRED_WINDOW = { accountId: '333333333333', until: '2026-01-01T00:00:00Z', reason: 'INC-1' };

describe('a resolved desired state', () => {
  it('comes back from a second check as the same object, with its warnings under the new prefix', () => {
    // GIVEN a document that resolves with a warning (an expired break-glass window)
    const first = validateDesiredState(
      { targets: { allAccounts: true }, breakGlass: [EXPIRED_WINDOW] },
      NOW,
      'enforcement',
    );
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    expect(first.warnings.map((warning) => warning.path)).toEqual(['enforcement.breakGlass[0].until']);

    // WHEN the resolved value is checked again, as the construct checks its props
    const second = validateDesiredState(first.value, {}, 'desiredState');

    // THEN
    expect(second.ok && second.value).toBe(first.value);
    expect(second.warnings).toEqual([{ ...first.warnings[0], path: 'desiredState.breakGlass[0].until' }]);
  });

  it('cannot change after its check: it is frozen, nested lists included', () => {
    // GIVEN
    const resolved = parseDesiredState({ targets: { accountIds: ['222222222222'] }, mode: 'enforce' });

    // WHEN / THEN: strict-mode code that tries to widen it fails instead of going unchecked
    expect(() => {
      (resolved.targets.accountIds as string[]).push('444444444444');
    }).toThrow(TypeError);
    expect(() => {
      (resolved as { mode: string }).mode = 'audit';
    }).toThrow(TypeError);
    expect(resolved.targets.accountIds).toEqual(['222222222222']);
  });

  it('is not remembered when it holds Terraform values, which nobody has seen yet', () => {
    // GIVEN a document whose account list is a Terraform variable
    const document = { targets: { accountIds: Token.asList('${var.target_ids}') }, mode: 'enforce' };
    const options = { isUnresolved: (value: unknown) => Token.isUnresolved(value) };

    // WHEN
    const first = validateDesiredState(document, options);
    const second = first.ok ? validateDesiredState(first.value, options) : undefined;

    // THEN: the stand-in values are checked again rather than taken for the real ones
    expect(first.ok && first.unresolvedPaths.size).toBeGreaterThan(0);
    expect(second?.ok && second.value).not.toBe(first.ok && first.value);
  });

  it('is the one the example app resolved when the construct gets it, warnings kept as annotations', () => {
    // GIVEN the example app's config with a warning in its enforcement section
    const config = validateAppConfig(
      {
        organization: {},
        enforcement: { targets: { allAccounts: true }, mode: 'enforce', breakGlass: [EXPIRED_WINDOW] },
      },
      NOW,
    );
    expect(config.ok).toBe(true);
    if (!config.ok || config.config.enforcement === undefined) return;
    const resolved = config.config.enforcement;
    expect(Object.isFrozen(resolved)).toBe(true);

    // WHEN the app builds the enforcer from it
    const parse = jest.spyOn(desiredStateShape, 'safeParse');
    const stack = new TerraformStack(Testing.app(), 'test');
    const enforcer = new RootCredentialsEnforcer(stack, 'Enforcer', { desiredState: resolved });

    // THEN the construct did not check the document again, and the warning still reaches its
    // annotations
    expect(parse).not.toHaveBeenCalled();
    parse.mockRestore();
    const messages = enforcer.node.metadata
      .filter((entry) => entry.type === '@cdktf/warn')
      .map((entry) => String(entry.data));
    expect(messages.join('\n')).toMatch(/desiredState\.breakGlass\[0\]\.until/);
  });
});
