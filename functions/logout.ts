import { clearCookie, SESSION_COOKIE } from './adapters/http/cookies';
import { lambdaHandler } from './adapters/http/lambda-handler';
import { singleParameter } from './adapters/http/request';
import { redirect } from './adapters/http/response';
import { endSession, type EndSessionDependencies } from './core/end-session';
import * as runtime from './dependencies';

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
    return redirect(ended.redirectTo, [clearCookie(SESSION_COOKIE)]);
  });
}

export const handler = logoutRoute(() => ({
  ...runtime.returnToPolicy(),
  sessions: runtime.store(),
  provider: runtime.sessionTokens(),
  vault: runtime.vault(),
  clock: runtime.clock,
  postLogoutRedirectUri: new URL('/', runtime.config().publicBaseUrl).href,
}));
