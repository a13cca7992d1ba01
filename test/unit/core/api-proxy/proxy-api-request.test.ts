/**
 * proxyApiRequest (functions/core/api-proxy/proxy-api-request.ts) on in-memory fakes: an API request
 * sent on with the session's access token (refreshed when about to expire), and what is refused
 * before the store or the upstream is used.
 */
import { proxyApiRequest, type ApiRequest } from '../../../../functions/core/api-proxy/proxy-api-request';
import { rejection } from '../../support/fakes';
import { SESSION_LIFETIME, useCaseSetup } from '../../support/use-case-setup';

describe('proxyApiRequest', () => {
  const request = (overrides: Partial<ApiRequest>): ApiRequest => ({
    method: 'POST',
    proxyPath: 'items/a%20b',
    rawQuery: 'x=1',
    headers: { 'x-csrf': '1', 'content-type': 'application/json', cookie: '__Host-session=abc', authorization: 'Bearer browser' },
    body: new TextEncoder().encode('{}'),
    ...overrides,
  });

  test('forwards method, URL, allowed headers and body with the access token, and filters the answer', async () => {
    const t = useCaseSetup();
    const sessionToken = await t.signedIn();
    t.upstream.response = {
      status: 201,
      headers: { 'content-type': 'application/json', 'set-cookie': 'x=1', etag: '"1"' },
      body: new TextEncoder().encode('{"id":1}'),
    };
    const response = await proxyApiRequest(request({ sessionToken }), t.proxyDeps);
    expect(t.upstream.requests).toHaveLength(1);
    const sent = t.upstream.requests[0]!;
    expect(sent.method).toBe('POST');
    expect(sent.url.href).toBe('https://api.example.com/v1/items/a%20b?x=1');
    expect(sent.headers).toEqual({ 'content-type': 'application/json' });
    expect(new TextDecoder().decode(sent.body)).toBe('{}');
    expect(sent.accessToken).toBe('access-token-value');
    expect(response.status).toBe(201);
    expect(response.headers).toEqual({ 'content-type': 'application/json', etag: '"1"' });
    expect(new TextDecoder().decode(response.body)).toBe('{"id":1}');
  });

  test('passes on the checked trace headers, and a valid tracestate only beside a traceparent', async () => {
    const t = useCaseSetup();
    const sessionToken = await t.signedIn();
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const xray = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';
    const headers = { 'x-csrf': '1', tracestate: 'congo=t61rcWkgMzE', traceparent: 'unchecked', 'x-amzn-trace-id': 'unchecked' };
    await proxyApiRequest(request({ sessionToken, headers, trace: { traceparent, 'x-amzn-trace-id': xray } }), t.proxyDeps);
    await proxyApiRequest(request({ sessionToken, headers, trace: { 'x-amzn-trace-id': xray } }), t.proxyDeps);
    await proxyApiRequest(request({ sessionToken, headers: { ...headers, tracestate: 'Congo=1' }, trace: { traceparent } }), t.proxyDeps);
    expect(t.upstream.requests.map((sent) => sent.headers)).toEqual([
      { traceparent, tracestate: 'congo=t61rcWkgMzE', 'x-amzn-trace-id': xray },
      { 'x-amzn-trace-id': xray },
      { traceparent },
    ]);
  });

  test.each([undefined, '0', 'true', ' 1', '11'])('X-CSRF %j: csrf_header_missing with zero store reads and zero upstream calls', async (csrf) => {
    const t = useCaseSetup();
    const sessionToken = await t.signedIn();
    const callsBefore = t.store.calls.length;
    const headers = csrf === undefined ? {} : { 'x-csrf': csrf };
    expect(await rejection(proxyApiRequest(request({ sessionToken, headers }), t.proxyDeps))).toBe('csrf_header_missing');
    expect(t.store.calls.length).toBe(callsBefore);
    expect(t.upstream.requests).toHaveLength(0);
  });

  test('an access token about to expire is refreshed before the upstream call', async () => {
    const t = useCaseSetup();
    const sessionToken = await t.signedIn();
    t.clock.advanceSeconds(239);
    await proxyApiRequest(request({ sessionToken }), t.proxyDeps);
    t.clock.advanceSeconds(1);
    await proxyApiRequest(request({ sessionToken }), t.proxyDeps);
    expect(t.provider.refreshCalls).toEqual(['refresh-token-value']);
    expect(t.upstream.requests.map((r) => r.accessToken)).toEqual(['access-token-value', 'access-after-refresh-token-value']);
  });

  test('an expired access token without a refresh token: token_expired, the session ends, no upstream call', async () => {
    const t = useCaseSetup();
    t.provider.login = { claims: { sub: 'u' }, accessToken: 'short', expiresIn: 60 };
    const sessionToken = await t.signedIn();
    t.clock.advanceSeconds(60);
    expect(await rejection(proxyApiRequest(request({ sessionToken }), t.proxyDeps))).toBe('token_expired');
    expect(t.upstream.requests).toHaveLength(0);
    expect(t.store.sessions.size).toBe(0);
  });

  test('an access token without a known expiry is used until the session ends', async () => {
    const t = useCaseSetup();
    t.provider.login = { claims: { sub: 'u' }, accessToken: 'opaque' };
    const sessionToken = await t.signedIn();
    t.clock.advanceSeconds(2000);
    await proxyApiRequest(request({ sessionToken }), t.proxyDeps);
    t.clock.advanceSeconds(SESSION_LIFETIME - 2001);
    await proxyApiRequest(request({ sessionToken }), t.proxyDeps);
    expect(t.upstream.requests.map((r) => r.accessToken)).toEqual(['opaque', 'opaque']);
    t.clock.advanceSeconds(1);
    expect(await rejection(proxyApiRequest(request({ sessionToken }), t.proxyDeps))).toBe('session_expired');
    expect(t.upstream.requests).toHaveLength(2);
  });

  test('no session: not_signed_in and no upstream call', async () => {
    const t = useCaseSetup();
    expect(await rejection(proxyApiRequest(request({ sessionToken: undefined }), t.proxyDeps))).toBe('not_signed_in');
    expect(t.upstream.requests).toHaveLength(0);
  });

  test('a path escaping the base is refused before the store and the upstream', async () => {
    const t = useCaseSetup();
    const sessionToken = await t.signedIn();
    const callsBefore = t.store.calls.length;
    expect(await rejection(proxyApiRequest(request({ sessionToken, proxyPath: '..%2Fadmin' }), t.proxyDeps))).toBe('invalid_api_path');
    expect(t.store.calls.length).toBe(callsBefore);
    expect(t.upstream.requests).toHaveLength(0);
  });
});
