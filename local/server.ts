/**
 * The local HTTP server: API Gateway's part when running on a laptop or in tests. It routes the
 * service's routes (infra/route-table.ts) to the same Lambda handlers as the HTTP API, translating
 * requests into payload 2.0 events and results back into responses. Given them, it also serves
 * another API behind the session authorizer (functions/authorizer.ts), as on AWS (the local runtime
 * puts the demo orders API at `/orders`: local/local-functions.ts), the session events published
 * so far at `GET /local/events`, and the web app on the same origin: the team's own
 * (local/frontend.ts: a development server every path not the service's is forwarded to, or a
 * built folder) or else the demo page at `/`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import {
  HEADERS_TOO_LARGE_MESSAGE,
  LAMBDA_MAX_REQUEST_PAYLOAD_BYTES,
  LAMBDA_MAX_RESPONSE_PAYLOAD_BYTES,
  lambdaPayloadBytes,
  MAX_REQUEST_BODY_BYTES,
  MAX_REQUEST_LINE_AND_HEADERS_BYTES,
  matchRoute,
  newRequestId,
  requestLineAndHeadersBytes,
  splitRequestTarget,
  toApiGatewayEvent,
  writeApiGatewayResult,
} from './api-gateway-event';
import type { ReplaceableParts } from '../functions/wiring/parts';
import { ROUTE_TABLE, type RouteEntry } from '../infra/route-table';
import type { LocalEventLog } from './local-event-log';
import { inScope, partsScope } from './parts-scope';
import { callAuthorizedApi, authorizedRouteKey, type AuthorizerHandler, type AuthorizedApi } from './authorized-api';
import { DEMO_PAGE_HEADERS, DEMO_PAGE_HTML } from './demo-page';
import type { Frontend } from './frontend';
import { webApp, type WebApp } from './web-app';
import { closeServer, listenOnLoopback, LOOPBACK_HOST, loopbackUrl } from './server-lifecycle';

/**
 * Node's own header limit (16 KiB by default) would answer 431 before API Gateway's 10,240-byte check
 * could; raised so that check decides. Beyond this bound Node still answers 431 and closes.
 */
export const NODE_MAX_HEADER_BYTES = 64 * 1024;

export type LambdaHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyResultV2<object>>;
export type HandlerLoader = () => Promise<LambdaHandler>;
export type RouteHandlers = Readonly<Record<RouteEntry, HandlerLoader>>;

/**
 * The real handlers, imported on first use: they read `process.env` when loaded and first invoked,
 * so the caller can finish setting the environment after the server is listening.
 */
export const functionHandlers: RouteHandlers = Object.fromEntries(
  ROUTE_TABLE.map((route) => [route.entry, async () => ((await import(`../functions/${route.entry}`)) as { handler: LambdaHandler }).handler]),
) as RouteHandlers;

export interface LocalServerOptions {
  /** 0 picks a free port. */
  readonly port: number;
  /** A loopback address; default 127.0.0.1. */
  readonly host?: string;
  /** Default: the handlers in functions/. */
  readonly handlers?: RouteHandlers;
  /** Parts that replace those built from the environment, for this server's invocations only (tests). */
  readonly parts?: Partial<ReplaceableParts>;
  /** Serve the demo page at `/` (never with a frontend). */
  readonly demoPage: boolean;
  /** The team's web app on this origin: its development server, or its built files (local/frontend.ts). */
  readonly frontend?: Frontend;
  /** One line per request (method, path without query, status, duration); default silent. */
  readonly log?: (line: string) => void;
  /** Another API on this host behind the session authorizer (functions/authorizer.ts), as on AWS. */
  readonly authorizedApi?: AuthorizedApi;
  /** The session events published so far, served at `GET /local/events` for the demo page. */
  readonly eventLog?: LocalEventLog;
}

/** What one request may be served by, besides the service's routes. */
interface Serving {
  readonly site: WebApp;
  readonly invoke: (handler: LambdaHandler, event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyResultV2<object>>;
  readonly load: (name: RouteEntry) => Promise<LambdaHandler>;
  readonly authorizedApi?: AuthorizedApi;
  readonly authorizer: () => Promise<AuthorizerHandler>;
  readonly eventLog?: LocalEventLog;
}

export interface LocalServer {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startLocalServer(options: LocalServerOptions): Promise<LocalServer> {
  const handlers = options.handlers ?? functionHandlers;
  const scope = partsScope(options.parts);
  const loaded = new Map<RouteEntry, Promise<LambdaHandler>>();
  const load = (name: RouteEntry): Promise<LambdaHandler> => {
    let handler = loaded.get(name);
    if (!handler) {
      handler = handlers[name]();
      loaded.set(name, handler);
    }
    return handler;
  };

  const site = webApp({ frontend: options.frontend, demoPage: options.demoPage, eventLog: options.eventLog !== undefined, authorizedApi: options.authorizedApi });

