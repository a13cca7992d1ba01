/**
 * usableTokens: a session's tokens as a request may use them, refreshed once under a lease when
 * due, with what a refused refresh, a logout meanwhile or another instance's refresh does.
 */
import { backchannelLogout } from '../../../../functions/core/sessions/backchannel-logout';
import { ServiceError, type ErrorCode } from '../../../../functions/core/errors';
import type { Clock, RefreshedTokens, Session, SessionTokens } from '../../../../functions/core/ports';
import { apiAccessToken, tokenContext, tokenTimes, usableTokens, type TokenDependencies } from '../../../../functions/core/sessions/session-tokens';
import { FakeIdentityProvider, InMemoryStore, rejection, SettableClock, storedSession, testVault } from '../../support/fakes';

const WAIT_MS = 2_000;
const LEASE_MS = 30_000;

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A stored session whose access token is due for refresh (unless `fresh`), on a settable clock
 * whose `sleep` moves time on instead of waiting. `onSleep` runs before each wait: what another
 * instance does meanwhile.
 */
async function setup(options: { fresh?: boolean; overrides?: Partial<Session>; tokens?: SessionTokens } = {}) {
  const store = new InMemoryStore();
  const provider = new FakeIdentityProvider();
  const clock = new SettableClock();
  const vault = testVault();
  const onSleep: Array<() => void | Promise<void>> = [];
  const sleeps: number[] = [];
  const due = options.fresh ? {} : { accessTokenExpiresAt: clock.seconds + 30, accessTokenRefreshAt: clock.seconds - 30 };
  const stored = await storedSession(store, vault, clock.seconds, { tokens: options.tokens, overrides: { ...due, ...options.overrides } });
  const deps: TokenDependencies = {
    sessions: store, vault, provider, clock, refreshSkewSeconds: 60, leaseMs: LEASE_MS, waitMs: WAIT_MS,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.advanceSeconds(ms / 1000);
      await onSleep.shift()?.();
    },
  };
  const found = { key: stored.key, session: stored.session };
  /** The session as the store holds it now, as the next request would find it. */
  const current = () => ({ key: stored.key, session: store.sessions.get(stored.key)! });
  const storedTokens = () => vault.open(store.sessions.get(stored.key)!.sealedTokens, tokenContext(stored.key));
  return { store, provider, clock, vault, deps, found, key: stored.key, current, storedTokens, onSleep, sleeps };
}

describe('usableTokens: no refresh needed', () => {
  test('a fresh access token is returned without touching the provider or taking a lease', async () => {
    const t = await setup({ fresh: true });
    expect(await usableTokens(t.found, t.deps)).toEqual({ accessToken: 'access-0', refreshToken: 'refresh-0', idToken: 'id-0' });
    expect(t.provider.refreshCalls).toEqual([]);
    expect(t.store.count('acquireRefreshLease')).toBe(0);
    expect(t.store.sessions.get(t.key)!.version).toBe(0);
  });

  test('one second before accessTokenRefreshAt nothing is refreshed; at it, it is', async () => {
    const t = await setup({ fresh: true });
    t.clock.advanceSeconds(239);
    expect((await usableTokens(t.found, t.deps)).accessToken).toBe('access-0');
    expect(t.provider.refreshCalls).toEqual([]);
    t.clock.advanceSeconds(1);
    expect((await usableTokens(t.found, t.deps)).accessToken).toBe('access-after-refresh-0');
    expect(t.provider.refreshCalls).toEqual(['refresh-0']);
  });

  test('without accessTokenRefreshAt the expiry itself triggers the refresh; without either, never', async () => {
    const fallback = await setup({ overrides: { accessTokenRefreshAt: undefined, accessTokenExpiresAt: new SettableClock().seconds } });
    expect((await usableTokens(fallback.found, fallback.deps)).accessToken).toBe('access-after-refresh-0');
    const unknown = await setup({ overrides: { accessTokenRefreshAt: undefined, accessTokenExpiresAt: undefined } });
    unknown.clock.advanceSeconds(7 * 3600);
    expect((await usableTokens(unknown.found, unknown.deps)).accessToken).toBe('access-0');
    expect(unknown.provider.refreshCalls).toEqual([]);
  });

  test('tokens that no longer open end the session', async () => {
    const t = await setup({ fresh: true });
    t.store.sessions.set(t.key, { ...t.found.session, sealedTokens: await testVault({ k1: 'other-material-that-is-long-enough-012345' }).seal({ accessToken: 'x' }, tokenContext(t.key)) });
    expect(await rejection(usableTokens(t.current(), t.deps))).toBe('session_ended');
    expect(t.store.sessions.has(t.key)).toBe(false);
    expect(t.store.endings.get(t.key)?.reason).toBe('unreadable');
  });
});

