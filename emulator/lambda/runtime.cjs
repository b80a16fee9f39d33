// The emulated Lambda runtime: one child process per invocation, started by
// emulator/lambda/invoke.ts with the function's environment. It loads the handler the way the
// Node.js runtime does (`<file>.<export>` relative to the task root; .js, .cjs or .mjs), runs one
// event and reports over IPC:
//   parent -> { event, timeoutMs, functionName, requestId }
//   child  -> { result } | { error: { errorMessage, errorType, trace } }
// Plain JavaScript, so it runs in bare Node without the parent's TypeScript loader.
'use strict';

const { existsSync } = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

const [taskRoot, handlerSpec] = process.argv.slice(2);

function describe(error) {
  if (error instanceof Error) {
    return {
      errorMessage: error.message,
      errorType: error.name || 'Error',
      trace: String(error.stack || '').split('\n'),
    };
  }
  return { errorMessage: String(error), errorType: typeof error, trace: [] };
}

async function loadHandler() {
  const dot = handlerSpec.lastIndexOf('.');
  if (dot <= 0) {
    throw Object.assign(new Error(`Bad handler ${handlerSpec}: expected <file>.<export>`), {
      name: 'Runtime.MalformedHandlerName',
    });
  }
  const base = path.resolve(taskRoot, handlerSpec.slice(0, dot));
  const name = handlerSpec.slice(dot + 1);
  const file = ['.js', '.cjs', '.mjs'].map((ext) => base + ext).find((candidate) => existsSync(candidate));
  if (file === undefined) {
    throw Object.assign(new Error(`Cannot find module '${path.relative(taskRoot, base)}'`), {
      name: 'Runtime.ImportModuleError',
    });
  }
  const loaded = file.endsWith('.mjs') ? await import(pathToFileURL(file).href) : require(file);
  const handler = loaded[name] ?? loaded.default?.[name];
  if (typeof handler !== 'function') {
    throw Object.assign(new Error(`${handlerSpec} is undefined or not exported`), {
      name: 'Runtime.HandlerNotFound',
    });
  }
  return handler;
}

function invoke(handler, event, context) {
  // Callback-style handlers take (event, context, callback); async ones return a promise.
  return new Promise((resolve, reject) => {
    const callback = (error, result) => (error ? reject(error) : resolve(result));
    try {
      const returned = handler(event, context, callback);
      if (returned !== undefined && typeof returned.then === 'function') returned.then(resolve, reject);
      else if (handler.length < 3) resolve(returned);
    } catch (error) {
      reject(error);
    }
  });
}

process.once('message', async (request) => {
  const started = Date.now();
  const context = {
    functionName: request.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: request.functionArn,
    memoryLimitInMB: String(request.memorySize),
    awsRequestId: request.requestId,
    logGroupName: `/aws/lambda/${request.functionName}`,
    logStreamName: request.logStreamName,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, request.timeoutMs - (Date.now() - started)),
  };
  let reply;
  try {
    const handler = await loadHandler();
    const result = await invoke(handler, request.event, context);
    reply = { result: result === undefined ? null : result };
  } catch (error) {
    reply = { error: describe(error) };
  }
  process.send(reply, () => process.disconnect());
});
