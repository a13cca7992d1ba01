/**
 * Access tokens for named APIs with an audience (RFC 8707): one refresh grant per resource, stored
 * with the session, reused until due, renewed under the refresh lease.
 */
import { endSession } from '../../../../functions/core/sessions/end-session';
import { ServiceError } from '../../../../functions/core/errors';
import type { SessionTokens } from '../../../../functions/core/ports';
import { apiAccessToken, tokenContext, usableTokens, type AudienceApi, type TokenDependencies } from '../../../../functions/core/sessions/session-tokens';
import { FakeIdentityProvider, InMemoryStore, rejection, SettableClock, storedSession, testVault } from '../../support/fakes';

const REPORTS: AudienceApi = { name: 'reports', audience: 'https://reports.example.com', scopes: ['reports:read'] };

/** A stored session with a fresh primary token, on a clock that `sleep` moves on; `onSleep` is what another instance does meanwhile. */
async function setup(tokens: SessionTokens = { accessToken: 'access-0', refreshToken: 'refresh-0', idToken: 'id-0' }) {
  const store = new InMemoryStore();
  const provider = new FakeIdentityProvider();
  const clock = new SettableClock();
  const vault = testVault();
  const onSleep: Array<() => void | Promise<void>> = [];
  const stored = await storedSession(store, vault, clock.seconds, { tokens });
  const deps: TokenDependencies = {
    sessions: store, vault, provider, clock, refreshSkewSeconds: 60, leaseMs: 30_000, waitMs: 2_000,
    sleep: async (ms) => {
      clock.advanceSeconds(ms / 1000);
      await onSleep.shift()?.();
    },
  };
  const current = () => ({ key: stored.key, session: store.sessions.get(stored.key)! });
  const storedTokens = () => vault.open(store.sessions.get(stored.key)!.sealedTokens, tokenContext(stored.key));
  return { store, provider, clock, vault, deps, key: stored.key, sessionToken: stored.sessionToken, current, storedTokens, onSleep };
}

