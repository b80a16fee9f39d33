/**
 * Token-aware validation of a desired state: values Terraform knows only at apply time (a
 * variable, another resource's attribute) are replaced by placeholders that pass every rule, the
 * document is validated as usual, and findings about those values (or about a field that
 * contains one) are dropped. The literal rest is checked in full at synth; the Lambda checks
 * everything again at run time, when the values are known.
 */

/** Where unresolved values sat, as validation paths (`targets.accountIds[1]`, `mode`, `` for the whole document). */
export type UnresolvedPaths = ReadonlySet<string>;

export interface Substituted {
  readonly document: unknown;
  readonly unresolvedPaths: UnresolvedPaths;
}

/**
 * Placeholders by field. Each is valid for its field and unique per use, so no rule about
 * duplicates or overlaps fires on placeholders alone. Fields not listed here get `undefined`
 * (the field reads as absent), which is right for optional scalars.
 */
function placeholderFor(path: string, serial: number, now: Date): unknown {
  const field = path.replace(/\[\d+\]/g, '[]');
  const digits = String(serial).padStart(4, '0');
  switch (field) {
    case 'targets':
      return { allAccounts: true };
    case 'targets.accountIds[]':
    case 'exclusions.accountIds[]':
    case 'breakGlass[].accountId':
      return `99999999${digits}`;
    case 'targets.organizationalUnitIds[]':
    case 'exclusions.organizationalUnitIds[]':
      return `ou-zzzz-9999${digits}`;
    case 'breakGlass[].until':
      return new Date(now.getTime() + 3_600_000).toISOString();
    case 'breakGlass[].reason':
      return 'known at apply time';
    case 'breakGlass[]':
      return {
        accountId: `99999999${digits}`,
        until: new Date(now.getTime() + 3_600_000).toISOString(),
        reason: 'known at apply time',
      };
    case 'mode':
      return 'enforce';
    case 'targets.accountIds':
    case 'targets.organizationalUnitIds':
    case 'exclusions.accountIds':
    case 'exclusions.organizationalUnitIds':
    case 'breakGlass':
      return [];
    default:
      return undefined;
  }
}

export function substituteUnresolved(
  input: unknown,
  isUnresolved: (value: unknown) => boolean,
  now: Date,
): Substituted {
  const unresolvedPaths = new Set<string>();
  let serial = 0;
  // Iterative, so a deeply nested (hostile) document cannot overflow the stack.
  const root: { value: unknown } = { value: input };
  const stack: Array<{ holder: Record<string | number, unknown>; key: string | number; path: string }> = [
    { holder: root, key: 'value', path: '' },
  ];
  while (stack.length > 0) {
    const { holder, key, path } = stack.pop()!;
    const value = holder[key];
    if (isUnresolved(value)) {
      unresolvedPaths.add(path);
      const placeholder = placeholderFor(path, serial++, now);
      if (placeholder === undefined && !Array.isArray(holder)) {
        delete holder[key];
      } else {
        holder[key] = placeholder;
      }
      continue;
    }
    if (Array.isArray(value)) {
      const copy: unknown[] = [...(value as unknown[])];
      holder[key] = copy;
      copy.forEach((_, index) =>
        stack.push({
          holder: copy as unknown as Record<number, unknown>,
          key: index,
          path: `${path}[${index}]`,
        }),
      );
    } else if (value !== null && typeof value === 'object') {
      const copy = { ...(value as Record<string, unknown>) };
      holder[key] = copy;
      for (const child of Object.keys(copy)) {
        stack.push({ holder: copy, key: child, path: path === '' ? child : `${path}.${child}` });
      }
    }
  }
  return { document: root.value, unresolvedPaths };
}

/** A finding is about an unresolved value when its path and an unresolved path are on one branch. */
export function concernsUnresolved(path: string, unresolvedPaths: UnresolvedPaths): boolean {
  for (const unresolved of unresolvedPaths) {
    if (unresolved === '' || isOnBranch(path, unresolved) || isOnBranch(unresolved, path)) {
      return true;
    }
  }
  return false;
}

function isOnBranch(path: string, ancestor: string): boolean {
  return (
    ancestor === '' || path === ancestor || path.startsWith(`${ancestor}.`) || path.startsWith(`${ancestor}[`)
  );
}
