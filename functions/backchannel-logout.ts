/**
 * The /backchannel-logout function's entry: the provider's server posts a logout token here
 * (OpenID Connect Back-Channel Logout 1.0 §2.5); the sessions it names end. And, once, the parts
 * the function is wired from.
 */
import { lambdaHandler } from './adapters/api-gateway/lambda-handler';
import { json } from './adapters/api-gateway/response';
import { ServiceError } from './core/errors';
import { backchannelLogout, type BackchannelLogoutDependencies } from './core/sessions/backchannel-logout';
import * as runtime from './wiring/parts';

/**
 * POST /backchannel-logout, form body `logout_token=…`: 200 with `Cache-Control: no-store` once
 * the named sessions ended (or none matched), 400 `invalid_request` for anything else, nothing of
 * the token echoed (§2.8). A store failure answers 503/504, so the provider sends it again.
 */
export function backchannelLogoutRoute(deps: () => BackchannelLogoutDependencies) {
  return lambdaHandler('backchannel-logout', 'json', async (request) => {
    const type = request.headers['content-type']?.split(';')[0]!.trim().toLowerCase();
    if (request.method !== 'POST' || type !== 'application/x-www-form-urlencoded') throw new ServiceError('invalid_request', { detail: 'a form post expected' });
    await backchannelLogout(new URLSearchParams(request.body?.toString('utf8') ?? ''), deps());
    return json(200, {});
  });
}

export const handler = backchannelLogoutRoute(() => ({
  verifier: runtime.logoutTokens(),
  index: runtime.userSessions(),
  sessions: runtime.userSessions(),
  replays: runtime.userSessions(),
  clock: runtime.clock(),
}));
