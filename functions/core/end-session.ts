import { findSession } from './current-session';
import { ServiceError } from './errors';
import type { Clock, IdentityProvider, SessionStore } from './ports';
import { checkReturnTo } from './return-to';
import { constantTimeEqual } from './secrets';

export interface EndSessionDependencies {
  readonly sessions: SessionStore;
  readonly provider: IdentityProvider;
  readonly clock: Clock;
  readonly ownOrigin: string;
  readonly returnToAllowedOrigins: readonly string[];
  /** Registered at the provider as post_logout_redirect_uri. */
  readonly postLogoutRedirectUri: string;
}

/**
 * Logs out. The caller must present the session's own `sid`, which only the user's pages can read
 * from /session, so a cross-site link cannot end anyone's session. Logging out without a session
 * (twice, or after expiry) is harmless and just sends the browser on.
 */
export async function endSession(
  input: { sessionToken?: string; sid?: string; returnTo?: string },
  deps: EndSessionDependencies,
): Promise<{ redirectTo: string }> {
  const returnTo = checkReturnTo(input.returnTo, deps.ownOrigin, deps.returnToAllowedOrigins);
  const found = await findSession(input.sessionToken, deps);
  if (!found) return { redirectTo: returnTo };
  if (!input.sid || !constantTimeEqual(input.sid, found.session.sid)) throw new ServiceError('logout_sid_mismatch');
  // Worked out first: if the provider cannot be reached, the local logout still happens and the
  // browser goes to returnTo instead of an error page.
  const endSessionUrl = await deps.provider
    .endSessionUrl({ idToken: found.session.idToken, postLogoutRedirectUri: deps.postLogoutRedirectUri })
    .catch(() => undefined);
  await deps.sessions.delete(found.key);
  return { redirectTo: endSessionUrl?.href ?? returnTo };
}
