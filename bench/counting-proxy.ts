/**
 * A loopback proxy in front of DynamoDB Local that records each AWS call it forwards and counts the
 * TCP connections it accepts, so the bench's calls per request are what would reach DynamoDB.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { closeServer, listenOnLoopback, LOOPBACK_HOST, loopbackUrl } from '../local/server-lifecycle';

/** One AWS JSON-protocol call that went through the proxy. */
export interface AwsCall {
  /** The operation, from `X-Amz-Target` (`DynamoDB_20120810.GetItem` gives `GetItem`). */
  readonly operation: string;
  /** The request body as JSON (`ConditionExpression`, `ReturnValues`, ...). */
  readonly input: Record<string, unknown>;
  readonly status: number;
  /** From the first request byte to the last response byte, as seen here. */
  readonly durationMs: number;
}

export interface CountingProxy {
  /** `http://127.0.0.1:<port>`: give this to the SDK client instead of the real endpoint. */
  readonly url: string;
  /** The calls since the last `take`, oldest first, and forgets them. */
  take(): AwsCall[];
  /** TCP connections accepted so far: with keep-alive, a warm client opens none per request. */
  readonly connections: number;
  close(): Promise<void>;
}

/**
 * A loopback reverse proxy in front of an AWS JSON-protocol endpoint (DynamoDB Local, dynalite)
 * that records each call it forwards. The code under test talks to the real emulator through its
 * real SDK client, so what is counted is what would reach DynamoDB.
 */
export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const upstream = new URL(target);
  let calls: AwsCall[] = [];
  const server = createServer((incoming, outgoing) => {
    const started = performance.now();
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.once('end', () => {
      const body = Buffer.concat(chunks);
      const forward = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers: incoming.headers },
        (answer) => {
          outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(outgoing);
          answer.once('end', () => {
            calls.push({
              operation: operationOf(incoming.headers),
              input: parseJson(body),
              status: answer.statusCode ?? 0,
              durationMs: performance.now() - started,
            });
          });
        },
      );
      forward.once('error', () => {
        if (!outgoing.headersSent) outgoing.writeHead(502);
        outgoing.end();
      });
      forward.end(body);
    });
  });
  let connections = 0;
  server.on('connection', () => {
    connections += 1;
  });
  const port = await listenOnLoopback(server, 0);
  return {
    url: loopbackUrl(LOOPBACK_HOST, port),
    get connections() {
      return connections;
    },
    take() {
      const taken = calls;
      calls = [];
      return taken;
    },
    close: () => closeServer(server),
  };
}

function operationOf(headers: IncomingHttpHeaders): string {
  const target = String(headers['x-amz-target'] ?? '');
  return target.slice(target.lastIndexOf('.') + 1) || 'unknown';
}

function parseJson(body: Buffer): Record<string, unknown> {
  try {
    return JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}
