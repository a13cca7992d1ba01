/**
 * Token revocation of ended sessions (functions/core/sessions/revocation.ts), on fakes: RFC 7009
 * §2.1 requests (`token` with its `token_type_hint`) for every token of a session that may still be
 * live, the outcome of each provider answer, and the stream's bookkeeping of revokeEndedSessions:
 * where to deliver again from, what is skipped, how many sessions are revoked at once.
 */
import type { IdentityProvider, SessionTokens } from '../../../../functions/core/ports';
import {
  REVOCATIONS_IN_FLIGHT,
  REVOKED_AFTER_ENDING,
  revokeAll,
  revokeEndedSessions,
  type PendingRevocation,
} from '../../../../functions/core/sessions/revocation';
import { tokenContext } from '../../../../functions/core/sessions/session-tokens';
import { FakeIdentityProvider, testVault } from '../../support/fakes';
import { ServiceError } from '../../../../functions/core/errors';

const NOW = 1_762_506_000;
const vault = testVault();

/** A session's tokens with one of each kind the service keeps. */
const EVERY_KIND: SessionTokens = {
  accessToken: 'at-current',
  refreshToken: 'rt-current',
  idToken: 'id-token-never-revoked',
  apiTokens: {
    orders: { accessToken: 'at-api-orders', accessTokenExpiresAt: NOW + 300, accessTokenRefreshAt: NOW + 240 },
    billing: { accessToken: 'at-api-billing' },
  },
  replacedAccessTokens: [
    { accessToken: 'at-replaced-older', expiresAt: NOW + 20 },
    { accessToken: 'at-replaced-newer', expiresAt: NOW + 80 },
    { accessToken: 'at-replaced-no-lifetime' },
  ],
};

const sortCalls = (calls: ReadonlyArray<{ token: string; hint: string }>) => [...calls].sort((a, b) => a.token.localeCompare(b.token));

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('revokeAll: one RFC 7009 request per token that may still be live', () => {
  test('a provider no longer configured (the router ends the session) is nothing to revoke, not a failure to retry; any other error is', async () => {
    const gone: Pick<IdentityProvider, 'revoke'> = { revoke: () => Promise.reject(new ServiceError('session_ended')) };
    expect(await revokeAll(EVERY_KIND, gone, 'removed')).toBe('none');
    const down: Pick<IdentityProvider, 'revoke'> = { revoke: () => Promise.reject(new ServiceError('provider_unavailable')) };
    expect(await revokeAll(EVERY_KIND, down, 'corp')).toBe('failed');
  });

  test('the current access token, each named API\'s, each replaced one, all hinted access_token; the refresh token hinted refresh_token', async () => {
    const provider = new FakeIdentityProvider();
    expect(await revokeAll(EVERY_KIND, provider)).toBe('revoked');
    expect(sortCalls(provider.revocations)).toEqual(sortCalls([
      { token: 'at-current', hint: 'access_token' },
      { token: 'at-api-orders', hint: 'access_token' },
      { token: 'at-api-billing', hint: 'access_token' },
      { token: 'at-replaced-older', hint: 'access_token' },
      { token: 'at-replaced-newer', hint: 'access_token' },
      { token: 'at-replaced-no-lifetime', hint: 'access_token' },
      { token: 'rt-current', hint: 'refresh_token' },
    ]));
  });

  test('each token is sent once, and the ID token never: it is no grant (RFC 7009 §2 revokes access and refresh tokens)', async () => {
    const provider = new FakeIdentityProvider();
    await revokeAll(EVERY_KIND, provider);
    const tokens = provider.revocations.map((call) => call.token);
    expect(new Set(tokens).size).toBe(tokens.length);
    expect(tokens).not.toContain('id-token-never-revoked');
  });

  test('a session without a refresh token, named APIs or replaced tokens: the access token alone', async () => {
    const provider = new FakeIdentityProvider();
    expect(await revokeAll({ accessToken: 'at-only', idToken: 'id-only' }, provider)).toBe('revoked');
    expect(provider.revocations).toEqual([{ token: 'at-only', hint: 'access_token' }]);
  });

  test('empty lists of named APIs and replaced tokens add nothing', async () => {
    const provider = new FakeIdentityProvider();
    expect(await revokeAll({ accessToken: 'at-x', refreshToken: 'rt-x', apiTokens: {}, replacedAccessTokens: [] }, provider)).toBe('revoked');
    expect(sortCalls(provider.revocations)).toEqual([{ token: 'at-x', hint: 'access_token' }, { token: 'rt-x', hint: 'refresh_token' }]);
  });

  test('a provider without a revocation endpoint (the adapter answers false): unsupported, and still asked for each token', async () => {
    const provider = new FakeIdentityProvider();
    provider.revokeResult = async () => false;
    expect(await revokeAll(EVERY_KIND, provider)).toBe('unsupported');
    expect(provider.revocations).toHaveLength(7);
  });

  test.each([
    ['the refresh token', 'rt-current'],
    ['the current access token', 'at-current'],
    ['a named API\'s access token', 'at-api-billing'],
    ['a replaced access token', 'at-replaced-newer'],
  ])('a provider that fails for %s (a rejected call): failed', async (_what, failing) => {
    const provider = new FakeIdentityProvider();
    provider.revoke = async (token, hint) => {
      provider.revocations.push({ token, hint });
      if (token === failing) throw new Error('503 from the revocation endpoint');
      return true;
    };
    expect(await revokeAll(EVERY_KIND, provider)).toBe('failed');
  });

  test('a failure outweighs an unsupported answer', async () => {
    const provider: Pick<IdentityProvider, 'revoke'> = {
      revoke: async (_token, hint) => {
        if (hint === 'refresh_token') throw new Error('connection reset');
        return false;
      },
    };
    expect(await revokeAll(EVERY_KIND, provider)).toBe('failed');
  });
});

