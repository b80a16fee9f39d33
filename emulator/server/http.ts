/**
 * The loopback HTTP listener: reads requests, sends the admin path to its handler and every
 * other request through the core pipeline.
 */
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';

import type { RawResponse } from '../model/request';
import { handleAdmin } from './admin';
import type { EmulatorCore } from './core';

export const ADMIN_PREFIX = '/_emulator/';

export function createEmulatorServer(core: EmulatorCore): Server {
  const server = createServer((req, res) => {
    handleRequest(core, req, res).catch((error: unknown) => {
      // Only reached for bugs in the transport itself; the message carries no request data.
      process.stderr.write(
        `emulator: internal error: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      if (!res.headersSent) send(res, 'GET', { status: 500, headers: {}, body: 'internal error' });
      else res.destroy();
    });
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  return server;
}

async function handleRequest(core: EmulatorCore, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const body = await readBody(req);
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const rawPath = q < 0 ? url : url.slice(0, q);
  const rawQuery = q < 0 ? '' : url.slice(q + 1);
  const method = req.method ?? 'GET';

  if (rawPath.startsWith(ADMIN_PREFIX)) {
    send(res, method, await handleAdmin(core, method, rawPath, body));
    return;
  }

  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const response = await core.handle(
    { method, rawPath, rawQuery, headers, body },
    new URLSearchParams(rawQuery),
  );
  send(res, method, response);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, method: string, response: RawResponse): void {
  const body = method === 'HEAD' ? '' : response.body;
  res.writeHead(response.status, {
    ...response.headers,
    'content-length': method === 'HEAD' ? Buffer.byteLength(response.body) : Buffer.byteLength(body),
  });
  res.end(body);
}
