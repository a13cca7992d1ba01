/**
 * A forged "you are signed out". OpenID Connect RP-Initiated Logout 1.0 §2 gives the logout request
 * a `state` that the provider passes back to the post-logout redirect URI (§3), as RFC 6749 §10.12
 * has the authorization response bring back the state bound to the browser. /logout/done passes a
 * return on to the app only when it brings the state of the logout this browser started, as kept
 * in its `__Host-logout` cookie, and only once. Anything else (a link from another site, another
 * browser's return, a tampered or replayed state, a planted cookie) is refused with
 * `logout_state_invalid`: the error page links home, reflects nothing, ends no session and sets
 * no cookie. Against the certified oidc-provider, which sends the state back.
 */
import { LOGOUT_COOKIE } from '../../functions/adapters/api-gateway/cookies';
import type { DevProvider } from '../../local/dev-idp';
import { CookieJar, completeDevLogin, completeDevLogout } from '../support/dev-idp-login';
import { startService, type Service } from '../support/harness';
import { pathAndQuery, TestBrowser } from '../support/test-browser';
import { expectErrorPage } from './harness';

let service: Service<DevProvider>;

beforeAll(async () => {
  service = await startService({ provider: { kind: 'dev' }, env: { HOME_URL: '/app/' } });
});

afterAll(() => service?.close());

/** A signed-in browser, with the provider's cookies of its user. */
async function signedIn(): Promise<{ browser: TestBrowser; jar: CookieJar }> {
  const browser = service.browser();
  const jar = new CookieJar();
  const login = await browser.get('/login');
  expect((await browser.get(pathAndQuery((await completeDevLogin(login.location!, 'eve', jar)).callbackUrl))).status).toBe(302);
  return { browser, jar };
}

/** Logs `browser` out here and at the provider: the URL the provider sends it back to, not yet visited. */
async function returnFromLogout(browser: TestBrowser, jar: CookieJar, returnTo = '/bye'): Promise<URL> {
  const { logoutUrl } = (await browser.get('/session')).json<{ logoutUrl: string }>();
  const logout = await browser.get(`${logoutUrl}&returnTo=${encodeURIComponent(returnTo)}`);
  return new URL(await completeDevLogout(logout.location!, jar));
}

/** The return URL with another state. */
const withState = (back: URL, state: string | undefined): string => {
  const forged = new URL(back);
  if (state === undefined) forged.searchParams.delete('state');
  else forged.searchParams.set('state', state);
  return pathAndQuery(forged.href);
};

/** Refused as the page says, linking home, and nothing set: the browser's cookies are as they were. */
function expectRefused(response: Awaited<ReturnType<TestBrowser['get']>>, notReflected: string[] = []): void {
  expectErrorPage(response, 400, 'logout_state_invalid', notReflected);
  expect(response.text).toContain('href="/app/"');
  expect(response.setCookies).toEqual([]);
}

test('§2: a return from a link on another site, in a browser with no logout under way, is refused; its session lives on', async () => {
  const { browser } = await signedIn();
  const forged = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';
  expectRefused(await browser.get(`/logout/done?state=${forged}`), [forged]);
  expectRefused(await browser.get('/logout/done'));
  expect((await browser.get('/session')).status).toBe(200);
});

test('§3: a return with a state other than the one this logout sent is refused, and the real return still goes through', async () => {
  const { browser, jar } = await signedIn();
  const back = await returnFromLogout(browser, jar);
  const state = back.searchParams.get('state')!;
  const tampered = `${state.slice(0, -1)}${state.endsWith('A') ? 'B' : 'A'}`;
  for (const other of [tampered, `${state}A`, '', state.toLowerCase() === state ? state.toUpperCase() : state.toLowerCase()]) {
    expectRefused(await browser.get(withState(back, other)), [tampered]);
  }
  expectRefused(await browser.get(withState(back, undefined)));
  // Nothing was set by the refusals: the browser's own return is still admitted.
  expect((await browser.get(pathAndQuery(back.href))).location).toBe('/bye');
});

test('§3: the state of another browser\'s logout does not confirm this browser\'s', async () => {
  const attacker = await signedIn();
  const victim = await signedIn();
  const attackersReturn = await returnFromLogout(attacker.browser, attacker.jar, '/attacker');
  const victimsReturn = await returnFromLogout(victim.browser, victim.jar);
  expectRefused(await victim.browser.get(pathAndQuery(attackersReturn.href)));
  expect((await victim.browser.get(pathAndQuery(victimsReturn.href))).location).toBe('/bye');
});

test('a return is used once: the same return again is refused', async () => {
  const { browser, jar } = await signedIn();
  const back = await returnFromLogout(browser, jar);
  expect((await browser.get(pathAndQuery(back.href))).status).toBe(302);
  expectRefused(await browser.get(pathAndQuery(back.href)));
});

test('the returned state alone, in a browser without the logout cookie (it expired, or another browser), is refused', async () => {
  const { browser, jar } = await signedIn();
  const back = await returnFromLogout(browser, jar);
  const elsewhere = new TestBrowser(service.baseUrl);
  expectRefused(await elsewhere.get(pathAndQuery(back.href)));
  browser.cookies.delete(LOGOUT_COOKIE);
  expectRefused(await browser.get(pathAndQuery(back.href)));
});

test('a second __Host-logout cookie (planted beside the real one) makes neither count', async () => {
  const { browser, jar } = await signedIn();
  const back = await returnFromLogout(browser, jar);
  const real = browser.cookies.get(LOGOUT_COOKIE)!;
  expectRefused(await browser.get(pathAndQuery(back.href), { cookie: `${LOGOUT_COOKIE}=${real}; ${LOGOUT_COOKIE}=${real}` }));
  expectRefused(await browser.get(pathAndQuery(back.href), { cookie: `${LOGOUT_COOKIE}=-.${Buffer.from('/x').toString('base64url')}; ${LOGOUT_COOKIE}=${real}` }));
});

test('a state given twice is a malformed request, not a choice', async () => {
  const { browser, jar } = await signedIn();
  const back = await returnFromLogout(browser, jar);
  const state = back.searchParams.get('state')!;
  expectErrorPage(await browser.get(`/logout/done?state=${state}&state=${state}`), 400, 'invalid_request');
});
