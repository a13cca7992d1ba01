import type { FoundSession } from './current-session';
import { ServiceError } from './errors';
import type { ApiAccessToken, SessionTokens } from './ports';
import { openTokens, renewHoldingLease, tokenTimes, underRefreshLease, type TokenDependencies } from './session-tokens';
import type { UpstreamApi } from './upstream-apis';

/** A named API whose calls need a token for its own audience. */
export type AudienceApi = Pick<UpstreamApi, 'name' | 'scopes'> & { readonly audience: string };

function isFresh(token: ApiAccessToken | undefined, nowMs: number): token is ApiAccessToken {
  if (!token) return false;
  const renewAt = token.refreshAt ?? token.expiresAt;
  return renewAt === undefined || renewAt * 1000 > nowMs;
}

/**
 * An access token for an API with an audience (RFC 8707 §2.2): obtained with a refresh-token
 * grant that names the API as `resource`, then kept sealed in the session with the other tokens
 * and reused until it is due. It is obtained under the session's refresh lease, like the primary
 * access token, so concurrent first calls make one grant; a rotated refresh token is stored in
 * the same write, and the primary token and the other APIs' tokens are kept.
 */
export function apiAccessToken(found: FoundSession, api: AudienceApi, deps: TokenDependencies): Promise<string> {
  const { key } = found;
  const unavailable = () => new ServiceError('api_token_unavailable', { detail: `no refresh token to obtain a token for ${api.name}` });
  return underRefreshLease(found, deps, {
    ready: async (session, nowMs) => {
      const tokens = await openTokens(key, session, deps);
      const cached = tokens.apiTokens?.[api.name];
      if (isFresh(cached, nowMs)) return cached.accessToken;
      // Without a refresh token no grant can name the resource: there is nothing to wait for either.
      if (!tokens.refreshToken) throw unavailable();
      return undefined;
    },
    renew: (session, owner) =>
      renewHoldingLease(key, session, owner, deps, {
        target: { resource: api.audience, scopes: api.scopes },
        merge: (current, refreshed, now) => {
          const times = tokenTimes(now, refreshed.expiresIn, deps.refreshSkewSeconds);
          const apiToken: ApiAccessToken = { accessToken: refreshed.accessToken, expiresAt: times.accessTokenExpiresAt, refreshAt: times.accessTokenRefreshAt };
          const tokens: SessionTokens = {
            ...current,
            refreshToken: refreshed.refreshToken ?? current.refreshToken,
            idToken: refreshed.idToken ?? current.idToken,
            apiTokens: { ...current.apiTokens, [api.name]: apiToken },
          };
          // The primary access token is unchanged, and so is when it is due.
          const primary = { accessTokenExpiresAt: session.accessTokenExpiresAt, accessTokenRefreshAt: session.accessTokenRefreshAt };
          return { tokens, times: primary, result: refreshed.accessToken };
        },
        withoutRefreshToken: async (_current, letGo) => {
          await letGo();
          throw unavailable();
        },
      }),
  });
}