  const server = createServer({ maxHeaderSize: NODE_MAX_HEADER_BYTES }, (req, res) => {
    const started = Date.now();
    res.on('finish', () => {
      const { rawPath } = splitRequestTarget(req.url ?? '/');
      options.log?.(`${req.method} ${rawPath} ${res.statusCode} ${Date.now() - started}ms`);
    });
    const serving: Serving = {
      site,
      invoke: (handler, event) => inScope(scope, () => handler(event)),
      load,
      authorizer: async () => {
        const { handler } = await import('../functions/authorizer');
        return (event) => inScope(scope, () => handler(event)) as ReturnType<AuthorizerHandler>;
      },
      ...(options.authorizedApi ? { authorizedApi: options.authorizedApi } : {}),
      ...(options.eventLog ? { eventLog: options.eventLog } : {}),
    };
    handle(req, res, serving).catch((error: unknown) => {
      // Only reached when the response itself failed (e.g. an invalid header from a handler).
      reportFailure('response', error);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      // Nothing the handler had set so far (cookies included) goes out with the error.
      for (const name of res.getHeaderNames()) res.removeHeader(name);
      sendJson(res, 500, { error: 'internal_error' });
    });
  });
  // Node would silently drop header lines past 2,000, hiding them from the size check; the byte bound above caps them.
  server.maxHeadersCount = 0;
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;
  if (site.upgrade) server.on('upgrade', site.upgrade);

  const host = options.host ?? LOOPBACK_HOST;
  const port = await listenOnLoopback(server, options.port, host);
  return {
    url: loopbackUrl(host, port),
    port,
    close: () => {
      site.close();
      return closeServer(server);
    },
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, serving: Serving): Promise<void> {
  const { invoke, load, authorizedApi, eventLog } = serving;
  const method = req.method ?? 'GET';
  const { rawPath } = splitRequestTarget(req.url ?? '/');
  const target = serving.site.target(method, rawPath);
  if (target === 'frontend' && serving.site.answer) {
    // Not API Gateway's request, so not its limits either: the app's hosting answers it.
    await serving.site.answer(req, res);
    return;
  }
  if (requestLineAndHeadersBytes(req) > MAX_REQUEST_LINE_AND_HEADERS_BYTES) {
    // API Gateway refuses at the front door, whatever the route; the body is never read.
    req.resume();
    res.setHeader('connection', 'close');
    res.writeHead(413, { 'content-type': 'text/plain; charset=utf-8' }).end(HEADERS_TOO_LARGE_MESSAGE);
    return;
  }
  if (target === 'demo-page') {
    req.resume();
    res.writeHead(200, DEMO_PAGE_HEADERS).end(DEMO_PAGE_HTML);
    return;
  }
  if (target === 'event-log') {
    req.resume();
    sendJson(res, 200, { events: eventLog!.latest() });
    return;
  }
  const authorizedTarget = target === 'authorized-api' ? authorizedApi : undefined;
  const route = authorizedTarget ? { name: 'api' as const, routeKey: authorizedRouteKey(authorizedTarget) } : matchRoute(method, rawPath);
  if (!route) {
    req.resume();
    sendJson(res, 404, { message: 'Not Found' });
    return;
  }
  const body = await readBodyWithin(req, MAX_REQUEST_BODY_BYTES);
  if (!body) {
    // Closing the connection stops a client that is still uploading, as API Gateway does.
    res.setHeader('connection', 'close');
    sendJson(res, 413, { message: 'Request Entity Too Large' });
    return;
  }
  const requestId = newRequestId();
  res.setHeader('apigw-requestid', requestId);
  const event = toApiGatewayEvent(req, body, { route, requestId });
  if (lambdaPayloadBytes(event) > LAMBDA_MAX_REQUEST_PAYLOAD_BYTES) {
    // Lambda refuses the invocation (RequestEntityTooLargeException, 413), so the handler never runs.
    sendJson(res, 413, { message: 'Request Entity Too Large' });
    return;
  }
  let result: APIGatewayProxyResultV2<object>;
  try {
    if (authorizedTarget) {
      const authorize = await serving.authorizer();
      result = await callAuthorizedApi(authorizedTarget, event, authorize);
    } else {
      result = await invoke(await load(route.name), event);
    }
  } catch (error) {
    // As on AWS, a failed invocation tells the caller nothing about the cause.
    reportFailure(route.name, error);
    sendJson(res, 500, { error: 'internal_error' });
    return;
  }
  if (lambdaPayloadBytes(result) > LAMBDA_MAX_RESPONSE_PAYLOAD_BYTES) {
    // Lambda cannot deliver the result, and the HTTP API answers its generic integration failure.
    reportFailure(route.name, new Error('result over Lambda\'s response payload limit'));
    sendJson(res, 500, { message: 'Internal Server Error' });
    return;
  }
  writeApiGatewayResult(res, result);
}

function sendJson(res: ServerResponse, statusCode: number, body: object): void {
  res.writeHead(statusCode, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** Names the failure on the server console without a stack, which could carry request data. */
function reportFailure(where: string, error: unknown): void {
  const summary = error instanceof Error ? `${error.name}: ${error.message}` : 'non-error value thrown';
  console.error(`local server: ${where} handler failed: ${summary}`);
}

/** Reads a request body, refusing more than `limit` bytes (resolves `undefined` then). */
export function readBodyWithin(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size > limit) {
        refused = true;
        chunks.length = 0;
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!refused) resolve(Buffer.concat(chunks));
    });
    req.on('error', reject);
  });
}
