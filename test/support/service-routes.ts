/**
 * The five routes wired to real adapters the way functions/wiring/parts.ts wires them on Lambda,
 * with the parts a test must control (clock, keyring, store endpoint, timings) passed in.
 */
import { apiRoute } from '../../functions/api';
import { callbackRoute } from '../../functions/callback';
import type { Config } from '../../functions/settings/config';
import type { Clock, IdentityProvider, LoginTransactionStore, SessionStore, TokenVault, Upstream } from '../../functions/core/ports';
import { loginRoute } from '../../functions/login';
import { logoutRoute } from '../../functions/logout';
import { sessionRoute } from '../../functions/session';
import type { RouteHandlers } from '../../local/server';

export interface ServiceParts {
  readonly config: Config;
  readonly store: LoginTransactionStore & SessionStore;
  readonly provider: IdentityProvider;
  readonly vault: TokenVault;
  readonly upstream: Upstream;
  readonly clock: Clock;
  /** Default 30 s, as on Lambda. */
  readonly leaseMs?: number;
  /** Default: one provider call plus a second, as on Lambda. */
  readonly waitMs?: number;
}

export function serviceRoutes(parts: ServiceParts): RouteHandlers {
  const { config, store, provider, vault, upstream, clock } = parts;
  const policy = { ownOrigin: config.publicBaseUrl.origin, returnToAllowedOrigins: config.returnToAllowedOrigins };
  const lifetimes = {
    sessionLifetimeSeconds: config.sessionLifetimeSeconds,
    idleTimeoutSeconds: config.sessionIdleTimeoutSeconds,
    refreshSkewSeconds: config.tokenRefreshSkewSeconds,
  };
  return {
    login: async () => loginRoute(() => ({ ...policy, provider, transactions: store, clock, loginTimeoutSeconds: config.loginTimeoutSeconds })),
    callback: async () => callbackRoute(() => ({ ...lifetimes, provider, transactions: store, sessions: store, vault, clock })),
    api: async () =>
      apiRoute(() => ({
        ...lifetimes,
        sessions: store,
        vault,
        provider,
        upstream,
        clock,
        upstreamBaseUrl: config.upstreamApiUrl,
        upstreamApis: config.upstreamApis,
        leaseMs: parts.leaseMs ?? 30_000,
        waitMs: parts.waitMs ?? config.providerTimeoutMs + 1_000,
      })),
    session: async () => sessionRoute(() => ({ ...lifetimes, sessions: store, clock })),
    logout: async () =>
      logoutRoute(() => ({ ...policy, sessions: store, provider, vault, clock, postLogoutRedirectUri: new URL('/', config.publicBaseUrl).href })),
  };
}
