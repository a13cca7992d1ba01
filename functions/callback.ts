/**
 * The /callback function's entry: the redirect URI, which creates the session, sets its cookie and
 * clears the attempt's binding cookie; and, once, the parts the function is wired from.
 */
import { clearCookie, loginBindingCookie, SESSION_COOKIE, setCookie, SIGNED_OUT_COOKIE } from './adapters/api-gateway/cookies';
import { lambdaHandler } from './adapters/api-gateway/lambda-handler';
import { redirect } from './adapters/api-gateway/response';
import { completeLogin, type CompleteLoginDependencies } from './core/sign-in/complete-login';
import * as runtime from './wiring/parts';

/**
 * GET /callback (one provider) and /callback/{provider} (several): the redirect URI. Creates the session and sends the browser to its returnTo.
 * The attempt's binding cookie is cleared once its transaction is used up, whether the sign-in
 * then succeeds or not; a failure before that (a malformed response) leaves it for a clean retry.
 */
export function callbackRoute(deps: () => CompleteLoginDependencies) {
  return lambdaHandler('callback', 'html', async (request, failure) => {
    const d = deps();
    const states = request.query.getAll('state');
    const bindingName = states.length === 1 ? loginBindingCookie(states[0]!) : undefined;
    const carried = bindingName !== undefined && request.cookies.carries(bindingName);
    const spent = carried ? [clearCookie(bindingName)] : [];
    const signedIn = await completeLogin(
      {
        parameters: request.query,
        binding: bindingName && request.cookies.get(bindingName),
        previousSessionToken: request.cookies.get(SESSION_COOKIE),
        userAgent: request.headers['user-agent'],
        onBindingSpent: () => failure.cookies.push(...spent),
        pathProvider: request.pathParameters?.provider,
      },
      d,
    );
    // A silent login the provider could not complete: back to the app with login_error, no session.
    if (signedIn.sessionToken === undefined) return redirect(signedIn.returnTo, spent);
    const signedOut = request.cookies.carries(SIGNED_OUT_COOKIE) ? [clearCookie(SIGNED_OUT_COOKIE)] : [];
    return redirect(signedIn.returnTo, [...spent, ...signedOut, setCookie(SESSION_COOKIE, signedIn.sessionToken, d.sessionLifetimeSeconds)]);
  });
}

export const handler = callbackRoute(() => ({
  provider: runtime.signIn(),
  transactions: runtime.store(),
  sessions: runtime.store(),
  vault: runtime.vault(),
  clock: runtime.clock(),
  sessionLifetimeSeconds: runtime.config().sessionLifetimeSeconds,
  idleTimeoutSeconds: runtime.config().sessionIdleTimeoutSeconds,
  refreshSkewSeconds: runtime.config().tokenRefreshSkewSeconds,
  accessRules: runtime.config(),
  sessionClaims: runtime.config().sessionClaims,
  severalProviders: runtime.config().namedProviders,
}));
