/**
 * The cookie guard between the browser and the web app's development server
 * (local/frontend-cookies.ts): the service's cookies are neither set, cleared nor seen by it.
 */
import { LOGIN_BINDING_PREFIX, SESSION_COOKIE, SIGNED_OUT_COOKIE } from '../../../functions/adapters/api-gateway/cookies';
import { cookieHeaderForFrontend, isServiceCookieName, mayPassSetCookie } from '../../../local/frontend-cookies';

describe('isServiceCookieName', () => {
  it('knows every cookie the service sets', () => {
    expect(isServiceCookieName(SESSION_COOKIE)).toBe(true);
    expect(isServiceCookieName(SIGNED_OUT_COOKIE)).toBe(true);
    expect(isServiceCookieName(`${LOGIN_BINDING_PREFIX}abc123`)).toBe(true);
  });

  it('guards the whole __Host- prefix, in any case, with the whitespace browsers trim', () => {
    expect(isServiceCookieName('__Host-anything')).toBe(true);
    expect(isServiceCookieName('__HOST-session')).toBe(true);
    expect(isServiceCookieName(' \t__Host-session ')).toBe(true);
  });

  it('leaves the app its own cookies', () => {
    for (const name of ['theme', 'session', '__Secure-app', 'host-session', '_Host-session']) expect(isServiceCookieName(name)).toBe(false);
  });
});

describe('mayPassSetCookie', () => {
  it('drops lines that would set or clear a service cookie', () => {
    expect(mayPassSetCookie('__Host-session=x; Path=/; Secure; HttpOnly')).toBe(false);
    expect(mayPassSetCookie('__Host-session=; Path=/; Max-Age=0')).toBe(false);
    expect(mayPassSetCookie('__Host-login-abc=1; Path=/')).toBe(false);
    expect(mayPassSetCookie(`${SIGNED_OUT_COOKIE}=; Max-Age=0`)).toBe(false);
    expect(mayPassSetCookie(' __Host-session =x')).toBe(false);
  });

  it('drops a nameless cookie whose value is a service cookie name', () => {
    expect(mayPassSetCookie('__Host-session; Path=/')).toBe(false);
  });

  it('passes the app\'s cookies, attributes and all', () => {
    expect(mayPassSetCookie('theme=dark; Path=/; SameSite=Lax')).toBe(true);
    expect(mayPassSetCookie('prefs=a=__Host-session; Path=/')).toBe(true);
  });
});

describe('cookieHeaderForFrontend', () => {
  it('takes the service\'s cookies out and keeps the rest in order', () => {
    expect(cookieHeaderForFrontend('theme=dark; __Host-session=secret; __Host-login-abc=x; lang=en')).toBe('theme=dark; lang=en');
    expect(cookieHeaderForFrontend('__Host-signed-out=1;theme=dark')).toBe('theme=dark');
  });

  it('leaves no header when only service cookies were sent', () => {
    expect(cookieHeaderForFrontend('__Host-session=secret; __Host-login-abc=x')).toBeUndefined();
    expect(cookieHeaderForFrontend(' ; ')).toBeUndefined();
  });
});
