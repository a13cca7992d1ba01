/**
 * The front door's API Gateway edge: a Lambda authorizer (REQUEST type, payload 2.0, simple
 * responses) on every route of the service's HTTP API when a CloudFront distribution fronts it.
 * It admits only requests that carry the origin header CloudFront adds, so nobody reaches the
 * functions around the distribution (and its web ACL) through the execute-api endpoint.
 */
import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerResult, Context } from 'aws-lambda';
import { cameThroughFrontDoor, type OriginSecret } from '../../core/front-door/origin-check';
import { ServiceError } from '../../core/errors';
import { describeCause } from '../logs/log-fields';
import { logger } from '../logs/logger';
import { invocationFailure, invocationIds } from './invocation';
import { lowerCaseHeaders } from './request';
import { requestBudgetMs, withRequestDeadline } from '../request-deadline';

/** The header CloudFront adds to every request it forwards to the API (infra/public-edge.ts). */
export const ORIGIN_HEADER = 'x-origin-verify';

/** The secret's JSON, `{"current":"…","previous":"…"}`; a value shorter than 32 characters is refused as guessable. */
export function parseOriginSecret(text: string | undefined): OriginSecret {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text ?? '');
  } catch {
    parsed = undefined;
  }
  const { current, previous } = (parsed ?? {}) as Record<string, unknown>;
  const usable = (value: unknown): value is string => typeof value === 'string' && value.length >= 32;
  if (!usable(current) || (previous !== undefined && !usable(previous))) {
    throw new ServiceError('client_misconfigured', { detail: 'the origin secret must be JSON with "current" (and optionally "previous") of 32 or more characters' });
  }
  return previous === undefined ? { current } : { current, previous };
}

/**
 * API Gateway answers 401 itself, without invoking this function, when the header is missing,
 * and 403 when this answers `isAuthorized: false`. An unreadable secret is thrown (API Gateway
 * answers 500) rather than read as a refusal, which it would cache. One log line per invocation,
 * never the header's value.
 */
export function frontDoorHandler(
  secret: () => Promise<OriginSecret>,
): (event: APIGatewayRequestAuthorizerEventV2, context?: Context) => Promise<APIGatewaySimpleAuthorizerResult> {
  return async (event, context) => {
    const fields = { ...invocationIds(context, event.requestContext?.requestId), route: 'front-door', protectedRoute: event.routeKey };
    let admitted: boolean;
    try {
      // Within API Gateway's wait for an authorizer: a slow secret read ends in a logged failure, not a killed invocation.
      const budgetMs = requestBudgetMs(context?.getRemainingTimeInMillis?.());
      const value = await withRequestDeadline(budgetMs, secret);
      admitted = cameThroughFrontDoor(lowerCaseHeaders(event.headers)[ORIGIN_HEADER], value);
    } catch (error) {
      const failure = invocationFailure(error);
      logger.error('request failed', { ...fields, outcome: 'failed', errorCode: failure.code, cause: describeCause(failure.cause) });
      throw new Error(failure.code);
    }
    if (!admitted) logger.warn('request refused', { ...fields, outcome: 'refused', errorCode: 'not_through_front_door' });
    else logger.debug('request', { ...fields, outcome: 'ok' });
    return { isAuthorized: admitted };
  };
}
