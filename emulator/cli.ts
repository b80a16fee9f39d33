/**
 * `npm run emulator -- --scenario FILE [--port N] [--moto]`: serves the emulator until
 * SIGINT/SIGTERM and prints the environment a shell needs to talk to it. `--moto` also starts a
 * moto server for the services the emulator does not model (what `terraform apply` needs) and
 * stops it on exit.
 */
import { Command, InvalidArgumentError } from 'commander';

import { startEmulator } from './index';

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError(`port must be an integer from 0 to 65535, got ${value}`);
  }
  return port;
}

async function main(argv: string[]): Promise<void> {
  const program = new Command()
    .name('emulator')
    .description(
      'A local AWS organization emulator (STS, IAM, Organizations, S3, SQS) on one loopback endpoint',
    )
    .requiredOption('--scenario <file>', 'scenario JSON file (see emulator/scenarios/)')
    .option('--port <n>', 'port to listen on (0 picks a free one)', parsePort, 4566)
    .option(
      '--moto',
      'forward Lambda, Logs, EventBridge, Scheduler, SNS, SQS queues, CloudWatch and IAM roles to a moto server it starts, and run Lambda Invoke locally',
      false,
    )
    .parse(argv);
  const options = program.opts<{ scenario: string; port: number; moto: boolean }>();

  const startedAt = performance.now();
  const emulator = await startEmulator({
    scenario: options.scenario,
    port: options.port,
    moto: options.moto,
  });
  const startMs = Math.round(performance.now() - startedAt);

  // Handlers go in before the credentials are printed: a parent that reads them and signals at
  // once must find the handler in place (a pipe write can reach it before the next line runs).
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`emulator: ${signal}, stopping\n`);
    emulator.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(
          `emulator: stop failed: ${error instanceof Error ? error.message : String(error)}\n`,
        );
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  // These are the emulator's own throwaway management credentials, not real AWS secrets.
  process.stdout.write(
    [
      `# emulator listening on ${emulator.endpoint} (scenario ${options.scenario}, started in ${startMs} ms${emulator.moto !== undefined ? `, forwarding to moto at ${emulator.moto.endpoint}` : ''})`,
      `export AWS_ENDPOINT_URL=${emulator.endpoint}`,
      `export AWS_REGION=${emulator.region}`,
      `export AWS_ACCESS_KEY_ID=${emulator.managementCredentials.accessKeyId}`,
      `export AWS_SECRET_ACCESS_KEY=${emulator.managementCredentials.secretAccessKey}`,
      '',
    ].join('\n'),
  );
}

main(process.argv).catch((error: unknown) => {
  // Scenario errors already carry field, problem and fix; a stack trace would bury them.
  process.stderr.write(`emulator: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
