/**
 * The back-channel logout use case (OpenID Connect Back-Channel Logout 1.0): a valid logout token,
 * seen for the first time, ends the sessions it names. Every request reads its session from the
 * store, so an ended session is refused at the very next request, on every instance.
 */
import { ServiceError } from '../errors';
import type { LogoutTokenVerifier, ReplayGuard } from '../ports';
import { hashToken } from '../opaque-tokens';
import { endSessions, type UserSessionsDependencies } from './user-sessions';

export interface BackchannelLogoutDependencies extends UserSessionsDependencies {
  readonly verifier: LogoutTokenVerifier;
  readonly replays: ReplayGuard;
}

/**
 * Ends the sessions a logout token names (§2.7): with `sid`, those whose ID token carried that
 * `sid` at that issuer (and that `sub`, when the token has both); with only `sub`, every session of
 * that subject at that issuer. A token matching no session is still a success: the provider must
 * not retry it. Its `jti` is remembered first, so a replay is refused; should ending fail (the
 * store is unreachable), it is forgotten again and the failure answered 5xx, so the provider's
 * retry of the same token is accepted.
 */
export async function backchannelLogout(form: URLSearchParams, deps: BackchannelLogoutDependencies): Promise<{ ended: number }> {
  const tokens = form.getAll('logout_token');
  if (tokens.length !== 1 || !tokens[0]) throw new ServiceError('invalid_request', { detail: 'one logout_token expected' });
  const claims = await deps.verifier.verify(tokens[0]);
  // Scoped to the issuer: two providers' `jti` values may collide without being a replay.
  const replayId = hashToken(`${claims.issuer}\n${claims.jti}`);
  if (!(await deps.replays.firstUse(replayId, claims.replayableUntil))) throw new ServiceError('invalid_request', { detail: 'logout token replayed' });
  try {
    const matching = claims.providerSid !== undefined
      ? (await deps.index.sessionsWithProviderSid(claims.issuer, claims.providerSid)).filter((ref) => claims.subject === undefined || ref.subject === claims.subject)
      : await deps.index.sessionsOfSubject(claims.issuer, claims.subject!);
    return { ended: await endSessions(matching, 'backchannel', deps) };
  } catch (error) {
    await deps.replays.forget(replayId).catch(() => undefined);
    throw error;
  }
}
