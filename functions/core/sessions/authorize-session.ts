/**
 * The authorizer's use case: whether a request to another API belongs to an active session, under
 * `/api`'s rules, and which of the session's claims the protected API is told. The sealed tokens
 * are never opened.
 */
import { keepAlive, lookupSession, type SessionDependencies } from './current-session';
import type { ErrorCode } from '../errors';
import type { ClaimValue } from '../ports';

/** A claim's value as the protected API's context carries it: a list as one comma-joined string, at most this long. */
export const MAX_CONTEXT_VALUE_LENGTH = 1_000;

export interface AuthorizeRequest {
  /** The value of the session cookie, if the request carried exactly one. */
  readonly sessionToken?: string;
  /** The value of the `X-CSRF` header. */
  readonly csrfHeader?: string;
}

export interface AuthorizeDependencies extends SessionDependencies {
  readonly idleTimeoutSeconds: number;
  /** Claims of the session (SESSION_CLAIMS) passed on besides `sub`, which always is. */
  readonly claims: readonly string[];
}

/** What the protected API learns about the user: the chosen claims, nothing that grants access elsewhere. */
export type AuthorizerContext = Readonly<Record<string, string | number | boolean>> & { readonly sub: string };

export type Authorization =
  | { readonly allowed: true; readonly context: AuthorizerContext }
  | { readonly allowed: false; readonly reason: Extract<ErrorCode, 'csrf_header_missing' | 'not_signed_in' | 'session_expired' | 'token_expired'> };

/**
 * Whether a request to another API belongs to an active session, under the same rules as `/api`:
 * the CSRF header first (a cross-site request costs no store read), then the session with its
 * idle and absolute expiry and its access token's (when there is no refresh token to renew it),
 * whose idle expiry this use moves like any other request. The sealed tokens are not opened: the
 * authorizer holds no key (docs/security.md says which check it skips, and why that is safe). A store that
 * cannot answer is not a refusal: its error propagates, so the caller can fail the request rather
 * than turn an outage into "not signed in".
 */
export async function authorizeSession(request: AuthorizeRequest, deps: AuthorizeDependencies): Promise<Authorization> {
  // A cross-site form or image cannot set a custom header; a cross-site fetch with one needs CORS approval.
  if (request.csrfHeader !== '1') return { allowed: false, reason: 'csrf_header_missing' };
  const found = await lookupSession(request.sessionToken, deps);
  if (found.state === 'none') return { allowed: false, reason: 'not_signed_in' };
  if (found.state === 'expired') return { allowed: false, reason: found.code };
  await keepAlive(found, deps);
  const { claims } = found.session;
  const context: Record<string, string | number | boolean> = { sub: claims.sub };
  for (const name of deps.claims) context[name] = contextValue(claims[name]) ?? '';
  for (const [name, value] of Object.entries(context)) if (value === '') delete context[name];
  // With several providers equal `sub` values at two of them are two users: the API gets both.
  if (found.session.provider) context.provider = found.session.provider;
  return { allowed: true, context: context as AuthorizerContext };
}

/** A claim as the context can carry it: a string (a list comma-joined), number or boolean; a value too long is left out. */
function contextValue(value: ClaimValue | undefined): string | number | boolean | undefined {
  const carried = Array.isArray(value) ? value.join(',') : (value as string | number | boolean | undefined);
  return typeof carried === 'string' && carried.length > MAX_CONTEXT_VALUE_LENGTH ? undefined : carried;
}
