/**
 * The local stand-in for API Gateway (HTTP API, payload format 2.0): a Node request becomes the event
 * a Lambda handler receives on AWS, and the handler's result becomes the Node response. Mirroring the
 * real mapping closely (raw query string, cookies array, comma-joined duplicates, base64 bodies) means
 * the handlers run locally exactly as deployed, with no local-only code paths in functions/.
 */
import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { ROUTE_TABLE, type RouteEntry } from '../infra/route-table';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** API Gateway's payload limit for HTTP APIs; larger requests are refused with 413. */
export const MAX_REQUEST_BODY_BYTES = 10 * 1024 * 1024;

/**
 * HTTP API quota "Total combined size of request line and header values": 10,240 bytes, not adjustable.
 * Over it, API Gateway answers 413 with this plain-text body before any route or integration runs.
 */
export const MAX_REQUEST_LINE_AND_HEADERS_BYTES = 10_240;
export const HEADERS_TOO_LARGE_MESSAGE = `HTTP header is larger than ${MAX_REQUEST_LINE_AND_HEADERS_BYTES} bytes.`;

/**
 * Lambda's synchronous invocation payload limits, in bytes of JSON: the event may be 6 MiB
 * (`Request must be smaller than 6291456 bytes`), the result 6 MiB + 100 bytes
 * (`exceeded maximum allowed payload size (6291556 bytes)`).
 */
export const LAMBDA_MAX_REQUEST_PAYLOAD_BYTES = 6 * 1024 * 1024;
export const LAMBDA_MAX_RESPONSE_PAYLOAD_BYTES = 6 * 1024 * 1024 + 100;

/** The size of a value as Lambda carries it: its JSON serialisation in UTF-8. */
export function lambdaPayloadBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? 'null', 'utf8');
}

/**
 * The request line and header lines as API Gateway measures them: `METHOD target HTTP/x.y` plus each
 * `name: value` line as received, line endings excluded. Node has already dropped the optional
 * whitespace around values, so each line counts as its canonical `name: value` form.
 */
export function requestLineAndHeadersBytes(req: Pick<RequestLike, 'method' | 'url' | 'httpVersion' | 'rawHeaders'>): number {
  let total = Buffer.byteLength(`${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/${req.httpVersion}`, 'latin1');
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    total += Buffer.byteLength(req.rawHeaders[i] as string, 'latin1') + 2 + Buffer.byteLength(req.rawHeaders[i + 1] as string, 'latin1');
  }
  return total;
}

export interface RouteMatch {
  /** The route's function, by its entry's name (`login`, `api`, …: infra/route-table.ts). */
  readonly name: RouteEntry;
  readonly routeKey: string;
  readonly pathParameters?: Readonly<Record<string, string>>;
}

/**
 * The same routes as the HTTP API in the CDK stack: exact ones, those with a `{name}` segment
 * (one whole path segment, not empty), and the greedy `{proxy+}` ones by prefix. API Gateway
 * prefers the most specific: an exact path, then a parameter, then a greedy one.
 */
const EXACT_ROUTES: ReadonlyMap<string, RouteEntry> = new Map(
  ROUTE_TABLE.filter((route) => !route.path.includes('{')).map((route) => [`${route.method} ${route.path}`, route.entry]),
);
const PARAMETER_ROUTES = ROUTE_TABLE.filter((route) => route.path.includes('{') && !route.path.endsWith('{proxy+}')).map((route) => ({
  entry: route.entry,
  method: route.method,
  routeKey: `${route.method} ${route.path}`,
  names: [...route.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]!),
  pattern: new RegExp(`^${route.path.split(/\{\w+\}/).map((part) => part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')).join('([^/]+)')}$`),
}));
const PROXY_ROUTES = ROUTE_TABLE.filter((route) => route.path.endsWith('/{proxy+}')).map((route) => ({
  entry: route.entry,
  method: route.method,
  prefix: route.path.slice(0, -'{proxy+}'.length),
  routeKey: `${route.method} ${route.path}`,
}));

/**
 * Finds the route for a request. Like API Gateway, the path is percent-decoded before matching and the
 * greedy `{proxy+}` parameter is handed over decoded; a path that does not decode matches nothing.
 */
export function matchRoute(method: string, rawPath: string): RouteMatch | undefined {
  let path: string;
  try {
    path = decodeURIComponent(rawPath);
  } catch {
    return undefined;
  }
  const exact = EXACT_ROUTES.get(`${method} ${path}`);
  if (exact) return { name: exact, routeKey: `${method} ${path}` };
  for (const route of PARAMETER_ROUTES) {
    const values = route.method === 'ANY' || route.method === method ? route.pattern.exec(path) : null;
    if (values) return { name: route.entry, routeKey: route.routeKey, pathParameters: Object.fromEntries(route.names.map((name, i) => [name, values[i + 1]!])) };
  }
  const proxy = PROXY_ROUTES.find((route) => (route.method === 'ANY' || route.method === method) && path.startsWith(route.prefix) && path.length > route.prefix.length);
  return proxy && { name: proxy.entry, routeKey: proxy.routeKey, pathParameters: { proxy: path.slice(proxy.prefix.length) } };
}

/** The parts of a Node request the event is built from (an `IncomingMessage` has them all). */
export interface RequestLike {
  readonly method?: string | undefined;
  readonly url?: string | undefined;
  readonly rawHeaders: readonly string[];
  readonly httpVersion: string;
  readonly socket: { readonly remoteAddress?: string | undefined; readonly localPort?: number | undefined };
}

export interface EventOptions {
  readonly route: RouteMatch;
  readonly now?: Date;
  readonly requestId?: string;
}

