/**
 * Fills the Lambda function attributes moto does not model, so that the provider's read after
 * apply matches what it wrote (otherwise every plan shows a change, and a `check` block reading
 * the function is deferred to "known after apply").
 *
 * - `DeadLetterConfig`: moto 5.x accepts it on CreateFunction/UpdateFunctionConfiguration and
 *   drops it; the emulator remembers it per function and adds it to the function's
 *   configuration in GetFunction, GetFunctionConfiguration and the write responses.
 */
import type { RawResponse } from '../model/request';
import type { ForwardedExchange } from './forwarder';

const CONFIG_ACTIONS = new Set([
  'CreateFunction',
  'GetFunctionConfiguration',
  'UpdateFunctionConfiguration',
  'UpdateFunctionCode',
]);

export class LambdaGaps {
  /** Dead-letter target ARN by function name. */
  private readonly deadLetters = new Map<string, string>();

  readonly observe = (exchange: ForwardedExchange): RawResponse | void => {
    if (exchange.service !== 'lambda' || exchange.response.status >= 300) return undefined;
    const { action, request, response } = exchange;
    if (action === 'DeleteFunction') {
      this.deadLetters.delete(functionNameOf(request.rawPath) ?? '');
      return undefined;
    }
    if (action === 'CreateFunction' || action === 'UpdateFunctionConfiguration') {
      const body = parseObject(request.body);
      const name =
        action === 'CreateFunction' ? stringField(body, 'FunctionName') : functionNameOf(request.rawPath);
      const dlq = body?.['DeadLetterConfig'];
      if (name !== undefined && typeof dlq === 'object' && dlq !== null) {
        const target = (dlq as Record<string, unknown>)['TargetArn'];
        // An empty TargetArn is how UpdateFunctionConfiguration removes the dead-letter queue.
        if (typeof target === 'string' && target !== '') this.deadLetters.set(name, target);
        else this.deadLetters.delete(name);
      }
    }
    if (action === 'GetFunction') return this.patch(response, (body) => body['Configuration']);
    if (CONFIG_ACTIONS.has(action)) return this.patch(response, (body) => body);
    return undefined;
  };

  private patch(
    response: RawResponse,
    configOf: (body: Record<string, unknown>) => unknown,
  ): RawResponse | void {
    const body = parseObject(response.body);
    if (body === undefined) return undefined;
    const config = configOf(body);
    if (typeof config !== 'object' || config === null) return undefined;
    const record = config as Record<string, unknown>;
    const name = record['FunctionName'];
    const target = typeof name === 'string' ? this.deadLetters.get(name) : undefined;
    if (target === undefined || record['DeadLetterConfig'] !== undefined) return undefined;
    record['DeadLetterConfig'] = { TargetArn: target };
    return { ...response, body: JSON.stringify(body) };
  }
}

function functionNameOf(rawPath: string): string | undefined {
  const match = /^\/20\d\d-\d\d-\d\d\/functions\/([^/]+)/.exec(rawPath);
  if (match?.[1] === undefined) return undefined;
  const name = decodeURIComponent(match[1]);
  // An ARN names the function by its last segment (`...:function:<name>`).
  const arn = /:function:([^:]+)/.exec(name);
  return arn?.[1] ?? name;
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function stringField(body: Record<string, unknown> | undefined, name: string): string | undefined {
  const value = body?.[name];
  return typeof value === 'string' ? value : undefined;
}
