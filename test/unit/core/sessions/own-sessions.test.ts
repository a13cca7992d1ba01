/**
 * A user's own sessions (functions/core/sessions/own-sessions.ts) on in-memory fakes: which
 * sessions are the caller's, what the list shows, and what each ending ends.
 */
import { sessionIdOfKey } from '../../../../functions/core/opaque-tokens';
import { endAllOwnSessions, endOwnSession, listOwnSessions, type OwnSessionsDependencies } from '../../../../functions/core/sessions/own-sessions';
import { shortUserAgent, USER_AGENT_LENGTH } from '../../../../functions/core/sign-in/complete-login';
import type { Session } from '../../../../functions/core/ports';
import { InMemoryStore, rejection, SettableClock, storedSession, testVault } from '../../support/fakes';

const ISSUER = 'https://id.example.com';
const IDLE = 3600;

async function setup() {
  const store = new InMemoryStore();
  const clock = new SettableClock();
  const vault = testVault();
  const deps: OwnSessionsDependencies = { sessions: store, index: store, clock, idleTimeoutSeconds: IDLE };
  const signIn = async (sub: string, overrides: Partial<Session> = {}) =>
    storedSession(store, vault, clock.seconds, { overrides: { claims: { sub }, issuer: ISSUER, ...overrides } });
  return { store, clock, deps, signIn };
}

describe('GET /sessions', () => {
  test("lists the caller's live sessions at its issuer, the caller's first, then newest first; nobody else's", async () => {
    const t = await setup();
    const older = await t.signIn('ada', { createdAt: t.clock.seconds - 600, userAgent: 'Firefox' });
    const caller = await t.signIn('ada', { userAgent: 'Safari' });
    const newer = await t.signIn('ada', { createdAt: t.clock.seconds + 1 });
    await t.signIn('bob');
    await t.signIn('ada', { issuer: 'https://other.example.com' });
    await t.signIn('ada', { idleExpiresAt: t.clock.seconds });
    await t.signIn('ada', { expiresAt: t.clock.seconds - 1 });
    const { sessions } = await listOwnSessions(caller.sessionToken, t.deps);
    expect(sessions.map((s) => s.id)).toEqual([caller, newer, older].map((s) => sessionIdOfKey(s.key)));
    expect(sessions.map((s) => s.current)).toEqual([true, false, false]);
    expect(sessions[0]).toEqual({
      id: sessionIdOfKey(caller.key),
      createdAt: new Date(caller.session.createdAt * 1000).toISOString(),
      lastSeenAt: new Date(t.clock.seconds * 1000).toISOString(),
      expiresAt: new Date(caller.session.expiresAt * 1000).toISOString(),
      current: true,
      userAgent: 'Safari',
    });
    expect(sessions[2]!.userAgent).toBe('Firefox');
    expect(sessions[1]).not.toHaveProperty('userAgent');
  });

  test('last seen is when a request last moved the idle expiry, never before the session began', async () => {
    const t = await setup();
    const caller = await t.signIn('ada');
    const idle = await t.signIn('ada', { createdAt: t.clock.seconds - 7200, idleExpiresAt: t.clock.seconds + 600 });
    const fresh = await t.signIn('ada', { createdAt: t.clock.seconds - 10, idleExpiresAt: t.clock.seconds + 60 });
    const { sessions } = await listOwnSessions(caller.sessionToken, t.deps);
    const byId = new Map(sessions.map((s) => [s.id, s]));
    expect(byId.get(sessionIdOfKey(idle.key))!.lastSeenAt).toBe(new Date((t.clock.seconds + 600 - IDLE) * 1000).toISOString());
    expect(byId.get(sessionIdOfKey(fresh.key))!.lastSeenAt).toBe(new Date((t.clock.seconds - 10) * 1000).toISOString());
  });

  test('the body holds no token, cookie, store key or logout sid', async () => {
    const t = await setup();
    const caller = await t.signIn('ada');
    const other = await t.signIn('ada');
    const body = JSON.stringify(await listOwnSessions(caller.sessionToken, t.deps));
    for (const secret of [caller.sessionToken, caller.key, caller.session.sid, other.sessionToken, other.key, other.session.sid, 'access-0', 'refresh-0']) {
      expect(body).not.toContain(secret);
    }
  });

  test('a session stored before sessions recorded their issuer lists only itself, without an index query', async () => {
    const t = await setup();
    const caller = await t.signIn('ada', { issuer: undefined });
    await t.signIn('ada');
    const { sessions } = await listOwnSessions(caller.sessionToken, t.deps);
    expect(sessions.map((s) => s.id)).toEqual([sessionIdOfKey(caller.key)]);
    expect(t.store.calls).not.toContain('sessionsOfSubject');
  });

  test('without a live session: not_signed_in, session_expired', async () => {
    const t = await setup();
    expect(await rejection(listOwnSessions(undefined, t.deps))).toBe('not_signed_in');
    const gone = await t.signIn('ada', { idleExpiresAt: t.clock.seconds });
    expect(await rejection(listOwnSessions(gone.sessionToken, t.deps))).toBe('session_expired');
  });
});

