/**
 * describeSession (functions/core/sessions/describe-session.ts) on in-memory fakes: what `/session`
 * shows of a session (never a token), and when there is no session to show.
 */
import { describeSession } from '../../../../functions/core/sessions/describe-session';
import { rejection } from '../../support/fakes';
import { IDLE_TIMEOUT, SESSION_LIFETIME, useCaseSetup } from '../../support/use-case-setup';

describe('describeSession', () => {
  test('shows claims, expiry, sid and the logout link, never a token', async () => {
    const t = useCaseSetup();
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
    const t = useCaseSetup();
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
    const t = useCaseSetup();
    expect(await rejection(describeSession(token, t.callbackDeps))).toBe('not_signed_in');
    expect(t.store.count('get')).toBe(0);
  });

  test('a well-formed but unknown cookie is not signed in', async () => {
    const t = useCaseSetup();
    await t.signedIn();
    expect(await rejection(describeSession('C'.repeat(43), t.callbackDeps))).toBe('not_signed_in');
  });
});
