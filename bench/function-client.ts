/**
 * The bench's browser: each request becomes an API Gateway payload 2.0 event handed straight to a
 * function (in this process or in a function's process), with no HTTP server in between, so the time
 * measured is the handler's. Keeps cookies and takes the development provider's login steps.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';
import type { RouteEntry } from '../infra/route-table';
import { matchRoute, normalizeResult, toApiGatewayEvent } from '../local/api-gateway-event';
import type { LambdaHandler } from '../local/server';
import { completeDevLogin } from '../test/support/dev-idp-login';

export type Handlers = Readonly<Record<RouteEntry, LambdaHandler>>;

/** Hands an event to a route's function; `durationMs` is the handler call alone. */
export type Invoke = (route: RouteEntry, event: APIGatewayProxyEventV2) => Promise<{ result: APIGatewayProxyResultV2<object>; durationMs: number }>;

/** Handlers loaded in this process, timed here. */
export function inProcess(handlers: Handlers): Invoke {
  return async (route, event) => {
    const started = performance.now();
    const result = await handlers[route](event);
    return { result, durationMs: performance.now() - started };
  };
}

export interface Answer {
  readonly route: RouteEntry;
  readonly status: number;
  readonly location?: string;
  readonly body: string;
  /** Wall time of the handler call alone. */
  readonly durationMs: number;
}

/**
 * A browser talking to the functions the way API Gateway invokes them: each request becomes a
 * payload 2.0 event (the local runtime's own translation) and goes straight to the function, with
 * no HTTP server in between, so the time measured is the handler's. Keeps the cookies it is given.
 */
export class FunctionClient {
  private readonly cookies = new Map<string, string>();

  constructor(private readonly invoke: Invoke) {}

  async get(target: string, headers: Readonly<Record<string, string>> = {}): Promise<Answer> {
    return this.request('GET', target, headers);
  }

  async request(method: string, target: string, headers: Readonly<Record<string, string>> = {}): Promise<Answer> {
    const path = target.split('?')[0] ?? target;
    const route = matchRoute(method, path);
    if (!route) throw new Error(`no route for ${method} ${path}`);
    const rawHeaders = [...Object.entries({ host: '127.0.0.1', ...headers }).flat()];
    if (this.cookies.size > 0) rawHeaders.push('cookie', [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; '));
    const event = toApiGatewayEvent(
      { method, url: target, rawHeaders, httpVersion: '1.1', socket: { remoteAddress: '127.0.0.1', localPort: 443 } },
      Buffer.alloc(0),
      { route },
    );
    const invoked = await this.invoke(route.name, event);
    const result = normalizeResult(invoked.result);
    const { durationMs } = invoked;
    for (const cookie of result.cookies ?? []) this.keep(cookie);
    const location = result.headers?.location;
    return {
      route: route.name,
      status: result.statusCode ?? 200,
      ...(typeof location === 'string' ? { location } : {}),
      body: result.body ?? '',
      durationMs,
    };
  }

  /** `/login`, then the provider's login and consent pages; returns the `/callback` target, not yet requested. */
  async startLogin(): Promise<{ callbackTarget: string; login: Answer }> {
    const login = await this.get('/login?returnTo=%2F');
    return { callbackTarget: await this.atProvider(login), login };
  }

  /** The user's steps at the development provider after `/login` sent the browser there. */
  async atProvider(login: Answer): Promise<string> {
    if (login.status !== 302 || !login.location) throw new Error(`/login answered ${login.status}`);
    const url = new URL((await completeDevLogin(login.location, 'bench-user')).callbackUrl);
    return `${url.pathname}${url.search}`;
  }

  async signIn(): Promise<Answer> {
    const { callbackTarget } = await this.startLogin();
    const callback = await this.get(callbackTarget);
    if (callback.status !== 302) throw new Error(`/callback answered ${callback.status}`);
    return callback;
  }

  /** The `sid` that /logout needs, from /session. */
  async sid(): Promise<string> {
    const session = await this.get('/session');
    if (session.status !== 200) throw new Error(`/session answered ${session.status}`);
    return (JSON.parse(session.body) as { sid: string }).sid;
  }

  private keep(setCookie: string): void {
    const [pair = '', ...attributes] = setCookie.split(';');
    const at = pair.indexOf('=');
    const name = pair.slice(0, at).trim();
    const value = pair.slice(at + 1).trim();
    const expired = attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute));
    if (expired || value === '') this.cookies.delete(name);
    else this.cookies.set(name, value);
  }
}
