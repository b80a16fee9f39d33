/**
 * The hot path's HTTP transport: one `node:http(s)` request on the engine's keep-alive agents,
 * the response read into one Buffer (issue 12).
 *
 * The SDK's `NodeHttpHandler` arms three timers per request (a socket-usage warning, a deferred
 * TCP keep-alive setting and a deferred socket timeout), wraps the body write in a promise race,
 * and its `streamCollector` pipes the response through a Writable; at ~1,000 calls/s that is a
 * measurable share of a Lambda's fraction of a core. What of it matters to the engine is kept:
 * - the engine's shared keep-alive agents (the very ones its clients' handlers use);
 * - the SDK's service default socket timeout (300 s of inactivity, a `TimeoutError`);
 * - TCP keep-alive on each socket, as the handler sets it (once per socket here, not per request);
 * - the handler's error mapping: ECONNRESET/EPIPE/ETIMEDOUT become a `TimeoutError`, which the
 *   SDK's retry classifies as transient, like every other socket error code it knows;
 * - headers as the handler hands them over (lower-case names, repeated values joined by `,`).
 * No request of the engine's carries an abort signal (an interrupted run lets in-flight calls
 * finish), a `100-continue` expectation or a streamed body, so none is handled here: such a
 * client is given no transport and keeps its own handler (see {@link transportFor}).
 */
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';

export interface TransportResponse {
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

export interface Transport {
  send(url: URL, headers: Record<string, string>, body: string): Promise<TransportResponse>;
}

/** The SDK clients' service default (`getDefaultSocketTimeout(requestHandler, 300_000)`). */
export const SOCKET_TIMEOUT_MS = 300_000;
/** What the SDK's handler maps to a `TimeoutError` (NODEJS_TIMEOUT_ERROR_CODES). */
const TIMEOUT_CODES = new Set(['ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

const transports = new WeakMap<object, Transport>();

/**
 * Gives a client built by the engine (its `config`) the transport over the engine's agents. A
 * client without one (built elsewhere, or with a handler of its own) sends through its handler.
 */
export function useTransport(config: object, transport: Transport): void {
  transports.set(config, transport);
}

export function transportFor(config: object): Transport | undefined {
  return transports.get(config);
}

export function agentTransport(httpAgent: HttpAgent, httpsAgent: HttpsAgent): Transport {
  const keptAlive = new WeakSet<Socket>();
  const onSocket = (socket: Socket): void => {
    if (keptAlive.has(socket)) return;
    keptAlive.add(socket);
    socket.setKeepAlive(true, 0);
  };
  return {
    send(url, headers, body) {
      const secure = url.protocol === 'https:';
      return new Promise<TransportResponse>((resolve, reject) => {
        const fail = (error: Error & { code?: string }): void => {
          reject(
            error.code !== undefined && TIMEOUT_CODES.has(error.code)
              ? Object.assign(error, { name: 'TimeoutError' })
              : error,
          );
        };
        const req = (secure ? httpsRequest : httpRequest)(
          {
            host: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
            port: url.port,
            method: 'POST',
            path: url.pathname,
            headers,
            agent: secure ? httpsAgent : httpAgent,
          },
          (res: IncomingMessage) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('error', fail);
            res.on('end', () => {
              const flat: Record<string, string> = {};
              for (const [name, value] of Object.entries(res.headers)) {
                if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(',') : value;
              }
              resolve({
                statusCode: res.statusCode ?? -1,
                headers: flat,
                body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks),
              });
            });
          },
        );
        req.on('socket', onSocket);
        req.on('error', fail);
        req.setTimeout(SOCKET_TIMEOUT_MS, () => {
          req.destroy(
            Object.assign(
              new Error(`the request socket timed out after ${SOCKET_TIMEOUT_MS} ms of inactivity`),
              { name: 'TimeoutError' },
            ),
          );
        });
        req.end(body);
      });
    },
  };
}
