/**
 * The metrics of real requests (CloudWatch embedded metric format on each request line): a sign-in
 * at the certified oidc-provider through the local API Gateway server, with DynamoDB Local, writes
 * a login and the provider's latencies; a refresh in /api its outcome; refused requests a failure
 * with their error code. The lines are the ones the logger wrote, read back as CloudWatch would.
 */
import { emfData, metricValues } from '../support/embedded-metrics';
import { capturedLogLines } from '../support/log-capture';
import type { DevProvider } from '../../local/dev-idp';
import { startService, type Service } from '../support/harness';
import { TestBrowser } from '../support/test-browser';

const CLIENT_ID = 'metrics-client';
const CLIENT_SECRET = 'metrics-secret-value-that-is-long-enough';
/** Short enough that a test can wait for the refresh: refreshed 1 s after sign-in (half its life, under the default skew). */
const ACCESS_TOKEN_TTL = 2;

let service: Service<DevProvider>;
let baseUrl: string;

beforeAll(async () => {
  service = await startService({
    provider: { kind: 'dev', clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, options: { accessTokenTtlSeconds: ACCESS_TOKEN_TTL }, postLogoutRedirect: false },
  });
  ({ baseUrl } = service);
});

afterAll(() => service?.close());

/** The request lines written while `run` ran. */
async function linesOf(run: () => Promise<unknown>): Promise<string[]> {
  const before = capturedLogLines().length;
  await run();
  return capturedLogLines().slice(before).filter((line) => line.includes('"_aws"'));
}

test('a sign-in writes a login, the provider latencies of discovery, token and keys; a refresh in /api its outcome and the token call', async () => {
  const browser = service.browser();
  const callbackUrl = await service.authorize(browser, { returnTo: '/', user: 'ada' });
  const callbackLines = await linesOf(async () => expect((await service.callback(browser, callbackUrl)).status).toBe(302));
  expect(callbackLines).toHaveLength(1);
  expect(metricValues(callbackLines, 'Logins', {})).toEqual([1]);
  expect(metricValues(callbackLines, 'Requests', { Route: 'callback' })).toEqual([1]);
  for (const metric of ['ProviderDiscoveryLatency', 'ProviderTokenLatency', 'ProviderJwksLatency']) {
    const values = metricValues(callbackLines, metric, {});
    expect(values.length).toBeGreaterThanOrEqual(1);
    for (const ms of values) expect(ms).toBeGreaterThanOrEqual(0);
  }
  expect(metricValues(callbackLines, 'Failures')).toEqual([]);

  await new Promise((resolve) => setTimeout(resolve, (ACCESS_TOKEN_TTL / 2) * 1000 + 200));
  const apiLines = await linesOf(async () => expect((await browser.get('/api/items', { 'x-csrf': '1' })).status).toBe(200));
  expect(metricValues(apiLines, 'TokenRefreshes', { RefreshOutcome: 'refreshed' })).toEqual([1]);
  expect(metricValues(apiLines, 'ProviderTokenLatency', {})).toHaveLength(1);
  expect(metricValues(apiLines, 'Logins')).toEqual([]);
});

test.each([
  ['/api/items', 'api', 'csrf_header_missing'],
  ['/callback', 'callback', 'login_state_missing'],
  ['/login?returnTo=https%3A%2F%2Fevil.example', 'login', 'invalid_return_to'],
])('a refused request (%s) writes a failure with its error code and route', async (path, route, code) => {
  const lines = await linesOf(() => new TestBrowser(baseUrl).get(path));
  expect(metricValues(lines, 'Failures', { ErrorCode: code })).toEqual([1]);
  expect(metricValues(lines, 'Failures', { Route: route })).toEqual([1]);
  expect(metricValues(lines, 'Logins')).toEqual([]);
  // The dimensions name the route and the code, never what the request carried.
  const dimensionValues = lines.flatMap(emfData).flatMap((datum) => Object.values(datum.dimensions));
  expect(new Set(dimensionValues)).toEqual(new Set([route, code]));
});
