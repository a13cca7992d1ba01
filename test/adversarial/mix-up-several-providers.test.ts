/**
 * Mix-up with two providers, one of them malicious (RFC 9700 §4.4): the certified oidc-provider is
 * the honest one, the test-only provider the attacker, which answers as it likes and records what
 * reaches its token endpoint. The attacker tries to have the honest provider's code (with this
 * login's PKCE verifier) sent to it, or its own answers taken for the honest provider's, in each
 * variant §4.4.1 describes: the honest provider's answer for the attacker's login, with and without
 * `iss` (RFC 9207), at either redirect URI; its own answer for an honest login; an ID token that
 * claims the honest issuer; a discovery document that claims it. The defences: each provider's
 * own redirect URI (§4.4.2), the transaction's provider, the issuer compared exactly.
 */
import type { DevProvider, ObservedRequest } from '../../local/dev-idp';
import { startDevProvider } from '../../local/dev-idp';
import { startMisbehavingProvider, type MisbehavingProvider } from '../support/misbehaving-provider';
import { startService, type Service } from '../support/harness';
import { CookieJar, completeDevLogin } from '../support/dev-idp-login';
import { freePort } from '../support/free-port';
import { pathAndQuery, type TestBrowser } from '../support/test-browser';
import { expectErrorPage } from './harness';

const SECRET = 'honest-client-secret-that-is-long-enough';
let baseUrl: string;
let honest: DevProvider;
let evil: MisbehavingProvider;
const atHonest: ObservedRequest[] = [];
let service: Service<unknown>;

beforeAll(async () => {
  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  honest = await startDevProvider({
    clients: [{ clientId: 'honest-client', clientSecret: SECRET, redirectUris: [`${baseUrl}/callback/honest`] }],
    accessTokenTtlSeconds: 2,
    observe: (request) => atHonest.push(request),
  });
  evil = await startMisbehavingProvider({ clientId: 'evil-client' });
  service = await startService({
    port,
    provider: { kind: 'external', issuer: honest.issuer, clientId: 'honest-client', clientSecret: SECRET },
    env: {
      OAUTH_ISSUER: undefined, OAUTH_CLIENT_ID: undefined, OAUTH_CLIENT_SECRET: undefined, OAUTH_PAR: undefined, OAUTH_AUTHORIZATION_PARAMETERS: undefined,
      ALLOWED_EMAIL_DOMAINS: undefined, ALLOWED_GROUPS: undefined,
      OAUTH_PROVIDERS: JSON.stringify([
        { name: 'honest', issuer: honest.issuer, clientId: 'honest-client', clientSecret: SECRET },
        { name: 'evil', issuer: evil.issuer, clientId: evil.clientId, clientSecret: evil.clientSecret },
      ]),
    },
  });
});

afterEach(() => {
  evil.reset();
  atHonest.length = 0;
});

afterAll(async () => {
  await service?.close();
  await Promise.all([honest?.close(), evil?.close()]);
});

/** A login at the attacker, which approves at once for `user` (its authorization endpoint reads login_hint). */
async function loginAtEvil(browser: TestBrowser, user: string) {
  const login = await browser.get('/login?provider=evil');
  const authorize = new URL(login.location!);
  authorize.searchParams.set('login_hint', user);
  const approved = await fetch(authorize, { redirect: 'manual' });
  return browser.get(pathAndQuery(approved.headers.get('location')!));
}

const tokenCallsAtHonest = () => atHonest.filter((request) => request.method === 'POST' && request.path === '/token').length;

/**
 * §4.4.1: the user starts a login at the attacker; the attacker's authorization endpoint sends the
 * browser on to the honest provider with the client's honest client id, this login's state and
 * PKCE challenge, and a redirect URI it picks. The user signs in there, honestly.
 */
async function forwardedToHonest(browser: TestBrowser, redirectPath: string): Promise<{ callbackUrl: URL; before: number }> {
  const login = await browser.get('/login?provider=evil');
  const toEvil = new URL(login.location!);
  const forwarded = new URL(`${honest.issuer}/auth`);
  for (const name of ['response_type', 'scope', 'state', 'nonce', 'code_challenge', 'code_challenge_method']) forwarded.searchParams.set(name, toEvil.searchParams.get(name)!);
  forwarded.searchParams.set('client_id', 'honest-client');
  forwarded.searchParams.set('redirect_uri', `${baseUrl}${redirectPath}`);
  const { callbackUrl } = await completeDevLogin(forwarded.href, 'ada', new CookieJar());
  return { callbackUrl: new URL(callbackUrl), before: evil.tokenRequests.length };
}

test('control: a login at each provider signs in, and a refresh stays with its provider', async () => {
  const atEvil = service.browser();
  expect((await loginAtEvil(atEvil, 'mallory')).status).toBe(302);
  expect((await atEvil.get('/session')).json()).toMatchObject({ sub: 'mallory', provider: 'evil' });
  const browser = service.browser();
  const login = await browser.get('/login?provider=honest');
  const { callbackUrl } = await completeDevLogin(login.location!, 'ada', new CookieJar());
  expect((await browser.get(pathAndQuery(callbackUrl))).status).toBe(302);
  const evilCalls = evil.tokenRequests.length;
  await new Promise((resolve) => setTimeout(resolve, 1_200));
  expect((await browser.get('/api/items', { 'x-csrf': '1' })).status).toBe(200);
  // The honest session's refresh went to the honest provider, never to the attacker.
  expect([tokenCallsAtHonest() >= 2, evil.tokenRequests.length]).toEqual([true, evilCalls]);
});

