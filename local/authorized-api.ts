/**
 * Another API on the login service's host, behind the session authorizer, the way the construct
 * protects one on AWS (`infra/examples/authorized-api-stack.ts`): API Gateway checks the identity
 * sources (the `Cookie` and `X-CSRF` headers) and answers 401 without invoking the authorizer
 * when one is missing; invokes the authorizer (payload 2.0, simple responses) and answers 403 on
 * `isAuthorized: false` and 500 when it fails; otherwise hands the request to the API's function
 * with the authorizer's context in `requestContext.authorizer.lambda`. Authorizer answers are not
 * cached locally (on AWS they are, for `authorizerCacheTtl`).
 */
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyResultV2,
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerWithContextResult,
} from 'aws-lambda';

export type AuthorizerHandler = (event: APIGatewayRequestAuthorizerEventV2) => Promise<APIGatewaySimpleAuthorizerWithContextResult<Record<string, unknown>>>;
export type AuthorizedHandler = (event: APIGatewayProxyEventV2 & { requestContext: { authorizer?: { lambda: Record<string, unknown> } } }) => Promise<APIGatewayProxyResultV2<object>>;

export interface AuthorizedApi {
  /** The path the API is mapped at, e.g. `/orders`: it serves that path and everything below it. */
  readonly prefix: string;
  readonly handler: AuthorizedHandler;
}

export const authorizedRouteKey = (api: AuthorizedApi): string => `ANY ${api.prefix}/{proxy+}`;

export function servesPath(api: AuthorizedApi, rawPath: string): boolean {
  return rawPath === api.prefix || rawPath.startsWith(`${api.prefix}/`);
}

/** The API's answer to `event`, after the authorizer, as API Gateway gives it. */
export async function callAuthorizedApi(api: AuthorizedApi, event: APIGatewayProxyEventV2, authorize: AuthorizerHandler): Promise<APIGatewayProxyResultV2<object>> {
  const cookieHeader = event.cookies?.join('; ');
  const csrf = event.headers['x-csrf'];
  if (!cookieHeader || !csrf) return gatewayAnswer(401, 'Unauthorized');
  const authorizerEvent = {
    ...event,
    type: 'REQUEST',
    routeArn: `arn:aws:execute-api:local:000000000000:local/$default/${event.requestContext.http.method}${event.rawPath}`,
    identitySource: [cookieHeader, csrf],
  } as unknown as APIGatewayRequestAuthorizerEventV2;
  let decision: Awaited<ReturnType<AuthorizerHandler>>;
  try {
    decision = await authorize(authorizerEvent);
  } catch {
    return gatewayAnswer(500, 'Internal Server Error');
  }
  if (!decision.isAuthorized) return gatewayAnswer(403, 'Forbidden');
  return api.handler({ ...event, requestContext: { ...event.requestContext, authorizer: { lambda: decision.context ?? {} } } });
}

function gatewayAnswer(statusCode: number, message: string): APIGatewayProxyResultV2<object> {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ message }) };
}
