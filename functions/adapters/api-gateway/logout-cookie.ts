/**
 * The `__Host-logout` cookie: what /logout leaves in the browser on its way to the provider's
 * logout, for the return to /logout/done. Its value is `<SHA-256 of the state, or ->.<returnTo in
 * base64url>`: neither the state itself nor anything a log or the URL would give away.
 */
import type { LogoutReturn } from '../../core/sessions/logout-return';
import { clearCookie, LOGOUT_COOKIE, setCookie } from './cookies';

/**
 * Where the provider sends the browser back after its logout, the one statement of the route's
 * path (infra/route-table.ts takes it from here): registered at the provider as post-logout
 * redirect URI (at Amazon Cognito: allowed sign-out URL).
 */
export const LOGOUT_DONE_PATH = '/logout/done';

/**
 * How long a logout at the provider may take (a confirmation page, a slow provider): a return after
 * it finds no cookie and is refused, with a link home. SameSite=Lax still sends the cookie on the
 * provider's redirect back, a top-level GET.
 */
export const LOGOUT_RETURN_SECONDS = 600;

/** In place of the state's hash, for a provider that sends no state back (Amazon Cognito). */
const NO_STATE = '-';
const STATE_HASH = /^[A-Za-z0-9_-]{43}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export function logoutReturnCookie(pending: LogoutReturn): string {
  return setCookie(LOGOUT_COOKIE, `${pending.stateHash ?? NO_STATE}.${Buffer.from(pending.returnTo).toString('base64url')}`, LOGOUT_RETURN_SECONDS);
}

export function clearLogoutReturnCookie(): string {
  return clearCookie(LOGOUT_COOKIE);
}

/** The cookie's value as this site wrote it, or undefined for anything else (absent, sent twice, malformed). */
export function readLogoutReturn(value: string | undefined): LogoutReturn | undefined {
  const parts = value?.split('.') ?? [];
  if (parts.length !== 2) return undefined;
  const [hash, encoded] = parts as [string, string];
  if ((hash !== NO_STATE && !STATE_HASH.test(hash)) || !BASE64URL.test(encoded)) return undefined;
  const returnTo = Buffer.from(encoded, 'base64url').toString('utf8');
  return hash === NO_STATE ? { returnTo } : { stateHash: hash, returnTo };
}
