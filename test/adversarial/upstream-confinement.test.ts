/**
 * /api must only ever reach UPSTREAM_API_URL and paths below it (server-side request forgery and
 * path traversal: RFC 3986 5.2.4 dot segments, OWASP SSRF; RFC 9700 4.13 for the bearer token never
 * travelling to another host). Requests are sent byte for byte, so no client normalises them first.
 */
import type { RecordingUpstream } from '../support/recording-upstream';
import { CSRF_HEADER as csrf, HARMLESS_ODD_PATHS, PATH_TRAVERSALS, harnessForFile, rawRequest, sessionCookieHeader } from './harness';

const h = harnessForFile({ upstreams: ['evil'] });
let evil: RecordingUpstream;
let cookie: [string, string];

beforeAll(async () => {
  evil = h.upstreams.evil!;
  cookie = await sessionCookieHeader(h, 'proxy-user');
});
beforeEach(() => {
  h.upstream.reset();
  evil.reset();
});

const api = (path: string, method = 'GET', extra: Array<[string, string]> = []) => rawRequest(h.baseUrl, { method, path, headers: [cookie, csrf, ...extra] });

test.each(PATH_TRAVERSALS.map((rest) => `/api/${rest}`))('path traversal %s is refused with 400 and reaches nothing', async (path) => {
  const response = await api(path);
  expect(response.status).toBe(400);
  expect(JSON.parse(response.body.toString()).error).toBe('invalid_api_path');
  expect(h.upstream.requests).toHaveLength(0);
});

test.each(['/api/%zz', '/api/a%', '/%61pi/x', '/API/x', 'http://evil.example/api/x', `${'http://127.0.0.1:1'}/api/x`])(
  'a request target %s that API Gateway would not route to /api reaches nothing',
  async (path) => {
    const response = await api(path);
    expect([400, 404]).toContain(response.status);
    expect(h.upstream.requests).toHaveLength(0);
    expect(evil.requests).toHaveLength(0);
  },
);

// RFC 3986 3.3: Tomcat, Jetty and Spring drop `;b=c` before routing; `//` is merged by nginx, Tomcat,
// Spring and Go. Neither is forwarded any more: the API could read the path differently from the rules that guard it.
test.each(['/api/a;b=c/d', '/api//evil.example/x', '/api/http://evil.example/x'])('%s, which a back end would read differently, is refused', async (path) => {
  const response = await api(path);
  expect(response.status).toBe(400);
  expect(JSON.parse(response.body.toString()).error).toBe('invalid_api_path');
  expect([...h.upstream.requests, ...evil.requests]).toHaveLength(0);
});

test.each(HARMLESS_ODD_PATHS.map((rest) => [`/api/${rest}`, `/v1/${rest}`]))('an odd but harmless path %s stays on the API host, below its base path', async (path, forwarded) => {
  const response = await api(path);
  expect(response.status).toBe(200);
  expect(h.upstream.requests).toHaveLength(1);
  const [received] = h.upstream.requests;
  expect(received!.path).toBe(forwarded);
  expect(received!.headers.host).toBe(new URL(h.upstream.url).host);
  expect(evil.requests).toHaveLength(0);
});

test('the Host and forwarding headers the browser sends do not choose the upstream', async () => {
  const evilHost = new URL(evil.url).host;
  const response = await rawRequest(h.baseUrl, {
    path: '/api/who',
    headers: [['host', evilHost], ['x-forwarded-host', evilHost], ['forwarded', `host=${evilHost}`], cookie, csrf],
  });
  expect(response.status).toBe(200);
  expect(evil.requests).toHaveLength(0);
  const [received] = h.upstream.requests;
  expect(received!.headers.host).toBe(new URL(h.upstream.url).host);
  expect(received!.headers['x-forwarded-host']).toBeUndefined();
  expect(received!.headers.forwarded).toBeUndefined();
});

test('RFC 9700 4.13: an upstream redirect to another host is returned without its Location, never followed', async () => {
  h.upstream.respondWith(() => ({ status: 307, headers: { location: `${evil.url}/steal` }, body: '' }));
  const response = await api('/api/moved', 'POST');
  expect(response.status).toBe(307);
  expect(response.headers.location).toBeUndefined();
  expect(evil.requests).toHaveLength(0);
  expect(h.upstream.requests).toHaveLength(1);
});

test('only allow-listed request headers reach the API; the bearer token is the service\'s own', async () => {
  await api('/api/headers', 'GET', [
    ['authorization', 'Bearer attacker-chosen'], ['proxy-authorization', 'Basic eDp4'], ['x-http-method-override', 'DELETE'],
    ['x-forwarded-for', '10.0.0.1'], ['x-amz-security-token', 'x'], ['accept', 'application/json'], ['x-request-id', 'trace-1'],
  ]);
  const [received] = h.upstream.requests;
  expect(received!.headers.authorization).toMatch(/^Bearer [A-Za-z0-9_-]{43}$/);
  expect(received!.headers.authorization).not.toContain('attacker-chosen');
  for (const name of ['proxy-authorization', 'x-http-method-override', 'x-amz-security-token', 'cookie', 'x-csrf']) {
    expect(received!.headers[name]).toBeUndefined();
  }
  expect(received!.headers.accept).toBe('application/json');
  expect(received!.headers['x-request-id']).toBe('trace-1');
});

test('the query string passes as sent, still encoded, and cannot add a fragment or a header', async () => {
  await api('/api/search?q=%0d%0aX-Injected:%201&next=http%3A%2F%2Fevil.example');
  const [received] = h.upstream.requests;
  expect(received!.query).toBe('q=%0d%0aX-Injected:%201&next=http%3A%2F%2Fevil.example');
  expect(received!.headers['x-injected']).toBeUndefined();
  expect(evil.requests).toHaveLength(0);
});

test.each(['TRACE', 'PROPFIND'])('method %s, which an API call has no use for, is refused as input, not as an outage', async (method) => {
  const response = await api('/api/x', method);
  expect(response.status).toBe(405);
  expect(JSON.parse(response.body.toString()).error).toBe('method_not_allowed');
  expect(h.upstream.requests).toHaveLength(0);
});
