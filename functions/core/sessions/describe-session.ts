/**
 * The /session use case: what the user's own pages may know about the session (claims, expiries,
 * the `sid` and the logout URL), never a token.
 */
import { keepAlive, requireSession, type SessionDependencies } from './current-session';
import type { UserClaims } from '../ports';

export interface SessionDescription extends UserClaims {
  /** ISO 8601: the absolute end of the session. */
  readonly expiresAt: string;
  /** ISO 8601: the end if no request comes before (each request moves it). */
  readonly idleExpiresAt: string;
  readonly sid: string;
  readonly logoutUrl: string;
  /** The sign-in's authentication context class and time (ISO 8601), when its ID token had them: what a step-up shows. */
  readonly acr?: string;
  readonly authTime?: string;
  /** With several providers (OAUTH_PROVIDERS): the one the user signed in at, by name. */
  readonly provider?: string;
}

/** What the user's own pages may know about the session: claims, expiry and how to log out. No tokens. */
export async function describeSession(
  sessionToken: string | undefined,
  deps: SessionDependencies & { idleTimeoutSeconds: number },
): Promise<SessionDescription> {
  const found = await requireSession(sessionToken, deps);
  const idleExpiresAt = await keepAlive(found, deps);
  const { session } = found;
  return {
    // The claims the session kept (SESSION_CLAIMS).
    ...session.claims,
    expiresAt: new Date(session.expiresAt * 1000).toISOString(),
    idleExpiresAt: new Date(Math.min(session.expiresAt, idleExpiresAt) * 1000).toISOString(),
    sid: session.sid,
    logoutUrl: `/logout?sid=${encodeURIComponent(session.sid)}`,
    ...(session.acr !== undefined ? { acr: session.acr } : {}),
    ...(session.authTime !== undefined ? { authTime: new Date(session.authTime * 1000).toISOString() } : {}),
    ...(session.provider !== undefined ? { provider: session.provider } : {}),
  };
}
