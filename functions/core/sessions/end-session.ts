/**
 * The /logout use case: the session's own `sid` required, the session ended, its tokens revoked at
 * the provider (RFC 7009) and the browser sent to the provider's logout (with a fresh `state`, and
 * what the return to /logout/done is checked against) or to `returnTo`. The local logout happens
 * whatever the provider answers.
 */
import { lookupSession, type SessionDependencies } from './current-session';
import { ServiceError } from '../errors';
import type { IdentityProvider, TokenVault } from '../ports';
import { checkReturnTo } from '../sign-in/return-to';
import { constantTimeEqual } from '../opaque-tokens';
import { tokenContext } from './session-tokens';
import { newLogoutState, type LogoutReturn } from './logout-return';
import { revokeAll, type Revocation } from './revocation';

export interface EndSessionDependencies extends SessionDependencies {
  readonly provider: Pick<IdentityProvider, 'endSessionUrl' | 'revoke'>;
  readonly vault: TokenVault;
  readonly ownOrigin: string;
  readonly returnToAllowedOrigins: readonly string[];
  /** Where the browser goes without a returnTo. */
  readonly homeUrl: string;
  /** Registered at the provider as post_logout_redirect_uri: the /logout/done route. */
  readonly postLogoutRedirectUri: string;
}

/**
 * Logs out. The caller must present the session's own `sid`, which only the user's pages can read
 * from /session, so a cross-site link cannot end anyone's session. Logging out without a session
 * (twice, or after expiry) is harmless and just sends the browser on. When the browser goes to the
 * provider, `logoutReturn` is what it must keep for its return (the caller's cookie).
 */
export async function endSession(
  input: { sessionToken?: string; sid?: string; returnTo?: string },
  deps: EndSessionDependencies,
): Promise<{ redirectTo: string; revocation: Revocation; logoutReturn?: LogoutReturn }> {
  const returnTo = checkReturnTo(input.returnTo, deps.ownOrigin, deps.returnToAllowedOrigins, deps.homeUrl);
  const found = await lookupSession(input.sessionToken, deps);
  if (found.state !== 'active') return { redirectTo: returnTo, revocation: 'none' };
  if (!input.sid || !constantTimeEqual(input.sid, found.session.sid)) throw new ServiceError('logout_sid_mismatch');
  // Tokens that cannot be opened any more cannot be revoked, but the local logout still happens.
  const tokens = await deps.vault.open(found.session.sealedTokens, tokenContext(found.key)).catch(() => undefined);
  // Worked out first: if the provider cannot be reached, the local logout still happens and the
  // browser goes to returnTo instead of an error page.
  const { state, stateHash } = newLogoutState();
  const endSession = await deps.provider
    .endSessionUrl({ idToken: tokens?.idToken, postLogoutRedirectUri: deps.postLogoutRedirectUri, state, provider: found.session.provider })
    .catch(() => undefined);
  // The tokens to revoke are those of the item as it was ended: a refresh that landed since the
  // read above has rotated them.
  const ended = await deps.sessions.end(found.key, 'logout', Math.floor(deps.clock.now() / 1000));
  const rotated = ended?.sealedTokens !== undefined && ended.sealedTokens !== found.session.sealedTokens ? ended.sealedTokens : undefined;
  const latest = rotated ? await deps.vault.open(rotated, tokenContext(found.key)).catch(() => tokens) : tokens;
  const revocation = latest ? await revokeAll(latest, deps.provider, found.session.provider) : 'none';
  if (!endSession) return { redirectTo: returnTo, revocation };
  const logoutReturn = endSession.returnsState ? { stateHash, returnTo } : { returnTo };
  return { redirectTo: endSession.url.href, revocation, logoutReturn };
}