test.each([
  ['with iss', false],
  // The attacker also claims to send no iss (its own metadata), so the issuer cannot tell: only the redirect URI does.
  ['without iss, from an attacker whose metadata says it sends none', true],
])('the honest provider\'s answer for the attacker\'s login, %s, at the honest redirect URI: refused, the code redeemed nowhere', async (_case, stripIss) => {
  if (stripIss) evil.misbehave({ discovery: { authorization_response_iss_parameter_supported: false } });
  const browser = stripIss ? (await service.startVariant({})).browser() : service.browser();
  const { callbackUrl, before } = await forwardedToHonest(browser, '/callback/honest');
  expect(callbackUrl.pathname).toBe('/callback/honest');
  if (stripIss) callbackUrl.searchParams.delete('iss');
  atHonest.length = 0;
  const answer = await browser.get(pathAndQuery(callbackUrl.href));
  expectErrorPage(answer, 400, 'issuer_mismatch');
  expect([evil.tokenRequests.length - before, tokenCallsAtHonest()]).toEqual([0, 0]);
  expect(browser.cookies.get('__Host-session')).toBeUndefined();
});

test('asked for the attacker\'s redirect URI, the honest provider does not send its code there at all', async () => {
  const browser = service.browser();
  await expect(forwardedToHonest(browser, '/callback/evil')).rejects.toThrow(/redirect_uri|answered 400/);
});

test('the honest code carried to the attacker\'s redirect URI by hand, iss removed and the attacker claiming no iss support: the code goes nowhere but to the attacker\'s own token endpoint, with the attacker\'s own client credentials, and signs nobody in', async () => {
  // What an attacker could do with a code it already has: the honest provider only ever redirects
  // to /callback/honest, so this code reached the attacker some other way (§4.4.1's last step).
  evil.misbehave({ discovery: { authorization_response_iss_parameter_supported: false } });
  const variant = await service.startVariant({});
  const browser = variant.browser();
  const { callbackUrl, before } = await forwardedToHonest(browser, '/callback/honest');
  const carried = new URL(callbackUrl.href);
  carried.pathname = '/callback/evil';
  carried.searchParams.delete('iss');
  const answer = await browser.get(pathAndQuery(carried.href));
  // The attacker's token endpoint refuses a code it did not issue: no session, whatever it is.
  expect(answer.status).toBeGreaterThanOrEqual(400);
  expect(browser.cookies.get('__Host-session')).toBeUndefined();
  // It saw the code with the evil client's credentials: never the honest client's secret.
  const sent = evil.tokenRequests.slice(before);
  expect(sent.every((request) => !Buffer.from(request.authorization.replace(/^Basic /, ''), 'base64').toString().includes(SECRET))).toBe(true);
  expect(tokenCallsAtHonest()).toBe(0);
});

test('the attacker\'s answer for an honest login, at the attacker\'s redirect URI: refused before any code is redeemed', async () => {
  const browser = service.browser();
  const login = await browser.get('/login?provider=honest');
  const state = new URL(login.location!).searchParams.get('state')!;
  const before = evil.tokenRequests.length;
  const forged = new URL(`${baseUrl}/callback/evil`);
  forged.search = new URLSearchParams({ code: 'attacker-code', state, iss: evil.issuer }).toString();
  expectErrorPage(await browser.get(pathAndQuery(forged.href)), 400, 'issuer_mismatch');
  expect([evil.tokenRequests.length - before, tokenCallsAtHonest()]).toEqual([0, 0]);
});

test('the attacker\'s answer for an honest login at the honest redirect URI, with the attacker\'s iss: refused', async () => {
  const browser = service.browser();
  const login = await browser.get('/login?provider=honest');
  const state = new URL(login.location!).searchParams.get('state')!;
  const forged = new URL(`${baseUrl}/callback/honest`);
  forged.search = new URLSearchParams({ code: 'attacker-code', state, iss: evil.issuer }).toString();
  expectErrorPage(await browser.get(pathAndQuery(forged.href)), 400, 'issuer_mismatch');
  expect(tokenCallsAtHonest()).toBe(0);
});

test('an ID token from the attacker that claims the honest issuer signs nobody in', async () => {
  evil.misbehave({ idTokenClaims: { iss: honest.issuer } });
  const browser = service.browser();
  expectErrorPage(await loginAtEvil(browser, 'ada'), 502, 'id_token_invalid');
  expect(browser.cookies.get('__Host-session')).toBeUndefined();
});

test('the attacker\'s discovery document claiming the honest issuer: its logins refuse to start, the honest ones go on', async () => {
  evil.misbehave({ discoveryIssuer: honest.issuer });
  const variant = await service.startVariant({});
  const refused = await variant.browser().get('/login?provider=evil');
  expectErrorPage(refused, 500, 'issuer_misconfigured');
  const fine = await variant.browser().get('/login?provider=honest');
  expect(new URL(fine.location!).origin).toBe(new URL(honest.issuer).origin);
});
