/**
 * The resource a forwarded call acts on, for the calls whose caller's identity policies the
 * emulator evaluates before forwarding (a function's role session: the Lambda runner declares it
 * with its role's policies). moto checks no policy, so without this a role statement scoped to
 * one resource could be wrong and every test would still pass.
 *
 * Only calls that name one resource in their body are listed; the rest stay unevaluated (moto's
 * answer, as before) because their resource cannot be named here.
 */

/** SSM operations on one parameter named by `Name` (awsJson1_1 body). */
const SSM_PARAMETER_ACTIONS = new Set([
  'GetParameter',
  'PutParameter',
  'DeleteParameter',
  'GetParameterHistory',
  'LabelParameterVersion',
]);

export interface ForwardedCall {
  /** Signing name: `ssm`. */
  readonly service: string;
  readonly action: string;
  readonly body: string;
  readonly region: string;
  readonly accountId: string;
}

/** The ARN IAM evaluates the call against, or undefined when the emulator does not name it. */
export function forwardedResource(call: ForwardedCall): string | undefined {
  if (call.service === 'ssm' && SSM_PARAMETER_ACTIONS.has(call.action)) {
    const name = jsonField(call.body, 'Name');
    if (name === undefined) return undefined;
    if (name.startsWith('arn:')) return name;
    // SSM's parameter ARNs: `parameter` then the name, with one `/` between them either way.
    return `arn:aws:ssm:${call.region}:${call.accountId}:parameter${name.startsWith('/') ? '' : '/'}${name}`;
  }
  return undefined;
}

function jsonField(body: string, field: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    const value = (parsed as Record<string, unknown>)[field];
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}