describe('usableTokens: refresh', () => {
  test('refreshes once, stores the rotated refresh token sealed, raises the version and drops the lease', async () => {
    const t = await setup();
    const tokens = await usableTokens(t.found, t.deps);
    // The replaced access token expires in 30 s: it is kept for an ending to revoke.
    const replaced = [{ accessToken: 'access-0', expiresAt: t.clock.seconds + 30 }];
    expect(tokens).toEqual({ accessToken: 'access-after-refresh-0', refreshToken: 'rotated-refresh-0', idToken: 'id-0', replacedAccessTokens: replaced });
    expect(t.provider.refreshCalls).toEqual(['refresh-0']);
    const saved = t.store.sessions.get(t.key)!;
    expect(saved.version).toBe(1);
    expect(saved.refreshLease).toBeUndefined();
    expect(saved.accessTokenExpiresAt).toBe(t.clock.seconds + 300);
    expect(saved.accessTokenRefreshAt).toBe(t.clock.seconds + 240);
    expect(await t.storedTokens()).toEqual(tokens);
    expect(t.store.dump()).not.toContain('rotated-refresh-0');
    // The next request finds fresh tokens and does not refresh again.
    expect(await usableTokens(t.current(), t.deps)).toEqual(tokens);
    expect(t.provider.refreshCalls).toHaveLength(1);
  });

  test('replaced access tokens are kept while they may be live: expired ones drop out, those of unknown lifetime stay', async () => {
    const now = new SettableClock().seconds;
    const t = await setup({
      tokens: {
        accessToken: 'access-0',
        refreshToken: 'refresh-0',
        replacedAccessTokens: [{ accessToken: 'expired', expiresAt: now }, { accessToken: 'unknown' }, { accessToken: 'live', expiresAt: now + 1 }],
      },
    });
    const tokens = await usableTokens(t.found, t.deps);
    expect(tokens.replacedAccessTokens!.map((token) => token.accessToken)).toEqual(['unknown', 'live', 'access-0']);
    expect((await t.storedTokens()).replacedAccessTokens).toEqual(tokens.replacedAccessTokens);
  });

  test('at most 8 replaced access tokens are kept, the latest', async () => {
    const t = await setup({
      tokens: { accessToken: 'access-0', refreshToken: 'refresh-0', replacedAccessTokens: Array.from({ length: 8 }, (_, i) => ({ accessToken: `unknown-${i}` })) },
    });
    const tokens = await usableTokens(t.found, t.deps);
    expect(tokens.replacedAccessTokens!.map((token) => token.accessToken)).toEqual([...Array.from({ length: 7 }, (_, i) => `unknown-${i + 1}`), 'access-0']);
  });

  test("a refresh of a named API's token keeps that API's replaced token, not the primary one", async () => {
    const api = { name: 'orders', audience: 'https://orders.example', scopes: [] };
    const t = await setup({
      fresh: true,
      tokens: { accessToken: 'access-0', refreshToken: 'refresh-0', apiTokens: { orders: { accessToken: 'orders-0', accessTokenExpiresAt: new SettableClock().seconds + 20, accessTokenRefreshAt: new SettableClock().seconds - 1 } } },
    });
    expect(await apiAccessToken(t.found, api, t.deps)).not.toBe('orders-0');
    const stored = await t.storedTokens();
    expect(stored.accessToken).toBe('access-0');
    expect(stored.replacedAccessTokens).toEqual([{ accessToken: 'orders-0', expiresAt: t.clock.seconds + 20 }]);
  });

  test('a provider that keeps the refresh token and sends no ID token leaves both as they were', async () => {
    const t = await setup();
    t.provider.refreshResult = async () => ({ accessToken: 'access-1', expiresIn: undefined });
    const replacedAccessTokens = [{ accessToken: 'access-0', expiresAt: t.clock.seconds + 30 }];
    expect(await usableTokens(t.found, t.deps)).toEqual({ accessToken: 'access-1', refreshToken: 'refresh-0', idToken: 'id-0', replacedAccessTokens });
    const saved = t.store.sessions.get(t.key)!;
    expect(saved.accessTokenExpiresAt).toBeUndefined();
    expect(saved.accessTokenRefreshAt).toBeUndefined();
    expect(await t.storedTokens()).toEqual({ accessToken: 'access-1', refreshToken: 'refresh-0', idToken: 'id-0', replacedAccessTokens });
  });

  test('20 concurrent requests on one expired session make exactly one refresh and all get the new token', async () => {
    const store = new InMemoryStore();
    const provider = new FakeIdentityProvider();
    const vault = testVault();
    const clock: Clock = { now: () => Date.now() };
    const now = Math.floor(Date.now() / 1000);
    const stored = await storedSession(store, vault, now, { overrides: { accessTokenExpiresAt: now + 10, accessTokenRefreshAt: now - 10 } });
    const slow = provider.refreshResult;
    provider.refreshResult = async (refreshToken) => {
      await realSleep(40);
      return slow(refreshToken);
    };
    const deps: TokenDependencies = { sessions: store, vault, provider, clock, refreshSkewSeconds: 60, leaseMs: LEASE_MS, waitMs: 15_000, sleep: realSleep };
    const found = { key: stored.key, session: stored.session };

    const first = await Promise.all(Array.from({ length: 20 }, () => usableTokens(found, deps)));
    expect(provider.refreshCalls).toEqual(['refresh-0']);
    expect(first.map((tokens) => tokens.accessToken)).toEqual(Array(20).fill('access-after-refresh-0'));
    expect(store.count('saveRefreshedTokens')).toBe(1);
    expect(store.sessions.get(stored.key)!.version).toBe(1);

    // The next round, once that token is due too, sends the rotated refresh token, never the old one again.
    const due = { ...store.sessions.get(stored.key)!, accessTokenRefreshAt: now - 5 };
    store.sessions.set(stored.key, due);
    const second = await Promise.all(Array.from({ length: 20 }, () => usableTokens({ key: stored.key, session: due }, deps)));
    expect(provider.refreshCalls).toEqual(['refresh-0', 'rotated-refresh-0']);
    expect(new Set(second.map((tokens) => tokens.accessToken))).toEqual(new Set(['access-after-rotated-refresh-0']));
    expect(store.sessions.get(stored.key)!.version).toBe(2);
    expect(store.sessions.get(stored.key)!.refreshLease).toBeUndefined();
  });

  test('a refused grant ends the session', async () => {
    const t = await setup();
    t.provider.refreshResult = async () => {
      throw new ServiceError('session_ended');
    };
    expect(await rejection(usableTokens(t.found, t.deps))).toBe('session_ended');
    expect(t.store.sessions.has(t.key)).toBe(false);
    expect(t.store.endings.get(t.key)).toEqual({ reason: 'refresh_failed', at: t.clock.seconds });
    expect(t.provider.refreshCalls).toEqual(['refresh-0']);
  });

  test.each<[string, () => unknown, ErrorCode]>([
    ['an unavailable provider', () => new ServiceError('provider_unavailable'), 'provider_unavailable'],
    ['a provider timeout', () => new ServiceError('provider_timeout'), 'provider_timeout'],
    ['an unexpected failure', () => new Error('socket hang up'), 'internal_error'],
  ])('%s keeps the session, lets the lease go and a later request refreshes', async (_name, failure, code) => {
    const t = await setup();
    t.provider.refreshResult = async () => {
      throw failure();
    };
    expect(await rejection(usableTokens(t.found, t.deps))).toBe(code);
    const kept = t.store.sessions.get(t.key)!;
    expect(kept).toBeDefined();
    expect(kept.refreshLease).toBeUndefined();
    expect(kept.version).toBe(0);
    expect(t.store.count('releaseRefreshLease')).toBe(1);

    t.provider.refreshResult = new FakeIdentityProvider().refreshResult;
    expect((await usableTokens(t.current(), t.deps)).accessToken).toBe('access-after-refresh-0');
    expect(t.provider.refreshCalls).toEqual(['refresh-0', 'refresh-0']);
    expect(t.store.sessions.get(t.key)!.version).toBe(1);
  });

  test('a refreshed ID token about another user ends the session', async () => {
    const t = await setup();
    t.provider.refreshResult = async (): Promise<RefreshedTokens> => ({ accessToken: 'a', idToken: 'id-1', idTokenClaims: { sub: 'user-2' }, expiresIn: 300 });
    expect(await rejection(usableTokens(t.found, t.deps))).toBe('session_ended');
    expect(t.store.endings.get(t.key)?.reason).toBe('refresh_failed');
  });

  test('a refreshed ID token showing the user left the allowed groups signs them out; one that still qualifies, or says nothing of groups, keeps them', async () => {
    const accessRules = { allowedEmailDomains: [], allowedGroups: ['admins'], groupsClaim: 'groups' };
    const left = await setup();
    left.provider.refreshResult = async (): Promise<RefreshedTokens> => ({ accessToken: 'a', idToken: 'id-1', idTokenClaims: { sub: 'user-1', groups: ['users'] }, expiresIn: 300 });
    expect(await rejection(usableTokens(left.found, { ...left.deps, accessRules }))).toBe('session_ended');
    expect(left.store.endings.get(left.key)?.reason).toBe('refresh_failed');
    // The tokens the refused refresh brought are revoked, the refresh token kept from before too.
    expect(left.provider.revocations).toEqual(expect.arrayContaining([{ token: 'a', hint: 'access_token' }, { token: 'refresh-0', hint: 'refresh_token' }]));
    for (const idTokenClaims of [{ sub: 'user-1', groups: ['admins'] }, { sub: 'user-1' }]) {
      const stays = await setup();
      stays.provider.refreshResult = async (): Promise<RefreshedTokens> => ({ accessToken: 'a', idToken: 'id-1', idTokenClaims, expiresIn: 300 });
      expect((await usableTokens(stays.found, { ...stays.deps, accessRules })).accessToken).toBe('a');
    }
  });

  test('a refreshed ID token about the same user is stored', async () => {
    const t = await setup();
    t.provider.refreshResult = async (): Promise<RefreshedTokens> => ({ accessToken: 'a', idToken: 'id-1', idTokenClaims: { sub: 'user-1' }, expiresIn: 300 });
    expect(await usableTokens(t.found, t.deps)).toMatchObject({ accessToken: 'a', refreshToken: 'refresh-0', idToken: 'id-1' });
    expect((await t.storedTokens()).idToken).toBe('id-1');
  });

  test('without a refresh token, an access token due for refresh serves until it really expires', async () => {
    const t = await setup({ tokens: { accessToken: 'access-0', idToken: 'id-0' } });
    expect(await usableTokens(t.found, t.deps)).toEqual({ accessToken: 'access-0', idToken: 'id-0' });
    expect(t.store.sessions.get(t.key)!.refreshLease).toBeUndefined();
    expect(t.provider.refreshCalls).toEqual([]);
  });

  test('an expired access token without a refresh token ends the session with token_expired', async () => {
    const t = await setup({ tokens: { accessToken: 'access-0', idToken: 'id-0' } });
    t.clock.advanceSeconds(30);
    expect(await rejection(usableTokens(t.found, t.deps))).toBe('token_expired');
    expect(t.store.endings.get(t.key)?.reason).toBe('refresh_failed');
    expect(t.provider.refreshCalls).toEqual([]);
  });

  /** A refresh during which the user logs out: the session is gone when the new tokens come back. */
  async function refreshOutrunByLogout() {
    const t = await setup();
    t.provider.refreshResult = async () => {
      t.store.sessions.delete(t.key);
      return { accessToken: 'access-1', refreshToken: 'refresh-1', expiresIn: 300 };
    };
    expect(await rejection(usableTokens(t.found, t.deps))).toBe('session_ended');
    return t;
  }

  test('a logout between the refresh call and the save: the new access and refresh tokens are revoked at once', async () => {
    const t = await refreshOutrunByLogout();
    expect(t.provider.revocations).toEqual([{ token: 'access-1', hint: 'access_token' }, { token: 'refresh-1', hint: 'refresh_token' }]);
  });

  test('a back-channel logout during the refresh call: the session stays ended, refused from then on, the new tokens revoked', async () => {
    const t = await setup({ overrides: { issuer: 'https://id.example.com' } });
    const sub = t.found.session.claims.sub;
    t.provider.refreshResult = async () => {
      const replays = { firstUse: async () => true, forget: async () => undefined };
      const verifier = { verify: async () => ({ issuer: 'https://id.example.com', subject: sub, jti: 'j', replayableUntil: t.clock.seconds + 300 }) };
      expect(await backchannelLogout(new URLSearchParams({ logout_token: 'a.b.c' }), { verifier, index: t.store, sessions: t.store, replays, clock: t.clock })).toEqual({ ended: 1 });
      return { accessToken: 'access-1', refreshToken: 'refresh-1', expiresIn: 300 };
    };
    expect(await rejection(usableTokens(t.found, t.deps))).toBe('session_ended');
    expect(t.store.endings.get(t.key)?.reason).toBe('backchannel');
    expect(await t.store.get(t.key)).toBeUndefined();
    expect(t.provider.revocations.map((r) => r.token).sort()).toEqual(['access-1', 'refresh-1']);
  });

  test('a logout during the refresh call: the new tokens are not stored and the session stays ended', async () => {
    const t = await refreshOutrunByLogout();
    expect(t.store.sessions.has(t.key)).toBe(false);
  });
});