describe('DELETE /sessions/{id} and DELETE /sessions', () => {
  test("ends one of the caller's other sessions, reason user; the caller's stays", async () => {
    const t = await setup();
    const caller = await t.signIn('ada');
    const other = await t.signIn('ada');
    expect(await endOwnSession(caller.sessionToken, sessionIdOfKey(other.key), t.deps)).toEqual({ endedCurrent: false });
    expect(t.store.endings.get(other.key)).toEqual({ reason: 'user', at: t.clock.seconds });
    expect(t.store.sessions.has(caller.key)).toBe(true);
  });

  test("ending the caller's own session says so, so the entry clears its cookie", async () => {
    const t = await setup();
    const caller = await t.signIn('ada');
    expect(await endOwnSession(caller.sessionToken, sessionIdOfKey(caller.key), t.deps)).toEqual({ endedCurrent: true });
    expect(t.store.sessions.has(caller.key)).toBe(false);
  });

  test("another user's id, another issuer's, an ended one's or a made-up one is unknown_session and ends nothing", async () => {
    const t = await setup();
    const caller = await t.signIn('ada');
    const bob = await t.signIn('bob');
    const elsewhere = await t.signIn('ada', { issuer: 'https://other.example.com' });
    const ended = await t.signIn('ada');
    await t.store.end(ended.key, 'logout', t.clock.seconds);
    for (const id of [sessionIdOfKey(bob.key), sessionIdOfKey(elsewhere.key), sessionIdOfKey(ended.key), 'made-up', '', bob.key]) {
      expect(await rejection(endOwnSession(caller.sessionToken, id, t.deps))).toBe('unknown_session');
    }
    expect([...t.store.endings.keys()]).toEqual([ended.key]);
  });

  test("DELETE /sessions ends every session of the caller's user at that issuer, the caller's last; nobody else's", async () => {
    const t = await setup();
    const caller = await t.signIn('ada');
    const others = [await t.signIn('ada'), await t.signIn('ada')];
    const bob = await t.signIn('bob');
    const elsewhere = await t.signIn('ada', { issuer: 'https://other.example.com' });
    expect(await endAllOwnSessions(caller.sessionToken, t.deps)).toEqual({ ended: 3 });
    expect([...t.store.endings.keys()]).toEqual([...others.map((s) => s.key), caller.key]);
    expect([...t.store.endings.values()].every((ending) => ending.reason === 'user')).toBe(true);
    expect(t.store.sessions.has(bob.key) && t.store.sessions.has(elsewhere.key)).toBe(true);
  });

  test('without a session nothing is looked up or ended', async () => {
    const t = await setup();
    await t.signIn('ada');
    expect(await rejection(endAllOwnSessions('not-a-cookie', t.deps))).toBe('not_signed_in');
    expect(await rejection(endOwnSession(undefined, 'x', t.deps))).toBe('not_signed_in');
    expect(t.store.calls.filter((call) => call !== 'create')).toEqual([]);
  });
});

test('the user agent is kept without control characters and cut to 200 characters', () => {
  expect(USER_AGENT_LENGTH).toBe(200);
  expect(shortUserAgent('Mozilla/5.0\r\nX-Injected: 1\u0000')).toBe('Mozilla/5.0X-Injected: 1');
  expect(shortUserAgent('a'.repeat(500))).toHaveLength(200);
  expect(shortUserAgent('a\u0085b\u009bc')).toBe('abc');
});
