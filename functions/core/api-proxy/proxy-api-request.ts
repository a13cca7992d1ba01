/**
 * The /api use case: a call to the protected API on the user's behalf, with the session's access
 * token or one issued for the named API's audience. The CSRF header and the target are checked
 * before any store read.
 */
import { keepAlive, requireSession } from '../sessions/current-session';
import { ServiceError } from '../errors';
import type { Upstream, UpstreamResponse } from '../ports';
import { browserResponseHeaders, upstreamRequestHeaders } from './proxy-policy';
import { tracestateOf, type TraceHeaders } from '../trace-context';
import { apiAccessToken, usableTokens, type AudienceApi, type TokenDependencies } from '../sessions/session-tokens';
import { upstreamTarget, type UpstreamRoutes } from './upstream-apis';
import { claimAt, groupsOf } from '../sign-in/access-rules';

export interface ApiRequest {
  readonly method: string;
  /** The part of the path after `/api/`, still percent-encoded as received. */
  readonly proxyPath: string;
  readonly rawQuery: string;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body?: Uint8Array;
  readonly sessionToken?: string;
  /** The request's checked trace headers (functions/core/trace-context.ts), passed on to the API. */
  readonly trace?: TraceHeaders;
}

export interface ProxyDependencies extends TokenDependencies, UpstreamRoutes {
  readonly upstream: Upstream;
  readonly idleTimeoutSeconds: number;
}

/**
 * Calls the protected API on the user's behalf. The CSRF header is checked before anything else,
 * so a cross-site request costs no store read and reaches no upstream.
 */
export async function proxyApiRequest(request: ApiRequest, deps: ProxyDependencies): Promise<UpstreamResponse> {
  // A cross-site form or image cannot set a custom header; a cross-site fetch with one needs CORS approval.
  if (request.headers['x-csrf'] !== '1') throw new ServiceError('csrf_header_missing');
  const { url, api } = upstreamTarget(deps, request.method, request.proxyPath, request.rawQuery);
  const found = await requireSession(request.sessionToken, deps);
  // An API for some groups only: refused before any token is used or the API is called.
  if (api?.allowedGroups) {
    const groups = groupsOf(claimAt(found.session.claims, deps.accessRules?.groupsClaim ?? 'groups'));
    if (!groups.some((group) => api.allowedGroups!.includes(group))) throw new ServiceError('api_forbidden');
  }
  // An API without an audience takes the session's own access token: no grant, no extra write.
  const accessToken = api?.audience
    ? await apiAccessToken(found, api as AudienceApi, deps)
    : (await usableTokens(found, deps)).accessToken;
  // The idle expiry moves while the upstream works: the write adds no latency.
  const [response] = await Promise.all([
    deps.upstream.send({
      method: request.method,
      url,
      headers: { ...upstreamRequestHeaders(request.headers), ...upstreamTraceHeaders(request) },
      body: request.body,
      accessToken,
    }),
    keepAlive(found, deps),
  ]);
  return { ...response, headers: browserResponseHeaders(response.headers) };
}

/** The trace headers the API gets: the checked ones, and a valid tracestate only beside a valid traceparent. */
function upstreamTraceHeaders({ trace, headers }: ApiRequest): Record<string, string> {
  const tracestate = trace?.traceparent && tracestateOf(headers.tracestate);
  return { ...trace, ...(tracestate ? { tracestate } : {}) };
}
