/**
 * The current session (functions/core/sessions/current-session.ts) and how sessions end by time:
 * the idle timeout, the absolute lifetime, and the touch that keeps an active session alive; an
 * ended session is unknown from then on. Also the tokens endSession revokes for such a session.
 */
import { keepAlive, lookupSession, requireSession, touchIntervalSeconds } from '../../../../functions/core/sessions/current-session';
import { endSession } from '../../../../functions/core/sessions/end-session';
import { ServiceError } from '../../../../functions/core/errors';
import type { Session, SessionTokens } from '../../../../functions/core/ports';
import { tokenContext } from '../../../../functions/core/sessions/session-tokens';
import { FakeIdentityProvider, InMemoryStore, rejection, SettableClock, storedSession, testVault } from '../../support/fakes';

const OWN = 'https://login.example.com';
const IDLE = 600;
const LIFETIME = 3_600;

async function setup(options: { overrides?: Partial<Session>; tokens?: SessionTokens } = {}) {
  const store = new InMemoryStore();
  const clock = new SettableClock();
  const vault = testVault();
  const provider = new FakeIdentityProvider();
  const start = clock.seconds;
  const stored = await storedSession(store, vault, start, {
    tokens: options.tokens,
    overrides: { expiresAt: start + LIFETIME, idleExpiresAt: start + IDLE, ...options.overrides },
  });
  const deps = { sessions: store, clock };
  const aliveDeps = { ...deps, idleTimeoutSeconds: IDLE };
  const logoutDeps = { ...deps, provider, vault, ownOrigin: OWN, returnToAllowedOrigins: [], homeUrl: '/', postLogoutRedirectUri: `${OWN}/logout/done` };
  return { store, clock, vault, provider, start, deps, aliveDeps, logoutDeps, ...stored };
}

describe('session expiry', () => {
  test('the idle timeout ends a session the store still holds, as expired', async () => {
    const t = await setup();
    t.clock.advanceSeconds(IDLE - 1);
    expect((await requireSession(t.sessionToken, t.deps)).key).toBe(t.key);
    t.clock.advanceSeconds(1);
    expect(await rejection(requireSession(t.sessionToken, t.deps))).toBe('session_expired');
    expect(t.store.sessions.has(t.key)).toBe(false);
    expect(t.store.count('end')).toBe(1);
    expect(t.store.endings.get(t.key)).toEqual({ reason: 'expired', at: t.clock.seconds });
    // Once ended it is simply unknown.
    expect(await rejection(requireSession(t.sessionToken, t.deps))).toBe('not_signed_in');
  });

  test('lookupSession reports an expired session as expired, not as missing', async () => {
    const t = await setup();
    t.clock.advanceSeconds(IDLE);
    expect(await lookupSession(t.sessionToken, t.deps)).toEqual({ state: 'expired', code: 'session_expired' });
  });

  test('the absolute lifetime ends a session however active it is', async () => {
    const t = await setup();
    let requests = 0;
    for (;;) {
      t.clock.advanceSeconds(30);
      if (t.clock.seconds >= t.start + LIFETIME) break;
      const found = await requireSession(t.sessionToken, t.deps);
      const idleExpiresAt = await keepAlive(found, t.aliveDeps);
      expect(idleExpiresAt).toBeLessThanOrEqual(t.start + LIFETIME);
      requests += 1;
    }
    expect(requests).toBe(LIFETIME / 30 - 1);
    expect(await rejection(requireSession(t.sessionToken, t.deps))).toBe('session_expired');
    expect(t.store.sessions.has(t.key)).toBe(false);
  });

  test('the absolute end holds even when the stored idle expiry lies beyond it', async () => {
    const start = new SettableClock().seconds;
    const t = await setup({ overrides: { expiresAt: start + 600, idleExpiresAt: start + 3_000 } });
    t.clock.advanceSeconds(599);
    expect((await lookupSession(t.sessionToken, t.deps)).state).toBe('active');
    t.clock.advanceSeconds(1);
    expect(await rejection(requireSession(t.sessionToken, t.deps))).toBe('session_expired');
    expect(t.store.sessions.has(t.key)).toBe(false);
  });

  test('malformed cookies never reach the store; unknown ones are not signed in', async () => {
    const t = await setup();
    for (const cookie of [undefined, '', 'short', `${t.sessionToken}x`, t.key.replace(/./, '%')]) {
      expect(await rejection(requireSession(cookie, t.deps))).toBe('not_signed_in');
    }
    expect(t.store.count('get')).toBe(0);
    expect(await rejection(requireSession('A'.repeat(43), t.deps))).toBe('not_signed_in');
    expect(t.store.count('get')).toBe(1);
  });
});

