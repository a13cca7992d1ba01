/**
 * A session's tokens in use: opened from the vault, refreshed when due by exactly one request across
 * instances (a lease on the session's version), access tokens for named APIs' audiences (RFC 8707),
 * and the session ended once its tokens can no longer serve.
 */
import { isExpired, type FoundSession } from './current-session';
import { asServiceError, ServiceError } from '../errors';
import type { Clock, IdentityProvider, RefreshedTokens, Session, SessionEndReason, SessionStore, SessionTokens, TokenVault } from '../ports';
import type { UpstreamApi } from '../api-proxy/upstream-apis';
import { randomToken } from '../opaque-tokens';
import { stillAllowed, type AccessRules } from '../sign-in/access-rules';

export interface TokenDependencies {
  readonly sessions: SessionStore;
  readonly vault: TokenVault;
  readonly provider: Pick<IdentityProvider, 'refresh' | 'revoke'>;
  readonly clock: Clock;
  readonly refreshSkewSeconds: number;
  /** How long a refresh lease holds: longer than the longest refresh call, or two could run. */
  readonly leaseMs: number;
  /** How long a request waits for another one's refresh before answering 503. */
  readonly waitMs: number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** Checked again on the claims of each refreshed ID token: a user who no longer qualifies is signed out. */
  readonly accessRules?: AccessRules;
}

/** The DynamoDB key of a session doubles as the encryption context of its tokens. */
export const tokenContext = (key: string): string => `session#${key}`;

/**
 * How many replaced access tokens a session keeps for its ending to revoke. A refresh comes just
 * before the token it replaces expires, so the expired drop out long before this bound matters;
 * it caps the item for providers that give no lifetime.
 */
export const MAX_REPLACED_ACCESS_TOKENS = 8;

/** When a token that lives `expiresIn` seconds from `now` expires, and when to refresh it: `skew` early, at most half its life. */
export function tokenTimes(now: number, expiresIn: number | undefined, skewSeconds: number) {
  if (expiresIn === undefined) return { accessTokenExpiresAt: undefined, accessTokenRefreshAt: undefined };
  const early = Math.min(skewSeconds, Math.floor(expiresIn / 2));
  return { accessTokenExpiresAt: now + expiresIn, accessTokenRefreshAt: now + expiresIn - early };
}

/** A named API whose calls need an access token for its own audience (RFC 8707). */
export type AudienceApi = Pick<UpstreamApi, 'name' | 'scopes'> & { readonly audience: string };

type TokenTimes = Pick<Session, 'accessTokenExpiresAt' | 'accessTokenRefreshAt'>;

/** Due when its refresh time (or, without one, its expiry) has come; never when neither is known. */
function needsRefresh(token: TokenTimes, nowMs: number): boolean {
  const refreshAt = token.accessTokenRefreshAt ?? token.accessTokenExpiresAt;
  return refreshAt !== undefined && refreshAt * 1000 <= nowMs;
}

/** A session that can no longer be used is ended (best effort) and the browser told to sign in again. */
async function endFor(key: string, deps: TokenDependencies, reason: SessionEndReason, error: ServiceError): Promise<never> {
  await deps.sessions.end(key, reason, Math.floor(deps.clock.now() / 1000)).catch(() => undefined);
  throw error;
}

/**
 * The session's tokens with an access token good for use, refreshed first when it is about to
 * expire. Exactly one request refreshes, however many arrive at once on however many instances:
 * the refresh lease is a conditional write on the session's version; the others poll the store
 * until the version moves on and use the new tokens. Rotated refresh tokens are stored in that
 * same write, so the old one is never sent again.
 */
export function usableTokens(found: FoundSession, deps: TokenDependencies): Promise<SessionTokens> {
  return tokensFor(found, deps);
}

/**
 * An access token for an API with an audience (RFC 8707 §2.2): obtained with a refresh-token grant
 * naming the API as `resource`, kept sealed in the session with the other tokens and reused until
 * due. It goes through the same lease as the primary token, so concurrent first calls make one
 * grant, and the write that stores it keeps the primary token and the other APIs' tokens.
 */
export async function apiAccessToken(found: FoundSession, api: AudienceApi, deps: TokenDependencies): Promise<string> {
  return (await tokensFor(found, deps, api)).apiTokens![api.name]!.accessToken;
}

async function tokensFor(found: FoundSession, deps: TokenDependencies, api?: AudienceApi): Promise<SessionTokens> {
  const { key } = found;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const giveUpAt = deps.clock.now() + deps.waitMs;
  let session = found.session;
  let pollMs = 20;
  for (;;) {
    const now = deps.clock.now();
    if (api) {
      const tokens = await openTokens(key, session, deps);
      const cached = tokens.apiTokens?.[api.name];
      if (cached && !needsRefresh(cached, now)) return tokens;
      // No grant can name the resource without a refresh token: nothing to lease or wait for.
      if (!tokens.refreshToken) throw new ServiceError('api_token_unavailable');
    } else if (!needsRefresh(session, now)) return openTokens(key, session, deps);
    const leaseFree = !session.refreshLease || session.refreshLease.until <= now;
    if (leaseFree) {
      const owner = randomToken(16);
      const lease = { version: session.version, owner, until: now + deps.leaseMs, now };
      if (await deps.sessions.acquireRefreshLease(key, lease)) return refreshHoldingLease(key, session, owner, deps, api);
    }
    if (deps.clock.now() + pollMs > giveUpAt) throw new ServiceError('refresh_pending');
    await sleep(pollMs);
    pollMs = Math.min(pollMs * 2, 250);
    const next = await deps.sessions.get(key);
    // Gone: the refresh that held the lease was refused and ended the session, or the user logged out.
    if (!next) throw new ServiceError('session_ended');
    if (isExpired(next, deps.clock)) return endFor(key, deps, 'expired', new ServiceError('session_expired'));
    session = next;
  }
}

