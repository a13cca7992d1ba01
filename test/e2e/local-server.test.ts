/**
 * The local server with stand-in handlers: routing as on API Gateway, the events the handlers get,
 * the limits, and what a failing handler shows to the caller.
 */
import { request as httpRequest } from 'node:http';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import {
  HEADERS_TOO_LARGE_MESSAGE,
  LAMBDA_MAX_REQUEST_PAYLOAD_BYTES,
  LAMBDA_MAX_RESPONSE_PAYLOAD_BYTES,
  lambdaPayloadBytes,
  MAX_REQUEST_LINE_AND_HEADERS_BYTES,
} from '../../local/api-gateway-event';
import { NODE_MAX_HEADER_BYTES, startLocalServer, type LambdaHandler, type LocalServer, type RouteHandlers } from '../../local/server';
import { headerLines, largestFitting, paddedToExactly, type PlannedRequest } from '../unit/support/lambda-event-size';

const received: Array<{ route: string; event: APIGatewayProxyEventV2 }> = [];

function recording(route: string, reply: LambdaHandler = async () => ({ statusCode: 204 })): () => Promise<LambdaHandler> {
  return async () => async (event) => {
    received.push({ route, event });
    return reply(event);
  };
}

const handlers: RouteHandlers = {
  login: recording('login', async () => ({ statusCode: 302, headers: { location: 'https://idp.example/authorize' }, cookies: ['a=1; Path=/', 'b=2; Path=/'] })),
  callback: recording('callback', async () => {
    throw new Error('secret detail that must not reach the browser');
  }),
  home: recording('home'),
  'backchannel-logout': recording('backchannel-logout'),
  jwks: recording('jwks'),
  sessions: recording('sessions'),
  api: recording('api', async (event) => {
    // `/api/result-bytes/N` answers a result whose JSON is exactly N bytes.
    const sized = /^result-bytes\/(\d+)$/.exec(event.pathParameters?.proxy ?? '');
    if (sized) return { statusCode: 200, body: 'r'.repeat(Number(sized[1]) - lambdaPayloadBytes({ statusCode: 200, body: '' })) };
    return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ proxy: event.pathParameters?.proxy }) };
  }),
  session: recording('session', async () => ({ statusCode: 200, headers: { 'x-bad': 'line\nbreak' }, cookies: ['leak=1'], body: '{}' })),
  logout: recording('logout', async () => ({ statusCode: 200, body: Buffer.from('binary').toString('base64'), isBase64Encoded: true })),
  'logout-done': recording('logout-done'),
};

let server: LocalServer;
let withoutDemo: LocalServer;

beforeAll(async () => {
  server = await startLocalServer({ port: 0, handlers, demoPage: true });
  withoutDemo = await startLocalServer({ port: 0, handlers, demoPage: false });
});

afterAll(async () => {
  await server?.close();
  await withoutDemo?.close();
});

beforeEach(() => {
  received.length = 0;
});

test('listens on 127.0.0.1', () => {
  expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
});

test('routes GET /login to the login handler with a payload 2.0 event and writes its cookies', async () => {
  const response = await fetch(`${server.url}/login?returnTo=%2Fdocs&x=1&x=2`, { redirect: 'manual', headers: { cookie: 'c=3; d=4' } });
  expect(response.status).toBe(302);
  expect(response.headers.get('location')).toBe('https://idp.example/authorize');
  expect(response.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; Path=/']);
  expect(response.headers.get('apigw-requestid')).toBe(received[0]?.event.requestContext.requestId);
  const { route, event } = received[0]!;
  expect(route).toBe('login');
  expect(event).toMatchObject({
    version: '2.0',
    routeKey: 'GET /login',
    rawPath: '/login',
    rawQueryString: 'returnTo=%2Fdocs&x=1&x=2',
    queryStringParameters: { returnTo: '/docs', x: '1,2' },
    cookies: ['c=3', 'd=4'],
    requestContext: { stage: '$default', http: { method: 'GET', path: '/login', sourceIp: '127.0.0.1' } },
  });
  expect(event.headers.cookie).toBeUndefined();
});

test('routes any method under /api/ and passes the body', async () => {
  const response = await fetch(`${server.url}/api/things/1`, { method: 'PATCH', headers: { 'content-type': 'application/json' }, body: '{"a":1}' });
  expect(await response.json()).toEqual({ proxy: 'things/1' });
  expect(received[0]?.event).toMatchObject({ routeKey: 'ANY /api/{proxy+}', body: '{"a":1}', isBase64Encoded: false });
});

test('answers 404 JSON for unknown routes and methods, like API Gateway', async () => {
  for (const [method, path] of [['GET', '/nope'], ['POST', '/login'], ['GET', '/api/'], ['POST', '/']] as const) {
    const target = path === '/' ? withoutDemo.url : server.url;
    const response = await fetch(`${target}${path}`, { method });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ message: 'Not Found' });
  }
  expect(received).toEqual([]);
});

