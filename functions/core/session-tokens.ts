import { isExpired, type FoundSession } from './current-session';
import { asServiceError, ServiceError } from './errors';
import type { Clock, IdentityProvider, RefreshedSessionTokens, RefreshedTokens, Session, SessionStore, SessionTokens, TokenTarget, TokenVault } from './ports';
import { randomToken } from './secrets';

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
}

/** The DynamoDB key of a session doubles as the encryption context of its tokens. */
export const tokenContext = (key: string): string => `session#${key}`;

/** When a token that lives `expiresIn` seconds from `now` expires, and when to refresh it: `skew` early, at most half its life. */
export function tokenTimes(now: number, expiresIn: number | undefined, skewSeconds: number) {
  if (expiresIn === undefined) return { accessTokenExpiresAt: undefined, accessTokenRefreshAt: undefined };
  const early = Math.min(skewSeconds, Math.floor(expiresIn / 2));
  return { accessTokenExpiresAt: now + expiresIn, accessTokenRefreshAt: now + expiresIn - early };
}

function needsRefresh(session: Session, nowMs: number): boolean {
  const refreshAt = session.accessTokenRefreshAt ?? session.accessTokenExpiresAt;
  return refreshAt !== undefined && refreshAt * 1000 <= nowMs;
}

/** A session that can no longer be used is deleted (best effort) and the browser told to sign in again. */
async function endFor(key: string, deps: TokenDependencies, error: ServiceError): Promise<never> {
  await deps.sessions.delete(key).catch(() => undefined);
  throw error;
}

/**
 * The session's tokens with an access token good for use, refreshed first when it is about to
 * expire (see underRefreshLease for how one refresh serves every concurrent request).
 */
export function usableTokens(found: FoundSession, deps: TokenDependencies): Promise<SessionTokens> {
  const { key } = found;
  return underRefreshLease(found, deps, {
    ready: async (session, nowMs) => (needsRefresh(session, nowMs) ? undefined : openTokens(key, session, deps)),
    renew: (session, owner) =>
      renewHoldingLease(key, session, owner, deps, {
        merge: (current, refreshed, now) => {
          const tokens: SessionTokens = {
            ...current,
            accessToken: refreshed.accessToken,
            refreshToken: refreshed.refreshToken ?? current.refreshToken,
            idToken: refreshed.idToken ?? current.idToken,
          };
          return { tokens, times: tokenTimes(now, refreshed.expiresIn, deps.refreshSkewSeconds), result: tokens };
        },
        withoutRefreshToken: async (current, letGo) => {
          // Nothing to refresh with: the token serves until it really expires, then the session ends.
          const stillValid = session.accessTokenExpiresAt !== undefined && session.accessTokenExpiresAt * 1000 > deps.clock.now();
          if (!stillValid) return endFor(key, deps, new ServiceError('token_expired'));
          await letGo();
          return current;
        },
      }),
  });
}

/** One use of the refresh lease: what is usable as stored, and how to renew it holding the lease. */
export interface Renewal<T> {
  /** The result from the session as stored, or undefined when it must be renewed first. */
  ready(session: Session, nowMs: number): Promise<T | undefined>;
  renew(session: Session, owner: string): Promise<T>;
}

/**
 * Exactly one request renews a session's tokens, however many arrive at once on however many
 * instances: the refresh lease is a conditional write on the session's version; the others poll
 * the store until the version moves on and use what the lease holder stored. The primary access
 * token and each API's audience-bound token go through this same lease, so one session never
 * has two grants running with its refresh token.
 */
