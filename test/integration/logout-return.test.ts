/**
 * Logout all the way round, against the certified oidc-provider, which implements OpenID Connect
 * RP-Initiated Logout 1.0: /logout ends the session and sends the browser to the end-session
 * endpoint with `post_logout_redirect_uri` = `/logout/done` and a fresh `state` (§2); the provider
 * ends its own session and sends the browser back there with the same `state` (§3); /logout/done
 * checks it against the browser's `__Host-logout` cookie and sends the browser on to the returnTo
 * given at logout, or HOME_URL.
 */
import { LOGOUT_COOKIE } from '../../functions/adapters/api-gateway/cookies';
import { hashToken } from '../../functions/core/opaque-tokens';
import type { DevProvider } from '../../local/dev-idp';
import { CookieJar, completeDevLogin, completeDevLogout } from '../support/dev-idp-login';
import { startService, type Service } from '../support/harness';
import { pathAndQuery, TestBrowser, type TestResponse } from '../support/test-browser';

let service: Service<DevProvider>;
let baseUrl: string;

beforeAll(async () => {
  service = await startService({ provider: { kind: 'dev' } });
  ({ baseUrl } = service);
});

afterAll(() => service?.close());

/** A signed-in browser and the provider's cookies of the same user (its own session). */
async function signedIn(): Promise<{ browser: TestBrowser; jar: CookieJar }> {
  const browser = new TestBrowser(baseUrl);
  const jar = new CookieJar();
  const login = await browser.get('/login');
  const { callbackUrl } = await completeDevLogin(login.location!, 'ada', jar);
  expect((await browser.get(pathAndQuery(callbackUrl))).status).toBe(302);
  return { browser, jar };
}

/** /logout with the session's sid (and a returnTo when given): the answer, and the end-session URL it sends the browser to. */
async function logOut(browser: TestBrowser, returnTo?: string): Promise<{ response: TestResponse; endSession: URL }> {
  const { logoutUrl } = (await browser.get('/session')).json<{ logoutUrl: string }>();
  const response = await browser.get(returnTo === undefined ? logoutUrl : `${logoutUrl}&returnTo=${encodeURIComponent(returnTo)}`);
  expect(response.status).toBe(302);
  return { response, endSession: new URL(response.location!) };
}

test('to the provider with post_logout_redirect_uri = /logout/done and a fresh state; back with that state; on to returnTo', async () => {
  const { browser, jar } = await signedIn();
  const { response, endSession } = await logOut(browser, '/bye?x=1');
  expect(endSession.href.startsWith(service.issuer!)).toBe(true);
  expect(endSession.searchParams.get('post_logout_redirect_uri')).toBe(`${baseUrl}/logout/done`);
  expect(endSession.searchParams.get('id_token_hint')).toBeTruthy();
  const state = endSession.searchParams.get('state')!;
  expect(state).toMatch(/^[A-Za-z0-9_-]{43}$/);
  // The browser keeps the state's hash, for ten minutes, out of scripts' reach.
  const cookie = response.setCookies.find((line) => line.startsWith(`${LOGOUT_COOKIE}=`))!;
  expect(cookie).toMatch(/; Path=\/; Secure; HttpOnly; SameSite=Lax; Max-Age=600$/);
  expect(cookie).toContain(hashToken(state));
  expect(cookie).not.toContain(state);

  const back = new URL(await completeDevLogout(endSession.href, jar));
  // oidc-provider sends the state back unchanged (§3), to the registered URI.
  expect(`${back.origin}${back.pathname}`).toBe(`${baseUrl}/logout/done`);
  expect(back.searchParams.get('state')).toBe(state);

  const done = await browser.get(pathAndQuery(back.href));
  expect(done.status).toBe(302);
  expect(done.location).toBe('/bye?x=1');
  expect(done.setCookies).toEqual([`${LOGOUT_COOKIE}=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0`]);
  expect(done.headers.get('cache-control')).toBe('no-store');
  expect(browser.cookies.has(LOGOUT_COOKIE)).toBe(false);
  expect((await browser.get('/session')).status).toBe(401);
});

test('without a returnTo at logout the return goes to HOME_URL', async () => {
  const { browser, jar } = await signedIn();
  const { endSession } = await logOut(browser);
  const done = await browser.get(pathAndQuery(await completeDevLogout(endSession.href, jar)));
  expect(done.status).toBe(302);
  expect(done.location).toBe('/');
});

test('HOME_URL elsewhere on the site: the return without returnTo lands there', async () => {
  const variant = await service.startVariant({ env: { HOME_URL: '/app/' } });
  const browser = variant.browser();
  const jar = new CookieJar();
  const login = await browser.get('/login');
  expect((await browser.get(pathAndQuery((await completeDevLogin(login.location!, 'ada', jar)).callbackUrl))).status).toBe(302);
  const { endSession } = await logOut(browser);
  const done = await browser.get(pathAndQuery(await completeDevLogout(endSession.href, jar)));
  expect(done.location).toBe('/app/');
});

test('the provider\'s own session is over too: the next sign-in asks for the login again', async () => {
  const { browser, jar } = await signedIn();
  const { endSession } = await logOut(browser);
  await browser.get(pathAndQuery(await completeDevLogout(endSession.href, jar)));
  const login = await browser.get('/login');
  const { prompts } = await completeDevLogin(login.location!, 'ada', jar);
  expect(prompts[0]).toBe('login');
});

test('a logout without a session goes straight to returnTo: no provider, no cookie for a return', async () => {
  const browser = new TestBrowser(baseUrl);
  const response = await browser.get('/logout?returnTo=%2Fbye');
  expect(response.location).toBe('/bye');
  expect(response.setCookies.some((line) => line.startsWith(`${LOGOUT_COOKIE}=`))).toBe(false);
});
