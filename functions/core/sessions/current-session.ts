/**
 * Finding a request's session: the cookie's hash looked up, a session that ran out (idle, absolute,
 * or an access token nothing can renew) refused and ended on the way; and the idle expiry moved
 * forward, at most once per tenth of the idle timeout.
 */
import { ServiceError } from '../errors';
import type { Clock, Session, SessionStore } from '../ports';
import { hashToken, isRandomToken } from '../opaque-tokens';

export interface SessionDependencies {
  readonly sessions: SessionStore;
  readonly clock: Clock;
}

export interface FoundSession {
  readonly key: string;
  readonly session: Session;
}

/** `token_expired`: the access token expired and the session has no refresh token to renew it. */
export type SessionLookup =
  | { readonly state: 'none' }
  | { readonly state: 'expired'; readonly code: 'session_expired' | 'token_expired' }
  | ({ readonly state: 'active' } & FoundSession);

/**
 * The session of this cookie. Malformed cookies never reach the store. An expired session (idle
 * or absolute) is refused even while the store still holds the item, since TTL deletion can lag
 * by days; it is ended on the way, best effort. So is one whose access token has expired with no
 * refresh token to renew it: every route and the authorizer refuse it alike, from the plain
 * attributes of the item, without opening its tokens.
 */
export async function lookupSession(sessionToken: string | undefined, deps: SessionDependencies): Promise<SessionLookup> {
  if (!isRandomToken(sessionToken)) return { state: 'none' };
  const key = hashToken(sessionToken);
  const session = await deps.sessions.get(key);
  if (!session) return { state: 'none' };
  const nowSeconds = Math.floor(deps.clock.now() / 1000);
  if (isExpired(session, deps.clock)) {
    await deps.sessions.end(key, 'expired', nowSeconds).catch(() => undefined);
    return { state: 'expired', code: 'session_expired' };
  }
  if (accessIsOver(session, deps.clock)) {
    await deps.sessions.end(key, 'refresh_failed', nowSeconds).catch(() => undefined);
    return { state: 'expired', code: 'token_expired' };
  }
  return { state: 'active', key, session };
}

/** The access token has expired and nothing can renew it. Unknown (`refreshable` not recorded) is not over. */
export function accessIsOver(session: Session, clock: Clock): boolean {
  return session.refreshable === false && session.accessTokenExpiresAt !== undefined && session.accessTokenExpiresAt * 1000 <= clock.now();
}

export function isExpired(session: Session, clock: Clock): boolean {
  const now = Math.floor(clock.now() / 1000);
  return session.expiresAt <= now || session.idleExpiresAt <= now;
}

/** The active session, or 401: `session_expired` / `token_expired` when it ran out, `not_signed_in` otherwise. */
export async function requireSession(sessionToken: string | undefined, deps: SessionDependencies): Promise<FoundSession> {
  const found = await lookupSession(sessionToken, deps);
  if (found.state === 'expired') throw new ServiceError(found.code);
  if (found.state === 'none') throw new ServiceError('not_signed_in');
  return found;
}

/**
 * Moves the idle expiry forward (never past the absolute end). Not on every request: only when
 * it moves by a tenth of the idle timeout (at most five minutes), so most requests cost no
 * write, and a session ends at most that much earlier than an exact idle timeout would end it.
 * A failed write changes nothing for this request. Returns the idle expiry now in force.
 */
export async function keepAlive(found: FoundSession, deps: SessionDependencies & { idleTimeoutSeconds: number }): Promise<number> {
  const now = Math.floor(deps.clock.now() / 1000);
  const stored = found.session.idleExpiresAt;
  const moved = Math.min(found.session.expiresAt, now + deps.idleTimeoutSeconds);
  if (moved - stored < touchIntervalSeconds(deps.idleTimeoutSeconds)) return stored;
  return deps.sessions.touch(found.key, moved).then(() => moved, () => stored);
}

export function touchIntervalSeconds(idleTimeoutSeconds: number): number {
  return Math.min(300, Math.floor(idleTimeoutSeconds / 10));
}
