/**
 * The admin path (`/_emulator/...`) on the same endpoint as the AWS APIs: the call log, the
 * state, root-credential seeding, reset and faults. It is never logged, signed or faulted, so
 * tests in any process can inspect and steer the emulator with plain HTTP.
 */
import { z } from 'zod';

import type { RawResponse } from '../model/request';
import { stateToJson } from '../scenario/load';
import type { EmulatorCore } from './core';

const faultsSchema = z
  .object({
    seed: z.number().int(),
    latencyMs: z.number().min(0),
    errorRate: z.number().min(0).max(1),
    throttleRate: z.number().min(0).max(1),
    rateLimits: z.record(z.string(), z.number().positive()),
    sessionLifetimeSeconds: z.number().int().min(0),
  })
  .partial()
  .strict();

const organizationsEventSchema = z
  .object({
    eventName: z.string().min(1),
    eventType: z.enum(['AwsApiCall', 'AwsServiceEvent']).optional(),
    requestParameters: z.record(z.string(), z.unknown()).optional(),
    responseElements: z.record(z.string(), z.unknown()).optional(),
    serviceEventDetails: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

export function handleAdmin(
  core: EmulatorCore,
  method: string,
  rawPath: string,
  body: string,
): RawResponse | Promise<RawResponse> {
  const route = `${method} ${rawPath.replace(/\/+$/, '')}`;
  const schedule = /^POST \/_emulator\/scheduler\/schedules\/([^/]+)\/([^/]+)\/fire$/.exec(route);
  if (
    schedule !== null ||
    route === 'POST /_emulator/events/organizations' ||
    route === 'GET /_emulator/events'
  ) {
    const events = core.events;
    if (events === undefined) {
      return json(409, {
        error: 'schedules and events need forwarding: start the emulator with --moto (moto: true)',
      });
    }
    if (route === 'GET /_emulator/events') return json(200, { events: events.published });
    if (schedule !== null) {
      const [group, name] = [decodeURIComponent(schedule[1] ?? ''), decodeURIComponent(schedule[2] ?? '')];
      return events
        .fireSchedule(group, name)
        .then((result) =>
          result.found
            ? json(200, { deliveries: result.deliveries })
            : json(404, { error: `no schedule ${name} in group ${group}` }),
        );
    }
    const document = parseJson(body);
    if (!document.ok) return json(400, { error: document.error });
    const parsed = organizationsEventSchema.safeParse(document.value);
    if (!parsed.success) return json(400, { error: `invalid event: ${z.prettifyError(parsed.error)}` });
    return events.publishOrganizationsEvent(parsed.data).then((result) => json(200, result));
  }
  if (route === 'GET /_emulator/calls') return json(200, { calls: core.log.all() });
  if (route === 'DELETE /_emulator/calls') {
    core.log.clear();
    return { status: 204, headers: {}, body: '' };
  }
  if (route === 'GET /_emulator/state') return json(200, stateToJson(core.state, core.endpoint));
  if (route === 'POST /_emulator/reset') {
    core.reset();
    return { status: 204, headers: {}, body: '' };
  }
  if (route === 'PUT /_emulator/faults') {
    const document = parseJson(body);
    if (!document.ok) return json(400, { error: document.error });
    const parsed = faultsSchema.safeParse(document.value);
    if (!parsed.success) return json(400, { error: `invalid faults: ${z.prettifyError(parsed.error)}` });
    core.setFaults(parsed.data);
    return json(200, { faults: core.state.faults });
  }
  const root = /^PUT \/_emulator\/accounts\/([^/]+)\/root$/.exec(route);
  if (root) {
    const accountId = decodeURIComponent(root[1] ?? '');
    const document = parseJson(body);
    if (!document.ok) return json(400, { error: document.error });
    try {
      if (!core.setRootCredentials(accountId, document.value)) {
        return json(404, { error: `unknown account ${accountId}` });
      }
    } catch (error) {
      return json(400, { error: error instanceof Error ? error.message : String(error) });
    }
    return { status: 204, headers: {}, body: '' };
  }
  return json(404, { error: `no admin route ${route}` });
}

function parseJson(body: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(body) as unknown };
  } catch (error) {
    return {
      ok: false,
      error: `body is not JSON: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

function json(status: number, value: unknown): RawResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(value) };
}
