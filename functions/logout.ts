/**
 * The /logout function's entry: ends the session here and at the provider, clears the session
 * cookie and remembers the logout in the browser; and, once, the parts it is wired from.
 */
import { clearCookie, SESSION_COOKIE, setCookie, SIGNED_OUT_COOKIE } from './adapters/api-gateway/cookies';
import { lambdaHandler } from './adapters/api-gateway/lambda-handler';
import { singleParameter } from './adapters/api-gateway/request';
import { redirect } from './adapters/api-gateway/response';
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
    const ended = await endSession(
      {
        sessionToken: request.cookies.get(SESSION_COOKIE),
        sid: singleParameter(request.query, 'sid'),
        returnTo: singleParameter(request.query, 'returnTo'),
      },
      deps(),
    );
    const cleared = request.cookies.carries(SESSION_COOKIE) ? [clearCookie(SESSION_COOKIE)] : [];
    return redirect(ended.redirectTo, [...cleared, setCookie(SIGNED_OUT_COOKIE, '1', SIGNED_OUT_SECONDS)]);
  });
}

export const handler = logoutRoute(() => ({
  ...runtime.returnToPolicy(),
  sessions: runtime.store(),
  provider: runtime.sessionTokens(),
  vault: runtime.vault(),
  clock: runtime.clock(),
  postLogoutRedirectUri: new URL('/', runtime.config().publicBaseUrl).href,
}));