/** Splits a request target into the raw path and the raw query string, both exactly as received. */
export function splitRequestTarget(url: string): { rawPath: string; rawQueryString: string } {
  const queryStart = url.indexOf('?');
  return queryStart === -1
    ? { rawPath: url, rawQueryString: '' }
    : { rawPath: url.slice(0, queryStart), rawQueryString: url.slice(queryStart + 1) };
}

export function toApiGatewayEvent(req: RequestLike, body: Buffer, options: EventOptions): APIGatewayProxyEventV2 {
  const now = options.now ?? new Date();
  const requestId = options.requestId ?? newRequestId();
  const { rawPath, rawQueryString } = splitRequestTarget(req.url ?? '/');
  const sourceIp = (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');

  const joined = new Map<string, string>();
  const cookies: string[] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = (req.rawHeaders[i] as string).toLowerCase();
    const value = req.rawHeaders[i + 1] as string;
    if (name === 'cookie') {
      cookies.push(...cookieEntries(value));
    } else {
      const previous = joined.get(name);
      joined.set(name, previous === undefined ? value : `${previous},${value}`);
    }
  }
  // API Gateway appends the caller's address and states the protocol and port it received on.
  const forwardedFor = joined.get('x-forwarded-for');
  joined.set('x-forwarded-for', forwardedFor ? `${forwardedFor}, ${sourceIp}` : sourceIp);
  joined.set('x-forwarded-proto', 'http');
  if (req.socket.localPort !== undefined) joined.set('x-forwarded-port', String(req.socket.localPort));

  const domainName = (joined.get('host') ?? 'localhost').replace(/:\d+$/, '');
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: options.route.routeKey,
    rawPath,
    rawQueryString,
    headers: Object.fromEntries(joined),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName,
      domainPrefix: domainName.split('.')[0] ?? domainName,
      http: {
        method: req.method ?? 'GET',
        path: rawPath,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp,
        userAgent: joined.get('user-agent') ?? '',
      },
      requestId,
      routeKey: options.route.routeKey,
      stage: '$default',
      time: formatRequestTime(now),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: false,
  };
  if (cookies.length > 0) event.cookies = cookies;
  const query = parseQueryString(rawQueryString);
  if (query) event.queryStringParameters = query;
  if (options.route.pathParameters) event.pathParameters = { ...options.route.pathParameters };
  if (body.length > 0) {
    if (isTextual(joined.get('content-type'))) {
      event.body = body.toString('utf8');
    } else {
      event.body = body.toString('base64');
      event.isBase64Encoded = true;
    }
  }
  return event;
}

/**
 * One `Cookie` header as API Gateway's `cookies` entries: split on `;`, with the SP and HTAB around
 * each entry removed and nothing else. Node reads header bytes as Latin-1; browsers send cookies
 * as UTF-8 and the Lambda event is UTF-8 JSON, so a no-break space or a BOM in a cookie name reaches
 * the handler as the character it is on AWS (an attacker's look-alike name must look the same here).
 */
export function cookieEntries(headerValue: string): string[] {
  const text = Buffer.from(headerValue, 'latin1').toString('utf8');
  return text.split(';').map((part) => part.replace(/^[ \t]+|[ \t]+$/g, '')).filter((part) => part !== '');
}

/** Decoded query parameters; API Gateway joins repeated names with a comma. */
export function parseQueryString(rawQueryString: string): Record<string, string> | undefined {
  if (!rawQueryString) return undefined;
  const values = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    const previous = values.get(name);
    values.set(name, previous === undefined ? value : `${previous},${value}`);
  }
  return values.size > 0 ? Object.fromEntries(values) : undefined;
}

/**
 * Bodies API Gateway passes as text; everything else (form posts included, as on AWS) arrives base64
 * encoded, so handlers must honour `isBase64Encoded`.
 */
export function isTextual(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
  return (
    mediaType.startsWith('text/') ||
    ['application/json', 'application/xml', 'application/javascript'].includes(mediaType) ||
    /^application\/[\w.-]+\+(json|xml)$/.test(mediaType)
  );
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** The `requestContext.time` format: `27/Nov/2025:23:54:01 +0000`. */
export function formatRequestTime(date: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return (
    `${two(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}:` +
    `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`
  );
}

export function newRequestId(): string {
  return randomBytes(10).toString('base64');
}

/**
 * The result as API Gateway interprets it: a structured result as given; any other value (a string or
 * an object without `statusCode`) becomes a 200 JSON response.
 */
export function normalizeResult(result: APIGatewayProxyResultV2<object>): APIGatewayProxyStructuredResultV2 {
  if (typeof result === 'object' && result !== null && 'statusCode' in result) {
    return result as APIGatewayProxyStructuredResultV2;
  }
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: typeof result === 'string' ? result : JSON.stringify(result),
  };
}

/** Writes a handler result to the Node response: each cookie becomes its own `Set-Cookie` header. */
export function writeApiGatewayResult(res: ServerResponse, result: APIGatewayProxyResultV2<object>): void {
  const structured = normalizeResult(result);
  res.statusCode = structured.statusCode ?? 200;
  for (const [name, value] of Object.entries(structured.headers ?? {})) {
    res.setHeader(name, String(value));
  }
  if (structured.cookies && structured.cookies.length > 0) {
    const existing = res.getHeader('set-cookie');
    const previous = existing === undefined ? [] : Array.isArray(existing) ? existing : [String(existing)];
    res.setHeader('set-cookie', [...previous, ...structured.cookies]);
  }
  if (structured.body === undefined || structured.body === '') {
    res.end();
    return;
  }
  res.end(Buffer.from(structured.body, structured.isBase64Encoded ? 'base64' : 'utf8'));
}
