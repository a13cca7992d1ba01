/**
 * The service's cookies (their names, attributes, setting and clearing) and the one reading of a
 * request's cookies that every function shares: exact names, only SP and HTAB trimmed, and a name
 * sent twice counted as absent.
 */
import { hashToken } from '../../core/opaque-tokens';

/**
 * `__Host-` makes browsers require Secure, Path=/ and no Domain, so a sibling subdomain can neither
 * plant nor overwrite them. That promise holds only for the name byte for byte: a browser stores a
 * cookie named ` __Host-session` with a no-break space, a BOM or a zero-width character in front
 * under the rules for unprefixed cookies, so it may come from any sibling host. Such a name is
 * therefore never taken for ours: names and values are trimmed of SP and HTAB only (RFC 6265bis
 * §5.6), nothing else is removed, folded or normalised. Browsers treat http://127.0.0.1 and
 * localhost as secure origins, so the same attributes work in local runs.
 */
export const SESSION_COOKIE = '__Host-session';

/**
 * Each login attempt has a binding cookie of its own, named after its state: logins started in
 * several tabs each complete, and /callback clears exactly the one it used.
 */
export const LOGIN_BINDING_PREFIX = '__Host-login-';

/** Set by /logout: the next sign-in from this browser asks the provider to authenticate the user afresh. */
export const SIGNED_OUT_COOKIE = '__Host-signed-out';

/** Set by /logout on its way to the provider's logout, for the return to /logout/done (logout-cookie.ts). */
export const LOGOUT_COOKIE = '__Host-logout';

export function loginBindingCookie(state: string): string {
  // Not the store key (the state's plain hash): the name says nothing that would find the item.
  return LOGIN_BINDING_PREFIX + hashToken(`login-binding:${state}`).slice(0, 16);
}

export function setCookie(name: string, value: string, maxAgeSeconds: number): string {
  return `${name}=${value}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}`;
}

export function clearCookie(name: string): string {
  return `${name}=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0`;
}

/**
 * The cookies of one request, by exact name: as a map, those sent exactly once (a name sent twice
 * is absent from it); `carries` also knows the names sent more than once.
 */
export class RequestCookies extends Map<string, string> {
  constructor(
    usable: Iterable<readonly [string, string]>,
    private readonly carried: ReadonlySet<string>,
  ) {
    super(usable);
  }

  /** Whether the request carried a cookie of exactly this name (once or more). */
  carries(name: string): boolean {
    return this.carried.has(name);
  }

  /** Names the request carried that start with `prefix`, each once. */
  namesStartingWith(prefix: string): string[] {
    return [...this.carried].filter((name) => name.startsWith(prefix));
  }
}

/** SP and HTAB: the only characters RFC 6265bis §5.6 removes around a cookie's name and value. */
function trimWhitespace(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && (text[start] === ' ' || text[start] === '\t')) start++;
  while (end > start && (text[end - 1] === ' ' || text[end - 1] === '\t')) end--;
  return text.slice(start, end);
}

/**
 * Cookies from API Gateway's `cookies` array (one entry per cookie; an entry that still holds
 * several, split on `;`, is read as those several). Every entry is read, however many there are:
 * cookies a sibling domain sets for the parent domain come first when their Path is longer, and
 * must not push ours out of sight. A name that appears twice is treated as absent: a duplicate
 * means someone planted a second cookie, and guessing which one is real is unsafe. A part without
 * `=` is a nameless cookie, which is never one of ours.
 */
export function parseCookies(entries: readonly string[] | undefined): RequestCookies {
  const values = new Map<string, string>();
  const duplicated = new Set<string>();
  for (const entry of entries ?? []) {
    for (const part of entry.split(';')) {
      const at = part.indexOf('=');
      if (at < 0) continue;
      const name = trimWhitespace(part.slice(0, at));
      if (name === '') continue;
      if (values.has(name)) duplicated.add(name);
      values.set(name, trimWhitespace(part.slice(at + 1)));
    }
  }
  return new RequestCookies([...values].filter(([name]) => !duplicated.has(name)), new Set(values.keys()));
}
