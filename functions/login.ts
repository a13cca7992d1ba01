import { LOGIN_BINDING_COOKIE, setCookie } from './adapters/http/cookies';
import { lambdaHandler } from './adapters/http/lambda-handler';
import { singleParameter } from './adapters/http/request';
import { redirect } from './adapters/http/response';
import { startLogin, type StartLoginDependencies } from './core/start-login';
import * as runtime from './dependencies';

/** GET /login?returnTo=/path: 302 to the provider, with the browser-binding cookie. */
export function loginRoute(deps: () => StartLoginDependencies) {
  return lambdaHandler('login', 'html', async (request) => {
    const d = deps();
    const started = await startLogin(
      { returnTo: singleParameter(request.query, 'returnTo'), existingBinding: request.cookies.get(LOGIN_BINDING_COOKIE) },
      d,
    );
    return redirect(started.redirectTo.href, [setCookie(LOGIN_BINDING_COOKIE, started.binding, d.loginTimeoutSeconds)]);
  });
}

export const handler = loginRoute(() => ({
  ...runtime.returnToPolicy(),
  provider: runtime.authorizationRequests(),
  transactions: runtime.store(),
  clock: runtime.clock,
  loginTimeoutSeconds: runtime.config().loginTimeoutSeconds,
}));
