/**
 * endSession (functions/core/sessions/end-session.ts) on in-memory fakes, after a real sign-in:
 * logout with the session's sid, to the provider's end-session URL (with a fresh state, and what its
 * return is checked against) or returnTo; a wrong sid or a bad returnTo leaves the session alive.
 */
import type { Session } from '../../../../functions/core/ports';
import { hashToken } from '../../../../functions/core/opaque-tokens';
import { describeSession } from '../../../../functions/core/sessions/describe-session';
import { endSession } from '../../../../functions/core/sessions/end-session';
import { rejection } from '../../support/fakes';
import { OWN, SESSION_LIFETIME, useCaseSetup, type UseCaseSetup } from '../../support/use-case-setup';

describe('endSession', () => {
  async function signedInWithSid(t: UseCaseSetup): Promise<{ token: string; session: Session }> {
    const token = await t.signedIn();
    return { token, session: t.store.sessions.get(hashToken(token))! };
  }

  test('with the right sid: ends the session and goes to the provider end-session URL', async () => {
    const t = useCaseSetup();
    t.provider.endSession = new URL('https://id.example.com/logout?client_id=bff');
    const { token, session } = await signedInWithSid(t);
    const ended = await endSession({ sessionToken: token, sid: session.sid }, t.logoutDeps);
    expect(ended.redirectTo).toBe('https://id.example.com/logout?client_id=bff');
    expect(t.store.sessions.size).toBe(0);
    expect(t.provider.endSessionCalls).toEqual([{ idToken: 'id-token-value', postLogoutRedirectUri: `${OWN}/logout/done`, state: expect.any(String) }]);
  });

  test('sends the provider a fresh random state and leaves its hash, with the checked returnTo, for the return', async () => {
    const t = useCaseSetup();
    t.provider.endSession = new URL('https://id.example.com/logout');
    const first = await signedInWithSid(t);
    const ended = await endSession({ sessionToken: first.token, sid: first.session.sid, returnTo: '/bye?x=1' }, t.logoutDeps);
    const second = await signedInWithSid(t);
    await endSession({ sessionToken: second.token, sid: second.session.sid }, t.logoutDeps);
    const [one, two] = t.provider.endSessionCalls.map((call) => call.state);
    expect(one).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(two).not.toBe(one);
    // Its hash only: what the browser keeps answers no return by itself.
    expect(ended.logoutReturn).toEqual({ stateHash: hashToken(one!), returnTo: '/bye?x=1' });
  });

  test('without a returnTo the return goes home', async () => {
    const t = useCaseSetup();
    t.provider.endSession = new URL('https://id.example.com/logout');
    const { token, session } = await signedInWithSid(t);
    expect((await endSession({ sessionToken: token, sid: session.sid }, { ...t.logoutDeps, homeUrl: '/app/' })).logoutReturn?.returnTo).toBe('/app/');
  });

  test('a provider that returns no state (Amazon Cognito): the return is bound by the cookie alone', async () => {
    const t = useCaseSetup();
    t.provider.endSession = new URL('https://pool.auth.eu-west-1.amazoncognito.com/logout?client_id=bff');
    t.provider.endSessionReturnsState = false;
    const { token, session } = await signedInWithSid(t);
    expect((await endSession({ sessionToken: token, sid: session.sid, returnTo: '/bye' }, t.logoutDeps)).logoutReturn).toEqual({ returnTo: '/bye' });
  });

  test('a provider that cannot be reached: straight to returnTo, nothing left for a return', async () => {
    const t = useCaseSetup();
    t.provider.endSessionUrl = () => Promise.reject(new Error('unreachable'));
    const { token, session } = await signedInWithSid(t);
    const ended = await endSession({ sessionToken: token, sid: session.sid, returnTo: '/bye' }, t.logoutDeps);
    expect(ended).toEqual({ redirectTo: '/bye', revocation: 'revoked' });
    expect(ended).not.toHaveProperty('logoutReturn');
    expect(t.store.sessions.size).toBe(0);
  });

  test('without a provider end-session URL or a returnTo the browser goes home', async () => {
    const t = useCaseSetup();
    const { token, session } = await signedInWithSid(t);
    expect((await endSession({ sessionToken: token, sid: session.sid }, { ...t.logoutDeps, homeUrl: '/app/' })).redirectTo).toBe('/app/');
    expect((await endSession({ sessionToken: token }, { ...t.logoutDeps, homeUrl: '/app/' })).redirectTo).toBe('/app/');
  });

  test('without a provider end-session URL the browser goes to returnTo', async () => {
    const t = useCaseSetup();
    const { token, session } = await signedInWithSid(t);
    const ended = await endSession({ sessionToken: token, sid: session.sid, returnTo: '/bye' }, t.logoutDeps);
    expect(ended).toEqual({ redirectTo: '/bye', revocation: 'revoked' });
    expect(ended).not.toHaveProperty('logoutReturn');
  });

  test.each([
    ['a wrong sid', 'wrong'],
    ['no sid', undefined],
    ['an empty sid', ''],
  ])('%s: logout_sid_mismatch and the session survives', async (_label, sid) => {
    const t = useCaseSetup();
    const { token } = await signedInWithSid(t);
    expect(await rejection(endSession({ sessionToken: token, sid }, t.logoutDeps))).toBe('logout_sid_mismatch');
    expect(t.store.sessions.size).toBe(1);
    expect(t.store.count('end')).toBe(0);
    expect(t.provider.endSessionCalls).toHaveLength(0);
    await expect(describeSession(token, t.callbackDeps)).resolves.toHaveProperty('sub', 'user-1');
  });

  test('logging out twice is harmless', async () => {
    const t = useCaseSetup();
    const { token, session } = await signedInWithSid(t);
    await endSession({ sessionToken: token, sid: session.sid }, t.logoutDeps);
    expect(await endSession({ sessionToken: token, sid: session.sid, returnTo: '/again' }, t.logoutDeps)).toEqual({ redirectTo: '/again', revocation: 'none' });
    expect(t.provider.endSessionCalls).toHaveLength(1);
    expect(t.provider.revocations).toHaveLength(2);
  });

  test('without a session cookie, or after expiry, it just sends the browser on', async () => {
    const t = useCaseSetup();
    const { token } = await signedInWithSid(t);
    expect(await endSession({}, t.logoutDeps)).toEqual({ redirectTo: '/', revocation: 'none' });
    t.clock.advanceSeconds(SESSION_LIFETIME);
    expect(await endSession({ sessionToken: token, sid: 'anything' }, t.logoutDeps)).toEqual({ redirectTo: '/', revocation: 'none' });
    expect(t.provider.endSessionCalls).toHaveLength(0);
  });

  test('a bad returnTo is refused and the session survives', async () => {
    const t = useCaseSetup();
    const { token, session } = await signedInWithSid(t);
    expect(await rejection(endSession({ sessionToken: token, sid: session.sid, returnTo: 'https://evil.example' }, t.logoutDeps))).toBe(
      'invalid_return_to',
    );
    expect(t.store.sessions.size).toBe(1);
  });
});
