/**
 * The authorizer function's entry: the Lambda authorizer other HTTP APIs attach to their routes;
 * and, once, the parts it is wired from (the session store and the clock: no key, no provider).
 */
import { authorizerHandler } from './adapters/api-gateway/authorizer-handler';
import { authorizeSession, type AuthorizeDependencies } from './core/sessions/authorize-session';
import * as runtime from './wiring/parts';

/**
 * The Lambda authorizer other HTTP APIs on the same host attach to their routes: the login
 * service's session, checked like `/api` checks it, with the user's claims for the integration.
 */
export function authorizer(deps: () => AuthorizeDependencies) {
  return authorizerHandler((request) => authorizeSession(request, deps()));
}

export const handler = authorizer(() => ({
  sessions: runtime.sessionStore(),
  clock: runtime.clock(),
  idleTimeoutSeconds: runtime.config().sessionIdleTimeoutSeconds,
  claims: runtime.config().authorizerClaims,
}));
