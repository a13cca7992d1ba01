import { ServiceError } from './errors';

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
 * The upstream URL for `/api/<proxyPath>?<rawQuery>`. Each segment is checked in decoded form:
 * dot segments, encoded slashes, backslashes and control characters are refused, so the result is
 * always below the configured base URL on the configured host. What passes is forwarded as the
 * client spelled it (`items:batchGet`, `a@b`), escaping only characters a path cannot carry raw.
 */
export function upstreamUrl(base: URL, proxyPath: string, rawQuery: string): URL {
  if (proxyPath.length > MAX_PATH_LENGTH) throw new ServiceError('invalid_api_path');
  const segments = proxyPath.split('/').map((segment) => {
    let decoded: string;
    let forwarded: string;
    try {
      decoded = decodeURIComponent(segment); // throws on a broken escape
      forwarded = segment.replace(NOT_PCHAR, (character) => encodeURIComponent(character)); // throws on a lone surrogate
    } catch {
      throw new ServiceError('invalid_api_path');
    }
    if (decoded === '.' || decoded === '..' || /[/\\\u0000-\u001f\u007f]/.test(decoded)) throw new ServiceError('invalid_api_path');
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
