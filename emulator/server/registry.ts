/**
 * The service registries: the modelled services alone (the default, fast, no child process), or
 * with forwarding, where moto answers what the emulator does not model and Lambda Invoke runs
 * the deployed code in a child Node process.
 */
import type { MotoForwarder } from '../forward/forwarder';
import type { LambdaRuntime } from '../lambda/invoke';
import { iamService } from '../services/iam';
import { organizationsService } from '../services/organizations';
import { s3Service } from '../services/s3';
import { sqsService } from '../services/sqs';
import { stsService } from '../services/sts';
import { LAMBDA_INVOKE_ROUTE, MOTO_ROUTE, type RouteHandler, type ServiceRegistry } from './router';

export function defaultServices(): ServiceRegistry {
  const handlers: RouteHandler[] = [stsService, iamService, organizationsService, s3Service, sqsService];
  return new Map(handlers.map((handler) => [handler.service, handler]));
}

/** Adds the forwarding routes to `services` (a registry the core already holds, filled in place). */
export function addForwarding(
  services: Map<string, RouteHandler>,
  forwarder: MotoForwarder,
  lambda: LambdaRuntime,
): void {
  services.set(MOTO_ROUTE, forwarder);
  services.set(LAMBDA_INVOKE_ROUTE, lambda);
}
