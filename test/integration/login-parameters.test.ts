/**
 * What a login asks, against the certified oidc-provider: the parameters reach its authorization
 * endpoint as OpenID Connect Core 3.1.2.1 names them; `prompt=none` without a provider session
 * comes back as `login_required` (3.1.2.6), which the service turns into a redirect to `returnTo`
 * with `login_error`; `max_age` is answered with an `auth_time` the callback checks.
 */
import type { DevProvider } from '../../local/dev-idp';
import { startService, type Service } from '../support/harness';
import { CookieJar, completeDevLogin } from '../support/dev-idp-login';
import { pathAndQuery } from '../support/test-browser';

let service: Service<DevProvider>;

beforeAll(async () => {
  service = await startService({ env: { OAUTH_AUTHORIZATION_PARAMETERS: 'audience=https://api.example.com', ALLOWED_EMAIL_DOMAINS: undefined, ALLOWED_GROUPS: undefined } });
});

afterAll(async () => {
  await service?.close();
});

test('the login parameters and the operator\'s fixed ones reach the authorization request; a malformed one is 400 invalid_login_parameter', async () => {
  const browser = service.browser();
  const login = await browser.get('/login?login_hint=ada&ui_locales=fr-CA%20en&max_age=600&acr_values=urn%3Amfa&prompt=login');
  expect(login.status).toBe(302);
  const asked = new URL(login.location!).searchParams;
  expect(Object.fromEntries(['login_hint', 'ui_locales', 'max_age', 'acr_values', 'prompt', 'audience'].map((name) => [name, asked.get(name)]))).toEqual({
    login_hint: 'ada', ui_locales: 'fr-CA en', max_age: '600', acr_values: 'urn:mfa', prompt: 'login', audience: 'https://api.example.com',
  });
  const bad = await browser.get('/login?max_age=soon');
  expect(bad.status).toBe(400);
  expect(bad.text).toContain('invalid_login_parameter');
  expect(bad.headers.getSetCookie().some((cookie) => cookie.startsWith('__Host-login-'))).toBe(false);
});

test('prompt=none without a session at the provider: back to returnTo with login_error=login_required, and no session', async () => {
  const browser = service.browser();
  const login = await browser.get('/login?prompt=none&returnTo=%2Fapp%3Ftab%3D2');
  // The provider answers at once, without any page (no cookie of its own in this request).
  const answer = await fetch(login.location!, { redirect: 'manual' });
  expect([302, 303]).toContain(answer.status);
  const callback = new URL(answer.headers.get('location')!);
  expect(callback.searchParams.get('error')).toBe('login_required');
  const back = await browser.get(pathAndQuery(callback.href));
  expect([back.status, back.location]).toEqual([302, '/app?tab=2&login_error=login_required']);
  expect(browser.cookies.get('__Host-session')).toBeUndefined();
  expect(await service.sessionCount()).toBe(0);
});

test('max_age: the provider authenticates and answers auth_time; the session shows it', async () => {
  const browser = service.browser();
  const before = Math.floor(Date.now() / 1000) - 2;
  const login = await browser.get('/login?max_age=0');
  const { callbackUrl } = await completeDevLogin(login.location!, 'ada', new CookieJar());
  expect((await browser.get(pathAndQuery(callbackUrl))).status).toBe(302);
  const session = (await browser.get('/session')).json<{ authTime?: string }>();
  expect(Date.parse(session.authTime!) / 1000).toBeGreaterThanOrEqual(before);
});
