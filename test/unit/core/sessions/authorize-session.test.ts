/**
 * The session authorizer: the use case (functions/core/sessions/authorize-session.ts) against the in-memory
 * store, and its Lambda wrapper (functions/adapters/api-gateway/authorizer-handler.ts): the simple
 * response, the one log line, and a failure that is thrown rather than turned into a refusal.
 */
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { authorizerHandler } from '../../../../functions/adapters/api-gateway/authorizer-handler';
import { callSignal } from '../../../../functions/adapters/request-deadline';
import { authorizeSession, type AuthorizeDependencies } from '../../../../functions/core/sessions/authorize-session';
import { touchIntervalSeconds } from '../../../../functions/core/sessions/current-session';
import { ServiceError } from '../../../../functions/core/errors';
import type { Session } from '../../../../functions/core/ports';
import { hashToken, randomToken } from '../../../../functions/core/opaque-tokens';
import { captureLoggedLines } from '../../support/logged-lines';
import { InMemoryStore, SettableClock, storedSession, testVault } from '../../support/fakes';

const IDLE_TIMEOUT = 3600;
const CLAIMS = { sub: 'user-7', name: 'Grace Hopper', email: 'grace@example.com' };

async function setup(claims: readonly string[] = ['sub'], overrides: Partial<Session> = {}) {
  const store = new InMemoryStore();
  const clock = new SettableClock();
  const deps: AuthorizeDependencies = { sessions: store, clock, idleTimeoutSeconds: IDLE_TIMEOUT, claims };
  const stored = await storedSession(store, testVault(), clock.seconds, { overrides: { claims: CLAIMS, ...overrides } });
  store.calls.length = 0;
  return { store, clock, deps, ...stored };
}