describe('usableTokens: a refresh by someone else', () => {
  const heldLease = (clock: SettableClock, ms = LEASE_MS) => ({ refreshLease: { owner: 'other-instance', until: clock.now() + ms } });

  test('a lease held with no progress answers refresh_pending once waitMs has passed', async () => {
    const clock = new SettableClock();
    const t = await setup({ overrides: heldLease(clock) });
    const start = t.clock.now();
    expect(await rejection(usableTokens(t.found, t.deps))).toBe('refresh_pending');
    const waited = t.clock.now() - start;
    expect(waited).toBeLessThanOrEqual(WAIT_MS);
    expect(waited).toBeGreaterThan(WAIT_MS - 250);
    expect(t.provider.refreshCalls).toEqual([]);
    expect(t.store.sessions.get(t.key)!.refreshLease?.owner).toBe('other-instance');
    // Polls back off: 20 ms doubling, at most 250 ms.
    expect(t.sleeps.slice(0, 5)).toEqual([20, 40, 80, 160, 250]);
    expect(Math.max(...t.sleeps)).toBe(250);
  });

  test('the waiter uses the tokens the lease holder stored', async () => {
    const clock = new SettableClock();
    const t = await setup({ overrides: heldLease(clock) });
    t.onSleep.push(async () => {
      await t.store.saveRefreshedTokens(t.key, 0, {
        sealedTokens: await t.vault.seal({ accessToken: 'from-other', refreshToken: 'refresh-1' }, tokenContext(t.key)),
        accessTokenExpiresAt: t.clock.seconds + 300,
        accessTokenRefreshAt: t.clock.seconds + 240,
      });
    });
    expect(await usableTokens(t.found, t.deps)).toEqual({ accessToken: 'from-other', refreshToken: 'refresh-1' });
    expect(t.provider.refreshCalls).toEqual([]);
  });

  test('an expired lease (its holder died) is taken over', async () => {
    const clock = new SettableClock();
    const t = await setup({ overrides: heldLease(clock, 0) });
    expect((await usableTokens(t.found, t.deps)).accessToken).toBe('access-after-refresh-0');
    expect(t.provider.refreshCalls).toEqual(['refresh-0']);
    expect(t.sleeps).toEqual([]);
    expect(t.store.sessions.get(t.key)).toMatchObject({ version: 1 });
    expect(t.store.sessions.get(t.key)!.refreshLease).toBeUndefined();
  });

  test('a lease that runs out while waiting is taken over', async () => {
    const clock = new SettableClock();
    const t = await setup({ overrides: heldLease(clock, 100) });
    expect((await usableTokens(t.found, t.deps)).accessToken).toBe('access-after-refresh-0');
    expect(t.provider.refreshCalls).toEqual(['refresh-0']);
    expect(t.sleeps.length).toBeGreaterThan(0);
  });

  test('a session ended while waiting ends with session_ended', async () => {
    const clock = new SettableClock();
    const t = await setup({ overrides: heldLease(clock) });
    t.onSleep.push(() => void t.store.sessions.delete(t.key));
    expect(await rejection(usableTokens(t.found, t.deps))).toBe('session_ended');
    expect(t.provider.refreshCalls).toEqual([]);
  });

  test('a session that times out while waiting is ended with session_expired', async () => {
    const clock = new SettableClock();
    const t = await setup({ overrides: { ...heldLease(clock), idleExpiresAt: clock.seconds + 1 } });
    expect(await rejection(usableTokens(t.found, t.deps))).toBe('session_expired');
    expect(t.store.endings.get(t.key)?.reason).toBe('expired');
  });
});

describe('tokenTimes', () => {
  test('refreshes skew seconds early', () => {
    expect(tokenTimes(1_000, 300, 60)).toEqual({ accessTokenExpiresAt: 1_300, accessTokenRefreshAt: 1_240 });
    expect(tokenTimes(1_000, 300, 0)).toEqual({ accessTokenExpiresAt: 1_300, accessTokenRefreshAt: 1_300 });
  });

  test('the skew is capped at half the token lifetime', () => {
    expect(tokenTimes(1_000, 60, 60)).toEqual({ accessTokenExpiresAt: 1_060, accessTokenRefreshAt: 1_030 });
    expect(tokenTimes(1_000, 61, 600)).toEqual({ accessTokenExpiresAt: 1_061, accessTokenRefreshAt: 1_031 });
    expect(tokenTimes(1_000, 1, 60)).toEqual({ accessTokenExpiresAt: 1_001, accessTokenRefreshAt: 1_001 });
  });

  test('an unknown lifetime gives neither time', () => {
    expect(tokenTimes(1_000, undefined, 60)).toEqual({ accessTokenExpiresAt: undefined, accessTokenRefreshAt: undefined });
  });
});
