import { requireSession } from './current-session';
import type { Clock, SessionStore, UserClaims } from './ports';

export interface SessionDescription extends UserClaims {
  /** ISO 8601. */
  readonly expiresAt: string;
  readonly sid: string;
  readonly logoutUrl: string;
}

/** What the user's own pages may know about the session: claims, expiry and how to log out. No tokens. */
export async function describeSession(
  sessionToken: string | undefined,
  deps: { sessions: SessionStore; clock: Clock },
): Promise<SessionDescription> {
  const { session } = await requireSession(sessionToken, deps);
  const { sub, name, email } = session.claims;
  return {
    sub,
    ...(name === undefined ? {} : { name }),
    ...(email === undefined ? {} : { email }),
    expiresAt: new Date(session.expiresAt * 1000).toISOString(),
    sid: session.sid,
    logoutUrl: `/logout?sid=${encodeURIComponent(session.sid)}`,
  };
}