describe('authorizeSession', () => {
  test('allows an active session and passes on sub only by default', async () => {
    const t = await setup();
    expect(await authorizeSession({ sessionToken: t.sessionToken, csrfHeader: '1' }, t.deps)).toEqual({ allowed: true, context: { sub: 'user-7' } });
  });

  test('passes on the chosen claims that the session stores, and sub even when not chosen', async () => {
    const t = await setup(['name', 'email']);
    expect(await authorizeSession({ sessionToken: t.sessionToken, csrfHeader: '1' }, t.deps)).toEqual({
      allowed: true,
      context: { sub: 'user-7', name: 'Grace Hopper', email: 'grace@example.com' },
    });
    const withoutEmail = await setup(['sub', 'email'], { claims: { sub: 'user-8' } });
    expect(await authorizeSession({ sessionToken: withoutEmail.sessionToken, csrfHeader: '1' }, withoutEmail.deps)).toEqual({ allowed: true, context: { sub: 'user-8' } });
  });

  test('any claim the session kept: a list as one comma-joined string, numbers and booleans as they are, one too long left out', async () => {
    const t = await setup(['groups', 'level', 'admin', 'huge', 'absent'], { claims: { sub: 'user-9', groups: ['admins', 'ops'], level: 3, admin: true, huge: 'x'.repeat(1_001) } });
    expect(await authorizeSession({ sessionToken: t.sessionToken, csrfHeader: '1' }, t.deps)).toEqual({
      allowed: true,
      context: { sub: 'user-9', groups: 'admins,ops', level: 3, admin: true },
    });
  });

  test('the context never holds the cookie, the store key, the sid or a token', async () => {
    const t = await setup(['sub', 'name', 'email']);
    const text = JSON.stringify(await authorizeSession({ sessionToken: t.sessionToken, csrfHeader: '1' }, t.deps));
    for (const secret of [t.sessionToken, t.key, t.session.sid, t.session.sealedTokens, 'access-0', 'refresh-0']) expect(text).not.toContain(secret);
  });

  test.each([undefined, '', '0', 'true', ' 1'])('refuses X-CSRF %p before any store read', async (csrfHeader) => {
    const t = await setup();
    expect(await authorizeSession({ sessionToken: t.sessionToken, csrfHeader }, t.deps)).toEqual({ allowed: false, reason: 'csrf_header_missing' });
    expect(t.store.calls).toEqual([]);
  });

  test('refuses no cookie and a malformed one without a store read, an unknown one after one', async () => {
    const t = await setup();
    expect(await authorizeSession({ csrfHeader: '1' }, t.deps)).toEqual({ allowed: false, reason: 'not_signed_in' });
    expect(await authorizeSession({ sessionToken: 'not-a-session', csrfHeader: '1' }, t.deps)).toEqual({ allowed: false, reason: 'not_signed_in' });
    expect(t.store.calls).toEqual([]);
    expect(await authorizeSession({ sessionToken: randomToken(), csrfHeader: '1' }, t.deps)).toEqual({ allowed: false, reason: 'not_signed_in' });
    expect(t.store.calls).toEqual(['get']);
  });

  test.each(['idleExpiresAt', 'expiresAt'] as const)('refuses a session whose %s has come and ends it, although the store still held it', async (field) => {
    const t = await setup(['sub'], { [field]: new SettableClock().seconds });
    expect(await authorizeSession({ sessionToken: t.sessionToken, csrfHeader: '1' }, t.deps)).toEqual({ allowed: false, reason: 'session_expired' });
    expect(t.store.calls).toEqual(['get', 'end']);
    expect(t.store.sessions.has(t.key)).toBe(false);
    expect(t.store.endings.get(t.key)?.reason).toBe('expired');
  });

  test('refuses, like /api, a session whose access token expired with no refresh token to renew it, and ends it', async () => {
    const past = new SettableClock().seconds - 1;
    const t = await setup(['sub'], { refreshable: false, accessTokenExpiresAt: past, accessTokenRefreshAt: past });
    expect(await authorizeSession({ sessionToken: t.sessionToken, csrfHeader: '1' }, t.deps)).toEqual({ allowed: false, reason: 'token_expired' });
    expect(t.store.endings.get(t.key)?.reason).toBe('refresh_failed');
  });

  test.each([
    ['a refresh token renews it', { refreshable: true }],
    ['the session predates the refreshable mark (unknown: /api finds out)', {}],
  ])('allows a session whose access token expired when %s', async (_label, overrides) => {
    const past = new SettableClock().seconds - 1;
    const t = await setup(['sub'], { ...overrides, accessTokenExpiresAt: past, accessTokenRefreshAt: past });
    expect(await authorizeSession({ sessionToken: t.sessionToken, csrfHeader: '1' }, t.deps)).toMatchObject({ allowed: true });
  });

  test('allows a session without a refresh token while its access token lasts', async () => {
    const t = await setup(['sub'], { refreshable: false, accessTokenExpiresAt: new SettableClock().seconds + 60 });
    expect(await authorizeSession({ sessionToken: t.sessionToken, csrfHeader: '1' }, t.deps)).toMatchObject({ allowed: true });
  });

  test('moves the idle expiry like /api: not on every request, only once it moved by the touch interval', async () => {
    const t = await setup();
    await authorizeSession({ sessionToken: t.sessionToken, csrfHeader: '1' }, t.deps);
    expect(t.store.calls).toEqual(['get']);
    t.clock.advanceSeconds(touchIntervalSeconds(IDLE_TIMEOUT));
    await authorizeSession({ sessionToken: t.sessionToken, csrfHeader: '1' }, t.deps);
    expect(t.store.calls).toEqual(['get', 'get', 'touch']);
    expect(t.store.sessions.get(t.key)!.idleExpiresAt).toBe(t.clock.seconds + IDLE_TIMEOUT);
  });

  test('a failed idle-expiry write still allows; a failed read is an error, not a refusal', async () => {
    const t = await setup();
    t.clock.advanceSeconds(touchIntervalSeconds(IDLE_TIMEOUT));
    jest.spyOn(t.store, 'touch').mockRejectedValueOnce(new ServiceError('store_unavailable'));
    expect(await authorizeSession({ sessionToken: t.sessionToken, csrfHeader: '1' }, t.deps)).toMatchObject({ allowed: true });
    jest.spyOn(t.store, 'get').mockRejectedValueOnce(new ServiceError('store_timeout'));
    await expect(authorizeSession({ sessionToken: t.sessionToken, csrfHeader: '1' }, t.deps)).rejects.toMatchObject({ code: 'store_timeout' });
  });
});

