/**
 * The session authorizer for other HTTP APIs: what its function may do, its identity sources (the
 * Cookie and X-CSRF headers, which are also the cache key) and its cache time. Its function's
 * environment is built like the others' (infra/function-environment.ts).
 */
import { Duration } from 'aws-cdk-lib';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { DEFAULT_AUTHORIZER_CACHE_SECONDS } from './login-service-props';
import type { RouteAccess } from './routes';

/**
 * What the authorizer function may do: read the session, move its idle expiry, and end it once
 * expired (functions/core/sessions/current-session.ts ends an expired session it finds with an update that
 * leaves a tombstone). No secret: it never opens the tokens.
 */
export const AUTHORIZER_ACCESS: RouteAccess = { table: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], secrets: [] };

/**
 * Both must be present and non-empty, or API Gateway answers 401 without invoking the function:
 * a request without the cookie or without the CSRF header costs nothing. Together they are also
 * the cache key, so a cached answer is only ever reused for the same cookie header.
 */
export const AUTHORIZER_IDENTITY_SOURCES = ['$request.header.Cookie', '$request.header.X-CSRF'];

/**
 * The timeout of a function that answers as an HTTP API Lambda authorizer (this one, and the front
 * door's): API Gateway waits at most 10 s for an authorizer's answer ("Timeout for Lambda authorizer
 * response", https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html),
 * not the routes' 29 s, and a cold start's initialisation counts against those 10 s too. 8 s leaves
 * it 2 s; the request's deadline (functions/adapters/request-deadline.ts), taken from the time left,
 * ends the calls 1.5 s before the timeout, so a slow store is the function's own logged failure.
 */
export const LAMBDA_AUTHORIZER_TIMEOUT = Duration.seconds(8);

/** Short: a logout reaches the other APIs at most this late. */
export const DEFAULT_AUTHORIZER_CACHE_TTL = Duration.seconds(DEFAULT_AUTHORIZER_CACHE_SECONDS);

/**
 * A REQUEST authorizer of payload format 2.0 with simple responses (`{ isAuthorized, context }`)
 * around the one authorizer function. An HttpLambdaAuthorizer binds to the first HTTP API whose
 * route uses it (CDK refuses a second API: "Cannot attach the same authorizer to multiple Apis"),
 * so each further API needs its own, all invoking the same function.
 */
export function sessionAuthorizer(id: string, fn: IFunction, cacheTtl: Duration = DEFAULT_AUTHORIZER_CACHE_TTL): HttpLambdaAuthorizer {
  return new HttpLambdaAuthorizer(id, fn, {
    identitySource: AUTHORIZER_IDENTITY_SOURCES,
    responseTypes: [HttpLambdaResponseType.SIMPLE],
    resultsCacheTtl: cacheTtl,
  });
}
