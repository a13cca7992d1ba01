/**
 * The API Gateway adapter's cookies (functions/adapters/api-gateway/cookies.ts): the __Host- cookies
 * it sets and clears, and how it reads the Cookie header.
 */
import { clearCookie, LOGIN_BINDING_PREFIX, loginBindingCookie, parseCookies, SESSION_COOKIE, setCookie, SIGNED_OUT_COOKIE } from '../../../../functions/adapters/api-gateway/cookies';
import { hashToken } from '../../../../functions/core/opaque-tokens';

/** The attributes every cookie is set with: host-only, over https, out of scripts' reach, same-site. */
const HOST_COOKIE_ATTRIBUTES = { path: '/', secure: '', httponly: '', samesite: 'Lax' } as const;

/** `name=value; A; B=c` as its name, value and a map of lower-cased attribute names. */
function parseSetCookie(header: string): { name: string; value: string; attributes: Map<string, string> } {
  const [pair, ...rest] = header.split(';').map((part) => part.trim());
  const at = pair!.indexOf('=');
  const attributes = new Map<string, string>();
  for (const attribute of rest) {
    const eq = attribute.indexOf('=');
    if (eq < 0) attributes.set(attribute.toLowerCase(), '');
    else attributes.set(attribute.slice(0, eq).toLowerCase(), attribute.slice(eq + 1));
  }
  return { name: pair!.slice(0, at), value: pair!.slice(at + 1), attributes };
}

describe('cookie names', () => {
  test('every cookie uses the __Host- prefix, so a sibling subdomain cannot plant them', () => {
    for (const name of [SESSION_COOKIE, loginBindingCookie('some-state'), SIGNED_OUT_COOKIE]) expect(name.startsWith('__Host-')).toBe(true);
    expect(loginBindingCookie('some-state').startsWith(LOGIN_BINDING_PREFIX)).toBe(true);
  });

  test('each login attempt has its own binding cookie name: a cookie token (RFC 6265 §4.1.1), derived from the state but not its store key', () => {
    const name = loginBindingCookie('state-1');
    expect(name).toMatch(/^__Host-login-[A-Za-z0-9_-]{16}$/);
    expect(loginBindingCookie('state-1')).toBe(name);
    expect(loginBindingCookie('state-2')).not.toBe(name);
    expect(name).not.toContain(hashToken('state-1').slice(0, 16));
  });
});

describe('setCookie and clearCookie', () => {
  test('setCookie has exactly the attributes a __Host- cookie needs, and no Domain', () => {
    const cookie = parseSetCookie(setCookie(SESSION_COOKIE, 'abc_DEF-123', 3600));
    expect(cookie.name).toBe('__Host-session');
    expect(cookie.value).toBe('abc_DEF-123');
    expect(Object.fromEntries(cookie.attributes)).toEqual({ ...HOST_COOKIE_ATTRIBUTES, 'max-age': '3600' });
    expect(cookie.attributes.has('domain')).toBe(false);
  });

  test('clearCookie empties the value with the same attributes and Max-Age=0', () => {
    const cookie = parseSetCookie(clearCookie(loginBindingCookie('s')));
    expect(cookie.name).toBe(loginBindingCookie('s'));
    expect(cookie.value).toBe('');
    expect(Object.fromEntries(cookie.attributes)).toEqual({ ...HOST_COOKIE_ATTRIBUTES, 'max-age': '0' });
  });
});

describe('parseCookies', () => {
  test('reads name=value pairs from the API Gateway cookies array', () => {
    const cookies = parseCookies(['__Host-session=abc', 'theme=dark', 'b64=YQ==', 'empty=']);
    expect(Object.fromEntries(cookies)).toEqual({ '__Host-session': 'abc', theme: 'dark', b64: 'YQ==', empty: '' });
  });

  test('no cookies at all is an empty map', () => {
    expect(parseCookies(undefined).size).toBe(0);
    expect(parseCookies([]).size).toBe(0);
  });

  test('a name sent twice is treated as absent, whichever value comes first', () => {
    const cookies = parseCookies(['__Host-session=planted', 'theme=dark', '__Host-session=real']);
    expect(cookies.has('__Host-session')).toBe(false);
    expect(cookies.get('theme')).toBe('dark');
  });

  test('a duplicate that differs only by surrounding spaces is still a duplicate', () => {
    expect(parseCookies(['__Host-session=a', ' __Host-session =b']).has('__Host-session')).toBe(false);
  });

  test('a name sent three times is also absent', () => {
    expect(parseCookies(['a=1', 'a=2', 'a=3']).has('a')).toBe(false);
  });

  test('malformed entries are ignored, the rest is kept', () => {
    const cookies = parseCookies(['noequals', '=nameless', '', '  ', 'good=1']);
    expect(Object.fromEntries(cookies)).toEqual({ good: '1' });
  });

  test('values are trimmed of SP and HTAB and may contain "="', () => {
    expect(parseCookies([' a = b=c ']).get('a')).toBe('b=c');
    expect(parseCookies(['\ta\t=\tb\t']).get('a')).toBe('b');
  });

  test('RFC 6265bis §5.6: no other character is trimmed, so a look-alike name is not ours', () => {
    for (const lookAlike of ['\u00a0', '\ufeff', '\u200b', '\u3000', '\u2028', '\u180e', '\u000b', '\u000c', '\r', '\n']) {
      const cookies = parseCookies([`${lookAlike}__Host-session${lookAlike}=planted`]);
      expect(cookies.get('__Host-session')).toBeUndefined();
      expect(cookies.carries('__Host-session')).toBe(false);
    }
    expect(parseCookies(['__Host-session=\u00a0abc\u00a0']).get('__Host-session')).toBe('\u00a0abc\u00a0');
  });

  test('an entry that still holds several cookies is read as several', () => {
    const cookies = parseCookies(['theme=dark; __Host-session=abc;lang=en']);
    expect(Object.fromEntries(cookies)).toEqual({ theme: 'dark', '__Host-session': 'abc', lang: 'en' });
  });

  test('carries() knows a duplicated name that the map hides', () => {
    const cookies = parseCookies(['a=1', 'a=2', 'b=3']);
    expect(cookies.carries('a')).toBe(true);
    expect(cookies.has('a')).toBe(false);
    expect(cookies.carries('c')).toBe(false);
    expect(parseCookies(['__Host-login-x=1', '__Host-login-y=2', 'z=3']).namesStartingWith('__Host-login-')).toEqual(['__Host-login-x', '__Host-login-y']);
  });

  test('names are case-sensitive', () => {
    const cookies = parseCookies(['__Host-session=a', '__host-session=b']);
    expect(cookies.get('__Host-session')).toBe('a');
    expect(cookies.get('__host-session')).toBe('b');
  });

  test('every cookie is read, however many come before ours', () => {
    const filler = Array.from({ length: 500 }, (_, i) => `c${i}=${i}`);
    const cookies = parseCookies([...filler, '__Host-session=late']);
    expect(cookies.size).toBe(501);
    expect(cookies.get('__Host-session')).toBe('late');
  });
});
