/**
 * Small models of how common back ends turn a request path into the path they route or serve.
 * Each takes the path the service sends upstream (the pathname of the URL `upstreamUrl` returns)
 * and gives the path the back end acts on, or null where that back end answers 400 by itself.
 * They exist so the fuzz test can ask "does any of them read this as leaving the base path?".
 * Each follows the cited source or documentation in the steps that matter for `.`, `..`, `/`,
 * `\` and `;`; nothing else (case, routing tables, file systems) is modelled.
 */

/** The path a back end acts on, or null when it refuses the request itself. */
export type BackendModel = (path: string) => string | null;

/** A string of bytes, one character (U+0000 to U+00FF) per byte. */
type Bytes = string;

const utf8Bytes = (text: string): Bytes => Buffer.from(text, 'utf8').toString('latin1');
/** Bytes read as UTF-8, malformed sequences replaced (what most servers do when they render a path). */
const utf8Text = (bytes: Bytes): string => Buffer.from(bytes, 'latin1').toString('utf8');

/**
 * `%XX` to bytes. A raw non-ASCII character becomes its UTF-8 bytes. A broken escape makes the
 * whole path null when `refuse`, and stays as it is otherwise; `%uXXXX` is decoded when `percentU`.
 */
function percentDecode(path: string, options: { refuse: boolean; percentU?: boolean }): Bytes | null {
  let out = '';
  for (let i = 0; i < path.length; i += 1) {
    const character = path[i]!;
    if (character === '%') {
      const hex = path.slice(i + 1, i + 3);
      const wide = path.slice(i + 2, i + 6);
      if (/^[0-9a-f]{2}$/i.test(hex)) {
        out += String.fromCharCode(parseInt(hex, 16));
        i += 2;
        continue;
      }
      if (options.percentU && path[i + 1]?.toLowerCase() === 'u' && /^[0-9a-f]{4}$/i.test(wide)) {
        out += utf8Bytes(String.fromCharCode(parseInt(wide, 16)));
        i += 5;
        continue;
      }
      if (options.refuse) return null;
    }
    out += character.charCodeAt(0) < 0x80 ? character : utf8Bytes(character);
  }
  return out;
}

/**
 * RFC 3986 5.2.4 remove_dot_segments over the segments after the root `/`. A `..` with nothing
 * left to remove throws a RangeError (`refuse`, see resolveOrNull) or stays at the root (`clamp`).
 */
function resolveDots(
  segments: readonly string[],
  isDot: (segment: string) => boolean,
  isDotDot: (segment: string) => boolean,
  aboveRoot: 'refuse' | 'clamp',
): string {
  const out: string[] = [];
  segments.forEach((segment, index) => {
    const last = index === segments.length - 1;
    if (isDotDot(segment)) {
      if (out.length === 0 && aboveRoot === 'refuse') throw new RangeError('above root');
      out.pop();
      if (last) out.push('');
    } else if (isDot(segment)) {
      if (last) out.push('');
    } else {
      out.push(segment);
    }
  });
  return `/${out.join('/')}`;
}

function resolveOrNull(...args: Parameters<typeof resolveDots>): string | null {
  try {
    return resolveDots(...args);
  } catch (error) {
    if (error instanceof RangeError) return null;
    throw error;
  }
}

const isDot = (segment: string) => segment === '.';
const isDotDot = (segment: string) => segment === '..';
const afterRoot = (path: string) => (path.startsWith('/') ? path.slice(1) : path).split('/');
/** Path parameters: from each `;` to the end of its segment (the raw, undecoded path). */
const withoutPathParameters = (path: string) => path.replace(/;[^/]*/g, '');

/**
 * Apache Tomcat, CoyoteAdapter.postParseRequest (java/org/apache/catalina/connector/CoyoteAdapter.java):
 * parsePathParameters strips `;…` up to the next `/` from the undecoded URI, then the UDecoder
 * decodes `%XX` (a broken escape is 400; `%2F` is 400 by default, EncodedSolidusHandling.REJECT),
 * then normalize() refuses `\` (allowBackslash false) and NUL, merges `//` and resolves `/./` and
 * `/../`, refusing to go above the root. So `..;/` is `../` to Tomcat (the "..;" traversal).
 */
