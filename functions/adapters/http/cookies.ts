/**
 * The two cookies of the service. `__Host-` makes browsers require Secure, Path=/ and no Domain,
 * so a sibling subdomain cannot plant or overwrite them. Browsers treat http://127.0.0.1 and
 * localhost as secure origins, so the same attributes work in local runs.
 */
export const SESSION_COOKIE = '__Host-session';
export const LOGIN_BINDING_COOKIE = '__Host-login';

export function setCookie(name: string, value: string, maxAgeSeconds: number): string {
  return `${name}=${value}; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}`;
}

export function clearCookie(name: string): string {
  return `${name}=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0`;
}

const MAX_COOKIES = 64;

/**
 * Cookies from API Gateway's `cookies` array. A name that appears twice is treated as absent: a
 * duplicate means someone planted a second cookie, and guessing which one is real is unsafe.
 */
export function parseCookies(cookies: readonly string[] | undefined): Map<string, string> {
  const values = new Map<string, string>();
  const duplicated = new Set<string>();
  for (const entry of (cookies ?? []).slice(0, MAX_COOKIES)) {
    const at = entry.indexOf('=');
    if (at <= 0) continue;
    const name = entry.slice(0, at).trim();
    const value = entry.slice(at + 1).trim();
    if (values.has(name)) duplicated.add(name);
    values.set(name, value);
  }
  for (const name of duplicated) values.delete(name);
  return values;
}
