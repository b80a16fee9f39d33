/**
 * The default service registry. A later issue adds forwarding routes (moto for services the
 * emulator does not own, a child Node process for Lambda Invoke) by adding entries here.
 */
import type { ServiceHandler } from '../model/service';
import { iamService } from '../services/iam';
import { organizationsService } from '../services/organizations';
import { s3Service } from '../services/s3';
import { sqsService } from '../services/sqs';
import { stsService } from '../services/sts';
import type { ServiceRegistry } from './router';

export function defaultServices(): ServiceRegistry {
  const handlers: ServiceHandler[] = [stsService, iamService, organizationsService, s3Service, sqsService];
  return new Map(handlers.map((handler) => [handler.service, handler]));
}