describe('authorizerHandler', () => {
  const lines = captureLoggedLines();

  const token = randomToken();
  const event = (cookies: string[] = [`__Host-session=${token}`], headers: Record<string, string> = { 'x-csrf': '1' }) =>
    ({
      version: '2.0',
      type: 'REQUEST',
      routeArn: 'arn:aws:execute-api:eu-west-1:123456789012:abc123/$default/GET/orders',
      identitySource: [cookies.join('; '), headers['x-csrf'] ?? ''],
      routeKey: 'GET /orders',
      rawPath: '/orders',
      rawQueryString: '',
      cookies,
      headers,
      requestContext: { requestId: 'api-1' },
    }) as unknown as APIGatewayRequestAuthorizerEventV2;
  const context = { awsRequestId: 'lambda-1', getRemainingTimeInMillis: () => 10_000 } as never;

  test('hands the cookie and the X-CSRF header (any case) to the use case; allows with its context', async () => {
    const authorize = jest.fn(async () => ({ allowed: true as const, context: { sub: 'user-7' } }));
    const result = await authorizerHandler(authorize)(event(undefined, { 'X-CSRF': '1' }), context);
    expect(result).toEqual({ isAuthorized: true, context: { sub: 'user-7' } });
    expect(authorize).toHaveBeenCalledWith({ sessionToken: token, csrfHeader: '1' });
    expect(lines).toEqual([
      {
        level: 'info',
        message: 'request',
        fields: expect.objectContaining({ requestId: 'lambda-1', apiRequestId: 'api-1', route: 'authorizer', protectedRoute: 'GET /orders', outcome: 'ok', session: hashToken(hashToken(token)).slice(0, 16) }),
      },
    ]);
    expect(JSON.stringify(lines)).not.toContain(token);
  });

  test('its log line carries the trace ids, like every route\'s', async () => {
    const authorize = async () => ({ allowed: true as const, context: { sub: 'user-7' } });
    const headers = { 'x-csrf': '1', traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', 'x-amzn-trace-id': 'Root=1-5759e988-bd862e3fe1be46a994272793' };
    await authorizerHandler(authorize)(event(undefined, headers), context);
    expect(lines[0]!.fields).toMatchObject({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', xrayTraceId: '1-5759e988-bd862e3fe1be46a994272793' });
  });

  test('a duplicated session cookie reaches the use case as no cookie', async () => {
    const authorize = jest.fn(async () => ({ allowed: false as const, reason: 'not_signed_in' as const }));
    const result = await authorizerHandler(authorize)(event([`__Host-session=${token}`, `__Host-session=${randomToken()}`]), context);
    expect(result).toEqual({ isAuthorized: false, context: {} });
    expect(authorize).toHaveBeenCalledWith({ sessionToken: undefined, csrfHeader: '1' });
    expect(lines.map((line) => [line.level, line.fields.outcome, line.fields.errorCode])).toEqual([['warn', 'refused', 'not_signed_in']]);
  });

  test('a failure is thrown with its code only (API Gateway answers 500) and logged as failed', async () => {
    const authorize = async () => {
      throw new ServiceError('store_unavailable', { cause: Object.assign(new Error(`details ${token}`), { name: 'InternalServerError' }) });
    };
    await expect(authorizerHandler(authorize)(event(), context)).rejects.toThrow(/^store_unavailable$/);
    expect(lines.map((line) => [line.level, line.fields.outcome, line.fields.errorCode, line.fields.cause])).toEqual([['error', 'failed', 'store_unavailable', 'InternalServerError']]);
    expect(JSON.stringify(lines)).not.toContain(token);
  });

  test("the request deadline is in force: a store call waiting past the function's remaining time is cut off", async () => {
    // 1.6 s left: the request may work 0.1 s (request-deadline.ts keeps 1.5 s to answer).
    const shortContext = { awsRequestId: 'lambda-2', getRemainingTimeInMillis: () => 1_600 } as never;
    // Held for the length of the call, as a real call's fetch holds its signal: the deadline holds
    // it only weakly, so a garbage collection could otherwise take it and the abort with it.
    const held: AbortSignal[] = [];
    const storeCall = async (): Promise<never> => {
      const signal = callSignal(60_000);
      held.push(signal);
      return new Promise((_resolve, reject) => {
        const refuse = () => reject(new ServiceError('store_timeout', { cause: signal.reason }));
        // On a loaded machine the 0.1 s may be over before the call starts: the signal is then
        // aborted already, and an abort listener would never fire (as fetch, it fails at once).
        if (signal.aborted) refuse();
        else signal.addEventListener('abort', refuse);
        // Bounded: should the deadline not cut the call short, the test fails here instead of hanging.
        setTimeout(() => reject(new Error(`the deadline did not cut the call short (aborted: ${signal.aborted})`)), 5_000).unref();
      });
    };
    const started = Date.now();
    await expect(authorizerHandler(storeCall)(event(), shortContext)).rejects.toThrow('store_timeout');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(held).toHaveLength(1);
  });
});