describe('which endings leave revocation to the stream', () => {
  test('back-channel logout, the kill switch and the user\'s "sign out everywhere", and no other', () => {
    expect([...REVOKED_AFTER_ENDING].sort()).toEqual(['admin', 'backchannel', 'user']);
  });
});

async function sealedFor(key: string, tokens: SessionTokens): Promise<PendingRevocation> {
  return { position: `seq-${key}`, key, sealedTokens: await vault.seal(tokens, tokenContext(key)) };
}

const simple = (key: string) => sealedFor(key, { accessToken: `at-${key}`, refreshToken: `rt-${key}` });

describe('revokeEndedSessions', () => {
  test('nothing pending: nothing revoked, nothing asked, nothing to retry', async () => {
    const provider = new FakeIdentityProvider();
    const outcome = await revokeEndedSessions([], { provider, vault });
    expect(outcome).toEqual({ revoked: 0 });
    expect(outcome).not.toHaveProperty('retryFrom');
    expect(provider.revocations).toEqual([]);
  });

  test('every pending session\'s tokens are opened with its own key and revoked; no retry when all succeed', async () => {
    const provider = new FakeIdentityProvider();
    const batch = [await sealedFor('s1', EVERY_KIND), await simple('s2'), await simple('s3')];
    const outcome = await revokeEndedSessions(batch, { provider, vault });
    expect(outcome).toEqual({ revoked: 3 });
    expect(outcome).not.toHaveProperty('retryFrom');
    expect(provider.revocations.map((call) => call.token).sort()).toEqual(
      ['at-current', 'rt-current', 'at-api-orders', 'at-api-billing', 'at-replaced-older', 'at-replaced-newer', 'at-replaced-no-lifetime', 'at-s2', 'rt-s2', 'at-s3', 'rt-s3'].sort(),
    );
  });

  test('sessions at a provider without a revocation endpoint are neither counted as revoked nor retried', async () => {
    const provider = new FakeIdentityProvider();
    provider.revokeResult = async () => false;
    const outcome = await revokeEndedSessions([await simple('u1'), await simple('u2')], { provider, vault });
    expect(outcome).toEqual({ revoked: 0 });
    expect(outcome).not.toHaveProperty('retryFrom');
  });

  test('retryFrom is the FIRST failed one in input (stream) order, although a later one failed first in time', async () => {
    const failedAt: string[] = [];
    const provider: Pick<IdentityProvider, 'revoke'> = {
      revoke: async (token) => {
        // s2 fails late, s4 fails at once; s1, s3 and s5 succeed.
        await new Promise((resolve) => setTimeout(resolve, token === 'rt-s2' ? 40 : 1));
        if (token === 'rt-s2' || token === 'rt-s4') {
          failedAt.push(token);
          throw new Error('503');
        }
        return true;
      },
    };
    const batch = await Promise.all(['s1', 's2', 's3', 's4', 's5'].map(simple));
    expect(await revokeEndedSessions(batch, { provider, vault })).toEqual({ revoked: 3, retryFrom: 'seq-s2' });
    // The premise: in time, s4 failed before s2.
    expect(failedAt).toEqual(['rt-s4', 'rt-s2']);
  });

  test('a single failure, last in the batch: retryFrom is its position; the ones before it are revoked', async () => {
    const provider = new FakeIdentityProvider();
    provider.revoke = async (token, hint) => {
      provider.revocations.push({ token, hint });
      if (token === 'at-s3') throw new Error('timeout');
      return true;
    };
    const batch = await Promise.all(['s1', 's2', 's3'].map(simple));
    expect(await revokeEndedSessions(batch, { provider, vault })).toEqual({ revoked: 2, retryFrom: 'seq-s3' });
  });

  test('tokens no key opens are skipped, not failed: another keyring\'s, another session\'s, tampered, not sealed at all, or none kept', async () => {
    const provider = new FakeIdentityProvider();
    const otherKeyring = testVault({ k9: 'another-key-material-that-is-long-enough-0' }, 'k9');
    const sealedForOther = await sealedFor('other-session', { accessToken: 'at-moved', refreshToken: 'rt-moved' });
    const good = await sealedFor('good', { accessToken: 'at-good', refreshToken: 'rt-good' });
    const at = good.sealedTokens!.length - 10;
    const tampered = `${good.sealedTokens!.slice(0, at)}${good.sealedTokens![at] === 'A' ? 'B' : 'A'}${good.sealedTokens!.slice(at + 1)}`;
    const batch: PendingRevocation[] = [
      { position: '1', key: 'foreign', sealedTokens: await otherKeyring.seal({ accessToken: 'at-foreign' }, tokenContext('foreign')) },
      { position: '2', key: 'not-other-session', sealedTokens: sealedForOther.sealedTokens },
      { position: '3', key: 'good', sealedTokens: tampered },
      { position: '4', key: 'plain', sealedTokens: 'not-a-sealed-value' },
      { position: '5', key: 'empty' },
    ];
    const outcome = await revokeEndedSessions(batch, { provider, vault });
    expect(outcome).toEqual({ revoked: 0 });
    expect(outcome).not.toHaveProperty('retryFrom');
    expect(provider.revocations).toEqual([]);
  });

  test('a skipped session before a failed one: retryFrom is the failed one, never the skipped', async () => {
    const provider = new FakeIdentityProvider();
    provider.revoke = async (token, hint) => {
      provider.revocations.push({ token, hint });
      if (token === 'rt-bad') throw new Error('503');
      return true;
    };
    const batch: PendingRevocation[] = [
      { position: 'p-skipped', key: 'gone', sealedTokens: 'v1.k-unknown.AAAA.BBBB' },
      await simple('ok'),
      await simple('bad'),
    ];
    expect(await revokeEndedSessions(batch, { provider, vault })).toEqual({ revoked: 1, retryFrom: 'seq-bad' });
  });

  test(`never more than REVOCATIONS_IN_FLIGHT (${REVOCATIONS_IN_FLIGHT}) sessions at once, and that many when there is work`, async () => {
    // The provider holds every call until the test lets it go, so what is in flight can be counted exactly.
    const held: Array<{ token: string; release: () => void }> = [];
    let most = 0;
    const provider: Pick<IdentityProvider, 'revoke'> = {
      revoke: (token) => new Promise<boolean>((resolve) => {
        held.push({ token, release: () => resolve(true) });
      }),
    };
    const sessionsInFlight = () => new Set(held.map((call) => call.token.slice(3))).size;
    const total = REVOCATIONS_IN_FLIGHT * 3 + 5;
    const batch = await Promise.all(Array.from({ length: total }, (_, i) => simple(`n${i}`)));
    let done = false;
    const running = revokeEndedSessions(batch, { provider, vault }).finally(() => {
      done = true;
    });
    let released = 0;
    while (!done) {
      // Let the workers open and send what they can.
      for (let i = 0; i < 20; i++) await tick();
      most = Math.max(most, sessionsInFlight());
      expect(sessionsInFlight()).toBeLessThanOrEqual(REVOCATIONS_IN_FLIGHT);
      if (released < total - REVOCATIONS_IN_FLIGHT) expect(sessionsInFlight()).toBe(REVOCATIONS_IN_FLIGHT);
      // Let one session's calls go: at most one more session may start.
      const first = held[0];
      if (!first) continue;
      const session = first.token.slice(3);
      for (const call of held.filter((c) => c.token.slice(3) === session)) call.release();
      held.splice(0, held.length, ...held.filter((c) => c.token.slice(3) !== session));
      released++;
    }
    expect(await running).toEqual({ revoked: total });
    expect(most).toBe(REVOCATIONS_IN_FLIGHT);
    expect(released).toBe(total);
  });

  test('fewer sessions than the bound: all at once', async () => {
    let inFlight = 0;
    let most = 0;
    const provider: Pick<IdentityProvider, 'revoke'> = {
      revoke: async () => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 5));
        inFlight--;
        return true;
      },
    };
    const batch = await Promise.all(Array.from({ length: 3 }, (_, i) => sealedFor(`few${i}`, { accessToken: `at-few${i}` })));
    expect(await revokeEndedSessions(batch, { provider, vault })).toEqual({ revoked: 3 });
    expect(most).toBe(3);
  });
});
