/**
 * The use cases on in-memory fakes: starting a login, completing it at the callback, describing and
 * ending a session, and proxying an API request with the session's tokens.
 */
import { completeLogin } from '../../../functions/core/sign-in/complete-login';
import { describeSession } from '../../../functions/core/sessions/describe-session';
import { endSession } from '../../../functions/core/sessions/end-session';
import { ServiceError, type ErrorCode } from '../../../functions/core/errors';
import type { Session } from '../../../functions/core/ports';
import { proxyApiRequest, type ApiRequest } from '../../../functions/core/api-proxy/proxy-api-request';
import { hashToken } from '../../../functions/core/opaque-tokens';
import { startLogin } from '../../../functions/core/sign-in/start-login';
import { FakeIdentityProvider, InMemoryStore, FakeUpstream, rejection, SettableClock, testVault } from '../support/fakes';

const OWN = 'https://login.example.com';
const LOGIN_TIMEOUT = 600;
const SESSION_LIFETIME = 3600;
const IDLE_TIMEOUT = 3000;

function setup() {
  const store = new InMemoryStore();
  const provider = new FakeIdentityProvider();
  const upstream = new FakeUpstream();
  const clock = new SettableClock();
  const loginDeps = { provider, transactions: store, clock, ownOrigin: OWN, returnToAllowedOrigins: [], loginTimeoutSeconds: LOGIN_TIMEOUT };
  const vault = testVault();
  const callbackDeps = {
    provider, transactions: store, sessions: store, vault, clock,
    sessionLifetimeSeconds: SESSION_LIFETIME, idleTimeoutSeconds: IDLE_TIMEOUT, refreshSkewSeconds: 60,
  };
  const proxyDeps = {
    sessions: store, vault, provider, upstream, clock, upstreamBaseUrl: new URL('https://api.example.com/v1'),
    idleTimeoutSeconds: IDLE_TIMEOUT, refreshSkewSeconds: 60, leaseMs: 30_000, waitMs: 2_000,
  };
  const logoutDeps = { sessions: store, provider, vault, clock, ownOrigin: OWN, returnToAllowedOrigins: [], postLogoutRedirectUri: `${OWN}/` };

  /** Starts a login and returns what the browser would bring back to /callback. */
  async function started(returnTo?: string) {
    const login = await startLogin({ returnTo }, loginDeps);
    const state = provider.authorizationRequests.at(-1)!.state;
    return { binding: login.binding, state, parameters: new URLSearchParams({ code: 'auth-code', state }) };
  }

  /** A full sign-in; returns the session cookie value. */
  async function signedIn(): Promise<string> {
    const { binding, parameters } = await started();
    return (await completeLogin({ parameters, binding }, callbackDeps)).sessionToken;
  }

  return { store, provider, upstream, clock, vault, loginDeps, callbackDeps, proxyDeps, logoutDeps, started, signedIn };
}

describe('startLogin', () => {
  test('keeps the transaction under the hash of the state, bound to a fresh browser binding', async () => {
    const t = setup();
    const login = await startLogin({ returnTo: '/after?x=1' }, t.loginDeps);
    const request = t.provider.authorizationRequests[0]!;
    expect(login.redirectTo).toBe(request.url);
    expect(login.binding).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect([...t.store.transactions.keys()]).toEqual([hashToken(request.state)]);
    expect(t.store.transactions.get(hashToken(request.state))).toEqual({
      bindingHash: hashToken(login.binding),
      codeVerifier: request.codeVerifier,
      nonce: request.nonce,
      returnTo: '/after?x=1',
      expiresAt: t.clock.seconds + LOGIN_TIMEOUT,
    });
    expect(t.store.dump()).not.toContain(request.state);
    expect(t.store.dump()).not.toContain(login.binding);
  });

  test('RFC 9700 4.7.1: every attempt gets a binding of its own, minted here, and names its state', async () => {
    const t = setup();
    const first = await startLogin({}, t.loginDeps);
    const second = await startLogin({}, t.loginDeps);
    expect(first.binding).not.toBe(second.binding);
    expect(first.state).toBe(t.provider.authorizationRequests[0]!.state);
    expect(t.store.transactions.get(hashToken(second.state))!.bindingHash).toBe(hashToken(second.binding));
  });

  test('after a logout the provider is asked to authenticate afresh; otherwise not', async () => {
    const t = setup();
    await startLogin({ reauthenticate: true }, t.loginDeps);
    await startLogin({}, t.loginDeps);
    expect(t.provider.authorizationOptions).toEqual([{ reauthenticate: true }, { reauthenticate: false }]);
  });

  test('a bad returnTo is refused before the provider or the store is used', async () => {
    const t = setup();
    expect(await rejection(startLogin({ returnTo: '//evil.example' }, t.loginDeps))).toBe('invalid_return_to');
    expect(t.provider.authorizationRequests).toHaveLength(0);
    expect(t.store.calls).toEqual([]);
  });
});