export async function underRefreshLease<T>(found: FoundSession, deps: TokenDependencies, renewal: Renewal<T>): Promise<T> {
  const { key } = found;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const giveUpAt = deps.clock.now() + deps.waitMs;
  let session = found.session;
  let pollMs = 20;
  for (;;) {
    const now = deps.clock.now();
    const usable = await renewal.ready(session, now);
    if (usable !== undefined) return usable;
    const leaseFree = !session.refreshLease || session.refreshLease.until <= now;
    if (leaseFree) {
      const owner = randomToken(16);
      const lease = { version: session.version, owner, until: now + deps.leaseMs, now };
      if (await deps.sessions.acquireRefreshLease(key, lease)) return renewal.renew(session, owner);
    }
    if (deps.clock.now() + pollMs > giveUpAt) throw new ServiceError('refresh_pending');
    await sleep(pollMs);
    pollMs = Math.min(pollMs * 2, 250);
    const next = await deps.sessions.get(key);
    // Gone: the refresh that held the lease was refused and ended the session, or the user logged out.
    if (!next) throw new ServiceError('session_ended');
    if (isExpired(next, deps.clock)) return endFor(key, deps, new ServiceError('session_expired'));
    session = next;
  }
}

/** Tokens that no key opens any more (tampered, or the key left the keyring) end the session. */
export async function openTokens(key: string, session: Session, deps: TokenDependencies): Promise<SessionTokens> {
  try {
    return await deps.vault.open(session.sealedTokens, tokenContext(key));
  } catch (error) {
    const failure = asServiceError(error);
    return failure.code === 'session_ended' ? endFor(key, deps, failure) : Promise.reject(failure);
  }
}

/** How a refresh grant's answer becomes the session's tokens. */
export interface RenewalPlan<T> {
  /** RFC 8707: a token for this resource instead of the session's primary access token. */
  readonly target?: TokenTarget;
  merge(current: SessionTokens, refreshed: RefreshedTokens, nowSeconds: number): { tokens: SessionTokens; times: TokenTimes; result: T };
  withoutRefreshToken(current: SessionTokens, letGo: () => Promise<void>): Promise<T>;
}

type TokenTimes = Pick<RefreshedSessionTokens, 'accessTokenExpiresAt' | 'accessTokenRefreshAt'>;

/**
 * One refresh grant, holding the lease. Whatever it returns is stored in one conditional write
 * that also keeps a rotated refresh token, so the old one is never sent again.
 */
export async function renewHoldingLease<T>(key: string, session: Session, owner: string, deps: TokenDependencies, plan: RenewalPlan<T>): Promise<T> {
  // Lets others refresh after all; best effort, as the lease lapses by itself anyway.
  const letGo = () => deps.sessions.releaseRefreshLease(key, owner).catch(() => undefined);
  const current = await openTokens(key, session, deps).catch(async (error: unknown) => {
    await letGo();
    throw error;
  });
  if (!current.refreshToken) return plan.withoutRefreshToken(current, letGo);
  let refreshed;
  try {
    refreshed = await deps.provider.refresh(current.refreshToken, plan.target);
  } catch (error) {
    const failure = asServiceError(error);
    // The provider refused the grant: the session is over. Anything else (network, 5xx, a bad
    // answer) may pass, so the session stays, the lease is let go and the request answers 5xx.
    if (failure.code === 'session_ended') return endFor(key, deps, failure);
    await letGo();
    throw failure;
  }
  // OpenID Connect Core 12.2: a refreshed ID token must be about the same user.
  if (refreshed.idTokenSubject !== undefined && refreshed.idTokenSubject !== session.claims.sub) {
    return endFor(key, deps, new ServiceError('session_ended', { detail: 'refreshed ID token has another subject' }));
  }
  const { tokens, times, result } = plan.merge(current, refreshed, Math.floor(deps.clock.now() / 1000));
  const saved = await deps.sessions.saveRefreshedTokens(key, session.version, {
    sealedTokens: await deps.vault.seal(tokens, tokenContext(key)),
    ...times,
  });
  // Only a logout (or expiry) between lease and save removes the session under the lease holder.
  // The logout revoked the tokens it found; the ones just issued are revoked here.
  if (!saved) {
    if (refreshed.refreshToken) await deps.provider.revoke(refreshed.refreshToken, 'refresh_token').catch(() => false);
    throw new ServiceError('session_ended');
  }
  return result;
}
