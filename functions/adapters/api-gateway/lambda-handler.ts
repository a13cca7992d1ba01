/**
 * The API Gateway edge of every route (HTTP API, payload 2.0): the event becomes a request run
 * under the request's deadline, any failure becomes the one error model's answer, and each request
 * writes one log line that also carries its metrics.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { ServiceError, ErrorCode } from '../../core/errors';
import { describeCause, sessionIdOfCookie } from '../logs/log-fields';
import { logger } from '../logs/logger';
import { metricsNamespace, requestMetricFields } from '../metrics/embedded-metrics';
import { measuring, newMeasurements } from '../metrics/request-measurements';
import { requestBudgetMs, withRequestDeadline } from '../request-deadline';
import { clearCookie, parseCookies, SESSION_COOKIE } from './cookies';
import { traceLogIds } from '../../core/trace-context';
import { invocationFailure, invocationIds, invocationTrace } from './invocation';
import { lowerCaseHeaders, parseRequest, type HttpRequest } from './request';
import { errorResponse, type HttpResponse } from './response';

export type RouteFormat = 'json' | 'html';

/** Cookies a route wants set on its error answer too (a login binding that a failed callback used up). */
export interface FailureCookies {
  readonly cookies: string[];
}

/** Answers after which the browser's session cookie is worthless: it is cleared so the browser stops sending it. */
const SESSION_OVER = new Set<ErrorCode>(['not_signed_in', 'token_expired', 'session_expired', 'session_ended']);

/**
 * Wraps a route as a Lambda handler: parses the event, turns any failure into the one error
 * model, and writes one structured log line per request: request id, route, outcome, status,
 * duration, error code, a hashed session id and the trace ids; never a query, header, cookie,
 * token, tracestate or the text of an underlying error. The same line carries the request's
 * metrics in CloudWatch's embedded metric format (requests, failures by code, logins, refreshes,
 * provider latencies).
 */
export function lambdaHandler(
  route: string,
  format: RouteFormat,
  handle: (request: HttpRequest, failure: FailureCookies) => Promise<HttpResponse>,
): (event: APIGatewayProxyEventV2, context?: Context) => Promise<APIGatewayProxyStructuredResultV2> {
  return async (event, context) => {
    const started = performance.now();
    const trace = invocationTrace(lowerCaseHeaders(event.headers));
    const ids = invocationIds(context, event.requestContext?.requestId);
    let response: HttpResponse;
    let failure: ServiceError | undefined;
    const measurements = newMeasurements();
    const onFailure: FailureCookies = { cookies: [] };
    try {
      const budgetMs = requestBudgetMs(context?.getRemainingTimeInMillis?.());
      response = await measuring(measurements, () => withRequestDeadline(budgetMs, () => handle(parseRequest(event, trace), onFailure)));
    } catch (error) {
      failure = invocationFailure(error);
      // Only a cookie the request carried is cleared: telling the browser to delete one it did not
      // send could only ever remove a cookie of the same name that we cannot see.
      const sessionOver = SESSION_OVER.has(failure.code) && parseCookies(event.cookies).carries(SESSION_COOKIE);
      response = errorResponse(failure, format, [...(sessionOver ? [clearCookie(SESSION_COOKIE)] : []), ...onFailure.cookies]);
    }
    const session = sessionLogIds(event.cookies, response.cookies);
    const fields = {
      ...ids,
      route,
      outcome: !failure ? 'ok' : failure.status >= 500 ? 'failed' : 'refused',
      status: response.statusCode,
      durationMs: Math.round(performance.now() - started),
      ...session,
      ...traceLogIds(trace),
      ...(failure ? { errorCode: failure.code, cause: describeCause(failure.cause) } : {}),
    };
    const metrics = requestMetricFields({ route, errorCode: failure?.code, login: route === 'callback' && !failure, measurements }, metricsNamespace(), Date.now());
    if (!failure) logger.info('request', fields, metrics);
    else if (failure.status >= 500) logger.error('request failed', fields, metrics);
    else logger.warn('request refused', fields, metrics);
    // The service's own wording of what went wrong (never a library's, never input): debug level only.
    if (failure && failure.message !== failure.code) logger.debug('failure detail', { requestId: ids.requestId, errorCode: failure.code, detail: failure.message });
    return response;
  };
}

/** The session a request belongs to; `newSession` is the session a response creates (the callback's). */
function sessionLogIds(requestCookies: readonly string[] | undefined, responseCookies: readonly string[] | undefined): { session?: string; newSession?: string } {
  const prefix = `${SESSION_COOKIE}=`;
  const created = responseCookies?.find((line) => line.startsWith(prefix))?.slice(prefix.length).split(';')[0];
  const session = sessionIdOfCookie(parseCookies(requestCookies).get(SESSION_COOKIE));
  const newSession = sessionIdOfCookie(created);
  return { ...(session ? { session } : {}), ...(newSession ? { newSession } : {}) };
}
