/**
 * `root-access`: the operator's command-line tool over the reconciler's engine. Bundled by
 * scripts/bundle.mjs to dist/cli/root-access.js and started through bin/root-access.js.
 */
import { createEngine } from '../engine';
import { version } from '../../package.json';
import { ExitCode } from './exit-codes';
import { processIo } from './io';
import { runCli } from './run';

function profileFrom(argv: readonly string[]): string | undefined {
  const index = argv.findIndex((arg) => arg === '--profile' || arg.startsWith('--profile='));
  if (index === -1) {
    return undefined;
  }
  const arg = argv[index] ?? '';
  return arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : argv[index + 1];
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (!argv.includes('--debug')) {
    // The SDK is pinned in this bundle, so its notice about the Node versions of future SDK releases is
    // not something an operator can act on; --debug still shows it.
    process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  }
  const profile = profileFrom(argv);
  if (profile !== undefined) {
    // The SDK's default credential and region chain reads AWS_PROFILE; setting it honours every profile
    // feature (SSO, assume-role, credential_process) without re-implementing the chain here.
    process.env['AWS_PROFILE'] = profile;
  }
  process.exitCode = await runCli(argv, {
    io: processIo(),
    createEngine,
    version,
    env: process.env,
    onSignal: (handler) => {
      const listener = (signal: NodeJS.Signals): void => handler(signal);
      process.on('SIGINT', listener);
      process.on('SIGTERM', listener);
      return () => {
        process.off('SIGINT', listener);
        process.off('SIGTERM', listener);
      };
    },
    exitNow: (code) => process.exit(code),
  });
}

main().catch((error: unknown) => {
  // runCli reports its own failures; reaching here is a bug in the tool itself.
  process.stderr.write(`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = ExitCode.Internal;
});
