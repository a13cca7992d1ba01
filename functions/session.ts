import { SESSION_COOKIE } from './adapters/http/cookies';
import { lambdaHandler } from './adapters/http/lambda-handler';
import { json } from './adapters/http/response';
import { describeSession } from './core/describe-session';
import type { SessionDependencies } from './core/current-session';
import * as runtime from './dependencies';

/** GET /session: who is signed in, until when, and the logout link. */
export function sessionRoute(deps: () => SessionDependencies & { idleTimeoutSeconds: number }) {
  return lambdaHandler('session', 'json', async (request) =>
    json(200, await describeSession(request.cookies.get(SESSION_COOKIE), deps())),
  );
}

export const handler = sessionRoute(() => ({
  sessions: runtime.store(),
  clock: runtime.clock,
  idleTimeoutSeconds: runtime.config().sessionIdleTimeoutSeconds,
}));
