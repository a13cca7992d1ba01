/**
 * The /api function's entry: ANY /api/{proxy+} calls the protected API with the user's access
 * token and passes its answer through; and, once, the parts the function is wired from.
 */
import { SESSION_COOKIE } from './adapters/api-gateway/cookies';
import { lambdaHandler } from './adapters/api-gateway/lambda-handler';
import { passThrough } from './adapters/api-gateway/response';
import { ServiceError } from './core/errors';
import { proxyApiRequest, type ProxyDependencies } from './core/api-proxy/proxy-api-request';
import * as runtime from './wiring/parts';

const PREFIX = '/api/';

/** The part after `/api/`; a path that reached this route in another spelling is refused, not guessed at. */
function proxyPath(rawPath: string): string {
  if (!rawPath.startsWith(PREFIX)) throw new ServiceError('invalid_api_path');
  return rawPath.slice(PREFIX.length);
}

/** ANY /api/{proxy+}: the protected API, called with the user's access token. */
export function apiRoute(deps: () => ProxyDependencies) {
  return lambdaHandler('api', 'json', async (request) => {
    const upstream = await proxyApiRequest(
      {
        method: request.method,
        proxyPath: proxyPath(request.rawPath),
        rawQuery: request.rawQuery,
        headers: request.headers,
        body: request.body,
        sessionToken: request.cookies.get(SESSION_COOKIE),
        trace: request.trace,
      },
      deps(),
    );
    return passThrough(upstream.status, upstream.headers, upstream.body);
  });
}

export const handler = apiRoute(() => ({
  ...runtime.tokenDependencies(),
  upstream: runtime.upstream(),
  upstreamBaseUrl: runtime.config().upstreamApiUrl,
  upstreamApis: runtime.config().upstreamApis,
  idleTimeoutSeconds: runtime.config().sessionIdleTimeoutSeconds,
}));
