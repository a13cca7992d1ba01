/**
 * The request line's metrics (functions/adapters/metrics): the lines the logger really writes,
 * read back as CloudWatch would and checked against the embedded metric format.
 */
import { lambdaHandler } from '../../../../functions/adapters/api-gateway/lambda-handler';
import { json, redirect, type HttpResponse } from '../../../../functions/adapters/api-gateway/response';
import { logger } from '../../../../functions/adapters/logs/logger';
import { requestMetricFields } from '../../../../functions/adapters/metrics/embedded-metrics';
import { PROVIDER_CALLS, recordProviderCall, recordRefresh, timedFetch } from '../../../../functions/adapters/metrics/request-measurements';
import type { OAuthConnection } from '../../../../functions/adapters/oauth/oauth-connection';
import { OAuthSessionTokens } from '../../../../functions/adapters/oauth/oauth-session-tokens';
import { ServiceError } from '../../../../functions/core/errors';
import { emfData, metricValues } from '../../../support/embedded-metrics';
import { apiGatewayEvent } from '../../support/api-gateway-event';

let lines: string[];
beforeEach(() => {
  lines = [];
  logger.setWriter((line) => lines.push(line));
  logger.setLogLevel('INFO');
});

const run = (route: string, handle: () => HttpResponse | Promise<HttpResponse>) =>
  lambdaHandler(route, 'json', async () => handle())(apiGatewayEvent({ rawPath: `/${route}` }));

test('every request line is valid EMF in the LoginService namespace and counts the request by route', async () => {
  await run('session', () => json(200, {}));
  expect(lines).toHaveLength(1);
  const data = emfData(lines[0]!);
  expect(data.map((d) => d.namespace)).toEqual(data.map(() => 'LoginService'));
  expect(data).toEqual([{ namespace: 'LoginService', name: 'Requests', unit: 'Count', dimensions: { Route: 'session' }, values: [1] }]);
  // The request line keeps its own fields: the metrics ride along.
  expect(JSON.parse(lines[0]!)).toMatchObject({ message: 'request', route: 'session', status: 200 });
});

test('a successful callback is a login; a failed one is not', async () => {
  await lambdaHandler('callback', 'html', async () => redirect('/'))(apiGatewayEvent({ rawPath: '/callback' }));
  await lambdaHandler('callback', 'html', async () => {
    throw new ServiceError('code_rejected');
  })(apiGatewayEvent({ rawPath: '/callback' }));
  expect(metricValues(lines, 'Logins', {})).toEqual([1]);
  expect(metricValues(lines, 'Requests', { Route: 'callback' })).toEqual([1, 1]);
});

test.each([
  ['login', new ServiceError('invalid_return_to')],
  ['api', new ServiceError('upstream_timeout')],
  ['logout', new Error('a bug')],
])('a refused or failed %s request counts as a failure by error code and by route', async (route, failure) => {
  await run(route, () => Promise.reject(failure));
  const code = failure instanceof ServiceError ? failure.code : 'internal_error';
  expect(metricValues(lines, 'Failures', { ErrorCode: code })).toEqual([1]);
  expect(metricValues(lines, 'Failures', { Route: route })).toEqual([1]);
  // Only the two dimension sets: no code combined with a route, so the number of metrics stays the routes plus the codes.
  expect(emfData(lines[0]!).filter((d) => d.name === 'Failures')).toHaveLength(2);
});

test('provider latencies per call kind and the refresh outcome, measured during the request', async () => {
  await run('api', async () => {
    await timedFetch('token', async () => new Response('{}'))('http://127.0.0.1/token', {});
    await timedFetch('jwks', async () => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      return new Response('{}');
    })('http://127.0.0.1/jwks', {});
    recordProviderCall('jwks', 12.4);
    recordRefresh('refreshed');
    return json(200, {});
  });
  const data = emfData(lines[0]!);
  const jwks = metricValues(lines, 'ProviderJwksLatency', {});
  expect(jwks).toHaveLength(2);
  expect(jwks[0]).toBeGreaterThanOrEqual(25);
  expect(jwks[1]).toBe(12);
  expect(metricValues(lines, 'ProviderTokenLatency', {})).toHaveLength(1);
  expect(data.find((d) => d.name === 'ProviderTokenLatency')?.unit).toBe('Milliseconds');
  expect(metricValues(lines, 'ProviderDiscoveryLatency')).toEqual([]);
  expect(metricValues(lines, 'TokenRefreshes', { RefreshOutcome: 'refreshed' })).toEqual([1]);
});

test('a failed provider call is timed too', async () => {
  await run('callback', async () => {
    await timedFetch('discovery', async () => {
      throw new TypeError('fetch failed');
    })('http://127.0.0.1/.well-known/openid-configuration', {}).catch(() => undefined);
    throw new ServiceError('provider_unavailable');
  });
  expect(metricValues(lines, 'ProviderDiscoveryLatency', {})).toHaveLength(1);
  expect(metricValues(lines, 'Failures', { ErrorCode: 'provider_unavailable' })).toEqual([1]);
});

