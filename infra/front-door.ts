/**
 * The front door: when a CloudFront distribution fronts the HTTP API (firewall or web app), every
 * route of the service gets a Lambda authorizer that admits only requests carrying the origin
 * header the distribution adds, so the execute-api endpoint cannot be used to go around the
 * distribution and its web ACL. docs/decisions/0006-front-door-origin-header.md says why this way.
 */
import { Duration } from 'aws-cdk-lib';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { ORIGIN_HEADER } from '../functions/adapters/api-gateway/front-door-handler';
import type { RouteAccess } from './routes';

/** The front-door function reads the origin secret, nothing else. */
export const FRONT_DOOR_ACCESS: RouteAccess = { table: [], secrets: ['originSecret'] };

/**
 * API Gateway keeps the answer this long for each value of the header: the function runs about
 * once per five minutes for the one value CloudFront sends, and once per guess for anything else.
 */
export const FRONT_DOOR_CACHE_TTL = Duration.minutes(5);

/** `{"current":"<64 generated characters>"}`: a rotation adds `previous` (docs/web-app.md). */
export const originSecretTemplate = () => ({ generate: 'current' }) as const;

/**
 * A REQUEST authorizer keyed on the origin header alone. Without the header API Gateway answers
 * 401 itself and never invokes the function, so a request around the distribution costs nothing.
 */
export function frontDoorAuthorizer(fn: IFunction): HttpLambdaAuthorizer {
  return new HttpLambdaAuthorizer('FrontDoor', fn, {
    identitySource: [`$request.header.${ORIGIN_HEADER}`],
    responseTypes: [HttpLambdaResponseType.SIMPLE],
    resultsCacheTtl: FRONT_DOOR_CACHE_TTL,
  });
}
