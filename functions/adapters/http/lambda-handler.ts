import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { ConfigError } from '../../config';
import { asServiceError, ServiceError, type ErrorCode } from '../../core/errors';
import { hashToken, isRandomToken, sessionLogId } from '../../core/secrets';
import { logger } from '../logger';
import { requestBudgetMs, withRequestDeadline } from '../request-deadline';
import { clearCookie, parseCookies, SESSION_COOKIE } from './cookies';
import { parseRequest, type HttpRequest } from './request';
import { errorResponse, type HttpResponse } from './response';

export type RouteFormat = 'json' | 'html';

/** Answers after which the browser's session cookie is worthless: it is cleared so the browser stops sending it. */
const SESSION_OVER = new Set<ErrorCode>(['not_signed_in', 'token_expired', 'session_expired', 'session_ended']);

/**
 * Wraps a route as a Lambda handler: parses the event, turns any failure into the one error
 * model, and writes one structured log line per request: request id, route, outcome, status,
 * duration, error code and a hashed session id; never a query, header, cookie, token or the text
 * of an underlying error.
 */
export function lambdaHandler(
  route: string,
  format: RouteFormat,
  handle: (request: HttpRequest) => Promise<HttpResponse>,
): (event: APIGatewayProxyEventV2, context?: Context) => Promise<APIGatewayProxyStructuredResultV2> {
  return async (event, context) => {
    const started = performance.now();
    const requestId = context?.awsRequestId ?? event.requestContext?.requestId;
    let response: HttpResponse;
    let failure: ServiceError | undefined;
    try {
      const budgetMs = requestBudgetMs(context?.getRemainingTimeInMillis?.());
      response = await withRequestDeadline(budgetMs, () => handle(parseRequest(event)));
    } catch (error) {
      if (error instanceof ConfigError) logger.error('invalid configuration', { problems: error.problems });
      failure = error instanceof ConfigError ? new ServiceError('client_misconfigured', { cause: error }) : asServiceError(error);
      const clear = SESSION_OVER.has(failure.code) ? [clearCookie(SESSION_COOKIE)] : [];
      response = errorResponse(failure, format, clear);
    }
    const session = sessionLogIds(event.cookies, response.cookies);
    const fields = {
      requestId,
      // API Gateway's id of the same request, to find it in the access logs.
      ...(context?.awsRequestId && event.requestContext?.requestId ? { apiRequestId: event.requestContext.requestId } : {}),
      route,
      outcome: !failure ? 'ok' : failure.status >= 500 ? 'failed' : 'refused',
      status: response.statusCode,
      durationMs: Math.round(performance.now() - started),
      ...session,
      ...(failure ? { errorCode: failure.code, cause: describeCause(failure.cause) } : {}),
    };
    if (!failure) logger.info('request', fields);
    else if (failure.status >= 500) logger.error('request failed', fields);
    else logger.warn('request refused', fields);
    // The service's own wording of what went wrong (never a library's, never input): debug level only.
    if (failure && failure.message !== failure.code) logger.debug('failure detail', { requestId, errorCode: failure.code, detail: failure.message });
    return response;
  };
}

/** Name and code of the underlying error only: messages of libraries may quote codes or tokens. */
function describeCause(cause: unknown): string | undefined {
  if (!cause || typeof cause !== 'object') return undefined;
  const { name, code } = cause as { name?: unknown; code?: unknown };
  return [name, code].filter((part) => typeof part === 'string').join(':') || undefined;
}

/**
 * The session a request belongs to, for following one user's requests through the logs: a short
 * hash of the store key, so the log reveals neither the cookie nor the key. `newSession` is the
 * session a response creates (the callback's).
 */
function sessionLogIds(requestCookies: readonly string[] | undefined, responseCookies: readonly string[] | undefined): { session?: string; newSession?: string } {
  const logId = (token: string | undefined) => (isRandomToken(token) ? sessionLogId(hashToken(token)) : undefined);
  const prefix = `${SESSION_COOKIE}=`;
  const created = responseCookies?.find((line) => line.startsWith(prefix))?.slice(prefix.length).split(';')[0];
  const session = logId(parseCookies(requestCookies).get(SESSION_COOKIE));
  const newSession = logId(created);
  return { ...(session ? { session } : {}), ...(newSession ? { newSession } : {}) };
}