/** Tokens that no key opens any more (tampered, or the key left the keyring) end the session. */
async function openTokens(key: string, session: Session, deps: TokenDependencies): Promise<SessionTokens> {
  try {
    return await deps.vault.open(session.sealedTokens, tokenContext(key));
  } catch (error) {
    const failure = asServiceError(error);
    return failure.code === 'session_ended' ? endFor(key, deps, 'unreadable', failure) : Promise.reject(failure);
  }
}

async function refreshHoldingLease(key: string, session: Session, owner: string, deps: TokenDependencies, api?: AudienceApi): Promise<SessionTokens> {
  const context = tokenContext(key);
  // Lets others refresh after all; best effort, as the lease lapses by itself anyway.
  const letGo = () => deps.sessions.releaseRefreshLease(key, owner).catch(() => undefined);
  const current = await openTokens(key, session, deps).catch(async (error: unknown) => {
    await letGo();
    throw error;
  });
  // For an API, the tokens opened before the lease (same version) had a refresh token.
  if (!current.refreshToken) {
    // Nothing to refresh with: the token serves until it really expires, then the session ends.
    const stillValid = session.accessTokenExpiresAt !== undefined && session.accessTokenExpiresAt * 1000 > deps.clock.now();
    if (stillValid) {
      await letGo();
      return current;
    }
    return endFor(key, deps, 'refresh_failed', new ServiceError('token_expired'));
  }
  let refreshed;
  try {
    refreshed = await deps.provider.refresh(current.refreshToken, api && { resource: api.audience, scopes: api.scopes }, session.provider);
  } catch (error) {
    const failure = asServiceError(error);
    // The provider refused the grant: the session is over. Anything else (network, 5xx, a bad
    // answer) may pass, so the session stays, the lease is let go and the request answers 5xx.
    if (failure.code === 'session_ended') return endFor(key, deps, 'refresh_failed', failure);
    await letGo();
    throw failure;
  }
  // OpenID Connect Core 12.2: a refreshed ID token must be about the same user.
  const idClaims = refreshed.idTokenClaims;
  // Refused after the provider issued new tokens: those are revoked too, so none stays live.
  if (idClaims && idClaims.sub !== session.claims.sub) {
    await revokeIssued(refreshed, deps, session.provider);
    return endFor(key, deps, 'refresh_failed', new ServiceError('session_ended', { detail: 'refreshed ID token has another subject' }));
  }
  if (idClaims && deps.accessRules && !stillAllowed(idClaims, deps.accessRules)) {
    await revokeIssued({ ...refreshed, refreshToken: refreshed.refreshToken ?? current.refreshToken }, deps, session.provider);
    return endFor(key, deps, 'refresh_failed', new ServiceError('session_ended', { detail: 'the access rules refuse the refreshed claims' }));
  }
  const now = Math.floor(deps.clock.now() / 1000);
  const times = tokenTimes(now, refreshed.expiresIn, deps.refreshSkewSeconds);
  const fresh = { accessToken: refreshed.accessToken, ...times };
  const replaced = api ? current.apiTokens?.[api.name] : { accessToken: current.accessToken, accessTokenExpiresAt: session.accessTokenExpiresAt };
  const stillLive = [...(current.replacedAccessTokens ?? []), ...(replaced && replaced.accessToken !== fresh.accessToken ? [{ accessToken: replaced.accessToken, expiresAt: replaced.accessTokenExpiresAt }] : [])]
    .filter((token) => token.expiresAt === undefined || token.expiresAt > now)
    .slice(-MAX_REPLACED_ACCESS_TOKENS);
  // An API's token joins the others; the primary access token and when it is due stay as they were.
  const tokens: SessionTokens = {
    ...current,
    ...(api ? { apiTokens: { ...current.apiTokens, [api.name]: fresh } } : { accessToken: fresh.accessToken }),
    refreshToken: refreshed.refreshToken ?? current.refreshToken,
    idToken: refreshed.idToken ?? current.idToken,
    replacedAccessTokens: stillLive.length > 0 ? stillLive : undefined,
  };
  const { accessTokenExpiresAt, accessTokenRefreshAt } = api ? session : times;
  const saved = await deps.sessions.saveRefreshedTokens(key, session.version, {
    sealedTokens: await deps.vault.seal(tokens, context),
    accessTokenExpiresAt,
    accessTokenRefreshAt,
  });
  // Only an ending (logout, back-channel, kill switch, expiry) between lease and save removes the
  // session under the lease holder. The ending revoked the tokens it found; the ones just issued,
  // access token too, are revoked here, so the refresh gives nobody a live token of an ended session.
  if (!saved) {
    await revokeIssued(refreshed, deps, session.provider);
    throw new ServiceError('session_ended');
  }
  return tokens;
}

/** Revokes tokens a refresh just issued for a session that will not keep them; best effort. */
async function revokeIssued(issued: Pick<RefreshedTokens, 'accessToken' | 'refreshToken'>, deps: TokenDependencies, provider: string | undefined): Promise<void> {
  await Promise.all([
    deps.provider.revoke(issued.accessToken, 'access_token', provider).catch(() => false),
    ...(issued.refreshToken ? [deps.provider.revoke(issued.refreshToken, 'refresh_token', provider).catch(() => false)] : []),
  ]);
}
