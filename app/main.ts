/**
 * The example app: reads `root-access.config.json` (or the file named by `ROOT_ACCESS_CONFIG`),
 * validates it and synthesizes one stack: the organization-level construct and, when the file has
 * an `enforcement` section, the reconciler that enforces it.
 *
 * A bad config file stops synth with one line per problem on stderr and exit code 1, never a
 * stack trace: the people editing the file are operators, not the authors of this code.
 */
import { appendFileSync } from 'node:fs';
import * as path from 'node:path';

import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { App, LocalBackend, S3Backend, TerraformOutput, TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';

import { DEFAULT_CONFIG_FILE, formatConfigIssue, loadAppConfig, type AppConfig } from './config';
import { CentralizedRootAccess } from '../src/constructs/centralized-root-access';
import type { RootCredentialsEnforcer } from '../src/constructs/root-credentials-enforcer';
import { withEnforcer } from '../src/constructs/with-enforcer';
import { formatIssue } from '../src/shared/desired-state';
import { ConfigurationError } from '../src/constructs/errors';

/** The services the stack's resources (and the reconciler it deploys) talk to. */
const PROVIDER_ENDPOINT_SERVICES = [
  'cloudwatch',
  'events',
  'iam',
  'lambda',
  'logs',
  'organizations',
  's3',
  'scheduler',
  'sns',
  'sqs',
  'ssm',
  'sts',
] as const;

export interface RootAccessStackProps {
  readonly config: AppConfig;
  /** Folder that relative paths in the config (the local state file) are resolved against. */
  readonly configDirectory: string;
  /**
   * One endpoint for every AWS service the stack uses: the local emulator
   * (`ROOT_ACCESS_AWS_ENDPOINT`), for rehearsals and the end-to-end tests. Never set for AWS.
   * @default - AWS's own endpoints
   */
  readonly awsEndpoint?: string;
}

/** One stack: the AWS provider, the state backend and {@link CentralizedRootAccess}. */
export class RootAccessStack extends TerraformStack {
  readonly rootAccess: CentralizedRootAccess;

  readonly enforcer?: RootCredentialsEnforcer;

  constructor(scope: Construct, id: string, { config, configDirectory, awsEndpoint }: RootAccessStackProps) {
    super(scope, id);
    const managementAccountId = config.organization.managementAccountId;
    new AwsProvider(this, 'aws', {
      region: config.region,
      ...(awsEndpoint !== undefined
        ? {
            endpoints: [
              Object.fromEntries(PROVIDER_ENDPOINT_SERVICES.map((service) => [service, awsEndpoint])),
            ],
            s3UsePathStyle: true,
            skipMetadataApiCheck: 'true',
          }
        : {}),
      // With the management account known, Terraform refuses to run with any other account's
      // credentials instead of failing halfway with Organizations access errors.
      ...(managementAccountId !== undefined ? { allowedAccountIds: [managementAccountId] } : {}),
      ...(Object.keys(config.tags).length > 0 ? { defaultTags: [{ tags: { ...config.tags } }] } : {}),
    });

    const backend = config.backend;
    if (backend.kind === 's3') {
      new S3Backend(this, {
        bucket: backend.bucket,
        key: backend.key,
        region: backend.region,
        encrypt: backend.encrypt,
      });
      if (backend.useLockfile) {
        // S3-native locking (Terraform >= 1.10); the cdktf 0.21 backend class predates the argument.
        this.addOverride('terraform.backend.s3.use_lockfile', true);
      }
    } else {
      new LocalBackend(this, {
        path: path.resolve(configDirectory, backend.path ?? `terraform.${id}.tfstate`),
      });
    }

    if (config.enforcement !== undefined) {
      // Trusted access, both prerequisites and the `enforcement_report` output, wired once.
      const wired = withEnforcer(this, {
        rootAccess: config.organization,
        enforcer: { ...config.enforcer, desiredState: config.enforcement },
      });
      this.rootAccess = wired.rootAccess;
      this.enforcer = wired.enforcer;
    } else {
      this.rootAccess = new CentralizedRootAccess(this, 'CentralizedRootAccess', config.organization);
    }

    new TerraformOutput(this, 'organization_id', {
      value: this.rootAccess.organizationId,
      description: 'The organization whose centralized root access features this stack manages',
    });
    new TerraformOutput(this, 'enabled_features', {
      value: this.rootAccess.features.enabledFeatures,
      description: 'Centralized root access features turned on',
    });
    if (this.rootAccess.policy !== undefined) {
      new TerraformOutput(this, 'root_restriction_policy_id', {
        value: this.rootAccess.policy.id,
        description: 'The root restriction service control policy',
      });
    }
  }
}

/** Builds the app's stack from a validated config. */
export function buildApp(
  config: AppConfig,
  configDirectory: string,
  app: App = new App(),
  awsEndpoint?: string,
): App {
  new RootAccessStack(app, config.stackName, {
    config,
    configDirectory,
    ...(awsEndpoint !== undefined ? { awsEndpoint } : {}),
  });
  return app;
}

/** Runs the app; returns the process exit code. */
export function main(
  env: NodeJS.ProcessEnv = process.env,
  log: (line: string) => void = console.error,
): number {
  const file = env['ROOT_ACCESS_CONFIG'] ?? DEFAULT_CONFIG_FILE;
  const result = loadAppConfig(path.resolve(file));
  for (const warning of result.warnings) {
    log(`${file}: warning: ${formatIssue(warning)}`);
  }
  if (!result.ok) {
    for (const issue of result.errors) {
      log(formatConfigIssue(file, issue));
    }
    return 1;
  }
  try {
    const awsEndpoint = env['ROOT_ACCESS_AWS_ENDPOINT'] || undefined;
    buildApp(result.config, path.dirname(path.resolve(file)), new App(), awsEndpoint).synth();
  } catch (caught) {
    // The config checks mirror the construct's, so reaching this is a bug; still one line per problem.
    if (caught instanceof ConfigurationError) {
      for (const issue of caught.issues) {
        log(formatConfigIssue(file, issue));
      }
    } else {
      log(`synth failed: ${caught instanceof Error ? caught.message : String(caught)}`);
    }
    return 1;
  }
  return 0;
}

/**
 * Where the app's lines go: stderr, or, under `npm run synth` (app/synth.mjs), the file that
 * script prints once after cdktf, which would otherwise show each line twice.
 */
export function problemLog(env: NodeJS.ProcessEnv = process.env): (line: string) => void {
  const file = env['ROOT_ACCESS_PROBLEMS_FILE'];
  if (file === undefined || file === '') {
    return (line) => console.error(line);
  }
  return (line) => appendFileSync(file, `${line}\n`);
}

if (require.main === module) {
  process.exitCode = main(process.env, problemLog());
}
