/**
 * The /session function's entry: who is signed in, until when, and the logout link, as JSON; and,
 * once, the parts it is wired from.
 */
import { SESSION_COOKIE } from './adapters/api-gateway/cookies';
import { lambdaHandler } from './adapters/api-gateway/lambda-handler';
import { json } from './adapters/api-gateway/response';
import { describeSession } from './core/sessions/describe-session';
import type { SessionDependencies } from './core/sessions/current-session';
import * as runtime from './wiring/parts';

/** GET /session: who is signed in, until when, and the logout link. */
export function sessionRoute(deps: () => SessionDependencies & { idleTimeoutSeconds: number }) {
  return lambdaHandler('session', 'json', async (request) =>
    json(200, await describeSession(request.cookies.get(SESSION_COOKIE), deps())),
  );
}

export const handler = sessionRoute(() => ({
  sessions: runtime.sessionStore(),
  clock: runtime.clock(),
  idleTimeoutSeconds: runtime.config().sessionIdleTimeoutSeconds,
}));
