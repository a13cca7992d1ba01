/**
 * A stand-in for the protected API behind `/api`: it records each request exactly as the proxy sent
 * it (method, path, query, headers, body bytes) and answers whatever the test asks for, delayed if
 * asked.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { cancellableDelays, closeServer, listenOnLoopbackUrl, readWholeBody } from './http-server';

/** One request exactly as the upstream received it. */
export interface RecordedRequest {
  readonly method: string;
  /** The path without the query string, still percent-encoded as sent. */
  readonly path: string;
  /** The raw query string without the leading `?`; empty when there was none. */
  readonly query: string;
  /** Header names are lower-case (Node's parsing); repeated headers keep Node's joined form. */
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

export interface ScriptedResponse {
  readonly status: number;
  readonly headers?: Record<string, string | readonly string[]>;
  /** A string or Buffer is sent as is; any other value is sent as JSON (with a JSON content type unless one is given). */
  readonly body?: unknown;
  /** Wait this long before answering, to exercise timeouts. */
  readonly delayMs?: number;
}

export type UpstreamResponder = (request: RecordedRequest) => ScriptedResponse | Promise<ScriptedResponse>;

export interface RecordingUpstream {
  /** `http://127.0.0.1:<port>`, without a trailing slash. */
  readonly url: string;
  /** Every request received so far, oldest first. */
  readonly requests: RecordedRequest[];
  respondWith(responder: UpstreamResponder): void;
  /** Forgets the recorded requests and restores the default responder. */
  reset(): void;
  /** Stops listening and drops open connections, including ones waiting on a delayed answer. */
  close(): Promise<void>;
}

const defaultResponder: UpstreamResponder = (request) => ({
  status: 200,
  body: { ok: true, path: request.path, method: request.method },
});

/**
 * A stand-in for the protected API behind `/api`: it records what the proxy really sent
 * (method, path, query, headers, body bytes) and answers whatever the test asks for.
 */
export async function startRecordingUpstream(): Promise<RecordingUpstream> {
  const requests: RecordedRequest[] = [];
  let responder = defaultResponder;
  const { delay, cancelAll: cancelDelays } = cancellableDelays();

  const handle = async (incoming: IncomingMessage, outgoing: ServerResponse): Promise<void> => {
    const body = await readWholeBody(incoming);
    const target = incoming.url ?? '/';
    const queryStart = target.indexOf('?');
    const recorded: RecordedRequest = {
      method: incoming.method ?? 'GET',
      path: queryStart === -1 ? target : target.slice(0, queryStart),
      query: queryStart === -1 ? '' : target.slice(queryStart + 1),
      headers: incoming.headers,
      body,
    };
    requests.push(recorded);
    const response = await responder(recorded);
    if (response.delayMs) await delay(response.delayMs);
    if (outgoing.destroyed) return;
    writeResponse(outgoing, response);
  };

  const server = createServer((incoming, outgoing) => {
    handle(incoming, outgoing).catch((error: unknown) => {
      if (outgoing.headersSent || outgoing.destroyed) return;
      outgoing.writeHead(500, { 'content-type': 'text/plain' });
      outgoing.end(`recording upstream: responder failed: ${String(error)}`);
    });
  });
  const url = await listenOnLoopbackUrl(server);

  return {
    url,
    requests,
    respondWith(next) {
      responder = next;
    },
    reset() {
      requests.length = 0;
      responder = defaultResponder;
    },
    close() {
      cancelDelays();
      return closeServer(server);
    },
  };
}

function writeResponse(outgoing: ServerResponse, response: ScriptedResponse): void {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(response.headers ?? {})) {
    headers[name.toLowerCase()] = typeof value === 'string' ? value : [...value];
  }
  let payload: string | Buffer = '';
  if (typeof response.body === 'string' || Buffer.isBuffer(response.body)) {
    payload = response.body;
  } else if (response.body !== undefined) {
    payload = JSON.stringify(response.body);
    headers['content-type'] ??= 'application/json';
  }
  outgoing.writeHead(response.status, headers);
  outgoing.end(payload);
}
