/**
 * backchannelLogout (functions/core/sessions/backchannel-logout.ts) on in-memory fakes: which
 * sessions a logout token ends (OpenID Connect Back-Channel Logout 1.0 §2.7: by `sid`, by `sub`,
 * by both), the `jti` replay rule, and a store failure that leaves the token usable for the retry.
 */
import { ServiceError } from '../../../../functions/core/errors';
import type { LogoutTokenClaims, ReplayGuard, Session, UserSessionIndex } from '../../../../functions/core/ports';
import { backchannelLogout, type BackchannelLogoutDependencies } from '../../../../functions/core/sessions/backchannel-logout';
import { ENDINGS_IN_FLIGHT } from '../../../../functions/core/sessions/user-sessions';
import { InMemoryStore } from '../../support/fakes';

const NOW = 1_800_000_000;
const ISSUER = 'https://id.example.com';

function session(sub: string, providerSid: string | undefined, issuer = ISSUER): Session {
  return {
    sid: `sid-${sub}-${providerSid}`,
    claims: { sub },
    sealedTokens: 'sealed',
    createdAt: NOW,
    expiresAt: NOW + 3600,
    idleExpiresAt: NOW + 1800,
    version: 1,
    issuer,
    ...(providerSid ? { providerSid } : {}),
  };
}

/** The index as the store keeps it: the live sessions, by issuer and subject or issuer and sid. */
function indexOf(store: InMemoryStore): UserSessionIndex {
  return { sessionsOfSubject: (issuer, subject) => store.sessionsOfSubject(issuer, subject), sessionsWithProviderSid: (issuer, sid) => store.sessionsWithProviderSid(issuer, sid) };
}

class Replays implements ReplayGuard {
  readonly seen = new Set<string>();
  async firstUse(id: string): Promise<boolean> {
    if (this.seen.has(id)) return false;
    this.seen.add(id);
    return true;
  }
  async forget(id: string): Promise<void> {
    this.seen.delete(id);
  }
}

function setup(claims: Partial<LogoutTokenClaims>) {
  const store = new InMemoryStore();
  store.sessions.set('a1', session('alice', 'op-1'));
  store.sessions.set('a2', session('alice', 'op-2'));
  store.sessions.set('a3', session('alice', undefined));
  store.sessions.set('b1', session('bob', 'op-1'));
  // The same `sub` at another issuer is another user.
  store.sessions.set('x1', session('alice', 'op-1', 'https://other.example.com'));
  const replays = new Replays();
  const deps: BackchannelLogoutDependencies = {
    verifier: { verify: async () => ({ issuer: ISSUER, jti: 'jti-1', replayableUntil: NOW + 300, ...claims }) },
    index: indexOf(store),
    sessions: store,
    replays,
    clock: { now: () => NOW * 1000 },
  };
  return { store, replays, deps };
}

const form = (token = 'header.payload.signature') => new URLSearchParams({ logout_token: token });
const left = (store: InMemoryStore) => [...store.sessions.keys()].sort();

test('with sid and sub: only the sessions of that sid and that subject at that issuer', async () => {
  const { store, deps } = setup({ providerSid: 'op-1', subject: 'alice' });
  expect(await backchannelLogout(form(), deps)).toEqual({ ended: 1 });
  expect(left(store)).toEqual(['a2', 'a3', 'b1', 'x1']);
  expect(store.endings.get('a1')).toEqual({ reason: 'backchannel', at: NOW });
});

test('with sid only: every session of that sid at that issuer', async () => {
  const { store, deps } = setup({ providerSid: 'op-1' });
  expect(await backchannelLogout(form(), deps)).toEqual({ ended: 2 });
  expect(left(store)).toEqual(['a2', 'a3', 'x1']);
});

test('with sub only: every session of that subject at that issuer, and none at another issuer', async () => {
  const { store, deps } = setup({ subject: 'alice' });
  expect(await backchannelLogout(form(), deps)).toEqual({ ended: 3 });
  expect(left(store)).toEqual(['b1', 'x1']);
});

test('a token that matches no session is still a success', async () => {
  const { store, deps } = setup({ subject: 'carol' });
  expect(await backchannelLogout(form(), deps)).toEqual({ ended: 0 });
  expect(store.sessions.size).toBe(5);
});

test('the same jti twice: the second is refused as a replay and ends nothing', async () => {
  const { store, deps } = setup({ subject: 'alice' });
  await backchannelLogout(form(), deps);
  store.sessions.set('a4', session('alice', 'op-4'));
  await expect(backchannelLogout(form(), deps)).rejects.toMatchObject({ code: 'invalid_request' });
  expect(store.sessions.has('a4')).toBe(true);
});

test('the same jti from another issuer is no replay', async () => {
  const { deps, replays } = setup({ subject: 'alice' });
  await backchannelLogout(form(), deps);
  await backchannelLogout(form(), { ...deps, verifier: { verify: async () => ({ issuer: 'https://other.example.com', jti: 'jti-1', subject: 'alice', replayableUntil: NOW + 300 }) } });
  expect(replays.seen.size).toBe(2);
});

test('a store failure while ending: 5xx, and the jti is forgotten so the provider\'s retry is accepted', async () => {
  const { store, deps, replays } = setup({ subject: 'alice' });
  const failing = { end: async () => Promise.reject(new ServiceError('store_unavailable')) };
  await expect(backchannelLogout(form(), { ...deps, sessions: failing })).rejects.toMatchObject({ code: 'store_unavailable' });
  expect(replays.seen.size).toBe(0);
  expect(await backchannelLogout(form(), deps)).toEqual({ ended: 3 });
  expect(left(store)).toEqual(['b1', 'x1']);
});

test.each([
  ['no logout_token', new URLSearchParams()],
  ['an empty one', new URLSearchParams({ logout_token: '' })],
  ['two of them', new URLSearchParams([['logout_token', 'a.b.c'], ['logout_token', 'd.e.f']])],
])('%s: invalid_request before any verification', async (_name, body) => {
  const { store, deps } = setup({ subject: 'alice' });
  const verify = jest.fn(deps.verifier.verify);
  await expect(backchannelLogout(body, { ...deps, verifier: { verify } })).rejects.toMatchObject({ code: 'invalid_request' });
  expect(verify).not.toHaveBeenCalled();
  expect(store.sessions.size).toBe(5);
});

test('a token the verifier refuses ends nothing and records no jti', async () => {
  const { store, deps, replays } = setup({ subject: 'alice' });
  const refusing = { verify: async () => Promise.reject(new ServiceError('invalid_request')) };
  await expect(backchannelLogout(form(), { ...deps, verifier: refusing })).rejects.toMatchObject({ code: 'invalid_request' });
  expect(store.sessions.size).toBe(5);
  expect(replays.seen.size).toBe(0);
});

test('thousands of sessions end, a bounded number at a time', async () => {
  const { store, deps } = setup({ subject: 'many' });
  for (let i = 0; i < 3000; i++) store.sessions.set(`m${i}`, session('many', `op-m${i}`));
  let inFlight = 0;
  let most = 0;
  const counting = {
    end: async (key: string, reason: 'backchannel', at: number) => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      inFlight--;
      return store.end(key, reason, at);
    },
  };
  expect(await backchannelLogout(form(), { ...deps, sessions: counting })).toEqual({ ended: 3000 });
  expect(most).toBe(ENDINGS_IN_FLIGHT);
  expect(store.sessions.size).toBe(5);
});