export const tomcat: BackendModel = (path) => {
  const stripped = withoutPathParameters(path);
  if (/%2f/i.test(stripped)) return null;
  const bytes = percentDecode(stripped, { refuse: true });
  if (bytes === null || !bytes.startsWith('/') || /[\\\u0000]/.test(bytes)) return null;
  const resolved = resolveOrNull(afterRoot(bytes.replace(/\/{2,}/g, '/')), isDot, isDotDot, 'refuse');
  return resolved === null ? null : utf8Text(resolved);
};

/**
 * Eclipse Jetty in UriCompliance.LEGACY, the Jetty 9.4 behaviour (HttpURI javadoc, eclipse.dev/jetty/
 * javadoc/jetty-12/org/eclipse/jetty/http/HttpURI.html and UriCompliance.LEGACY): the decoded path
 * has "path parameters removed, percent encoded characters expanded and relative segments
 * resolved", in that order; LEGACY allows AMBIGUOUS_PATH_SEPARATOR (`%2F` becomes `/`),
 * AMBIGUOUS_EMPTY_SEGMENT and UTF16_ENCODINGS (`%u002e`). canonicalPath gives null above the root.
 */
export const jetty: BackendModel = (path) => {
  const bytes = percentDecode(withoutPathParameters(path), { refuse: true, percentU: true });
  if (bytes === null) return null;
  const resolved = resolveOrNull(afterRoot(bytes), isDot, isDotDot, 'refuse');
  return resolved === null ? null : utf8Text(resolved);
};

/**
 * Spring MVC (spring-web UrlPathHelper: removeSemicolonContent cuts `;…` up to the next `/`,
 * decodeRequestString decodes, getSanitizedPath merges `//`) with AntPathMatcher's trimTokens,
 * on by default before Spring Framework 4.3 (spring.io/security/cve-2016-5007): each token is
 * trimmed of whitespace (Java String.trim, characters up to U+0020) and empty tokens dropped.
 * The pessimistic reading: a handler that maps the matched tokens to a resource or a forward
 * resolves their dots (StringUtils.cleanPath), so ` ..` and `.. ` act as `..`.
 */
export const spring: BackendModel = (path) => {
  const bytes = percentDecode(withoutPathParameters(path), { refuse: true });
  if (bytes === null) return null;
  const tokens = utf8Text(bytes)
    .split('/')
    .map((token) => token.replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, ''))
    .filter((token) => token !== '');
  return resolveDots(tokens, isDot, isDotDot, 'clamp');
};

/**
 * nginx, ngx_http_parse_complex_uri (src/http/ngx_http_parse.c): each `%XX` is decoded and read
 * again in the state it interrupted, so `%2e` is a dot and `%2F` a separator; a decoded `%` (from
 * `%25`) is taken literally and not decoded again; a broken escape or a decoded NUL is 400.
 * merge_slashes is on by default (nginx.org/en/docs/http/ngx_http_core_module.html#merge_slashes);
 * `/./` and `/../` are resolved and going above the root is 400. `;` means nothing to nginx;
 * `\` is a separator only in the Windows build (not modelled).
 */
export const nginx: BackendModel = (path) => {
  const bytes = percentDecode(path, { refuse: true });
  if (bytes === null || bytes.includes('\u0000')) return null;
  const resolved = resolveOrNull(afterRoot(bytes.replace(/\/{2,}/g, '/')), isDot, isDotDot, 'refuse');
  return resolved === null ? null : utf8Text(resolved);
};

/**
 * Go net/http ServeMux: url.ParseRequestURI decodes the path into URL.Path (`%2F` included; a
 * broken escape is 400), and ServeMux routes cleanPath(URL.Path) (src/net/http/server.go): path.Clean
 * merges slashes, drops `.`, resolves `..` and keeps a `..` at the root at the root, then the
 * trailing slash is put back.
 */
