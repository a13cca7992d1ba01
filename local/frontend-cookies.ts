/**
 * The cookie guard between the browser and the web app's development server, which shares the
 * service's origin and so its cookie jar: a dev server (or a dependency of the app) can never
 * set, overwrite or clear the service's cookies, and it never sees them. Other cookies, the app's
 * own, pass both ways.
 */

/**
 * Every service cookie is `__Host-` prefixed (functions/adapters/api-gateway/cookies.ts, whose
 * names the unit test runs through this guard); the prefix is guarded as a whole (case-insensitively,
 * as browsers now compare prefixes), so a cookie the service adds later is covered too.
 */
const HOST_PREFIX = '__host-';

/** SP and HTAB, the only characters browsers trim around a cookie's name (RFC 6265bis §5.6). */
function trimName(name: string): string {
  return name.replace(/^[ \t]+|[ \t]+$/g, '');
}

/** The name part of `name=value` (the whole text when it has no `=`). */
function nameOf(pair: string): string {
  const at = pair.indexOf('=');
  return at < 0 ? pair : pair.slice(0, at);
}

export function isServiceCookieName(rawName: string): boolean {
  return trimName(rawName).toLowerCase().startsWith(HOST_PREFIX);
}

/**
 * Whether a `Set-Cookie` line from the dev server may reach the browser. A line without `=` in its
 * first part sets a nameless cookie, which browsers refuse when its value looks like a `__Host-`
 * name; it is dropped all the same, since it can only be a mistake or an attempt.
 */
export function mayPassSetCookie(line: string): boolean {
  return !isServiceCookieName(nameOf(line.split(';', 1)[0] ?? ''));
}

/** A `Cookie` header for the dev server: the service's cookies taken out; undefined when none is left. */
export function cookieHeaderForFrontend(header: string): string | undefined {
  const kept = header
    .split(';')
    .map(trimName)
    .filter((part) => part !== '' && !isServiceCookieName(nameOf(part)));
  return kept.length > 0 ? kept.join('; ') : undefined;
}
