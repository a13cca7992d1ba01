/**
 * What a log line may say about a request's session and about an underlying error: a short hash of
 * the session's store key, and the error's name and code; never a cookie, key, token or message.
 */
import { hashToken, isRandomToken, sessionIdOfKey } from '../../core/opaque-tokens';

/**
 * A session as the logs and the session events name it, for following one user's requests: a
 * short hash of the store key, so a log line reveals neither the cookie nor the key. Undefined for
 * a value that is not a session cookie at all.
 */
export function sessionIdOfCookie(token: string | undefined): string | undefined {
  return isRandomToken(token) ? sessionIdOfKey(hashToken(token)) : undefined;
}

/** Name and code of the underlying error only: messages of libraries may quote codes or tokens. */
export function describeCause(cause: unknown): string | undefined {
  if (!cause || typeof cause !== 'object') return undefined;
  const { name, code } = cause as { name?: unknown; code?: unknown };
  return [name, code].filter((part) => typeof part === 'string').join(':') || undefined;
}
