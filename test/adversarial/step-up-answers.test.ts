/**
 * A provider that ignores what a login asked for. OpenID Connect Core 3.1.2.1: with `max_age` the
 * provider must authenticate anew when the last authentication is older and return `auth_time`
 * (Core 2); `acr_values` is a voluntary request, so the provider may answer with any `acr` or none,
 * and only the client can hold the answer to the request. Each answer below is refused at the
 * callback with no session, and the session the browser already had stays as it was.
 */
import { expectErrorPage, harnessForFile } from './harness';
import type { TestBrowser } from '../support/test-browser';

const h = harnessForFile({ reset: ['provider'] });
const now = () => Math.floor(Date.now() / 1000);

async function loginAsking(browser: TestBrowser, query: string, idTokenClaims: Record<string, unknown>) {
  const login = await browser.get(`/login?${query}`);
  expect(login.status).toBe(302);
  h.provider.misbehave({ idTokenClaims });
  const authorize = new URL(login.location!);
  authorize.searchParams.set('login_hint', 'target');
  const approved = await fetch(authorize, { redirect: 'manual' });
  const before = await h.sessionCount();
  const response = await h.callback(browser, approved.headers.get('location')!);
  return { response, sessionsCreated: (await h.sessionCount()) - before };
}

test('control: an auth_time within max_age and an acr among acr_values sign in and show on /session', async () => {
  const browser = h.browser();
  const authTime = now() - 30;
  const { response } = await loginAsking(browser, 'max_age=60&acr_values=urn%3Aa%20urn%3Ab', { auth_time: authTime, acr: 'urn:b' });
  expect(response.status).toBe(302);
  expect((await browser.get('/session')).json()).toMatchObject({ acr: 'urn:b', authTime: new Date(authTime * 1000).toISOString() });
});

test.each([
  ['no auth_time', {}],
  ['an auth_time older than max_age and the minute of skew', { auth_time: now() - 60 - 61 }],
])('max_age=60 answered with %s: 401 reauthentication_required, no session', async (_case, claims) => {
  const { response, sessionsCreated } = await loginAsking(h.browser(), 'max_age=60', claims);
  expectErrorPage(response, 401, 'reauthentication_required');
  expect(sessionsCreated).toBe(0);
});

test('an auth_time that is not a number is a broken ID token: 502 id_token_invalid, no session', async () => {
  const { response, sessionsCreated } = await loginAsking(h.browser(), 'max_age=60', { auth_time: String(now()) });
  expectErrorPage(response, 502, 'id_token_invalid');
  expect(sessionsCreated).toBe(0);
});

test.each([
  ['no acr', {}],
  ['another acr', { acr: 'urn:weak' }],
  ['an acr that only contains the one asked', { acr: 'urn:strong urn:weak' }],
  ['an acr of another case', { acr: 'URN:STRONG' }],
])('acr_values=urn:strong answered with %s: 403 acr_not_satisfied, no session', async (_case, claims) => {
  const { response, sessionsCreated } = await loginAsking(h.browser(), 'acr_values=urn%3Astrong', claims);
  expectErrorPage(response, 403, 'acr_not_satisfied');
  expect(sessionsCreated).toBe(0);
});

test('a refused step-up leaves the session the browser had, still usable', async () => {
  const browser = await h.signIn('target');
  const held = browser.cookies.get('__Host-session');
  const { response } = await loginAsking(browser, 'acr_values=urn%3Astrong', { acr: 'urn:weak' });
  expect(response.status).toBe(403);
  expect(browser.cookies.get('__Host-session')).toBe(held);
  expect((await browser.get('/session')).status).toBe(200);
});
