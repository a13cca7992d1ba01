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

/**
 * Step-up against the certified provider: its login records the authentication context class the
 * user reached (`acr`, OpenID Connect Core 2) and says which it supports (`acr_values_supported`,
 * Discovery 1.0 §3); `acr_values` asks for one voluntarily (Core 3.1.2.1), so the provider may answer
 * with another and the service, not the provider, refuses it.
 */
describe('acr_values', () => {
  let stepped: Service<DevProvider>;
  let reached = 'urn:example:pwd';

  beforeAll(async () => {
    stepped = await startService({
      provider: { kind: 'dev', options: { loginAcr: { supported: ['urn:example:pwd', 'urn:example:mfa'], of: () => reached } } },
      env: { OAUTH_AUTHORIZATION_PARAMETERS: undefined, ALLOWED_EMAIL_DOMAINS: undefined, ALLOWED_GROUPS: undefined },
    });
  });

  afterAll(async () => {
    await stepped?.close();
  });

  async function signInAt(browser: ReturnType<Service<DevProvider>['browser']>, query: string, acr: string) {
    reached = acr;
    const login = await browser.get(`/login?${query}`);
    expect(login.status).toBe(302);
    // A fresh provider session each time, so the provider asks for the login and records its acr.
    const { callbackUrl } = await completeDevLogin(login.location!, 'ada', new CookieJar());
    return browser.get(pathAndQuery(callbackUrl));
  }

  test('the provider advertises what it supports; any of several asked values is accepted and shown, none asked shows none', async () => {
    const discovery = await (await fetch(`${stepped.provider.issuer}/.well-known/openid-configuration`)).json() as { acr_values_supported?: string[] };
    expect(discovery.acr_values_supported).toEqual(['urn:example:pwd', 'urn:example:mfa']);
    const browser = stepped.browser();
    expect((await signInAt(browser, 'acr_values=urn%3Aexample%3Amfa%20urn%3Aexample%3Apwd', 'urn:example:pwd')).status).toBe(302);
    expect((await browser.get('/session')).json<{ acr?: string }>().acr).toBe('urn:example:pwd');
    // oidc-provider issues `acr` only when asked for (a claim of its own, outside every scope).
    expect((await signInAt(browser, 'returnTo=%2F', 'urn:example:pwd')).status).toBe(302);
    expect((await browser.get('/session')).json<Record<string, unknown>>()).not.toHaveProperty('acr');
  });

  test('an ID token with another acr than asked is 403 acr_not_satisfied, with no session', async () => {
    const browser = stepped.browser();
    const before = await stepped.sessionCount();
    const answer = await signInAt(browser, 'acr_values=urn%3Aexample%3Amfa', 'urn:example:pwd');
    expect(answer.status).toBe(403);
    expect(answer.text).toContain('acr_not_satisfied');
    expect(browser.cookies.get('__Host-session')).toBeUndefined();
    expect(await stepped.sessionCount()).toBe(before);
  });

  test('step-up while signed in: the stronger login replaces the session and returns to the page that asked', async () => {
    const browser = stepped.browser();
    expect((await signInAt(browser, 'acr_values=urn%3Aexample%3Apwd&returnTo=%2F', 'urn:example:pwd')).status).toBe(302);
    expect((await browser.get('/session')).json<{ acr?: string }>().acr).toBe('urn:example:pwd');
    const weaker = browser.cookies.get('__Host-session')!;
    const stepUp = await signInAt(browser, `acr_values=urn%3Aexample%3Amfa&prompt=login&returnTo=${encodeURIComponent('/admin/delete?id=7')}`, 'urn:example:mfa');
    expect([stepUp.status, stepUp.location]).toEqual([302, '/admin/delete?id=7']);
    const stronger = browser.cookies.get('__Host-session')!;
    expect(stronger).not.toBe(weaker);
    const session = (await browser.get('/session')).json<{ sub: string; acr?: string; authTime?: string }>();
    expect([session.sub, session.acr]).toEqual(['ada', 'urn:example:mfa']);
    expect(Date.parse(session.authTime!)).toBeGreaterThan(Date.now() - 60_000);
    // The weaker session is over, not merely forgotten by this browser.
    const old = stepped.browser();
    old.cookies.set('__Host-session', weaker);
    expect((await old.get('/session')).status).toBe(401);
  });
});
