/**
 * What may cross the /api proxy: allow-listed headers each way, printable ASCII only, and the
 * upstream URL, each of whose path segments is checked in decoded form so that no common back end
 * reads it as leaving the configured base path.
 */
import { ServiceError } from '../errors';

/**
 * What may cross the proxy. Allow-lists, not deny-lists: a header or path shape we did not think
 * of stays out. The browser's cookies and Authorization never reach the upstream API, and the
 * upstream's cookies never reach the browser.
 */
const REQUEST_HEADERS = new Set([
  'accept', 'accept-language', 'content-type', 'content-language', 'if-match', 'if-none-match',
  'if-modified-since', 'if-unmodified-since', 'if-range', 'range', 'x-request-id',
]);

const RESPONSE_HEADERS = new Set([
  'content-type', 'content-language', 'content-disposition', 'content-range', 'accept-ranges',
  'etag', 'last-modified', 'expires', 'vary', 'retry-after', 'x-request-id',
]);

const MAX_PATH_LENGTH = 4096;

function pick(headers: Readonly<Record<string, string | undefined>>, allowed: Set<string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    // Only printable ASCII values cross: no CR, LF or NUL to split headers, nothing fetch would refuse.
    if (value !== undefined && allowed.has(lower) && /^[\t\x20-\x7e]*$/.test(value)) out[lower] = value;
  }
  return out;
}

export function upstreamRequestHeaders(headers: Readonly<Record<string, string | undefined>>): Record<string, string> {
  return pick(headers, REQUEST_HEADERS);
}

export function browserResponseHeaders(headers: Readonly<Record<string, string | undefined>>): Record<string, string> {
  return pick(headers, RESPONSE_HEADERS);
}

/** Characters a path segment may carry as they are (RFC 3986 pchar, plus `%` of valid escapes). */
const NOT_PCHAR = /[^A-Za-z0-9\-._~!$&'()*+,;=:@%]/gu;

/**
 * A decoded segment (after NFKC) that some common back end reads as a separator, as `.`/`..`,
 * or as something it decodes or strips further. Each part, and why:
 * - `/` `\`: a separator to nginx, Jetty, Go and the WHATWG parser once decoded or folded.
 * - `;`: RFC 3986 3.3 path parameters; Tomcat, Jetty and Spring cut `;…` from a segment before
 *   resolving dots, so `..;` and `..%3B` are `..` to them.
 * - `%`: left over from double encoding (`%252e`); a back end or proxy that decodes once more
 *   (CERT CA-2001-12, IIS superfluous decoding) would see `%2e`. No API needs a literal `%`.
 * - C0, DEL and C1 controls: header splitting and terminal tricks; no path needs them.
 * - only dots, spaces and invisible characters (`...`, `..%20`, `%20..`, `%E2%80%8B..`):
 *   Spring's old trimTokens, Windows' trailing dot and space trimming and NFKC_Casefold's
 *   removal of default-ignorable characters turn them into `.`, `..` or an empty segment.
 * NFKC first, because a back end that folds Unicode reads U+FF0E, U+2024 and U+FE52 as `.`,
 * U+2025 as `..`, U+FF0F as `/`, U+FF3C and U+FE68 as `\`, U+FF1B and U+FE54 as `;`.
 */
const REFUSED_CHARACTER = /[/\\;%\u0000-\u001f\u007f-\u009f]/u;
const DOTS_ONLY = /^[\s.\p{Default_Ignorable_Code_Point}]*$/u;

/**
 * The upstream URL for `/api/<proxyPath>?<rawQuery>`. Each segment is checked in decoded form
 * and refused when any common back end could read it as leaving the base path (see above); so
 * the result is always below the configured base URL on the configured host. A broken escape,
 * IIS's `%u002e` and overlong UTF-8 (`%c0%ae`) fail to decode and are refused too. An empty
 * segment is refused except a single trailing slash: nginx, Tomcat, Spring and Go merge `//`,
 * and a rule the API guards for `/v1/admin` need not match `/v1//admin`. What passes is
 * forwarded as the client spelled it (`items:batchGet`, `a@b`, `%40`, `%3F`), escaping only
 * characters a path cannot carry raw.
 */
export function upstreamUrl(base: URL, proxyPath: string, rawQuery: string): URL {
  if (proxyPath.length > MAX_PATH_LENGTH) throw new ServiceError('invalid_api_path');
  const parts = proxyPath.split('/');
  const segments = parts.map((segment, index) => {
    if (segment === '' && index === parts.length - 1) return segment;
    let folded: string;
    let forwarded: string;
    try {
      folded = decodeURIComponent(segment).normalize('NFKC'); // throws on a broken escape or bad UTF-8
      forwarded = segment.replace(NOT_PCHAR, (character) => encodeURIComponent(character)); // throws on a lone surrogate
    } catch {
      throw new ServiceError('invalid_api_path');
    }
    if (REFUSED_CHARACTER.test(folded) || DOTS_ONLY.test(folded)) throw new ServiceError('invalid_api_path');
    return forwarded;
  });
  const basePath = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
  const url = new URL(base.origin);
  url.pathname = basePath + segments.join('/');
  if (rawQuery) {
    if (/[#\u0000-\u0020\u007f]/.test(rawQuery)) throw new ServiceError('invalid_request');
    url.search = rawQuery;
  }
  if (url.origin !== base.origin || !url.pathname.startsWith(basePath)) throw new ServiceError('invalid_api_path');
  return url;
}
