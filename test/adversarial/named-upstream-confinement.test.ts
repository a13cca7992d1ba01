/**
 * With several named APIs, each request must reach only the API its first segment names, and only
 * paths below that API's URL: no traversal into another API, no other host, no name guessed from
 * another spelling. The same attacks as for the single URL, sent byte for byte.
 */
import type { RecordingUpstream } from '../support/recording-upstream';
import { CSRF_HEADER as csrf, HARMLESS_ODD_PATHS, PATH_TRAVERSALS, harnessForFile, rawRequest, sessionCookieHeader } from './harness';

const h = harnessForFile({
  upstreams: ['alpha', 'beta'],
  env: ({ upstreams }) => ({
    UPSTREAM_API_URL: '',
    UPSTREAM_APIS: JSON.stringify([
      { name: 'alpha', url: `${upstreams.alpha!.url}/a`, methods: ['GET', 'POST'] },
      { name: 'beta', url: `${upstreams.beta!.url}/b` },
    ]),
  }),
});
let alpha: RecordingUpstream;
let beta: RecordingUpstream;
let cookie: [string, string];

beforeAll(async () => {
  ({ alpha, beta } = h.upstreams as Record<'alpha' | 'beta', RecordingUpstream>);
  cookie = await sessionCookieHeader(h, 'named-proxy-user');
});
beforeEach(() => {
  alpha.reset();
  beta.reset();
});

const api = (path: string, method = 'GET') => rawRequest(h.baseUrl, { method, path, headers: [cookie, csrf] });
const reachedNothing = () => expect([...alpha.requests, ...beta.requests, ...h.upstream.requests]).toHaveLength(0);

test.each(PATH_TRAVERSALS.flatMap((rest) => [`/api/alpha/${rest}`, `/api/beta/${rest}`]))('path traversal %s is refused with 400 and reaches nothing', async (path) => {
  const response = await api(path);
  expect(response.status).toBe(400);
  expect(JSON.parse(response.body.toString()).error).toBe('invalid_api_path');
  reachedNothing();
});

test.each([
  '/api/alpha/../beta/x', '/api/alpha/%2e%2e/beta/x', '/api/alpha%2f..%2fbeta/x', '/api/ALPHA/x', '/api/%61lpha/x', '/api/alpha%00/x',
  '/api/alpha.beta/x', '/api/./alpha/x', '/api/../alpha/x', '/api//alpha/x', '/api/%2e%2e/beta', '/api/beta%5c..%5calpha/x',
  '/api/alpha/..;/beta/x', '/api/alpha;x/..;/beta/x', '/api/alpha//evil.example/x', '/api/alpha/http://evil.example/x',
])('%s reaches neither API', async (path) => {
  const response = await api(path);
  expect([400, 404]).toContain(response.status);
  reachedNothing();
});

test.each(HARMLESS_ODD_PATHS.map((rest) => [`/api/alpha/${rest}`, `/a/${rest}`]))('an odd but harmless path %s stays on alpha\'s host, below its URL', async (path, forwarded) => {
  const response = await api(path);
  expect(response.status).toBe(200);
  expect(alpha.requests.map((r) => [r.path, r.headers.host])).toEqual([[forwarded, new URL(alpha.url).host]]);
  expect(beta.requests).toHaveLength(0);
});

test('a method outside alpha\'s list is 405 and reaches nothing; beta accepts it', async () => {
  const refused = await api('/api/alpha/x', 'DELETE');
  expect([refused.status, JSON.parse(refused.body.toString()).error]).toEqual([405, 'method_not_allowed']);
  reachedNothing();
  expect((await api('/api/beta/x', 'DELETE')).status).toBe(200);
  expect(beta.requests.map((r) => [r.method, r.path])).toEqual([['DELETE', '/b/x']]);
});

test('the Host header the browser sends does not choose the API', async () => {
  const response = await rawRequest(h.baseUrl, { path: '/api/alpha/who', headers: [['host', new URL(beta.url).host], cookie, csrf] });
  expect(response.status).toBe(200);
  expect(beta.requests).toHaveLength(0);
  expect(alpha.requests[0]!.headers.host).toBe(new URL(alpha.url).host);
});
