/**
 * The authorizer's API Gateway edge (HTTP API Lambda authorizer, REQUEST type, payload 2.0, simple
 * responses): the session cookie and the X-CSRF header go to the authorization use case; a refusal
 * answers `isAuthorized: false`, a failure is thrown, so an outage never reads as "not signed in".
 */
import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerWithContextResult, Context } from 'aws-lambda';
import type { AuthorizeRequest, Authorization, AuthorizerContext } from '../../core/sessions/authorize-session';
import { describeCause, sessionIdOfCookie } from '../logs/log-fields';
import { logger } from '../logs/logger';
import { requestBudgetMs, withRequestDeadline } from '../request-deadline';
import { parseCookies, SESSION_COOKIE } from './cookies';
import { traceLogIds } from '../../core/trace-context';
import { invocationFailure, invocationIds, invocationTrace } from './invocation';
import { lowerCaseHeaders } from './request';

export type AuthorizerResult = APIGatewaySimpleAuthorizerWithContextResult<AuthorizerContext | Record<string, never>>;

/**
 * Wraps the authorization use case as an API Gateway HTTP API Lambda authorizer (REQUEST type,
 * payload format 2.0, simple responses). A refusal answers `isAuthorized: false`, which API
 * Gateway turns into 403. A failure (the store unreachable or too slow, a broken configuration)
 * is thrown instead: API Gateway then answers 500, so an outage never reads as "not signed in",
 * and no refusal is cached for the session while the store is away (only answers are cached).
 * One log line per invocation, like every route's: outcome, reason, a hashed session id and the
 * trace ids, never the cookie, a token or the session's `sid`.
 */
export function authorizerHandler(
  authorize: (request: AuthorizeRequest) => Promise<Authorization>,
): (event: APIGatewayRequestAuthorizerEventV2, context?: Context) => Promise<AuthorizerResult> {
  return async (event, context) => {
    const started = performance.now();
    const headers = lowerCaseHeaders(event.headers);
    const traceIds = traceLogIds(invocationTrace(headers));
    // A duplicated session cookie counts as none (parseCookies): a planted second cookie never wins.
    const sessionToken = parseCookies(event.cookies).get(SESSION_COOKIE);
    const session = sessionIdOfCookie(sessionToken);
    const fields = () => ({
      ...invocationIds(context, event.requestContext?.requestId),
      route: 'authorizer',
      // The protected API's route ("GET /orders/{id}"): a template, never the path's values.
      protectedRoute: event.routeKey,
      durationMs: Math.round(performance.now() - started),
      ...(session ? { session } : {}),
      ...traceIds,
    });
    let decision: Authorization;
    try {
      const budgetMs = requestBudgetMs(context?.getRemainingTimeInMillis?.());
      decision = await withRequestDeadline(budgetMs, () => authorize({ sessionToken, csrfHeader: headers['x-csrf'] }));
    } catch (error) {
      const failure = invocationFailure(error);
      logger.error('request failed', { ...fields(), outcome: 'failed', errorCode: failure.code, cause: describeCause(failure.cause) });
      // Only the stable code: Lambda writes a thrown error's message to the log by itself.
      throw new Error(failure.code);
    }
    if (!decision.allowed) {
      logger.warn('request refused', { ...fields(), outcome: 'refused', errorCode: decision.reason });
      return { isAuthorized: false, context: {} };
    }
    logger.info('request', { ...fields(), outcome: 'ok' });
    return { isAuthorized: true, context: decision.context };
  };
}
