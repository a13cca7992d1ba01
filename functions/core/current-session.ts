import { ServiceError } from './errors';
import type { Clock, Session, SessionStore } from './ports';
import { hashToken, isRandomToken } from './secrets';

/**
 * The signed-in session of this cookie, or undefined. Malformed cookies never reach the store,
 * and an expired session is refused even while the store still holds the item.
 */
export async function findSession(
  sessionToken: string | undefined,
  deps: { sessions: SessionStore; clock: Clock },
): Promise<{ key: string; session: Session } | undefined> {
  if (!isRandomToken(sessionToken)) return undefined;
  const key = hashToken(sessionToken);
  const session = await deps.sessions.get(key);
  if (!session || session.expiresAt <= Math.floor(deps.clock.now() / 1000)) return undefined;
  return { key, session };
}

export async function requireSession(
  sessionToken: string | undefined,
  deps: { sessions: SessionStore; clock: Clock },
): Promise<{ key: string; session: Session }> {
  const found = await findSession(sessionToken, deps);
  if (!found) throw new ServiceError('not_signed_in');
  return found;
}
