/**
 * /api paths that the service's own check might read as harmless but a back end behind the API
 * reads as `.`, `..` or a separator: path parameters, double and non-standard encodings, Unicode
 * look-alikes, whitespace around dots, runs of dots and empty segments. Each is sent byte for byte
 * through the real local server and must be 400 invalid_api_path with nothing reaching the
 * upstream, so the access token goes to the intended resource and path only (RFC 9700 4.13).
 * The back-end behaviours are modelled, with sources, in test/support/backend-path-models.ts.
 */
import { CSRF_HEADER, HARMLESS_ODD_PATHS, harnessForFile, rawRequest, sessionCookieHeader } from './harness';

const h = harnessForFile({ reset: ['upstream'] });
let cookie: [string, string];

beforeAll(async () => {
  cookie = await sessionCookieHeader(h, 'path-parameter-user');
});

const api = (path: string) => rawRequest(h.baseUrl, { path, headers: [cookie, CSRF_HEADER] });

const PATH_PARAMETERS = 'RFC 3986 3.3 path parameters, cut by Tomcat, Jetty and Spring before dots are resolved';
const DOT_SEGMENTS = 'RFC 3986 5.2.4 dot segments, in a spelling some back end decodes or folds to one';
const SEPARATORS = 'a separator in a spelling some back end decodes or folds to one';
const EMPTY_SEGMENTS = 'empty segments, merged by nginx, Tomcat, Spring and Go';

test.each([
  [PATH_PARAMETERS, '/api/..;/admin'],
  [PATH_PARAMETERS, '/api/a/..;/..;/admin'],
  [PATH_PARAMETERS, '/api/.;/admin'],
  [PATH_PARAMETERS, '/api/%2e%2e;/admin'],
  [PATH_PARAMETERS, '/api/..%3B/admin'],
  [PATH_PARAMETERS, '/api/..%3b/admin'],
  [PATH_PARAMETERS, '/api/a;jsessionid=x'],
  [PATH_PARAMETERS, '/api/a;jsessionid=x/../../admin'],
  [PATH_PARAMETERS, '/api/a;b=c'],
  [PATH_PARAMETERS, '/api/a;b=c/d'],
  [PATH_PARAMETERS, '/api/..%EF%BC%9B/admin'], // U+FF1B full-width semicolon, NFKC `;`
  [DOT_SEGMENTS, '/api/%252e%252e/admin'], // decoded twice (CERT CA-2001-12)
  [DOT_SEGMENTS, '/api/%25252e%25252e/admin'],
  [DOT_SEGMENTS, '/api/a%25b'], // any `%` left after one decoding
  [DOT_SEGMENTS, '/api/%EF%BC%8E%EF%BC%8E/admin'], // U+FF0E full-width full stop
  [DOT_SEGMENTS, '/api/%E2%80%A4%E2%80%A4/admin'], // U+2024 one dot leader
  [DOT_SEGMENTS, '/api/%E2%80%A5/admin'], // U+2025 two dot leader, NFKC `..`
  [DOT_SEGMENTS, '/api/%EF%B9%92%EF%B9%92/admin'], // U+FE52 small full stop
  [DOT_SEGMENTS, '/api/..%20/admin'], // trimmed by Spring's trimTokens and Windows
  [DOT_SEGMENTS, '/api/%20../admin'],
  [DOT_SEGMENTS, '/api/..%C2%A0/admin'], // U+00A0, NFKC a space
  [DOT_SEGMENTS, '/api/%E2%80%8B../admin'], // U+200B zero-width space, dropped by NFKC_Casefold
  [DOT_SEGMENTS, '/api/.../admin'],
  [DOT_SEGMENTS, '/api/a/....'],
  [SEPARATORS, '/api/a%252fb'],
  [SEPARATORS, '/api/a%255cb'],
  [SEPARATORS, '/api/..%EF%BC%8F..%EF%BC%8Fadmin'], // U+FF0F full-width solidus
  [SEPARATORS, '/api/..%EF%BC%BC..%EF%BC%BCadmin'], // U+FF3C full-width reverse solidus
  [SEPARATORS, '/api/..%EF%B9%A8admin'], // U+FE68 small reverse solidus
  [SEPARATORS, '/api/a%C2%85b'], // U+0085, a C1 control (next line)
  [EMPTY_SEGMENTS, '/api/a//b'],
  [EMPTY_SEGMENTS, '/api//admin'],
  [EMPTY_SEGMENTS, '/api/a//'],
  [EMPTY_SEGMENTS, '/api/a/%20/b'], // empty once trimmed
])('%s: %s is 400 invalid_api_path and reaches no upstream', async (_rule, path) => {
  const response = await api(path);
  expect(response.status).toBe(400);
  expect(JSON.parse(response.body.toString()).error).toBe('invalid_api_path');
  expect(h.upstream.requests).toHaveLength(0);
});

// Not UTF-8 after decoding, so the gateway stand-in already fails to route them (404), as it
// does for any path it cannot decode; the handler would refuse them too (test/unit/core/api-proxy/proxy-policy.test.ts).
test.each([
  ['overlong UTF-8 `.` (CVE-2000-0884)', '/api/%c0%ae%c0%ae/admin'],
  ['overlong UTF-8 `/`', '/api/..%c0%af..%c0%afadmin'],
  ['IIS %u escape (http.sys PercentUAllowed)', '/api/%u002e%u002e/admin'],
])('%s: %s reaches no upstream', async (_rule, path) => {
  const response = await api(path);
  expect([400, 404]).toContain(response.status);
  if (response.status === 400) expect(JSON.parse(response.body.toString()).error).toBe('invalid_api_path');
  expect(h.upstream.requests).toHaveLength(0);
});

test.each(HARMLESS_ODD_PATHS.map((rest) => [`/api/${rest}`, `/v1/${rest}`]))('a harmless path %s is still forwarded as spelled', async (path, forwarded) => {
  const response = await api(path);
  expect(response.status).toBe(200);
  expect(h.upstream.requests.map((received) => received.path)).toEqual([forwarded]);
});
