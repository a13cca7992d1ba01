/**
 * The local server with stand-in handlers: routing as on API Gateway, the events the handlers get,
 * the limits, and what a failing handler shows to the caller.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { startLocalServer, type LambdaHandler, type LocalServer, type RouteHandlers } from '../../infra/local/server';

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
  api: recording('api', async (event) => ({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ proxy: event.pathParameters?.proxy }) })),
  session: recording('session', async () => ({ statusCode: 200, headers: { 'x-bad': 'line\nbreak' }, cookies: ['leak=1'], body: '{}' })),
  logout: recording('logout', async () => ({ statusCode: 200, body: Buffer.from('binary').toString('base64'), isBase64Encoded: true })),
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
  for (const [method, path] of [['GET', '/nope'], ['POST', '/login'], ['GET', '/api/'], ['GET', '/']] as const) {
    const target = path === '/' ? withoutDemo.url : server.url;
    const response = await fetch(`${target}${path}`, { method });
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ message: 'Not Found' });
  }
  expect(received).toEqual([]);
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
