// Runs the built reconciler bundle in a plain Node process, like the Lambda runtime does (jest's
// VM cannot run the bundle's `import("node:http")`). One process serves many invocations, so
// module-scoped clients are reused as in a warm container. Protocol (IPC):
//   parent -> { id, event, remainingMs, functionName, invokedFunctionArn, requestId, env }
//   child  -> { id, result } | { id, error: { name, message } }, after writing "@@end <id>" to stderr and stdout.
const bundle = require(process.argv[2]);

process.on('message', async (request) => {
  const { id, event, remainingMs, functionName, invokedFunctionArn, requestId, env } = request;
  for (const [key, value] of Object.entries(env ?? {})) {
    if (value === null) delete process.env[key];
    else process.env[key] = value;
  }
  const start = Date.now();
  const context = {
    functionName,
    invokedFunctionArn,
    awsRequestId: requestId,
    getRemainingTimeInMillis: () => remainingMs - (Date.now() - start),
  };
  let reply;
  try {
    reply = { id, result: await bundle.handler(event, context) };
  } catch (error) {
    reply = { id, error: { name: error?.name ?? 'Error', message: error?.message ?? String(error) } };
  }
  // Both streams carry the marker, so the parent has every line of both before it answers.
  process.stderr.write(`@@end ${id}\n`, () =>
    process.stdout.write(`@@end ${id}\n`, () => process.send(reply)),
  );
});
process.send({ ready: true });
