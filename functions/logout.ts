/**
 * The /logout function's entry: ends the session here and at the provider, clears the session
 * cookie and remembers the logout in the browser (and, on the way to the provider, what its return
 * to /logout/done is checked against); and, once, the parts it is wired from.
 */
import { clearCookie, SESSION_COOKIE, setCookie, SIGNED_OUT_COOKIE } from './adapters/api-gateway/cookies';
import { lambdaHandler } from './adapters/api-gateway/lambda-handler';
import { LOGOUT_DONE_PATH, logoutReturnCookie } from './adapters/api-gateway/logout-cookie';
import { singleParameter } from './adapters/api-gateway/request';
import { redirect } from './adapters/api-gateway/response';
import { sessionIdOfCookie } from './adapters/logs/log-fields';
import { logger } from './adapters/logs/logger';
import { endSession, type EndSessionDependencies } from './core/sessions/end-session';
import * as runtime from './wiring/parts';

/**
 * How long a logout is remembered in this browser: the next sign-in within it asks the provider
 * to authenticate afresh (`prompt=login`), so a provider session that outlived ours (or a provider
 * without RP-initiated logout) cannot sign the user back in without them. Cleared by that sign-in.
 */
export const SIGNED_OUT_SECONDS = 30 * 24 * 3600;

/** GET /logout?sid=…&returnTo=/path: ends the session here, then at the provider when it supports it. */
export function logoutRoute(deps: () => EndSessionDependencies) {
  return lambdaHandler('logout', 'html', async (request) => {
    const sessionToken = request.cookies.get(SESSION_COOKIE);
    const ended = await endSession(
      { sessionToken, sid: singleParameter(request.query, 'sid'), returnTo: singleParameter(request.query, 'returnTo') },
      deps(),
    );
    // The tokens may outlive the session at the provider: the one sign of it an operator gets.
    if (ended.revocation === 'failed') logger.warn('token revocation failed', { route: 'logout', session: sessionIdOfCookie(sessionToken) });
    const cleared = request.cookies.carries(SESSION_COOKIE) ? [clearCookie(SESSION_COOKIE)] : [];
    const pending = ended.logoutReturn ? [logoutReturnCookie(ended.logoutReturn)] : [];
    return redirect(ended.redirectTo, [...cleared, setCookie(SIGNED_OUT_COOKIE, '1', SIGNED_OUT_SECONDS), ...pending]);
  });
}

export const handler = logoutRoute(() => ({
  ...runtime.returnToPolicy(),
  sessions: runtime.store(),
  provider: runtime.sessionTokens(),
  vault: runtime.vault(),
  clock: runtime.clock(),
  postLogoutRedirectUri: new URL(LOGOUT_DONE_PATH, runtime.config().publicBaseUrl).href,
}));
