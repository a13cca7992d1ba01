/**
 * The /callback use case: the login transaction consumed once, and only by the browser it is bound
 * to, before the provider sees the code; then the new session, its tokens sealed, and the browser's
 * previous session ended.
 */
import { asServiceError, ServiceError } from '../errors';
import type { ClaimValue, Clock, CompletedLogin, IdentityProvider, LoginTransactionStore, SessionStore, TokenVault, UserClaims } from '../ports';
import { hashToken, isRandomToken, randomToken } from '../opaque-tokens';
import { tokenContext, tokenTimes } from '../sessions/session-tokens';
import { claimAt, requireAccess, type AccessRules } from './access-rules';

export interface CompleteLoginDependencies {
  readonly provider: Pick<IdentityProvider, 'completeLogin'>;
  readonly transactions: LoginTransactionStore;
  readonly sessions: SessionStore;
  readonly clock: Clock;
  readonly vault: TokenVault;
  readonly sessionLifetimeSeconds: number;
  readonly idleTimeoutSeconds: number;
  readonly refreshSkewSeconds: number;
  /** Who may sign in; checked before any session is made. */
  readonly accessRules: AccessRules;
  /** The claims the session keeps (`SESSION_CLAIMS`, and the groups claim when an API needs it). */
  readonly sessionClaims: readonly string[];
  /** OAUTH_PROVIDERS (one entry or several): each provider's answers come back to its own `/callback/<name>`. */
  readonly severalProviders?: boolean;
}

export interface CompletedSignIn {
  /** Value of the new session cookie; only its hash is stored. None when a silent login came back without one. */
  readonly sessionToken?: string;
  readonly returnTo: string;
}

/** Parameters of the authorization response that must appear at most once (duplicates are an attack). */
const SINGLE_VALUED = ['state', 'code', 'iss', 'error', 'session_state'];

/** The provider's answers to `prompt=none` that mean "the user must interact" (OpenID Connect Core 3.1.2.6). */
export const INTERACTION_ERRORS = new Set(['login_required', 'consent_required', 'interaction_required', 'account_selection_required']);

/** How far the provider's clock may be off when `auth_time` is held against `max_age`. */
const CLOCK_SKEW_SECONDS = 60;

/** `returnTo` with `login_error` added to its query: a path stays a path. */
export function withLoginError(returnTo: string, error: string): string {
  const base = 'https://base.invalid';
  const url = new URL(returnTo, base);
  url.searchParams.set('login_error', error);
  return url.origin === base ? `${url.pathname}${url.search}${url.hash}` : url.href;
}

/** Longer lists are cut: a session item, and the user index that projects its claims, stay small. */
const MAX_LIST_ENTRIES = 100;

/**
 * The claims a session keeps: those `names` names (a dotted path reaches a nested one, kept under
 * the path), from what the provider vouched for, the adapter's `sub`, `name` and `email` first;
 * strings, numbers, booleans and lists of strings only.
 */
export function keptClaims(login: Pick<CompletedLogin, 'claims' | 'identity'>, names: readonly string[]): UserClaims {
  const source = { ...login.identity, ...login.claims };
  const kept: Record<string, ClaimValue> = { sub: login.claims.sub };
  for (const name of names) {
    const value = claimAt(source, name);
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') kept[name] = value;
    else if (Array.isArray(value) && value.every((entry) => typeof entry === 'string')) kept[name] = value.slice(0, MAX_LIST_ENTRIES);
  }
  return kept as UserClaims;
}

/** Enough of a `User-Agent` to tell a user's browsers and devices apart; the rest is not kept. */
export const USER_AGENT_LENGTH = 200;

/** The user agent as a session keeps it: without control characters, at most USER_AGENT_LENGTH characters. */
export function shortUserAgent(userAgent: string): string {
  return userAgent.replace(/[\u0000-\u001f\u007f-\u009f]/g, '').slice(0, USER_AGENT_LENGTH);
}

/**
 * Finishes the authorization code flow. The login transaction is consumed (deleted) before the
 * code is redeemed, so a state can be used once only, even by two concurrent requests; and only
 * by the browser it is bound to, in the same conditional write, so a stranger holding a leaked
 * callback URL neither signs in with it nor uses it up before its owner. Only then does the
 * provider see the code.
 */