test('without a demo page or web app, GET / is the home route, as on AWS without a web app', async () => {
  const response = await fetch(`${withoutDemo.url}/`);
  expect(response.status).toBe(204);
  expect(received.map((r) => [r.route, r.event.routeKey])).toEqual([['home', 'GET /']]);
  received.length = 0;
});

test('refuses bodies over 10 MB with 413 without calling the handler', async () => {
  const response = await fetch(`${server.url}/api/upload`, { method: 'POST', body: Buffer.alloc(10 * 1024 * 1024 + 1) });
  expect(response.status).toBe(413);
  expect(received).toEqual([]);
});

test('a throwing handler gives 500 internal_error and no detail', async () => {
  const spy = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    const response = await fetch(`${server.url}/callback?code=x`);
    expect(response.status).toBe(500);
    expect(await response.text()).toBe('{"error":"internal_error"}');

    // A result that cannot be written (a header with a line break) fails the same way, without its cookies.
    const invalid = await fetch(`${server.url}/session`);
    expect(invalid.status).toBe(500);
    expect(invalid.headers.getSetCookie()).toEqual([]);
    expect(await invalid.json()).toEqual({ error: 'internal_error' });
  } finally {
    spy.mockRestore();
  }
});

test('decodes base64 results', async () => {
  const response = await fetch(`${server.url}/logout?sid=1`);
  expect(await response.text()).toBe('binary');
});

test('serves the demo page with a strict Content-Security-Policy', async () => {
  const response = await fetch(`${server.url}/`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(response.headers.get('content-security-policy')).toMatch(/default-src 'none'; script-src 'sha256-[^']+'/);
  const html = await response.text();
  for (const label of ['Log in', 'Call the API', 'Who am I', 'Log out']) expect(html).toContain(`>${label}</button>`);
  expect(html).toContain('<pre id="output"');
  expect(html).not.toMatch(/<(script|link|img)[^>]+(src|href)=/);
});

interface Sent {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: string;
}

/** Sends exactly the given header lines (fetch would add its own) and reads the whole answer. */
function send(method: string, path: string, lines: Array<[string, string]>, body?: Buffer): Promise<Sent> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: '127.0.0.1', port: server.port, method, path, setHost: false, headers: lines.flat() as unknown as Record<string, string> },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, contentType: response.headers['content-type'], body: Buffer.concat(chunks).toString() }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

/*
 * API Gateway's front-door limit, as documented in "Quotas for configuring and running an HTTP API in
 * API Gateway" (https://docs.amazonaws.cn/en_us/apigateway/latest/developerguide/http-api-quotas.html):
 * "Total combined size of request line and header values: 10240 bytes". Clients over it get
 * 413 with the body `HTTP header is larger than 10240 bytes.` (observed in SalesforceCommerceCloud/pwa-kit
 * issue #2160, whose platform documents the same 10,240-byte request line and headers limit and a 413).
 */
describe('request line and headers over 10,240 bytes', () => {
  const path = '/api/headers';
  const base = (): Array<[string, string]> => [['host', `127.0.0.1:${server.port}`], ['connection', 'close']];
  /** Header lines making request line plus `name: value` lines exactly `total` bytes. */
  const linesTotalling = (total: number): Array<[string, string]> => {
    const used = `GET ${path} HTTP/1.1`.length + base().reduce((sum, [name, value]) => sum + name.length + 2 + value.length, 0);
    return [...base(), ['x-pad', 'p'.repeat(total - used - 'x-pad: '.length)]];
  };

  test('exactly at the limit reaches the handler', async () => {
    const response = await send('GET', path, linesTotalling(MAX_REQUEST_LINE_AND_HEADERS_BYTES));
    expect(response.status).toBe(200);
    expect(received).toHaveLength(1);
  });

  test.each([
    ['one byte over', MAX_REQUEST_LINE_AND_HEADERS_BYTES + 1],
    ['over Node\'s 16 KiB default', 20_000],
    ['just under the raised Node bound', NODE_MAX_HEADER_BYTES - 200],
  ])('%s: 413 with API Gateway\'s text, no handler', async (_case, total) => {
    const response = await send('GET', path, linesTotalling(total));
    expect(response).toEqual({ status: 413, contentType: 'text/plain; charset=utf-8', body: HEADERS_TOO_LARGE_MESSAGE });
    expect(received).toEqual([]);
  });

  test('counts every header line, past Node\'s default of 2,000 lines', async () => {
    const many: Array<[string, string]> = Array.from({ length: 3000 }, () => ['a', 'b']);
    const response = await send('GET', path, [...base(), ...many]);
    expect(response.status).toBe(413);
    expect(received).toEqual([]);
  });

  test('beyond the 64 KiB bound Node itself answers 431 and the handler never runs', async () => {
    const response = await send('GET', path, linesTotalling(NODE_MAX_HEADER_BYTES + 1024));
    expect(response.status).toBe(431);
    expect(received).toEqual([]);
  });
});

