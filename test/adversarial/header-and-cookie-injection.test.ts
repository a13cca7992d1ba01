/**
 * Header and cookie injection: CR/LF, NUL and non-ASCII in headers, trace headers and cookies,
 * planted and duplicated cookies, many cookies (OWASP HTTP response splitting, RFC 6265 5.2,
 * RFC 9110 5.5; RFC 9700 4.7 for cookie-tossed bindings; W3C Trace Context Level 1 §3 for the
 * trace headers /api passes on). What API Gateway can deliver but Node's HTTP parser
 * would refuse is sent as a payload 2.0 event straight to the real handler.
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { handler as apiHandler } from '../../functions/api';
import { handler as sessionHandler } from '../../functions/session';
import { apiGatewayEvent } from '../unit/support/api-gateway-event';
import { CSRF_HEADER, rawRequest, harnessForFile } from './harness';

const h = harnessForFile({ reset: ['upstream'] });
let token: string;

beforeAll(async () => {
  token = (await h.signIn('cookie-user')).cookies.get('__Host-session')!;
});

const asResult = (result: unknown) => result as APIGatewayProxyStructuredResultV2;

test.each([
  ['CR/LF', 'trace-1\r\nX-Injected: 1'],
  ['a bare LF', 'trace-1\nX-Injected: 1'],
  ['NUL', 'trace-1\u0000X-Injected: 1'],
  ['non-ASCII', 'trace-ü'],
])('RFC 9110 5.5: a header value with %s never reaches the API', async (_case, value) => {
  const result = asResult(await apiHandler(apiGatewayEvent({
    method: 'GET', rawPath: '/api/echo', cookies: [`__Host-session=${token}`], headers: { 'x-csrf': '1', 'x-request-id': value, 'content-language': 'en' },
  })));
  expect(result.statusCode).toBe(200);
  const [received] = h.upstream.requests;
  expect(received!.headers['x-request-id']).toBeUndefined();
  expect(received!.headers['x-injected']).toBeUndefined();
  expect(received!.headers['content-language']).toBe('en'); // the clean header next to it still passes
});

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const XRAY = 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1';

test.each([
  ['traceparent', 'CR/LF', `${TRACEPARENT}\r\nX-Injected: 1`],
  ['traceparent', 'NUL', `${TRACEPARENT}\u0000`],
  ['traceparent', 'CR/LF in a fifth field of version 00', `${TRACEPARENT}-\r\nX-Injected: 1`],
  ['tracestate', 'CR/LF after a valid member', 'congo=1\r\nX-Injected: 1'],
  ['tracestate', 'CR/LF between members', 'congo=1,\r\nX-Injected=1'],
  ['tracestate', 'CR/LF at the end of a valid member', 'congo=1\r\n,rojo=2'],
  ['tracestate', 'non-ASCII', 'congo=caf\u00e9'],
  ['tracestate', '8 KB', `congo=${'a'.repeat(255)},${Array.from({ length: 40 }, (_, i) => `k${i}=${'v'.repeat(200)}`).join(',')}`],
  ['x-amzn-trace-id', 'CR/LF', `${XRAY}\r\nX-Injected: 1`],
  ['x-amzn-trace-id', 'a space and a header after it', `${XRAY} X-Injected: 1`],
  ['x-amzn-trace-id', '8 KB', `${XRAY};Pad=${'a'.repeat(8192)}`],
])('W3C Trace Context §3.2.2, §3.3.1.3, X-Ray tracing header: a %s with %s never reaches the API, and the request still succeeds', async (name, _case, value) => {
  const valid: Record<string, string> = { traceparent: TRACEPARENT, tracestate: 'rojo=1', 'x-amzn-trace-id': XRAY };
  const result = asResult(await apiHandler(apiGatewayEvent({
    method: 'GET', rawPath: '/api/echo', cookies: [`__Host-session=${token}`], headers: { 'x-csrf': '1', ...valid, [name]: value },
  })));
  expect(result.statusCode).toBe(200);
  const [received] = h.upstream.requests;
  expect(received!.headers[name]).toBeUndefined();
  expect(received!.headers['x-injected']).toBeUndefined();
  // The valid headers beside it still pass (a tracestate only beside a valid traceparent).
  for (const other of Object.keys(valid).filter((header) => header !== name && !(name === 'traceparent' && header === 'tracestate'))) {
    expect(received!.headers[other]).toBe(valid[other]);
  }
});

test("W3C Trace Context §3.2.4: a later traceparent version's unknown fields, a bare LF among them, never go on: the header is rebuilt as version 00", async () => {
  const result = asResult(await apiHandler(apiGatewayEvent({
    method: 'GET', rawPath: '/api/echo', cookies: [`__Host-session=${token}`], headers: { 'x-csrf': '1', traceparent: `01-${TRACEPARENT.slice(3)}-a\nX-Injected: 1` },
  })));
  expect(result.statusCode).toBe(200);
  const [received] = h.upstream.requests;
  expect(received!.headers.traceparent).toBe(TRACEPARENT);
  expect(received!.headers['x-injected']).toBeUndefined();
});

test.each([
  ['NUL', `${'A'.repeat(20)}\u0000${'A'.repeat(22)}`],
  ['CR/LF', `${'A'.repeat(20)}\r\n${'A'.repeat(21)}`],
  ['non-ASCII', `${'Ä'.repeat(43)}`],
  ['8 KB', 'A'.repeat(8192)],
  ['quotes and a semicolon', '"abc;def"'],
])('RFC 6265 5.2: a session cookie with %s is no session (401, cookie cleared), never a server error', async (_case, value) => {
  const result = asResult(await sessionHandler(apiGatewayEvent({ rawPath: '/session', cookies: [`__Host-session=${value}`] })));
  expect(result.statusCode).toBe(401);
  expect(JSON.parse(result.body!).error).toBe('not_signed_in');
  expect(result.cookies).toEqual([expect.stringMatching(/^__Host-session=; .*Max-Age=0$/)]);
});

test.each([
  ['no name', ['=value', `__Host-session=${'x'}`]],
  ['no equals sign', ['__Host-session']],
  ['an empty value', ['__Host-session=']],
])('a malformed cookie entry (%s) is ignored', async (_case, cookies) => {
  const result = asResult(await sessionHandler(apiGatewayEvent({ rawPath: '/session', cookies })));
  expect(result.statusCode).toBe(401);
});

test('RFC 9700 4.7 / cookie tossing: a second, planted session cookie makes the request anonymous instead of picking one', async () => {
  const attacker = (await h.signIn('attacker')).cookies.get('__Host-session')!;
  for (const order of [[token, attacker], [attacker, token]]) {
    const response = await rawRequest(h.baseUrl, { path: '/session', headers: [['cookie', order.map((value) => `__Host-session=${value}`).join('; ')]] });
    expect(response.status).toBe(401);
  }
});

test('many cookies: ours is found wherever it stands among 100 others, up to the size API Gateway accepts', async () => {
  const junk = Array.from({ length: 100 }, (_, i) => `junk${i}=${'v'.repeat(20)}`);
  const first = await rawRequest(h.baseUrl, { path: '/session', headers: [['cookie', [`__Host-session=${token}`, ...junk].join('; ')]] });
  expect(first.status).toBe(200);
  const last = await rawRequest(h.baseUrl, { path: '/session', headers: [['cookie', [...junk, `__Host-session=${token}`].join('; ')]] });
  expect(last.status).toBe(200);
  // Filling API Gateway's 10,240 bytes of request line and headers, ours last.
  const filler = Array.from({ length: 280 }, (_, i) => `f${i}=${'w'.repeat(27)}`).join('; ');
  const full = await rawRequest(h.baseUrl, { path: '/session', headers: [['cookie', `${filler}; __Host-session=${token}`]] });
  expect(full.status).toBe(200);
});

test('response splitting: a returnTo with CR/LF cannot add a header or a cookie', async () => {
  const response = await rawRequest(h.baseUrl, { path: '/login?returnTo=/a%0d%0aSet-Cookie:%20__Host-session=planted%0d%0aX-Injected:%201' });
  expect(response.status).toBe(400);
  expect(response.headers['x-injected']).toBeUndefined();
  expect(response.headers['set-cookie']).toBeUndefined();
  expect(response.headers.location).toBeUndefined();
});

test('session fixation from the API: its Set-Cookie (even for __Host-session) never reaches the browser', async () => {
  h.upstream.respondWith(() => ({ status: 200, headers: { 'set-cookie': ['__Host-session=fixed; Path=/', 'other=1'] }, body: {} }));
  const response = await rawRequest(h.baseUrl, { path: '/api/fix', headers: [['cookie', `__Host-session=${token}`], CSRF_HEADER] });
  expect(response.status).toBe(200);
  expect(response.headers['set-cookie']).toBeUndefined();
});

test('a non-ASCII response header from the API is dropped, the rest passes', async () => {
  h.upstream.respondWith(() => ({ status: 200, headers: { etag: '"caf\u00e9"', 'content-type': 'text/plain' }, body: 'ok' }));
  const response = await rawRequest(h.baseUrl, { path: '/api/latin1', headers: [['cookie', `__Host-session=${token}`], CSRF_HEADER] });
  expect(response.status).toBe(200);
  expect(response.headers.etag).toBeUndefined();
  expect(response.headers['content-type']).toBe('text/plain');
});

test('a header just under API Gateway\'s 10,240-byte limit is handled, not a server error', async () => {
  const response = await rawRequest(h.baseUrl, {
    path: '/api/big-header', headers: [['cookie', `__Host-session=${token}`], CSRF_HEADER, ['accept-language', 'x'.repeat(10_000)]],
  });
  expect(response.status).toBe(200);
  expect(h.upstream.requests[0]!.headers['accept-language']).toHaveLength(10_000);
});
