/**
 * The `__Host-logout` cookie (functions/adapters/api-gateway/logout-cookie.ts): what /logout leaves
 * for the return to /logout/done, set with the attributes of every cookie of the service and a
 * short life, and read back only as written.
 */
import { LOGOUT_COOKIE, parseCookies } from '../../../../functions/adapters/api-gateway/cookies';
import { clearLogoutReturnCookie, LOGOUT_RETURN_SECONDS, logoutReturnCookie, readLogoutReturn } from '../../../../functions/adapters/api-gateway/logout-cookie';
import { newLogoutState } from '../../../../functions/core/sessions/logout-return';

/** The value a Set-Cookie line gives the cookie, as the browser sends it back. */
const sentBack = (line: string) => parseCookies([line.split(';')[0]!]).get(LOGOUT_COOKIE);

test('a __Host- cookie, HttpOnly, Secure, SameSite=Lax (the provider\'s redirect back is a top-level GET), for ten minutes', () => {
  const line = logoutReturnCookie({ returnTo: '/' });
  expect(line.startsWith(`${LOGOUT_COOKIE}=`)).toBe(true);
  expect(LOGOUT_COOKIE.startsWith('__Host-')).toBe(true);
  expect(line).toMatch(/; Path=\/; Secure; HttpOnly; SameSite=Lax; Max-Age=600$/);
  expect(LOGOUT_RETURN_SECONDS).toBe(600);
  expect(clearLogoutReturnCookie()).toBe(`${LOGOUT_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0`);
});

test.each([
  ['a state and a path', { stateHash: newLogoutState().stateHash, returnTo: '/bye?x=1&y=%20#top' }],
  ['no state (Amazon Cognito)', { returnTo: '/bye' }],
  ['an allowed origin', { stateHash: newLogoutState().stateHash, returnTo: 'https://app.example.com/a;b,c "d"' }],
  ['a long path', { returnTo: `/${'a'.repeat(2047)}` }],
])('what it holds comes back as written: %s', (_label, pending) => {
  const value = sentBack(logoutReturnCookie(pending));
  // Cookie-safe as it is (RFC 6265 cookie-octets): nothing for a browser or a proxy to alter.
  expect(value).toMatch(/^[A-Za-z0-9_.-]+$/);
  expect(readLogoutReturn(value)).toEqual(pending);
});

test('holds the state\'s hash, never the state', () => {
  const { state, stateHash } = newLogoutState();
  const value = sentBack(logoutReturnCookie({ stateHash, returnTo: '/' }))!;
  expect(value).toContain(stateHash);
  expect(value).not.toContain(state);
});

test.each([
  ['absent', undefined],
  ['empty', ''],
  ['no separator', 'abc'],
  ['three parts', `${newLogoutState().stateHash}.Lw.x`],
  ['a short hash', 'abc.Lw'],
  ['no returnTo', `${newLogoutState().stateHash}.`],
  ['a returnTo not in base64url', `${newLogoutState().stateHash}.L+w=`],
])('anything else is no pending logout: %s', (_label, value) => {
  expect(readLogoutReturn(value)).toBeUndefined();
});