/*
 * Lambda's synchronous invocation payload, "Lambda quotas" (https://docs.aws.Amazon.com/lambda/latest/dg/limits.html):
 * 6 MB each for request and response. The event is JSON, so a binary body counts base64-encoded. Lambda
 * refuses a larger event with 413 RequestEntityTooLargeException ("Invoke - AWS Lambda",
 * https://docs.aws.amazon.com/lambda/latest/dg//API_Invoke.html) and the function never runs.
 */
describe('events over Lambda\'s 6 MiB invocation payload', () => {
  const plan = (contentType: string) => (bytes: number): PlannedRequest => ({
    method: 'POST',
    path: '/api/upload',
    headers: [['host', `127.0.0.1:${server.port}`], ['connection', 'close'], ['content-type', contentType]],
    body: Buffer.alloc(bytes, contentType === 'application/json' ? 'a' : 7),
    port: server.port,
  });
  const sendPlanned = (request: PlannedRequest) => send(request.method, request.path, headerLines(request), request.body);

  test.each([
    ['a text (JSON) body', 'application/json'],
    ['a binary body, base64 in the event', 'application/octet-stream'],
  ])('%s: an event of exactly 6,291,456 bytes is delivered, one byte more is refused with 413', async (_case, contentType) => {
    const largest = largestFitting(LAMBDA_MAX_REQUEST_PAYLOAD_BYTES - 32, plan(contentType));
    const atLimit = await sendPlanned(paddedToExactly(LAMBDA_MAX_REQUEST_PAYLOAD_BYTES, largest));
    expect(atLimit.status).toBe(200);
    expect(received).toHaveLength(1);
    expect(lambdaPayloadBytes(received[0]!.event)).toBe(LAMBDA_MAX_REQUEST_PAYLOAD_BYTES);
    expect(Buffer.from(received[0]!.event.body!, received[0]!.event.isBase64Encoded ? 'base64' : 'utf8').equals(largest.body)).toBe(true);

    received.length = 0;
    const over = await sendPlanned(paddedToExactly(LAMBDA_MAX_REQUEST_PAYLOAD_BYTES + 1, largest));
    expect(over).toEqual({ status: 413, contentType: 'application/json', body: '{"message":"Request Entity Too Large"}' });
    expect(received).toEqual([]);
  }, 60_000);
});

/*
 * A result over Lambda's response payload limit (6,291,556 bytes: "Exceeded maximum allowed payload size
 * (6291556 bytes)", RequestEntityTooLarge, reported in anomalyco/console issue #63) is never delivered;
 * the HTTP API answers its integration failure, 500 {"message":"Internal Server Error"} ("Troubleshooting
 * issues with HTTP API Lambda integrations",
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-troubleshooting-lambda.html).
 */
test('a result at Lambda\'s response limit is written; one byte over answers 500 Internal Server Error', async () => {
  const spy = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    const atLimit = await fetch(`${server.url}/api/result-bytes/${LAMBDA_MAX_RESPONSE_PAYLOAD_BYTES}`);
    expect(atLimit.status).toBe(200);
    expect((await atLimit.text()).length).toBe(LAMBDA_MAX_RESPONSE_PAYLOAD_BYTES - lambdaPayloadBytes({ statusCode: 200, body: '' }));

    const over = await fetch(`${server.url}/api/result-bytes/${LAMBDA_MAX_RESPONSE_PAYLOAD_BYTES + 1}`);
    expect(over.status).toBe(500);
    expect(await over.text()).toBe('{"message":"Internal Server Error"}');
  } finally {
    spy.mockRestore();
  }
}, 30_000);
