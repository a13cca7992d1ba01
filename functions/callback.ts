import { LOGIN_BINDING_COOKIE, SESSION_COOKIE, setCookie } from './adapters/http/cookies';
import { lambdaHandler } from './adapters/http/lambda-handler';
import { redirect } from './adapters/http/response';
import { completeLogin, type CompleteLoginDependencies } from './core/complete-login';
import * as runtime from './dependencies';

/** GET /callback: the redirect URI. Creates the session and sends the browser to its returnTo. */
export function callbackRoute(deps: () => CompleteLoginDependencies) {
  return lambdaHandler('callback', 'html', async (request) => {
    const d = deps();
    const signedIn = await completeLogin(
      {
        parameters: request.query,
        binding: request.cookies.get(LOGIN_BINDING_COOKIE),
        previousSessionToken: request.cookies.get(SESSION_COOKIE),
      },
      d,
    );
    // The binding cookie stays: logins started in other tabs still need it, and it expires by itself.
    return redirect(signedIn.returnTo, [setCookie(SESSION_COOKIE, signedIn.sessionToken, d.sessionLifetimeSeconds)]);
  });
}

export const handler = callbackRoute(() => ({
  provider: runtime.signIn(),
  transactions: runtime.store(),
  sessions: runtime.store(),
  vault: runtime.vault(),
  clock: runtime.clock,
  sessionLifetimeSeconds: runtime.config().sessionLifetimeSeconds,
  idleTimeoutSeconds: runtime.config().sessionIdleTimeoutSeconds,
  refreshSkewSeconds: runtime.config().tokenRefreshSkewSeconds,
}));
