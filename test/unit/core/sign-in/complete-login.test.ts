/**
 * completeLogin (functions/core/sign-in/complete-login.ts) on in-memory fakes: the code redeemed
 * once, the session stored under the hash of its cookie, and every state or binding that is
 * missing, spent, expired, duplicated or another browser's refused before the provider sees the code.
 */
import { ServiceError } from '../../../../functions/core/errors';
import { hashToken } from '../../../../functions/core/opaque-tokens';
import { completeLogin } from '../../../../functions/core/sign-in/complete-login';
import { rejection } from '../../support/fakes';
import { IDLE_TIMEOUT, LOGIN_TIMEOUT, SESSION_LIFETIME, useCaseSetup, type UseCaseSetup } from '../../support/use-case-setup';

describe('completeLogin', () => {
  test('redeems the code once and stores the session under the hash of the new cookie value', async () => {
    const t = useCaseSetup();
    const { binding, state, parameters } = await t.started('/after');
    const signed = await completeLogin({ parameters, binding }, t.callbackDeps);
    expect(signed.returnTo).toBe('/after');
    expect(signed.sessionToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const authorization = t.provider.authorizationRequests[0]!;
    expect(t.provider.completions).toEqual([
      { parameters, expectedState: state, codeVerifier: authorization.codeVerifier, nonce: authorization.nonce },
    ]);
    expect([...t.store.sessions.keys()]).toEqual([hashToken(signed.sessionToken!)]);
    const key = hashToken(signed.sessionToken!);
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
    const t = useCaseSetup();
    const first = await completeLogin(await t.started(), t.callbackDeps);
    const { binding, parameters } = await t.started();
    const second = await completeLogin({ parameters, binding, previousSessionToken: first.sessionToken }, t.callbackDeps);
    expect([...t.store.sessions.keys()]).toEqual([hashToken(second.sessionToken!)]);
    expect(t.store.endings.get(hashToken(first.sessionToken!))).toEqual({ reason: 'replaced', at: t.clock.seconds });
  });

  /** The callback is refused as an unknown state; the provider and the sessions saw only what came before. */
  async function refusedAsInvalidState(t: UseCaseSetup, callback: { parameters: URLSearchParams; binding: string }, before: number) {
    expect(await rejection(completeLogin(callback, t.callbackDeps))).toBe('login_state_invalid');
    expect(t.provider.completions).toHaveLength(before);
    expect(t.store.sessions.size).toBe(before);
  }

  test('a state can be used once only', async () => {
    const t = useCaseSetup();
    const { binding, parameters } = await t.started();
    await completeLogin({ parameters, binding }, t.callbackDeps);
    await refusedAsInvalidState(t, { parameters, binding }, 1);
  });

  test('two concurrent callbacks with the same state: exactly one wins', async () => {
    const t = useCaseSetup();
    const { binding, parameters } = await t.started();
    const results = await Promise.allSettled([
      completeLogin({ parameters, binding }, t.callbackDeps),
      completeLogin({ parameters, binding }, t.callbackDeps),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(t.provider.completions).toHaveLength(1);
  });

  test('an expired transaction is refused although the store still holds it', async () => {
    const t = useCaseSetup();
    const { binding, parameters } = await t.started();
    t.clock.advanceSeconds(LOGIN_TIMEOUT);
    expect(t.store.transactions.size).toBe(1);
    await refusedAsInvalidState(t, { parameters, binding }, 0);
  });

  test('one second before expiry it is still accepted', async () => {
    const t = useCaseSetup();
    const { binding, parameters } = await t.started();
    t.clock.advanceSeconds(LOGIN_TIMEOUT - 1);
    await expect(completeLogin({ parameters, binding }, t.callbackDeps)).resolves.toHaveProperty('returnTo', '/');
  });

  test.each([
    ['a wrong binding cookie', 'B'.repeat(43)],
    ['no binding cookie', undefined],
    ['an empty binding cookie', ''],
  ])('RFC 9700 4.7.1: %s: login_state_mismatch, the provider never sees the code, and the owner can still finish', async (_label, binding) => {
    const t = useCaseSetup();
    const { parameters, binding: owners } = await t.started();
    expect(await rejection(completeLogin({ parameters, binding }, t.callbackDeps))).toBe('login_state_mismatch');
    expect(t.store.transactions.size).toBe(1);
    expect(t.provider.completions).toHaveLength(0);
    expect(t.store.count('create')).toBe(0);
    expect((await completeLogin({ parameters, binding: owners }, t.callbackDeps)).returnTo).toBe('/');
  });

  test('the binding is reported spent once its transaction is used up, gone or another\'s; not before', async () => {
    const t = useCaseSetup();
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
    const t = useCaseSetup();
    const { binding, parameters } = await t.started();
    parameters.append(name, 'second');
    if (name !== 'state' && name !== 'code') parameters.append(name, 'third');
    expect(await rejection(completeLogin({ parameters, binding }, t.callbackDeps))).toBe('invalid_authorization_response');
    expect(t.provider.completions).toHaveLength(0);
    expect(t.store.sessions.size).toBe(0);
  });

  test('a missing or unknown state never reaches the provider', async () => {
    const t = useCaseSetup();
    const { binding } = await t.started();
    expect(await rejection(completeLogin({ parameters: new URLSearchParams('code=x'), binding }, t.callbackDeps))).toBe('login_state_missing');
    expect(await rejection(completeLogin({ parameters: new URLSearchParams('code=x&state='), binding }, t.callbackDeps))).toBe('login_state_missing');
    expect(await rejection(completeLogin({ parameters: new URLSearchParams('code=x&state=forged'), binding }, t.callbackDeps))).toBe('login_state_invalid');
    expect(t.provider.completions).toHaveLength(0);
  });

  test('a provider failure creates no session and leaves the state used up', async () => {
    const t = useCaseSetup();
    const { binding, parameters } = await t.started();
    t.provider.login = async () => {
      throw new ServiceError('code_rejected');
    };
    expect(await rejection(completeLogin({ parameters, binding }, t.callbackDeps))).toBe('code_rejected');
    expect(t.store.sessions.size).toBe(0);
    expect(t.store.transactions.size).toBe(0);
  });

  test('a user the access rules refuse gets access_denied: no session, and the browser\'s earlier one is not ended', async () => {
    const t = useCaseSetup();
    const first = await t.started();
    const earlier = await completeLogin({ parameters: first.parameters, binding: first.binding }, t.callbackDeps);
    const deps = { ...t.callbackDeps, accessRules: { allowedEmailDomains: ['example.com'], allowedGroups: [], groupsClaim: 'groups' } };
    t.provider.login = { ...(t.provider.login as object), claims: { sub: 'eve' }, identity: { sub: 'eve', email: 'eve@example.com.evil', email_verified: true } } as never;
    const { binding, parameters } = await t.started();
    expect(await rejection(completeLogin({ parameters, binding, previousSessionToken: earlier.sessionToken }, deps))).toBe('access_denied');
    expect(t.store.sessions.size).toBe(1);
    expect(t.store.endings.size).toBe(0);
    // The same rules admit a verified address of the domain.
    t.provider.login = { ...(t.provider.login as object), identity: { sub: 'eve', email: 'eve@EXAMPLE.com', email_verified: true } } as never;
    const again = await t.started();
    expect((await completeLogin({ parameters: again.parameters, binding: again.binding }, deps)).sessionToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  describe('what the login asked', () => {
    const login = (t: UseCaseSetup, extra: Record<string, unknown>) => {
      t.provider.login = { ...(t.provider.login as object), ...extra } as never;
    };

    test('max_age: an auth_time within it (a minute of skew) signs in; an older or missing one is reauthentication_required, no session', async () => {
      const t = useCaseSetup();
      const now = t.clock.seconds;
      for (const [authTime, outcome] of [[now - 300, 'ok'], [now - 359, 'ok'], [now - 361, 'reauthentication_required'], [undefined, 'reauthentication_required']] as const) {
        login(t, { authTime });
        const { binding, parameters } = await t.started('/x', { maxAge: 300 });
        const result = completeLogin({ parameters, binding }, t.callbackDeps);
        if (outcome === 'ok') expect((await result).sessionToken).toBeDefined();
        else expect(await rejection(result)).toBe(outcome);
      }
      expect(t.store.sessions.size).toBe(2);
      // Without max_age asked, no auth_time is needed.
      login(t, { authTime: undefined });
      const plain = await t.started();
      expect((await completeLogin(plain, t.callbackDeps)).sessionToken).toBeDefined();
    });

    test('acr_values: an acr among them signs in and the session keeps it with auth_time; another or none is acr_not_satisfied', async () => {
      const t = useCaseSetup();
      login(t, { acr: 'urn:mfa', authTime: t.clock.seconds - 5 });
      const asked = await t.started('/x', { acrValues: 'urn:mfa urn:hwk' });
      const signed = await completeLogin(asked, t.callbackDeps);
      expect(t.store.sessions.get(hashToken(signed.sessionToken!))).toMatchObject({ acr: 'urn:mfa', authTime: t.clock.seconds - 5 });
      for (const acr of ['urn:pwd', undefined]) {
        login(t, { acr });
        expect(await rejection(completeLogin(await t.started('/x', { acrValues: 'urn:mfa' }), t.callbackDeps))).toBe('acr_not_satisfied');
      }
    });

    test('prompt=none: the provider needing the user is a redirect to returnTo with login_error, no session; other refusals stay errors', async () => {
      const t = useCaseSetup();
      t.provider.login = async () => Promise.reject(new ServiceError('provider_denied'));
      for (const error of ['login_required', 'consent_required', 'interaction_required', 'account_selection_required']) {
        const { binding, state } = await t.started('/app?tab=2', { prompt: 'none' });
        const parameters = new URLSearchParams({ error, state });
        expect(await completeLogin({ parameters, binding }, t.callbackDeps)).toEqual({ returnTo: `/app?tab=2&login_error=${error}` });
      }
      expect(t.store.sessions.size).toBe(0);
      const denied = await t.started('/app', { prompt: 'none' });
      expect(await rejection(completeLogin({ parameters: new URLSearchParams({ error: 'access_denied', state: denied.state }), binding: denied.binding }, t.callbackDeps))).toBe('provider_denied');
      // Without prompt=none the same answer is the error page.
      const interactive = await t.started('/app');
      expect(await rejection(completeLogin({ parameters: new URLSearchParams({ error: 'login_required', state: interactive.state }), binding: interactive.binding }, t.callbackDeps))).toBe('provider_denied');
    });
  });
});
