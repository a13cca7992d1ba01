/**
 * The /logout/done function's entry: the provider's logout sends the browser back here, and it goes
 * on to the returnTo given at logout (or HOME_URL) only when it brings this browser's logout state;
 * and, once, the parts it is wired from.
 */
import { LOGOUT_COOKIE } from './adapters/api-gateway/cookies';
import { lambdaHandler } from './adapters/api-gateway/lambda-handler';
import { clearLogoutReturnCookie, readLogoutReturn } from './adapters/api-gateway/logout-cookie';
import { singleParameter } from './adapters/api-gateway/request';
import { redirect } from './adapters/api-gateway/response';
import { finishLogout, type FinishLogoutDependencies } from './core/sessions/logout-return';
import * as runtime from './wiring/parts';

/** GET /logout/done?state=…: the post-logout redirect URI. A refusal ends nothing and sets no cookie. */
export function logoutDoneRoute(deps: () => FinishLogoutDependencies) {
  return lambdaHandler('logout-done', 'html', async (request) => {
    const pending = readLogoutReturn(request.cookies.get(LOGOUT_COOKIE));
    const to = finishLogout({ state: singleParameter(request.query, 'state'), pending }, deps());
    // Used once: the same return again finds no cookie.
    return redirect(to, [clearLogoutReturnCookie()]);
  });
}

export const handler = logoutDoneRoute(() => runtime.returnToPolicy());
