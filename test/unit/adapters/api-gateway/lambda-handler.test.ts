/** The request wrapper of every route (functions/adapters/api-gateway/lambda-handler.ts): errors to HTTP, cookies cleared only when carried, one log line (what it holds and what it never holds), and the thin route handlers over it. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { clearCookie, loginBindingCookie, SESSION_COOKIE } from '../../../../functions/adapters/api-gateway/cookies';
import { lambdaHandler, type RouteFormat } from '../../../../functions/adapters/api-gateway/lambda-handler';
import { json, redirect, setHomeLink } from '../../../../functions/adapters/api-gateway/response';
import { logger } from '../../../../functions/adapters/logs/logger';
import { handler as apiHandler } from '../../../../functions/api';
import { handler as callbackHandler } from '../../../../functions/callback';
import { ServiceError, type ErrorCode } from '../../../../functions/core/errors';
import { hashToken, randomToken } from '../../../../functions/core/opaque-tokens';
import { handler as loginHandler } from '../../../../functions/login';
import { handler as sessionHandler } from '../../../../functions/session';
import { partsScope, scoped } from '../../../../local/parts-scope';
import { apiGatewayEvent } from '../../support/api-gateway-event';
import { FakeIdentityProvider, InMemoryStore, FakeUpstream, SettableClock, testVault, unitConfig } from '../../support/fakes';
import { captureLoggedLines } from '../../support/logged-lines';

type LogCall = { level: 'info' | 'warn' | 'error'; args: unknown[] };
let logs: LogCall[];

beforeEach(() => {
  logs = [];
  for (const level of ['info', 'warn', 'error'] as const) {
    jest.spyOn(logger, level).mockImplementation((...args: unknown[]) => {
      logs.push({ level, args });
    });
  }
});

afterEach(() => jest.restoreAllMocks());

function failingWith(error: unknown, format: RouteFormat) {
  return lambdaHandler('test', format, async () => {
    throw error;
  });
}

const event = apiGatewayEvent({ rawPath: '/session' });

describe('lambdaHandler turns a ServiceError into HTTP', () => {
  test.each<[ErrorCode, number]>([
    ['invalid_return_to', 400],
    ['login_state_invalid', 400],
    ['csrf_header_missing', 401],
    ['id_token_invalid', 502],
    ['store_unavailable', 503],
    ['upstream_timeout', 504],
  ])('%s as JSON with status %d', async (code, status) => {
    const error = new ServiceError(code, { detail: 'internal detail 1234' });
    const response = await failingWith(error, 'json')(event);
    expect(response.statusCode).toBe(status);
    expect(response.headers?.['content-type']).toBe('application/json; charset=utf-8');
    expect(response.headers?.['cache-control']).toBe('no-store');
    expect(JSON.parse(response.body!)).toEqual({ error: code, message: error.safeMessage });
    expect(response.body).not.toContain('internal detail');
  });

  test('as an HTML page with the catalogue text, a strict CSP and no caching', async () => {
    const response = await failingWith(new ServiceError('login_state_mismatch'), 'html')(event);
    expect(response.statusCode).toBe(400);
    expect(response.headers?.['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers?.['content-security-policy']).toContain("default-src 'none'");
    expect(response.headers?.['cache-control']).toBe('no-store');
    expect(response.body).toContain('This sign-in attempt was not started in this browser');
    expect(response.body).toContain('login_state_mismatch');
  });

  test('the page links home: HOME_URL once the settings are read, escaped for the attribute', async () => {
    expect((await failingWith(new ServiceError('login_state_mismatch'), 'html')(event)).body).toContain('<a href="/">');
    try {
      setHomeLink('/app/?tab="x"&y=<z>');
      const response = await failingWith(new ServiceError('login_state_mismatch'), 'html')(event);
      expect(response.body).toContain('<a href="/app/?tab=&quot;x&quot;&amp;y=&lt;z&gt;">');
    } finally {
      setHomeLink('/');
    }
  });

  test('an unknown Error becomes 500 internal_error without its message or stack', async () => {
    const error = new Error('connect ECONNREFUSED token=eyJhbGciOi secret-value');
    for (const format of ['json', 'html'] as const) {
      const response = await failingWith(error, format)(event);
      expect(response.statusCode).toBe(500);
      expect(response.headers?.['cache-control']).toBe('no-store');
      expect(response.body).not.toContain('ECONNREFUSED');
      expect(response.body).not.toContain('secret-value');
      expect(response.body).not.toContain('lambda-handler.test');
      expect(response.body).not.toMatch(/\n\s+at /);
      if (format === 'json') expect(JSON.parse(response.body!)).toEqual({ error: 'internal_error', message: 'Something went wrong.' });
    }
  });

  test('a thrown non-Error value is an internal error too', async () => {
    const response = await failingWith('raw string with secret', 'json')(event);
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('secret');
  });

  test('a malformed event does not reject the invocation', async () => {
    const broken = { ...event, requestContext: undefined } as unknown as APIGatewayProxyEventV2;
    const response = await lambdaHandler('test', 'json', async () => json(200, {}))(broken);
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body!).error).toBe('internal_error');
  });

  test.each<[ErrorCode, boolean]>([
    ['not_signed_in', true],
    ['token_expired', true],
    ['csrf_header_missing', false],
    ['invalid_request', false],
    ['store_unavailable', false],
  ])('%s clears the session cookie the request carried: %s', async (code, clears) => {
    const response = await failingWith(new ServiceError(code), 'json')({ ...event, cookies: [`${SESSION_COOKIE}=x`] });
    expect(response.cookies ?? []).toEqual(clears ? [clearCookie(SESSION_COOKIE)] : []);
  });

  test('RFC 6265bis §5.7: a session cookie the request did not carry is never cleared (that could only hit a cookie we cannot see)', async () => {
    for (const cookies of [undefined, ['other=1'], ['\u00a0__Host-session=x']]) {
      const response = await failingWith(new ServiceError('not_signed_in'), 'json')({ ...event, cookies });
      expect(response.cookies ?? []).toEqual([]);
    }
  });
});

describe('lambdaHandler logs one line per request, without request data or error text', () => {
  const secretEvent = apiGatewayEvent({
    rawPath: '/callback',
    rawQueryString: 'code=SECRET-CODE&state=SECRET-STATE',
    cookies: ['__Host-session=SECRET-COOKIE'],
    headers: { authorization: 'Bearer SECRET-TOKEN' },
  });

  test.each([
    ['a 4xx refusal', new ServiceError('login_state_invalid'), 'warn', 400],
    ['a 5xx failure with a cause', new ServiceError('provider_unavailable', { cause: new Error('SECRET-CAUSE') }), 'error', 503],
    ['an unknown error', new Error('SECRET-MESSAGE'), 'error', 500],
  ] as const)('%s is logged at the level of its status', async (_label, error, level, status) => {
    await failingWith(error, 'html')(secretEvent, { awsRequestId: 'req-1' } as never);
    expect(logs).toHaveLength(1);
    expect(logs[0]!.level).toBe(level);
    const text = JSON.stringify(logs[0]!.args);
    expect(text).toContain('req-1');
    expect(text).toContain(`"status":${status}`);
    expect(text).not.toMatch(/SECRET-/);
  });

  test('a success is logged at info with its status', async () => {
    await lambdaHandler('session', 'json', async () => json(200, { ok: true }))(secretEvent);
    expect(logs.map((l) => l.level)).toEqual(['info']);
    expect(JSON.stringify(logs[0]!.args)).toContain('"status":200');
    expect(JSON.stringify(logs[0]!.args)).not.toMatch(/SECRET-/);
  });
});

describe('the thin handlers over the wrapper', () => {
  /** The real entries, wired as on Lambda, with in-memory parts. */
  function deps() {
    const store = new InMemoryStore();
    const provider = new FakeIdentityProvider();
    const clock = new SettableClock();
    const upstream = new FakeUpstream();
    const scope = partsScope({ config: unitConfig(), store, provider, clock, upstream, vault: testVault(), refreshTiming: { leaseMs: 30_000, waitMs: 1_000 } });
    return { store, provider, clock, upstream, run: <E, R>(handler: (event: E) => R) => scoped(scope, handler) };
  }

  test.each(['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', 'javascript:alert(document.cookie)'])(
    '/login?returnTo=%s answers a page that does not reflect it',
    async (returnTo) => {
      const d = deps();
      const handler = d.run(loginHandler);
      const response = await handler(apiGatewayEvent({ rawPath: '/login', rawQueryString: `returnTo=${encodeURIComponent(returnTo)}` }));
      expect(response.statusCode).toBe(400);
      expect(response.headers?.['content-type']).toMatch(/^text\/html/);
      expect(response.body).not.toContain(returnTo);
      expect(response.body).not.toContain('alert');
      expect(response.body).not.toContain('<script');
      expect(response.body).not.toContain('onerror');
      expect(d.store.calls).toEqual([]);
    },
  );

  test('/login with two returnTo parameters is refused', async () => {
    const d = deps();
    const handler = d.run(loginHandler);
    const response = await handler(apiGatewayEvent({ rawPath: '/login', rawQueryString: 'returnTo=/a&returnTo=//evil.example' }));
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('invalid_request');
  });

  test('login then callback: 302s with the binding cookie, then the session cookie, all uncached', async () => {
    const d = deps();
    const login = d.run(loginHandler);
    const started = await login(apiGatewayEvent({ rawPath: '/login', rawQueryString: 'returnTo=%2Fafter' }));
    expect(started.statusCode).toBe(302);
    expect(started.headers?.['cache-control']).toBe('no-store');
    expect(started.headers?.location).toBe(d.provider.authorizationRequests[0]!.url.href);
    const bindingCookie = started.cookies![0]!;
    const state = d.provider.authorizationRequests[0]!.state;
    expect(bindingCookie).toMatch(/^__Host-login-[A-Za-z0-9_-]{16}=[A-Za-z0-9_-]{43}; .*Max-Age=600$/);
    expect(bindingCookie.startsWith(`${loginBindingCookie(state)}=`)).toBe(true);

    const callback = d.run(callbackHandler);
    const finished = await callback(
      apiGatewayEvent({ rawPath: '/callback', rawQueryString: `code=c&state=${state}`, cookies: [bindingCookie.split(';')[0]!] }),
    );
    expect(finished.statusCode).toBe(302);
    expect(finished.headers?.location).toBe('/after');
    expect(finished.headers?.['cache-control']).toBe('no-store');
    // The attempt's binding cookie is cleared (it served its one callback), the session cookie set.
    expect(finished.cookies).toEqual([
      clearCookie(loginBindingCookie(state)),
      expect.stringMatching(/^__Host-session=[A-Za-z0-9_-]{43}; Path=\/; Secure; HttpOnly; SameSite=Lax; Max-Age=3600$/),
    ]);

    const session = d.run(sessionHandler);
    const described = await session(apiGatewayEvent({ rawPath: '/session', cookies: [finished.cookies!.at(-1)!.split(';')[0]!] }));
    expect(described.statusCode).toBe(200);
    expect(described.headers?.['cache-control']).toBe('no-store');
    expect(JSON.parse(described.body!).sub).toBe('user-1');
  });

  test('/session without a cookie: 401 JSON that clears nothing', async () => {
    const d = deps();
    const response = await d.run(sessionHandler)(apiGatewayEvent({ rawPath: '/session' }));
    expect(response.statusCode).toBe(401);
    expect(JSON.parse(response.body!)).toEqual({ error: 'not_signed_in', message: 'You are not signed in.' });
    expect(response.cookies ?? []).toEqual([]);
    expect(response.headers?.['cache-control']).toBe('no-store');
  });

  test('/api without X-CSRF: 401 JSON, no store read, no upstream call, session cookie kept', async () => {
    const d = deps();
    const handler = d.run(apiHandler);
    const response = await handler(apiGatewayEvent({ method: 'POST', rawPath: '/api/items', cookies: [`${SESSION_COOKIE}=${'A'.repeat(43)}`] }));
    expect(response.statusCode).toBe(401);
    expect(JSON.parse(response.body!).error).toBe('csrf_header_missing');
    expect(response.cookies ?? []).toEqual([]);
    expect(d.store.calls).toEqual([]);
    expect(d.upstream.requests).toHaveLength(0);
  });

  test('redirect and json helpers always forbid caching', () => {
    expect(redirect('/x').headers['cache-control']).toBe('no-store');
    expect(json(200, {}).headers['cache-control']).toBe('no-store');
  });
});

