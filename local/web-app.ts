/**
 * What the local server serves besides the service's routes, put together once per server: which
 * paths are whose (request-target.ts), and who answers the web app's: the development server
 * (frontend-proxy.ts, hot reload's WebSocket included), the built folder (static-site.ts), or the
 * demo page, which only stands in when the team brings no app of its own.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { splitRequestTarget } from './api-gateway-event';
import type { AuthorizedApi } from './authorized-api';
import { checkFrontend, type Frontend } from './frontend';
import { frontendProxy, refuseOnSocket } from './frontend-proxy';
import { requestTarget, type RequestTarget } from './request-target';
import { serveStatic } from './static-site';

export interface WebAppOptions {
  readonly frontend?: Frontend | undefined;
  readonly demoPage: boolean;
  readonly eventLog: boolean;
  readonly authorizedApi?: AuthorizedApi | undefined;
}

export interface WebApp {
  /** Who answers a request, by method and raw path. */
  target(method: string, rawPath: string): RequestTarget;
  /** Answers a request whose target is `frontend`; undefined when no frontend is served. */
  readonly answer?: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>;
  /** For the server's `upgrade` event when there is a development server; undefined otherwise. */
  readonly upgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => void;
  /** Ends what a server's close leaves open: relayed WebSockets, pooled connections. */
  close(): void;
}

/** Checks the frontend option (ConfigError when it is wrong) and builds what serves it. */
export function webApp(options: WebAppOptions): WebApp {
  const frontend = options.frontend && checkFrontend(options.frontend);
  const served = {
    frontend: frontend !== undefined,
    demoPage: options.demoPage && !frontend,
    eventLog: options.eventLog,
    authorizedApi: options.authorizedApi,
  };
  const target = (method: string, rawPath: string) => requestTarget(method, rawPath, served);
  if (frontend && 'url' in frontend) {
    const proxy = frontendProxy(frontend.url);
    return {
      target,
      answer: proxy.forward,
      // Hot reload's WebSocket reaches the dev server; the service's routes are plain HTTP, as on API Gateway.
      upgrade(req, socket, head) {
        if (target(req.method ?? 'GET', splitRequestTarget(req.url ?? '/').rawPath) === 'frontend') proxy.upgrade(req, socket, head);
        else refuseOnSocket(socket, 400, 'Bad Request', 'Only the web app\'s paths accept a connection upgrade.');
      },
      close: proxy.close,
    };
  }
  return {
    target,
    ...(frontend ? { answer: (req: IncomingMessage, res: ServerResponse) => serveStatic(req, res, frontend.dir) } : {}),
    close: () => undefined,
  };
}