describe('apiAccessToken', () => {
  test('the first call makes one grant for the resource and its scopes; the token is stored with the rest kept', async () => {
    const t = await setup({ accessToken: 'access-0', refreshToken: 'refresh-0', idToken: 'id-0', apiTokens: { billing: { accessToken: 'billing-0' } } });
    const before = t.current().session;
    expect(await apiAccessToken(t.current(), REPORTS, t.deps)).toBe('access-after-refresh-0');
    expect(t.provider.refreshTargets).toEqual([{ resource: REPORTS.audience, scopes: ['reports:read'] }]);
    expect(await t.storedTokens()).toEqual({
      accessToken: 'access-0',
      refreshToken: 'rotated-refresh-0',
      idToken: 'id-0',
      apiTokens: {
        billing: { accessToken: 'billing-0' },
        reports: { accessToken: 'access-after-refresh-0', accessTokenExpiresAt: t.clock.seconds + 300, accessTokenRefreshAt: t.clock.seconds + 240 },
      },
    });
    const after = t.current().session;
    expect(after).toMatchObject({ version: before.version + 1, accessTokenExpiresAt: before.accessTokenExpiresAt, accessTokenRefreshAt: before.accessTokenRefreshAt });
    expect(after.refreshLease).toBeUndefined();
  });

  test('a stored token is reused until it is due, then renewed once', async () => {
    const t = await setup();
    await apiAccessToken(t.current(), REPORTS, t.deps);
    t.provider.refreshResult = async () => ({ accessToken: 'reports-2', expiresIn: 300 });
    t.clock.advanceSeconds(239);
    expect(await apiAccessToken(t.current(), REPORTS, t.deps)).toBe('access-after-refresh-0');
    expect(t.store.count('acquireRefreshLease')).toBe(1);
    t.clock.advanceSeconds(1);
    expect(await apiAccessToken(t.current(), REPORTS, t.deps)).toBe('reports-2');
    expect(t.provider.refreshCalls).toEqual(['refresh-0', 'rotated-refresh-0']);
    // No rotation this time: the refresh token stays.
    expect((await t.storedTokens()).refreshToken).toBe('rotated-refresh-0');
  });

  test('a primary refresh afterwards keeps the API token', async () => {
    const t = await setup();
    await apiAccessToken(t.current(), REPORTS, t.deps);
    t.clock.advanceSeconds(250);
    expect((await usableTokens(t.current(), t.deps)).accessToken).toBe('access-after-rotated-refresh-0');
    expect((await t.storedTokens()).apiTokens?.reports?.accessToken).toBe('access-after-refresh-0');
  });

  test('without a refresh token: api_token_unavailable, no lease, no grant, the session stays', async () => {
    const t = await setup({ accessToken: 'access-0' });
    expect(await rejection(apiAccessToken(t.current(), REPORTS, t.deps))).toBe('api_token_unavailable');
    expect(t.store.count('acquireRefreshLease')).toBe(0);
    expect(t.provider.refreshCalls).toEqual([]);
    expect(t.store.sessions.has(t.key)).toBe(true);
  });

  test('a refused grant ends the session; any other failure lets go of the lease and keeps it', async () => {
    const refused = await setup();
    refused.provider.refreshResult = async () => Promise.reject(new ServiceError('session_ended'));
    expect(await rejection(apiAccessToken(refused.current(), REPORTS, refused.deps))).toBe('session_ended');
    expect(refused.store.sessions.has(refused.key)).toBe(false);

    const down = await setup();
    down.provider.refreshResult = async () => Promise.reject(new ServiceError('provider_unavailable'));
    expect(await rejection(apiAccessToken(down.current(), REPORTS, down.deps))).toBe('provider_unavailable');
    expect(down.current().session.refreshLease).toBeUndefined();
    expect(down.current().session.version).toBe(0);
  });

  test('a refreshed ID token about another user ends the session', async () => {
    const t = await setup();
    t.provider.refreshResult = async () => ({ accessToken: 'x-token-value', idToken: 'id-other', idTokenClaims: { sub: 'someone-else' } });
    expect(await rejection(apiAccessToken(t.current(), REPORTS, t.deps))).toBe('session_ended');
    expect(t.store.sessions.has(t.key)).toBe(false);
  });

  test('while another request holds the lease, the token it stores is used: no second grant', async () => {
    const t = await setup();
    // Another instance took the lease and will store its token during our first wait.
    const holder = t.current();
    await t.store.acquireRefreshLease(t.key, { version: holder.session.version, owner: 'other', until: t.clock.now() + 30_000, now: t.clock.now() });
    t.onSleep.push(async () => {
      const sealed = await t.vault.seal({ accessToken: 'access-0', refreshToken: 'refresh-1', apiTokens: { reports: { accessToken: 'reports-by-other' } } }, tokenContext(t.key));
      await t.store.saveRefreshedTokens(t.key, holder.session.version, { sealedTokens: sealed, accessTokenExpiresAt: holder.session.accessTokenExpiresAt, accessTokenRefreshAt: holder.session.accessTokenRefreshAt });
    });
    expect(await apiAccessToken(t.current(), REPORTS, t.deps)).toBe('reports-by-other');
    expect(t.provider.refreshCalls).toEqual([]);
  });

  test('logout revokes the API tokens with the others', async () => {
    const t = await setup();
    await apiAccessToken(t.current(), REPORTS, t.deps);
    const { sid } = t.current().session;
    const deps = { ...t.deps, provider: t.provider, ownOrigin: 'https://login.example.com', returnToAllowedOrigins: [], homeUrl: '/', postLogoutRedirectUri: 'https://login.example.com/logout/done' };
    expect(await endSession({ sessionToken: t.sessionToken, sid }, deps)).toEqual({ redirectTo: '/', revocation: 'revoked' });
    expect(t.provider.revocations).toEqual([
      { token: 'access-0', hint: 'access_token' },
      { token: 'access-after-refresh-0', hint: 'access_token' },
      { token: 'rotated-refresh-0', hint: 'refresh_token' },
    ]);
  });
});