export async function completeLogin(
  input: {
    parameters: URLSearchParams;
    binding?: string;
    previousSessionToken?: string;
    /** The browser's `User-Agent` header, kept cut short with the session for `GET /sessions`. */
    userAgent?: string;
    /** Called once the binding can serve no further callback (its transaction used up, gone, or another's). */
    onBindingSpent?: () => void;
    /** The provider the redirect URI names (`/callback/<name>`, with several providers); none at `/callback`. */
    pathProvider?: string;
  },
  deps: CompleteLoginDependencies,
): Promise<CompletedSignIn> {
  const { parameters } = input;
  if (SINGLE_VALUED.some((name) => parameters.getAll(name).length > 1)) throw new ServiceError('invalid_authorization_response');
  const state = parameters.get('state');
  if (!state) throw new ServiceError('login_state_missing');
  // Without this attempt's binding cookie the callback cannot be this browser's: no store call.
  if (!isRandomToken(input.binding)) throw new ServiceError('login_state_mismatch');

  const consumed = await deps.transactions.consume(hashToken(state), hashToken(input.binding));
  input.onBindingSpent?.();
  if (consumed.outcome === 'mismatch') throw new ServiceError('login_state_mismatch');
  const nowSeconds = Math.floor(deps.clock.now() / 1000);
  // The store deletes expired items lazily, so expiry is checked here, not left to TTL.
  if (consumed.outcome === 'absent' || consumed.transaction.expiresAt <= nowSeconds) throw new ServiceError('login_state_invalid');
  const { transaction } = consumed;
  // RFC 9700 §4.4.2: with several providers each has its own redirect URI, so an answer that came
  // back to another provider's (a mix-up, even from a provider that sends no `iss`) is refused
  // before any provider sees the code; the code is only ever redeemed at the login's own provider.
  if (input.pathProvider !== (deps.severalProviders ? transaction.provider : undefined)) throw new ServiceError('issuer_mismatch', { detail: 'redirect URI of another provider' });

  let login;
  try {
    login = await deps.provider.completeLogin({
      ...(transaction.provider ? { provider: transaction.provider } : {}),
      parameters,
      expectedState: state,
      codeVerifier: transaction.codeVerifier,
      nonce: transaction.nonce,
    });
  } catch (error) {
    // A silent login the provider could not complete without the user: back to the app, which
    // decides (OpenID Connect Core 3.1.2.6). The adapter has checked the state and the issuer of
    // that error answer before calling it the provider's refusal.
    const answered = parameters.get('error');
    if (transaction.prompt === 'none' && asServiceError(error).code === 'provider_denied' && answered && INTERACTION_ERRORS.has(answered)) {
      return { returnTo: withLoginError(transaction.returnTo, answered) };
    }
    throw error;
  }
  // Step-up: what the login asked of the authentication, checked on the ID token.
  if (transaction.maxAge !== undefined && (login.authTime === undefined || login.authTime < nowSeconds - transaction.maxAge - CLOCK_SKEW_SECONDS)) {
    throw new ServiceError('reauthentication_required');
  }
  if (transaction.acrValues !== undefined && (login.acr === undefined || !transaction.acrValues.split(' ').includes(login.acr))) {
    throw new ServiceError('acr_not_satisfied');
  }

  // Refused: no session, no cookie, and the browser's earlier session, if any, stays as it was.
  requireAccess(login.identity ?? { ...login.claims }, deps.accessRules);

  const sessionToken = randomToken();
  const key = hashToken(sessionToken);
  const { accessToken, refreshToken, idToken } = login;
  await deps.sessions.create(key, {
    sid: randomToken(16),
    claims: keptClaims(login, deps.sessionClaims),
    sealedTokens: await deps.vault.seal({ accessToken, refreshToken, idToken }, tokenContext(key)),
    ...tokenTimes(nowSeconds, login.expiresIn, deps.refreshSkewSeconds),
    refreshable: refreshToken !== undefined,
    createdAt: nowSeconds,
    expiresAt: nowSeconds + deps.sessionLifetimeSeconds,
    idleExpiresAt: nowSeconds + Math.min(deps.idleTimeoutSeconds, deps.sessionLifetimeSeconds),
    version: 1,
    ...(login.issuer !== undefined ? { issuer: login.issuer } : {}),
    ...(login.providerSid !== undefined ? { providerSid: login.providerSid } : {}),
    ...(input.userAgent ? { userAgent: shortUserAgent(input.userAgent) } : {}),
    ...(login.acr !== undefined ? { acr: login.acr } : {}),
    ...(login.authTime !== undefined ? { authTime: login.authTime } : {}),
    ...(transaction.provider ? { provider: transaction.provider } : {}),
  });
  // Signing in again replaces the browser's session: the old one must not stay usable for whoever
  // else might hold its cookie. Best effort: the new session exists, a failure here changes nothing for the user.
  if (isRandomToken(input.previousSessionToken)) await deps.sessions.end(hashToken(input.previousSessionToken), 'replaced', nowSeconds).catch(() => undefined);
  return { sessionToken, returnTo: transaction.returnTo };
}