test('measurements stay with their own request: concurrent requests do not see each other, nothing outside a request is kept', async () => {
  recordRefresh('failed');
  recordProviderCall('token', 5);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const slow = run('api', async () => {
    recordRefresh('refused');
    await gate;
    recordProviderCall('revocation', 7);
    return json(200, {});
  });
  const quick = run('session', () => json(200, {}));
  await quick;
  release();
  await slow;
  const [session, api] = [lines.find((l) => l.includes('"Route":"session"'))!, lines.find((l) => l.includes('"Route":"api"'))!];
  expect(emfData(session).map((d) => d.name)).toEqual(['Requests']);
  expect(metricValues([api], 'TokenRefreshes', { RefreshOutcome: 'refused' })).toEqual([1]);
  expect(metricValues([api], 'ProviderRevocationLatency', {})).toEqual([7]);
  expect(metricValues([api], 'ProviderTokenLatency')).toEqual([]);
});

test('every metric a line can carry fits the format: all provider kinds, a refresh, a failure and a login at once', () => {
  const providerMs = Object.fromEntries(PROVIDER_CALLS.map((call) => [call, Array.from({ length: 150 }, (_, i) => i)]));
  const fields = requestMetricFields({ route: 'callback', errorCode: 'provider_timeout', login: true, measurements: { providerMs, refresh: 'failed' } }, 'Custom/Ns', Date.now());
  const data = emfData(JSON.stringify(fields));
  expect(new Set(data.map((d) => d.namespace))).toEqual(new Set(['Custom/Ns']));
  // 150 calls are cut to the format's 100 values per metric.
  expect(data.find((d) => d.name === 'ProviderUserinfoLatency')?.values).toHaveLength(100);
  expect(new Set(data.map((d) => d.name))).toEqual(
    new Set(['Requests', 'Failures', 'Logins', 'TokenRefreshes', 'ProviderDiscoveryLatency', 'ProviderTokenLatency', 'ProviderJwksLatency', 'ProviderRevocationLatency', 'ProviderUserinfoLatency', 'ProviderParLatency']),
  );
});

test('the checker refuses lines that break the format', () => {
  const good = requestMetricFields({ route: 'api', login: false, measurements: { providerMs: {} } }, 'LoginService', Date.now());
  const meta = good._aws as { CloudWatchMetrics: { Metrics: unknown[]; Dimensions: unknown[] }[] };
  expect(() => emfData(JSON.stringify({ ...good, Route: 42 }))).toThrow(/dimension Route/);
  expect(() => emfData(JSON.stringify({ ...good, Requests: 'one' }))).toThrow(/value of Requests/);
  const tooMany = { ...meta.CloudWatchMetrics[0]!, Metrics: Array.from({ length: 101 }, () => ({ Name: 'Requests', Unit: 'Count' })) };
  expect(() => emfData(JSON.stringify({ ...good, _aws: { ...meta, CloudWatchMetrics: [tooMany] } }))).toThrow(/1 to 100/);
  const badUnit = { ...meta.CloudWatchMetrics[0]!, Metrics: [{ Name: 'Requests', Unit: 'Requests' }] };
  expect(() => emfData(JSON.stringify({ ...good, _aws: { ...meta, CloudWatchMetrics: [badUnit] } }))).toThrow(/unit/);
});

test.each([
  [new ServiceError('session_ended'), 'refused'],
  [new ServiceError('provider_timeout'), 'failed'],
  [new ServiceError('client_misconfigured'), 'failed'],
])('a refresh grant that ends in %s counts as %s', async (failure, outcome) => {
  const connection = {
    metadata: async () => ({ issuer: 'https://idp.example', token_endpoint: 'https://idp.example/token' }),
    withClientAuth: () => Promise.reject(failure),
  };
  const tokens = new OAuthSessionTokens(connection as unknown as OAuthConnection);
  await run('api', async () => {
    await expect(tokens.refresh('refresh-token-value')).rejects.toBe(failure);
    return json(200, {});
  });
  expect(metricValues(lines, 'TokenRefreshes', { RefreshOutcome: outcome })).toEqual([1]);
});

test('a log level that hides the request line still writes its metrics, alone; SILENT writes nothing', async () => {
  logger.setLogLevel('ERROR');
  await lambdaHandler('callback', 'html', async () => redirect('/'))(apiGatewayEvent({ rawPath: '/callback' }));
  await run('login', () => Promise.reject(new ServiceError('invalid_return_to')));
  expect(lines).toHaveLength(2);
  expect(metricValues(lines, 'Logins', {})).toEqual([1]);
  expect(metricValues(lines, 'Failures', { ErrorCode: 'invalid_return_to' })).toEqual([1]);
  for (const line of lines) {
    const parsed = JSON.parse(line) as Record<string, unknown>;
    // Only the metrics, the time and the service: none of the hidden line's own fields.
    expect(parsed.message).toBeUndefined();
    expect(parsed.level).toBeUndefined();
    expect(parsed.status).toBeUndefined();
    expect(parsed.service).toBe('login-service');
  }
  logger.setLogLevel('SILENT');
  await run('session', () => json(200, {}));
  expect(lines).toHaveLength(2);
});
