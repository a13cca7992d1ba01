/**
 * The /sessions function's entry: the signed-in user's own sessions, listed (`GET /sessions`),
 * one ended (`DELETE /sessions/{id}`) or all of them ended (`DELETE /sessions`); and, once, the
 * parts it is wired from.
 */
import { clearCookie, SESSION_COOKIE } from './adapters/api-gateway/cookies';
import { lambdaHandler } from './adapters/api-gateway/lambda-handler';
import { json, noContent } from './adapters/api-gateway/response';
import { ServiceError } from './core/errors';
import { endAllOwnSessions, endOwnSession, listOwnSessions, type OwnSessionsDependencies } from './core/sessions/own-sessions';
import * as runtime from './wiring/parts';

/**
 * Every method needs `X-CSRF: 1`, checked first, like `/api`: a cross-site page cannot send it
 * without a CORS preflight the service never grants, so no foreign page ends a user's sessions.
 * Ending the caller's own session clears its cookie.
 */
export function sessionsRoute(deps: () => OwnSessionsDependencies) {
  return lambdaHandler('sessions', 'json', async (request) => {
    if (request.headers['x-csrf'] !== '1') throw new ServiceError('csrf_header_missing');
    const sessionToken = request.cookies.get(SESSION_COOKIE);
    if (request.method === 'GET') return json(200, await listOwnSessions(sessionToken, deps()));
    if (request.method !== 'DELETE') throw new ServiceError('method_not_allowed');
    // DELETE /sessions/{id} by the route's parameter, never by the path's look (an id of "sessions").
    const id = request.pathParameters?.id;
    let endedCurrent = true;
    if (id === undefined) await endAllOwnSessions(sessionToken, deps());
    else ({ endedCurrent } = await endOwnSession(sessionToken, id, deps()));
    return noContent(endedCurrent ? [clearCookie(SESSION_COOKIE)] : []);
  });
}

export const handler = sessionsRoute(() => ({
  sessions: runtime.userSessions(),
  index: runtime.userSessions(),
  clock: runtime.clock(),
  idleTimeoutSeconds: runtime.config().sessionIdleTimeoutSeconds,
}));