/** The one log line per request: what an operator needs to follow a request and a session, and nothing that would let a log reader act as the user. */
describe('the request log line', () => {
  const lines = captureLoggedLines();

  const token = randomToken();
  const logId = (value: string) => hashToken(hashToken(value)).slice(0, 16);

  test('a request with a session: request ids, route, outcome ok and the hashed session id, never the cookie or the store key', async () => {
    await lambdaHandler('session', 'json', async () => json(200, {}))(apiGatewayEvent({ rawPath: '/session', cookies: [`__Host-session=${token}`] }), { awsRequestId: 'lambda-1' } as never);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'info', message: 'request', fields: { requestId: 'lambda-1', apiRequestId: 'Jk3b2gNnIAMEV1A=', route: 'session', outcome: 'ok', status: 200, session: logId(token) } });
    const text = JSON.stringify(lines);
    expect(text).not.toContain(token);
    expect(text).not.toContain(hashToken(token));
  });

  test('a malformed or absent session cookie gives no session field', async () => {
    for (const cookies of [['__Host-session=not-a-token'], undefined]) {
      await lambdaHandler('api', 'json', async () => json(200, {}))(apiGatewayEvent({ rawPath: '/api/x', cookies }));
    }
    expect(lines.map((line) => line.fields.session)).toEqual([undefined, undefined]);
  });

  test('the trace ids: the W3C trace-id and the X-Ray Root, never the tracestate or the rest of either header', async () => {
    const headers = {
      traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
      tracestate: 'congo=private-vendor-data',
      'x-amzn-trace-id': 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
    };
    await lambdaHandler('session', 'json', async () => json(200, {}))(apiGatewayEvent({ rawPath: '/session', headers }));
    expect(lines[0]!.fields).toMatchObject({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', xrayTraceId: '1-5759e988-bd862e3fe1be46a994272793' });
    const text = JSON.stringify(lines);
    for (const part of ['private-vendor-data', '00f067aa0ba902b7', '53995c3f42cd8ad8']) expect(text).not.toContain(part);
  });

  test('an invalid traceparent gives no trace id', async () => {
    await lambdaHandler('session', 'json', async () => json(200, {}))(apiGatewayEvent({ rawPath: '/session', headers: { traceparent: '00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01' } }));
    expect(lines[0]!.fields.traceId).toBeUndefined();
  });

  test('the callback logs the session it creates as newSession', async () => {
    const created = randomToken();
    await lambdaHandler('callback', 'html', async () => redirect('/', [`__Host-session=${created}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=60`]))(apiGatewayEvent({ rawPath: '/callback' }));
    expect(lines[0]!.fields).toMatchObject({ outcome: 'ok', newSession: logId(created) });
    expect(JSON.stringify(lines)).not.toContain(created);
  });

  test.each([
    [new ServiceError('login_state_invalid'), 'warn', 'refused'],
    [new ServiceError('store_timeout', { detail: 'GetItem after 2000 ms' }), 'error', 'failed'],
  ])('a failure is logged with its outcome and code; its own detail only at debug', async (failure, level, outcome) => {
    await lambdaHandler('login', 'html', async () => {
      throw failure;
    })(apiGatewayEvent({ rawPath: '/login' }));
    expect(lines[0]).toMatchObject({ level, fields: { outcome, errorCode: failure.code } });
    expect(JSON.stringify(lines[0])).not.toContain('2000 ms');
    const debug = lines.filter((line) => line.level === 'debug');
    if (failure.message === failure.code) expect(debug).toEqual([]);
    else expect(debug).toEqual([{ level: 'debug', message: 'failure detail', fields: expect.objectContaining({ errorCode: failure.code, detail: 'store_timeout: GetItem after 2000 ms' }) }]);
  });
});
