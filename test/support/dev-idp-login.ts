/**
 * Signs in at the development identity provider without a browser: follows its redirects with a
 * small cookie jar, posts the login form (any name, any password) and the consent form, and stops at
 * the first redirect that leaves the provider, which is the authorization response to the client.
 * Logs out there the same way (completeDevLogout).
 */

export interface DevLoginResult {
  /** The redirect_uri with the authorization response (code, state, iss), not yet requested. */
  readonly callbackUrl: string;
  /** The interaction pages the provider showed on the way (`login`, `consent`), in order. */
  readonly prompts: readonly string[];
}

const MAX_STEPS = 20;

/** `jar` holds the provider's cookies: pass the same one again to come back with its session, as a browser would. */
export async function completeDevLogin(authorizeUrl: string, login: string, jar = new CookieJar()): Promise<DevLoginResult> {
  const providerOrigin = new URL(authorizeUrl).origin;
  const prompts: string[] = [];
  let url = new URL(authorizeUrl);
  let form: URLSearchParams | undefined;

  for (let step = 0; step < MAX_STEPS; step += 1) {
    const headers: Record<string, string> = { accept: 'text/html' };
    const cookie = jar.header(url);
    if (cookie) headers.cookie = cookie;
    if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(url, { method: form ? 'POST' : 'GET', headers, body: form, redirect: 'manual' });
    jar.store(url, response.headers.getSetCookie());

    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      const location = response.headers.get('location');
      if (!location) throw new Error(`dev login: redirect without location from ${url.pathname}`);
      const next = new URL(location, url);
      if (next.origin !== providerOrigin) return { callbackUrl: next.href, prompts };
      url = next;
      form = undefined;
      continue;
    }

    const html = await response.text();
    if (response.status !== 200) throw new Error(`dev login: ${url.pathname} answered ${response.status}: ${summarize(html)}`);
    const page = parseForm(html);
    if (!page) throw new Error(`dev login: no form on ${url.pathname}: ${summarize(html)}`);
    const fields = new URLSearchParams(page.fields);
    prompts.push(fields.get('prompt') ?? '');
    if (fields.get('prompt') === 'login') {
      fields.set('login', login);
      fields.set('password', 'any password');
    } else if (fields.get('prompt') !== 'consent') {
      throw new Error(`dev login: unexpected form on ${url.pathname}`);
    }
    url = new URL(page.action, url);
    form = fields;
  }
  throw new Error(`dev login: no redirect to the client after ${MAX_STEPS} steps`);
}

/**
 * Confirms an RP-initiated logout at the development provider without a browser: requests the
 * end-session URL, posts its confirmation form ("Yes, sign me out") and returns where the provider
 * sends the browser back: the post-logout redirect URI with the `state` (RP-Initiated Logout 1.0 §3).
 */
export async function completeDevLogout(endSessionUrl: string, jar = new CookieJar()): Promise<string> {
  let url = new URL(endSessionUrl);
  let form: URLSearchParams | undefined;
  for (let step = 0; step < MAX_STEPS; step += 1) {
    const headers: Record<string, string> = { accept: 'text/html', ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) };
    const cookie = jar.header(url);
    if (cookie) headers.cookie = cookie;
    const response = await fetch(url, { method: form ? 'POST' : 'GET', headers, body: form, redirect: 'manual' });
    jar.store(url, response.headers.getSetCookie());
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel();
      const next = new URL(response.headers.get('location') ?? '', url);
      if (next.origin !== url.origin) return next.href;
      [url, form] = [next, undefined];
      continue;
    }
    const html = await response.text();
    const page = response.status === 200 ? parseForm(html) : undefined;
    if (!page) throw new Error(`dev logout: ${url.pathname} answered ${response.status}: ${summarize(html)}`);
    [url, form] = [new URL(page.action, url), new URLSearchParams([...page.fields, ['logout', 'yes']])];
  }
  throw new Error(`dev logout: no redirect to the client after ${MAX_STEPS} steps`);
}

interface ParsedForm {
  readonly action: string;
  readonly fields: Array<[string, string]>;
}

/** The first form of a page and its hidden inputs; enough for oidc-provider's dev interaction pages. */
export function parseForm(html: string): ParsedForm | undefined {
  const formTag = /<form\b[^>]*>/i.exec(html);
  if (!formTag) return undefined;
  const action = attribute(formTag[0], 'action') ?? '';
  const end = html.indexOf('</form>', formTag.index);
  const inner = html.slice(formTag.index, end === -1 ? undefined : end);
  const fields: Array<[string, string]> = [];
  for (const input of inner.match(/<input\b[^>]*>/gi) ?? []) {
    const name = attribute(input, 'name');
    if (name && attribute(input, 'type')?.toLowerCase() === 'hidden') fields.push([name, attribute(input, 'value') ?? '']);
  }
  return { action, fields };
}

function attribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag);
  if (!match) return undefined;
  return decodeEntities(match[1] ?? match[2] ?? match[3] ?? '');
}

const ENTITIES: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#x27': "'" };

function decodeEntities(value: string): string {
  return value.replace(/&(amp|lt|gt|quot|#39|#x27);/g, (_match, entity: string) => ENTITIES[entity] ?? '');
}

/**
 * What a failed page says, for the error message: only the OAuth error code oidc-provider's error
 * page names (`error: <code>`), never its text, which may repeat the request's state.
 */
function summarize(html: string): string {
  const code = /error:\s*([a-z_]+)/.exec(html.replace(/<[^>]+>/g, ' '))?.[1];
  return code ? `error ${code}` : 'no error code on the page';
}

interface StoredCookie {
  readonly host: string;
  readonly name: string;
  readonly value: string;
  readonly path: string;
}

/** Host-only cookies with path matching and deletion; expiry in the future is not tracked. */
export class CookieJar {
  private readonly cookies = new Map<string, StoredCookie>();

  store(url: URL, setCookieHeaders: readonly string[]): void {
    for (const header of setCookieHeaders) {
      const [pair = '', ...attributes] = header.split(';');
      const at = pair.indexOf('=');
      if (at <= 0) continue;
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      let path = defaultPath(url.pathname);
      let expired = false;
      for (const attr of attributes) {
        const [key = '', ...rest] = attr.split('=');
        const attrValue = rest.join('=').trim();
        switch (key.trim().toLowerCase()) {
          case 'path':
            if (attrValue.startsWith('/')) path = attrValue;
            break;
          case 'max-age':
            if (Number(attrValue) <= 0) expired = true;
            break;
          case 'expires':
            if (Date.parse(attrValue) <= Date.now()) expired = true;
            break;
        }
      }
      const key = `${url.hostname}|${path}|${name}`;
      if (expired) this.cookies.delete(key);
      else this.cookies.set(key, { host: url.hostname, name, value, path });
    }
  }

  header(url: URL): string {
    return [...this.cookies.values()]
      .filter((cookie) => cookie.host === url.hostname && pathMatches(url.pathname, cookie.path))
      .sort((a, b) => b.path.length - a.path.length)
      .map((cookie) => `${cookie.name}=${cookie.value}`)
      .join('; ');
  }
}

function defaultPath(requestPath: string): string {
  const lastSlash = requestPath.lastIndexOf('/');
  return lastSlash <= 0 ? '/' : requestPath.slice(0, lastSlash);
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath.charAt(cookiePath.length) === '/';
}
