/**
 * Schedules and organization events, fired on demand through the admin path (the emulator has
 * no clock of its own to fire them): a deployed `aws_scheduler_schedule` invokes its target with
 * the input the stack configured, and an Organizations CloudTrail event, in the envelope
 * EventBridge delivers, goes through every deployed rule of the default bus whose pattern
 * matches it to the rule's Lambda targets. Schedules, rules and targets are read from moto, where
 * Terraform created them.
 */
import { randomUUID } from 'node:crypto';

import type { MotoForwarder } from '../forward/forwarder';
import type { OrganizationsEvent } from '../model/request';
import { internalHeaders, type LambdaRuntime } from '../lambda/invoke';
import { type EventPattern, matchesPattern } from './pattern';

export interface Delivery {
  /** The rule (events) or schedule that matched. */
  source: string;
  target: string;
  status: number;
  functionError?: string;
  payload: unknown;
}

/**
 * What `POST /_emulator/events/organizations` accepts; the emulator fills the envelope.
 * `eventType` is `AwsApiCall` (default: an API call such as CreateAccount) or `AwsServiceEvent`
 * (AccountJoinedOrganization).
 */
export type OrganizationsEventInput = OrganizationsEvent;

export class EventDispatcher {
  readonly published: Array<{ event: unknown; deliveries: Delivery[] }> = [];

  constructor(
    private readonly moto: MotoForwarder,
    private readonly lambda: LambdaRuntime,
    private readonly host: { region(): string; managementAccountId(): string },
  ) {}

  /** Fires one schedule: its target is invoked with the schedule's `Input` (or `{}`). */
  async fireSchedule(group: string, name: string): Promise<{ found: boolean; deliveries: Delivery[] }> {
    const response = await this.moto.send({
      method: 'GET',
      rawPath: `/schedules/${encodeURIComponent(name)}`,
      rawQuery: `groupName=${encodeURIComponent(group)}`,
      headers: internalHeaders('scheduler', this.host.region()),
      body: '',
    });
    if (response.status !== 200) return { found: false, deliveries: [] };
    const schedule = JSON.parse(response.body) as { Target?: { Arn?: string; Input?: string } };
    const arn = schedule.Target?.Arn ?? '';
    const delivery = await this.deliver(`schedule/${group}/${name}`, arn, schedule.Target?.Input ?? '{}');
    return { found: true, deliveries: delivery === undefined ? [] : [delivery] };
  }

  /** Builds the EventBridge envelope of an Organizations CloudTrail event and routes it. */
  async publishOrganizationsEvent(
    input: OrganizationsEventInput,
  ): Promise<{ event: unknown; deliveries: Delivery[] }> {
    const now = new Date();
    const account = this.host.managementAccountId();
    const serviceEvent = input.eventType === 'AwsServiceEvent';
    // Organizations is a global service whose events reach EventBridge in us-east-1
    // (see docs/aws-behaviour.md#organizations-events-region).
    const event = {
      version: '0',
      id: randomUUID(),
      'detail-type': serviceEvent ? 'AWS Service Event via CloudTrail' : 'AWS API Call via CloudTrail',
      source: 'aws.organizations',
      account,
      time: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region: 'us-east-1',
      resources: [],
      detail: {
        eventVersion: '1.08',
        userIdentity: serviceEvent
          ? { accountId: account, invokedBy: 'organizations.amazonaws.com' }
          : { type: 'AssumedRole', accountId: account },
        eventTime: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
        eventSource: 'organizations.amazonaws.com',
        eventName: input.eventName,
        awsRegion: 'us-east-1',
        eventType: serviceEvent ? 'AwsServiceEvent' : 'AwsApiCall',
        eventID: randomUUID(),
        readOnly: false,
        managementEvent: true,
        eventCategory: 'Management',
        recipientAccountId: account,
        ...(input.requestParameters !== undefined ? { requestParameters: input.requestParameters } : {}),
        ...(input.responseElements !== undefined ? { responseElements: input.responseElements } : {}),
        ...(input.serviceEventDetails !== undefined
          ? { serviceEventDetails: input.serviceEventDetails }
          : {}),
      },
    };
    const deliveries: Delivery[] = [];
    for (const rule of await this.rules()) {
      if (rule.State !== undefined && rule.State !== 'ENABLED') continue;
      if (
        rule.EventPattern === undefined ||
        !matchesPattern(JSON.parse(rule.EventPattern) as EventPattern, event)
      ) {
        continue;
      }
      for (const target of await this.targets(rule.Name)) {
        const delivery = await this.deliver(
          `rule/${rule.Name}`,
          target.Arn,
          target.Input ?? JSON.stringify(event),
        );
        if (delivery !== undefined) deliveries.push(delivery);
      }
    }
    this.published.push({ event, deliveries });
    if (this.published.length > 100) this.published.shift();
    return { event, deliveries };
  }

  private async deliver(source: string, arn: string, payload: string): Promise<Delivery | undefined> {
    const lambda = /^arn:aws[\w-]*:lambda:[^:]+:\d{12}:function:([^:]+)/.exec(arn);
    if (lambda?.[1] === undefined) return undefined;
    const response = await this.lambda.invokeAsService(lambda[1], payload);
    let parsed: unknown = response.body;
    try {
      parsed = JSON.parse(response.body) as unknown;
    } catch {
      // A non-JSON answer is reported as text.
    }
    return {
      source,
      target: arn,
      status: response.status,
      ...(response.headers['x-amz-function-error'] !== undefined
        ? { functionError: response.headers['x-amz-function-error'] }
        : {}),
      payload: parsed,
    };
  }

  private async events(action: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const response = await this.moto.send({
      method: 'POST',
      rawPath: '/',
      rawQuery: '',
      headers: {
        ...internalHeaders('events', this.host.region()),
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': `AWSEvents.${action}`,
      },
      body: JSON.stringify(body),
    });
    if (response.status !== 200)
      throw new Error(`moto events ${action}: HTTP ${response.status} ${response.body}`);
    return JSON.parse(response.body) as Record<string, unknown>;
  }

  private async rules(): Promise<Array<{ Name: string; EventPattern?: string; State?: string }>> {
    const result = await this.events('ListRules', {});
    return (
      (result['Rules'] as Array<{ Name: string; EventPattern?: string; State?: string }> | undefined) ?? []
    );
  }

  private async targets(rule: string): Promise<Array<{ Arn: string; Input?: string }>> {
    const result = await this.events('ListTargetsByRule', { Rule: rule });
    return (result['Targets'] as Array<{ Arn: string; Input?: string }> | undefined) ?? [];
  }
}
