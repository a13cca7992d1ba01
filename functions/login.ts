/**
 * The /login function's entry: starts a sign-in with its own browser-binding cookie and sends the
 * browser to the provider; and, once, the parts it is wired from (no client secret).
 */
import { clearCookie, LOGIN_BINDING_PREFIX, loginBindingCookie, setCookie, SIGNED_OUT_COOKIE } from './adapters/api-gateway/cookies';
import { lambdaHandler } from './adapters/api-gateway/lambda-handler';
import { singleParameter } from './adapters/api-gateway/request';
import { providerChoicePage, redirect } from './adapters/api-gateway/response';
import { readLoginOptions } from './core/sign-in/login-parameters';
import { providerChoice, startLogin, type StartLoginDependencies } from './core/sign-in/start-login';
import * as runtime from './wiring/parts';

/** Logins a browser may have under way at once (tabs); past that the older bindings are cleared. */
const MAX_PENDING_LOGINS = 4;

/**
 * GET /login?returnTo=/path[&provider=…&prompt=…&login_hint=…&ui_locales=…&max_age=…&acr_values=…]:
 * 302 to the provider, with this attempt's own browser-binding cookie; with several providers and
 * none named, a page to choose one.
 */
export function loginRoute(deps: () => StartLoginDependencies) {
  return lambdaHandler('login', 'html', async (request) => {
    const d = deps();
    const options = readLoginOptions((name) => singleParameter(request.query, name));
    const [returnTo, provider] = [singleParameter(request.query, 'returnTo'), singleParameter(request.query, 'provider')];
    // Several providers and none named: a page of links back here, one per provider, nothing stored.
    const choice = providerChoice({ returnTo, provider }, d);
    if (choice) return providerChoicePage(choice, request.query);
    const started = await startLogin({ returnTo, provider, reauthenticate: request.cookies.carries(SIGNED_OUT_COOKIE), options }, d);
    const pending = request.cookies.namesStartingWith(LOGIN_BINDING_PREFIX);
    const cleared = pending.length >= MAX_PENDING_LOGINS ? pending.map(clearCookie) : [];
    return redirect(started.redirectTo.href, [...cleared, setCookie(loginBindingCookie(started.state), started.binding, d.loginTimeoutSeconds)]);
  });
}

export const handler = loginRoute(() => ({
  ...runtime.returnToPolicy(),
  provider: runtime.authorizationRequests(),
  transactions: runtime.store(),
  clock: runtime.clock(),
  loginTimeoutSeconds: runtime.config().loginTimeoutSeconds,
  providers: runtime.config().providers,
  namedProviders: runtime.config().namedProviders,
}));