export const goServeMux: BackendModel = (path) => {
  const bytes = percentDecode(path, { refuse: true });
  if (bytes === null) return null;
  const decoded = utf8Text(bytes);
  const resolved = resolveDots(afterRoot(decoded.replace(/\/{2,}/g, '/')), isDot, isDotDot, 'clamp');
  const cleaned = resolved.length > 1 ? resolved.replace(/\/$/, '') : resolved;
  return decoded.endsWith('/') && cleaned !== '/' ? `${cleaned}/` : cleaned;
};

/**
 * Node's URL (the WHATWG URL Standard, url.spec.whatwg.org/#path-state, as Node implements it:
 * nodejs/node#10598): for special schemes `\` ends a segment like `/`; a single-dot segment is
 * `.` or `%2e`, a double-dot segment `..`, `.%2e`, `%2e.` or `%2e%2e`, ASCII case-insensitive;
 * nothing else is decoded; `..` at the root stays at the root. Written out here rather than
 * calling `new URL`, so the model does not share code with the service it checks.
 */
export const whatwgUrl: BackendModel = (path) =>
  resolveDots(
    (path.startsWith('/') || path.startsWith('\\') ? path.slice(1) : path).split(/[/\\]/),
    (segment) => /^(?:\.|%2e)$/i.test(segment),
    (segment) => /^(?:\.|%2e){2}$/i.test(segment),
    'clamp',
  );

/** UTF-8 that also accepts overlong two- and three-byte forms, as pre-2000 decoders did. */
function lenientUtf8(bytes: Bytes): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 1) {
    const b = bytes.charCodeAt(i);
    const c1 = bytes.charCodeAt(i + 1);
    const c2 = bytes.charCodeAt(i + 2);
    const cont = (c: number) => c >= 0x80 && c <= 0xbf;
    if (b >= 0xc0 && b <= 0xdf && cont(c1)) {
      out += String.fromCharCode(((b & 0x1f) << 6) | (c1 & 0x3f));
      i += 1;
    } else if (b >= 0xe0 && b <= 0xef && cont(c1) && cont(c2)) {
      out += String.fromCharCode(((b & 0x0f) << 12) | ((c1 & 0x3f) << 6) | (c2 & 0x3f));
      i += 2;
    } else {
      out += bytes[i];
    }
  }
  return out;
}

/**
 * A legacy IIS / http.sys stack: `%uXXXX` accepted (http.sys PercentUAllowed, Microsoft's "Http.sys
 * registry settings for Windows"), overlong UTF-8 such as `%c0%ae` read as `.` (CVE-2000-0884,
 * MS00-078), the path decoded a second time after the checks (CERT CA-2001-12, MS01-026), and `\`
 * a separator like `/`. Dot segments resolved, refused above the root.
 */
export const legacyIis: BackendModel = (path) => {
  const once = lenientUtf8(percentDecode(path, { refuse: false, percentU: true })!);
  const twice = lenientUtf8(percentDecode(once, { refuse: false, percentU: true })!);
  return resolveOrNull(afterRoot(twice.replace(/\\/g, '/')), isDot, isDotDot, 'refuse');
};

/**
 * A back end that folds the decoded path with Unicode NFKC before routing (UAX #15: U+FF0E and
 * U+2024 become `.`, U+2025 `..`, U+FF0F `/`, U+FF3C `\`), or converts it to a legacy code page
 * with best-fit mapping, which Microsoft's WideCharToMultiByte documentation warns against for
 * file names for the same reason. `\` is a separator; dots are resolved, clamped at the root.
 */
export const unicodeFolding: BackendModel = (path) => {
  const bytes = percentDecode(path, { refuse: true });
  if (bytes === null) return null;
  const folded = utf8Text(bytes).normalize('NFKC').replace(/\\/g, '/');
  return resolveDots(afterRoot(folded), isDot, isDotDot, 'clamp');
};

export const BACKEND_MODELS: Readonly<Record<string, BackendModel>> = {
  tomcat, jetty, spring, nginx, goServeMux, whatwgUrl, legacyIis, unicodeFolding,
};

/** True when a back end that routed `routed` stayed at or below `basePath` (which ends in `/`), or refused. */
export function staysUnder(basePath: string, routed: string | null): boolean {
  return routed === null || routed === basePath.slice(0, -1) || routed.startsWith(basePath);
}