describe('keepAlive', () => {
  test('the touch interval is a tenth of the idle timeout, at most five minutes', () => {
    expect(touchIntervalSeconds(60)).toBe(6);
    expect(touchIntervalSeconds(600)).toBe(60);
    expect(touchIntervalSeconds(3_000)).toBe(300);
    expect(touchIntervalSeconds(86_400)).toBe(300);
  });

  test('writes only once the idle expiry would move by the touch interval', async () => {
    const t = await setup();
    t.clock.advanceSeconds(59);
    expect(await keepAlive(await requireSession(t.sessionToken, t.deps), t.aliveDeps)).toBe(t.start + IDLE);
    expect(t.store.count('touch')).toBe(0);
    t.clock.advanceSeconds(1);
    expect(await keepAlive(await requireSession(t.sessionToken, t.deps), t.aliveDeps)).toBe(t.start + 60 + IDLE);
    expect(t.store.count('touch')).toBe(1);
    expect(t.store.sessions.get(t.key)!.idleExpiresAt).toBe(t.start + 60 + IDLE);
  });

  test('a request every 10 seconds for an hour costs one write per interval', async () => {
    const t = await setup({ overrides: { expiresAt: new SettableClock().seconds + 8 * 3_600, idleExpiresAt: new SettableClock().seconds + 3_600 } });
    const deps = { ...t.deps, idleTimeoutSeconds: 3_600 };
    for (let elapsed = 10; elapsed <= 3_600; elapsed += 10) {
      t.clock.advanceSeconds(10);
      await keepAlive(await requireSession(t.sessionToken, t.deps), deps);
    }
    expect(t.store.count('touch')).toBe(3_600 / 300);
    expect(t.store.sessions.get(t.key)!.idleExpiresAt).toBe(t.start + 3_600 + 3_600);
  });

  test('never moves the idle expiry past the absolute end', async () => {
    const t = await setup({ overrides: { expiresAt: new SettableClock().seconds + 1_000 } });
    t.clock.advanceSeconds(500);
    expect(await keepAlive(await requireSession(t.sessionToken, t.deps), t.aliveDeps)).toBe(t.start + 1_000);
    expect(t.store.sessions.get(t.key)!.idleExpiresAt).toBe(t.start + 1_000);
    expect(t.store.count('touch')).toBe(1);
    t.clock.advanceSeconds(400);
    expect(await keepAlive(await requireSession(t.sessionToken, t.deps), t.aliveDeps)).toBe(t.start + 1_000);
    expect(t.store.count('touch')).toBe(1);
  });

  test('a failing write does not fail the request and reports the stored expiry', async () => {
    const t = await setup();
    t.store.touch = async () => {
      throw new ServiceError('store_unavailable');
    };
    t.clock.advanceSeconds(300);
    expect(await keepAlive(await requireSession(t.sessionToken, t.deps), t.aliveDeps)).toBe(t.start + IDLE);
    expect(t.store.sessions.get(t.key)!.idleExpiresAt).toBe(t.start + IDLE);
  });
});

