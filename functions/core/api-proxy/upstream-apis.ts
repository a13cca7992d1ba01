/**
 * The protected APIs /api reaches (the one `UPSTREAM_API_URL` or several named APIs) and which API,
 * and which URL below it, a request goes to: decided before any store read.
 */
import { ServiceError } from '../errors';
import { upstreamUrl } from './proxy-policy';

/** The methods an API call may use; fetch itself refuses TRACE, TRACK and CONNECT. */
export const UPSTREAM_METHODS: readonly string[] = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** One protected API reached as `/api/<name>/…` (the `UPSTREAM_APIS` setting). */
export interface UpstreamApi {
  readonly name: string;
  readonly url: URL;
  /** Upper-case; every one of UPSTREAM_METHODS unless the configuration narrows it. */
  readonly methods: readonly string[];
  /** Extra scopes: requested at sign-in, and in the grant of an audience-bound token. */
  readonly scopes: readonly string[];
  /** RFC 8707 resource indicator: this API is called with an access token issued for it alone. */
  readonly audience?: string;
  /** Only members of one of these groups (the session's `groupsClaim`) may call it. */
  readonly allowedGroups?: readonly string[];
}

/** Either the one `UPSTREAM_API_URL`, or several named APIs (then `upstreamApis` is not empty). */
export interface UpstreamRoutes {
  readonly upstreamBaseUrl?: URL;
  readonly upstreamApis?: readonly UpstreamApi[];
}

export interface UpstreamTarget {
  readonly url: URL;
  /** The named API, when the service has several; undefined for the single `UPSTREAM_API_URL`. */
  readonly api?: UpstreamApi;
}

/**
 * Where `/api/<proxyPath>` goes. With named APIs the first segment picks the API, exactly as
 * spelled (no decoding, no case folding), and the rest is confined below that API's URL by the
 * same rules as the single URL. Decided before any store read: an unknown name or a refused
 * method costs nothing.
 */
export function upstreamTarget(routes: UpstreamRoutes, method: string, proxyPath: string, rawQuery: string): UpstreamTarget {
  const apis = routes.upstreamApis ?? [];
  if (apis.length === 0) {
    // Configuration guarantees one of the two.
    return { url: upstreamUrl(routes.upstreamBaseUrl!, proxyPath, rawQuery) };
  }
  const slash = proxyPath.indexOf('/');
  const name = slash === -1 ? proxyPath : proxyPath.slice(0, slash);
  const api = apis.find((candidate) => candidate.name === name);
  if (!api) throw new ServiceError('unknown_api');
  if (!api.methods.includes(method)) throw new ServiceError('method_not_allowed');
  return { url: upstreamUrl(api.url, slash === -1 ? '' : proxyPath.slice(slash + 1), rawQuery), api };
}