describe('completeLogin', () => {
  test('redeems the code once and stores the session under the hash of the new cookie value', async () => {
    const t = setup();
    const { binding, state, parameters } = await t.started('/after');
    const signed = await completeLogin({ parameters, binding }, t.callbackDeps);
    expect(signed.returnTo).toBe('/after');
    expect(signed.sessionToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const authorization = t.provider.authorizationRequests[0]!;
    expect(t.provider.completions).toEqual([
      { parameters, expectedState: state, codeVerifier: authorization.codeVerifier, nonce: authorization.nonce },
    ]);
    expect([...t.store.sessions.keys()]).toEqual([hashToken(signed.sessionToken)]);
    const key = hashToken(signed.sessionToken);
    const session = t.store.sessions.get(key)!;
    expect(session).toMatchObject({
      claims: { sub: 'user-1', name: 'Ada Lovelace', email: 'ada@example.com' },
      accessTokenExpiresAt: t.clock.seconds + 300,
      accessTokenRefreshAt: t.clock.seconds + 240,
      createdAt: t.clock.seconds,
      expiresAt: t.clock.seconds + SESSION_LIFETIME,
      idleExpiresAt: t.clock.seconds + IDLE_TIMEOUT,
      version: 1,
    });
    expect(await t.vault.open(session.sealedTokens, `session#${key}`)).toEqual({
      accessToken: 'access-token-value',
      refreshToken: 'refresh-token-value',
      idToken: 'id-token-value',
    });
    expect(session.sid).not.toBe(signed.sessionToken);
    // A copy of the table yields no usable cookie and no token.
    for (const secret of [signed.sessionToken, 'access-token-value', 'refresh-token-value', 'id-token-value']) {
      expect(t.store.dump()).not.toContain(secret);
    }
    expect(t.store.transactions.size).toBe(0);
  });

  test('signing in again in the same browser ends the previous session as replaced', async () => {
    const t = setup();
    const first = await completeLogin(await t.started(), t.callbackDeps);
    const { binding, parameters } = await t.started();
    const second = await completeLogin({ parameters, binding, previousSessionToken: first.sessionToken }, t.callbackDeps);
    expect([...t.store.sessions.keys()]).toEqual([hashToken(second.sessionToken)]);
    expect(t.store.endings.get(hashToken(first.sessionToken))).toEqual({ reason: 'replaced', at: t.clock.seconds });
  });

  /** The callback is refused as an unknown state; the provider and the sessions saw only what came before. */
  async function refusedAsInvalidState(t: ReturnType<typeof setup>, callback: { parameters: URLSearchParams; binding: string }, before: number) {
    expect(await rejection(completeLogin(callback, t.callbackDeps))).toBe('login_state_invalid');
    expect(t.provider.completions).toHaveLength(before);
    expect(t.store.sessions.size).toBe(before);
  }

  test('a state can be used once only', async () => {
    const t = setup();
    const { binding, parameters } = await t.started();
    await completeLogin({ parameters, binding }, t.callbackDeps);
    await refusedAsInvalidState(t, { parameters, binding }, 1);
  });

  test('two concurrent callbacks with the same state: exactly one wins', async () => {
    const t = setup();
    const { binding, parameters } = await t.started();
    const results = await Promise.allSettled([
      completeLogin({ parameters, binding }, t.callbackDeps),
      completeLogin({ parameters, binding }, t.callbackDeps),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(t.provider.completions).toHaveLength(1);
  });

  test('an expired transaction is refused although the store still holds it', async () => {
    const t = setup();
    const { binding, parameters } = await t.started();
    t.clock.advanceSeconds(LOGIN_TIMEOUT);
    expect(t.store.transactions.size).toBe(1);
    await refusedAsInvalidState(t, { parameters, binding }, 0);
  });

  test('one second before expiry it is still accepted', async () => {
    const t = setup();
    const { binding, parameters } = await t.started();
    t.clock.advanceSeconds(LOGIN_TIMEOUT - 1);
    await expect(completeLogin({ parameters, binding }, t.callbackDeps)).resolves.toHaveProperty('returnTo', '/');
  });

  test.each([
    ['a wrong binding cookie', 'B'.repeat(43)],
    ['no binding cookie', undefined],
    ['an empty binding cookie', ''],
  ])('RFC 9700 4.7.1: %s: login_state_mismatch, the provider never sees the code, and the owner can still finish', async (_label, binding) => {
    const t = setup();
    const { parameters, binding: owners } = await t.started();
    expect(await rejection(completeLogin({ parameters, binding }, t.callbackDeps))).toBe('login_state_mismatch');
    expect(t.store.transactions.size).toBe(1);
    expect(t.provider.completions).toHaveLength(0);
    expect(t.store.count('create')).toBe(0);
    expect((await completeLogin({ parameters, binding: owners }, t.callbackDeps)).returnTo).toBe('/');
  });

  test('the binding is reported spent once its transaction is used up, gone or another\'s; not before', async () => {
    const t = setup();
    const spent: string[] = [];
    const attempt = (label: string, parameters: URLSearchParams, binding?: string) =>
      completeLogin({ parameters, binding, onBindingSpent: () => spent.push(label) }, t.callbackDeps).catch(() => undefined);
    const { parameters, binding } = await t.started();
    const polluted = new URLSearchParams(parameters);
    polluted.append('code', 'second');
    await attempt('polluted', polluted, binding);
    await attempt('no cookie', parameters, undefined);
    await attempt('foreign', parameters, 'C'.repeat(43));
    await attempt('owner', parameters, binding);
    await attempt('replay', parameters, binding);
    expect(spent).toEqual(['foreign', 'owner', 'replay']);
  });

  test.each(['state', 'code', 'iss', 'error'])('a duplicate %s parameter is refused without asking the provider', async (name) => {
    const t = setup();
    const { binding, parameters } = await t.started();
    parameters.append(name, 'second');
    if (name !== 'state' && name !== 'code') parameters.append(name, 'third');
    expect(await rejection(completeLogin({ parameters, binding }, t.callbackDeps))).toBe('invalid_authorization_response');
    expect(t.provider.completions).toHaveLength(0);
    expect(t.store.sessions.size).toBe(0);
  });

  test('a missing or unknown state never reaches the provider', async () => {
    const t = setup();
    const { binding } = await t.started();
    expect(await rejection(completeLogin({ parameters: new URLSearchParams('code=x'), binding }, t.callbackDeps))).toBe('login_state_missing');
    expect(await rejection(completeLogin({ parameters: new URLSearchParams('code=x&state='), binding }, t.callbackDeps))).toBe('login_state_missing');
    expect(await rejection(completeLogin({ parameters: new URLSearchParams('code=x&state=forged'), binding }, t.callbackDeps))).toBe('login_state_invalid');
    expect(t.provider.completions).toHaveLength(0);
  });

  test('a provider failure creates no session and leaves the state used up', async () => {
    const t = setup();
    const { binding, parameters } = await t.started();
    t.provider.login = async () => {
      throw new ServiceError('code_rejected');
    };
    expect(await rejection(completeLogin({ parameters, binding }, t.callbackDeps))).toBe('code_rejected');
    expect(t.store.sessions.size).toBe(0);
    expect(t.store.transactions.size).toBe(0);
  });
});

describe('describeSession', () => {
  test('shows claims, expiry, sid and the logout link, never a token', async () => {
    const t = setup();
    const token = await t.signedIn();
    const session = [...t.store.sessions.values()][0]!;
    const description = await describeSession(token, t.callbackDeps);
    expect(description).toEqual({
      sub: 'user-1',
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      expiresAt: new Date((t.clock.seconds + SESSION_LIFETIME) * 1000).toISOString(),
      idleExpiresAt: new Date((t.clock.seconds + IDLE_TIMEOUT) * 1000).toISOString(),
      sid: session.sid,
      logoutUrl: `/logout?sid=${encodeURIComponent(session.sid)}`,
    });
    const text = JSON.stringify(description);
    for (const secret of ['access-token-value', 'refresh-token-value', 'id-token-value', token]) expect(text).not.toContain(secret);
  });

  test('the clock ends the session although the store still holds it', async () => {
    const t = setup();
    const token = await t.signedIn();
    t.clock.advanceSeconds(2000);
    await describeSession(token, t.callbackDeps); // keeps it from idling out
    t.clock.advanceSeconds(SESSION_LIFETIME - 2001);
    await expect(describeSession(token, t.callbackDeps)).resolves.toHaveProperty('sub', 'user-1');
    t.clock.advanceSeconds(1);
    expect(t.store.sessions.size).toBe(1);
    expect(await rejection(describeSession(token, t.callbackDeps))).toBe('session_expired');
    expect(t.store.sessions.size).toBe(0);
  });

  test.each([
    ['no cookie', undefined],
    ['a malformed cookie', 'not-a-token'],
    ['a cookie one character too long', 'A'.repeat(44)],
  ])('%s: not_signed_in without a store read', async (_label, token) => {
    const t = setup();
    expect(await rejection(describeSession(token, t.callbackDeps))).toBe('not_signed_in');
    expect(t.store.count('get')).toBe(0);
  });

  test('a well-formed but unknown cookie is not signed in', async () => {
    const t = setup();
    await t.signedIn();
    expect(await rejection(describeSession('C'.repeat(43), t.callbackDeps))).toBe('not_signed_in');
  });
});

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
    const t = setup();
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

  test.each([undefined, '0', 'true', ' 1', '11'])('X-CSRF %j: csrf_header_missing with zero store reads and zero upstream calls', async (csrf) => {
    const t = setup();
    const sessionToken = await t.signedIn();
    const callsBefore = t.store.calls.length;
    const headers = csrf === undefined ? {} : { 'x-csrf': csrf };
    expect(await rejection(proxyApiRequest(request({ sessionToken, headers }), t.proxyDeps))).toBe('csrf_header_missing');
    expect(t.store.calls.length).toBe(callsBefore);
    expect(t.upstream.requests).toHaveLength(0);
  });

  test('an access token about to expire is refreshed before the upstream call', async () => {
    const t = setup();
    const sessionToken = await t.signedIn();
    t.clock.advanceSeconds(239);
    await proxyApiRequest(request({ sessionToken }), t.proxyDeps);
    t.clock.advanceSeconds(1);
    await proxyApiRequest(request({ sessionToken }), t.proxyDeps);
    expect(t.provider.refreshCalls).toEqual(['refresh-token-value']);
    expect(t.upstream.requests.map((r) => r.accessToken)).toEqual(['access-token-value', 'access-after-refresh-token-value']);
  });

  test('an expired access token without a refresh token: token_expired, the session ends, no upstream call', async () => {
    const t = setup();
    t.provider.login = { claims: { sub: 'u' }, accessToken: 'short', expiresIn: 60 };
    const sessionToken = await t.signedIn();
    t.clock.advanceSeconds(60);
    expect(await rejection(proxyApiRequest(request({ sessionToken }), t.proxyDeps))).toBe('token_expired');
    expect(t.upstream.requests).toHaveLength(0);
    expect(t.store.sessions.size).toBe(0);
  });

  test('an access token without a known expiry is used until the session ends', async () => {
    const t = setup();
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
    const t = setup();
    expect(await rejection(proxyApiRequest(request({ sessionToken: undefined }), t.proxyDeps))).toBe('not_signed_in');
    expect(t.upstream.requests).toHaveLength(0);
  });

  test('a path escaping the base is refused before the store and the upstream', async () => {
    const t = setup();
    const sessionToken = await t.signedIn();
    const callsBefore = t.store.calls.length;
    expect(await rejection(proxyApiRequest(request({ sessionToken, proxyPath: '..%2Fadmin' }), t.proxyDeps))).toBe('invalid_api_path');
    expect(t.store.calls.length).toBe(callsBefore);
    expect(t.upstream.requests).toHaveLength(0);
  });
});

describe('endSession', () => {
  async function signedInWithSid(t: ReturnType<typeof setup>): Promise<{ token: string; session: Session }> {
    const token = await t.signedIn();
    return { token, session: t.store.sessions.get(hashToken(token))! };
  }

  test('with the right sid: ends the session and goes to the provider end-session URL', async () => {
    const t = setup();
    t.provider.endSession = new URL('https://id.example.com/logout?client_id=bff');
    const { token, session } = await signedInWithSid(t);
    const ended = await endSession({ sessionToken: token, sid: session.sid }, t.logoutDeps);
    expect(ended.redirectTo).toBe('https://id.example.com/logout?client_id=bff');
    expect(t.store.sessions.size).toBe(0);
    expect(t.provider.endSessionCalls).toEqual([{ idToken: 'id-token-value', postLogoutRedirectUri: `${OWN}/` }]);
  });

  test('without a provider end-session URL the browser goes to returnTo', async () => {
    const t = setup();
    const { token, session } = await signedInWithSid(t);
    expect(await endSession({ sessionToken: token, sid: session.sid, returnTo: '/bye' }, t.logoutDeps)).toEqual({ redirectTo: '/bye', revocation: 'revoked' });
  });

  test.each([
    ['a wrong sid', 'wrong'],
    ['no sid', undefined],
    ['an empty sid', ''],
  ])('%s: logout_sid_mismatch and the session survives', async (_label, sid) => {
    const t = setup();
    const { token } = await signedInWithSid(t);
    expect(await rejection(endSession({ sessionToken: token, sid }, t.logoutDeps))).toBe('logout_sid_mismatch');
    expect(t.store.sessions.size).toBe(1);
    expect(t.store.count('end')).toBe(0);
    expect(t.provider.endSessionCalls).toHaveLength(0);
    await expect(describeSession(token, t.callbackDeps)).resolves.toHaveProperty('sub', 'user-1');
  });

  test('logging out twice is harmless', async () => {
    const t = setup();
    const { token, session } = await signedInWithSid(t);
    await endSession({ sessionToken: token, sid: session.sid }, t.logoutDeps);
    expect(await endSession({ sessionToken: token, sid: session.sid, returnTo: '/again' }, t.logoutDeps)).toEqual({ redirectTo: '/again', revocation: 'none' });
    expect(t.provider.endSessionCalls).toHaveLength(1);
    expect(t.provider.revocations).toHaveLength(2);
  });

  test('without a session cookie, or after expiry, it just sends the browser on', async () => {
    const t = setup();
    const { token } = await signedInWithSid(t);
    expect(await endSession({}, t.logoutDeps)).toEqual({ redirectTo: '/', revocation: 'none' });
    t.clock.advanceSeconds(SESSION_LIFETIME);
    expect(await endSession({ sessionToken: token, sid: 'anything' }, t.logoutDeps)).toEqual({ redirectTo: '/', revocation: 'none' });
    expect(t.provider.endSessionCalls).toHaveLength(0);
  });

  test('a bad returnTo is refused and the session survives', async () => {
    const t = setup();
    const { token, session } = await signedInWithSid(t);
    expect(await rejection(endSession({ sessionToken: token, sid: session.sid, returnTo: 'https://evil.example' }, t.logoutDeps))).toBe(
      'invalid_return_to',
    );
    expect(t.store.sessions.size).toBe(1);
  });
});