describe('endSession: revocation', () => {
  const logout = (t: Awaited<ReturnType<typeof setup>>, returnTo?: string) =>
    endSession({ sessionToken: t.sessionToken, sid: t.session.sid, returnTo }, t.logoutDeps);

  test('revokes the access and the refresh token, each with its hint', async () => {
    const t = await setup();
    expect(await logout(t, '/bye')).toEqual({ redirectTo: '/bye', revocation: 'revoked' });
    expect(t.provider.revocations).toEqual([
      { token: 'access-0', hint: 'access_token' },
      { token: 'refresh-0', hint: 'refresh_token' },
    ]);
    expect(t.provider.endSessionCalls).toEqual([{ idToken: 'id-0', postLogoutRedirectUri: `${OWN}/logout/done`, state: expect.any(String) }]);
    expect(t.store.endings.get(t.key)?.reason).toBe('logout');
  });

  test('a refresh that lands between the read and the ending: the tokens it stored are the ones revoked', async () => {
    const t = await setup();
    const rotated = await t.vault.seal({ accessToken: 'access-1', refreshToken: 'refresh-1', idToken: 'id-1' }, tokenContext(t.key));
    // The provider's end-session URL is worked out between the read and the ending: the refresh lands then.
    t.provider.endSessionUrl = async () => {
      t.store.sessions.set(t.key, { ...t.store.sessions.get(t.key)!, sealedTokens: rotated, version: 2 });
      return undefined;
    };
    await logout(t);
    expect(t.provider.revocations).toEqual([
      { token: 'access-1', hint: 'access_token' },
      { token: 'refresh-1', hint: 'refresh_token' },
    ]);
  });

  test('without a refresh token only the access token is revoked', async () => {
    const t = await setup({ tokens: { accessToken: 'access-only' } });
    expect((await logout(t)).revocation).toBe('revoked');
    expect(t.provider.revocations).toEqual([{ token: 'access-only', hint: 'access_token' }]);
  });

  test('a provider without revocation gives unsupported', async () => {
    const t = await setup();
    t.provider.revokeResult = async () => false;
    expect(await logout(t)).toEqual({ redirectTo: '/', revocation: 'unsupported' });
    expect(t.store.sessions.has(t.key)).toBe(false);
  });

  test('a failing revocation gives failed, yet the session is ended and the browser sent on', async () => {
    const t = await setup();
    t.provider.endSession = new URL('https://id.example.com/logout?x=1');
    t.provider.revokeResult = async () => {
      throw new ServiceError('provider_unavailable');
    };
    expect(await logout(t)).toMatchObject({ redirectTo: 'https://id.example.com/logout?x=1', revocation: 'failed' });
    expect(t.store.sessions.has(t.key)).toBe(false);
  });

  test('tokens that cannot be opened still allow the logout, with nothing revoked', async () => {
    const t = await setup();
    const foreign = await testVault({ k1: 'other-material-that-is-long-enough-012345' }).seal({ accessToken: 'x', refreshToken: 'y' }, tokenContext(t.key));
    t.store.sessions.set(t.key, { ...t.session, sealedTokens: foreign });
    expect(await logout(t, '/signed-out')).toEqual({ redirectTo: '/signed-out', revocation: 'none' });
    expect(t.provider.revocations).toEqual([]);
    expect(t.provider.endSessionCalls).toEqual([{ idToken: undefined, postLogoutRedirectUri: `${OWN}/logout/done`, state: expect.any(String) }]);
    expect(t.store.sessions.has(t.key)).toBe(false);
  });

  test('a wrong sid logs nobody out and revokes nothing', async () => {
    const t = await setup();
    expect(await rejection(endSession({ sessionToken: t.sessionToken, sid: 'not-the-sid' }, t.logoutDeps))).toBe('logout_sid_mismatch');
    expect(t.store.sessions.has(t.key)).toBe(true);
    expect(t.provider.revocations).toEqual([]);
  });

  test('an expired session is ended without revocation and the browser sent on', async () => {
    const t = await setup();
    t.clock.advanceSeconds(IDLE);
    expect(await logout(t, '/x')).toEqual({ redirectTo: '/x', revocation: 'none' });
    expect(t.store.sessions.has(t.key)).toBe(false);
    expect(t.provider.revocations).toEqual([]);
  });
});
