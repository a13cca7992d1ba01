/**
 * Two certified oidc-providers at once (OAUTH_PROVIDERS): the user picks one on the page /login
 * answers without a name, or names it; every step stays with that provider (its own redirect URI
 * /callback/<name>, its token endpoint, its refresh, revocation and logout); equal `sub` values at
 * the two are two users; /session, the user's sessions and the authorizer name the provider.
 */
import type { DevProvider, ObservedRequest } from '../../local/dev-idp';
import { startDevProvider } from '../../local/dev-idp';
import { FUNCTION_TABLE } from '../../infra/route-table';
import { startService, type Service } from '../support/harness';
import { CookieJar, completeDevLogin, parseForm } from '../support/dev-idp-login';
import { freePort } from '../support/free-port';
import { pathAndQuery, type TestBrowser } from '../support/test-browser';

const SECRET = 'a-client-secret-that-is-long-enough-for-both';
let port: number;
let baseUrl: string;
let providers: Record<'corp' | 'partner', DevProvider>;
const seen: Record<'corp' | 'partner', ObservedRequest[]> = { corp: [], partner: [] };
let service: Service<unknown>;

beforeAll(async () => {
  port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  const start = (name: 'corp' | 'partner') => startDevProvider({
    clients: [{
      clientId: `${name}-client`, clientSecret: SECRET, redirectUris: [`${baseUrl}/callback/${name}`],
      postLogoutRedirectUris: [`${baseUrl}${FUNCTION_TABLE.LogoutDone.route.path}`], backchannelLogoutUri: `${baseUrl}${FUNCTION_TABLE.BackchannelLogout.route.path}`,
    }],
    accessTokenTtlSeconds: 2,
    observe: (request) => seen[name].push(request),
  });
  providers = { corp: await start('corp'), partner: await start('partner') };
  service = await startService({
    port,
    provider: { kind: 'external', issuer: providers.corp.issuer, clientId: 'corp-client', clientSecret: SECRET },
    env: {
      OAUTH_ISSUER: undefined, OAUTH_CLIENT_ID: undefined, OAUTH_CLIENT_SECRET: undefined, OAUTH_PAR: undefined, OAUTH_AUTHORIZATION_PARAMETERS: undefined,
      ALLOWED_EMAIL_DOMAINS: undefined, ALLOWED_GROUPS: undefined, AUTHORIZER_CLAIMS: undefined,
      OAUTH_PROVIDERS: JSON.stringify([
        { name: 'corp', displayName: 'Corp & Co', issuer: providers.corp.issuer, clientId: 'corp-client', clientSecret: SECRET },
        { name: 'partner', issuer: providers.partner.issuer, clientId: 'partner-client', clientSecret: SECRET, clientAuthMethod: 'client_secret_post' },
      ]),
    },
  });
});

afterAll(async () => {
  await service?.close();
  await Promise.all(Object.values(providers ?? {}).map((provider) => provider.close()));
});

const clear = () => { seen.corp.length = 0; seen.partner.length = 0; };
const posts = (name: 'corp' | 'partner') => seen[name].filter((request) => request.method === 'POST').map((request) => request.path);

async function signInAt(name: 'corp' | 'partner', user: string, browser = service.browser(), jar = new CookieJar()): Promise<TestBrowser> {
  const login = await browser.get(`/login?provider=${name}&returnTo=%2Fhome`);
  expect(login.status).toBe(302);
  expect(new URL(login.location!).origin).toBe(new URL(providers[name].issuer).origin);
  const { callbackUrl } = await completeDevLogin(login.location!, user, jar);
  expect(new URL(callbackUrl).pathname).toBe(`/callback/${name}`);
  const answer = await browser.get(pathAndQuery(callbackUrl));
  expect([answer.status, answer.location]).toEqual([302, '/home']);
  return browser;
}

test('/login without a provider: a page with one link per provider, carrying returnTo and the login options; nothing stored', async () => {
  const before = (await service.items()).length;
  const page = await service.browser().get('/login?returnTo=%2Fapp%3Ftab%3D2&prompt=login');
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  const links = [...page.text.matchAll(/<a href="([^"]+)">([^<]+)<\/a>/g)].map(([, href, text]) => [href!.replace(/&amp;/g, '&'), text]);
  expect(links).toEqual([
    ['/login?provider=corp&returnTo=%2Fapp%3Ftab%3D2&prompt=login', 'Sign in with Corp &amp; Co'],
    ['/login?provider=partner&returnTo=%2Fapp%3Ftab%3D2&prompt=login', 'Sign in with partner'],
  ]);
  expect(page.text).not.toContain('<script');
  expect((await service.items()).length).toBe(before);
});

test('an unknown provider is 400 unknown_provider, and a returnTo off the site is refused before any page', async () => {
  const unknown = await service.browser().get('/login?provider=other');
  expect(unknown.status).toBe(400);
  expect(unknown.text).toContain('unknown_provider');
  expect((await service.browser().get('/login?returnTo=https%3A%2F%2Fevil.example')).status).toBe(400);
});

test('a sign-in at each provider, each at its own endpoints only; /session names the provider', async () => {
  clear();
  const atCorp = await signInAt('corp', 'ada');
  expect([posts('corp').filter((path) => path === '/token').length, posts('partner')]).toEqual([1, []]);
  clear();
  const atPartner = await signInAt('partner', 'bob');
  expect([posts('partner').filter((path) => path === '/token').length, posts('corp')]).toEqual([1, []]);
  expect((await atCorp.get('/session')).json()).toMatchObject({ sub: 'ada', provider: 'corp' });
  expect((await atPartner.get('/session')).json()).toMatchObject({ sub: 'bob', provider: 'partner' });
});

test('refresh and logout go to the session\'s provider only', async () => {
  const browser = await signInAt('partner', 'carol');
  clear();
  await new Promise((resolve) => setTimeout(resolve, 1_200));
  expect((await browser.get('/api/items', { 'x-csrf': '1' })).status).toBe(200);
  const logout = await browser.get((await browser.get('/session')).json<{ logoutUrl: string }>().logoutUrl);
  expect(logout.status).toBe(302);
  expect(new URL(logout.location!).origin).toBe(new URL(providers.partner.issuer).origin);
  expect(posts('partner')).toEqual(expect.arrayContaining(['/token', '/token/revocation']));
  expect(posts('corp')).toEqual([]);
});

test('the same sub at both providers is two users: each sees only its own sessions', async () => {
  const atCorp = await signInAt('corp', 'dana');
  const atPartner = await signInAt('partner', 'dana');
  const listed = async (browser: TestBrowser) => (await browser.get('/sessions', { 'x-csrf': '1' })).json<{ sessions: Array<{ current: boolean }> }>().sessions;
  expect(await listed(atCorp)).toHaveLength(1);
  expect(await listed(atPartner)).toHaveLength(1);
  // Ending all of one's sessions at corp leaves the partner's dana signed in.
  expect((await atCorp.request('/sessions', { method: 'DELETE', headers: { 'x-csrf': '1' } })).status).toBe(204);
  expect((await atCorp.get('/session')).status).toBe(401);
  expect((await atPartner.get('/session')).json()).toMatchObject({ sub: 'dana', provider: 'partner' });
});

test('a response that comes back to the other provider\'s redirect URI is refused before any code is redeemed', async () => {
  const browser = service.browser();
  const login = await browser.get('/login?provider=corp');
  const { callbackUrl } = await completeDevLogin(login.location!, 'eve', new CookieJar());
  const moved = new URL(callbackUrl);
  moved.pathname = '/callback/partner';
  clear();
  const answer = await browser.get(pathAndQuery(moved.href));
  expect(answer.status).toBe(400);
  expect(answer.text).toContain('issuer_mismatch');
  expect([posts('corp'), posts('partner')]).toEqual([[], []]);
  // And at the one provider's path of old, /callback, as well.
  const again = await browser.get('/login?provider=corp');
  const second = new URL((await completeDevLogin(again.location!, 'eve', new CookieJar())).callbackUrl);
  second.pathname = '/callback';
  expect((await browser.get(pathAndQuery(second.href))).text).toContain('issuer_mismatch');
});

test('a session of a provider since removed from the list ends at its next refresh (401 session_ended), nothing sent anywhere', async () => {
  const browser = await signInAt('partner', 'gina');
  const withoutPartner = await service.startVariant({
    env: { OAUTH_PROVIDERS: JSON.stringify([{ name: 'corp', issuer: providers.corp.issuer, clientId: 'corp-client', clientSecret: SECRET }]) },
  });
  const moved = withoutPartner.browser();
  moved.cookies.set('__Host-session', browser.cookies.get('__Host-session')!);
  await new Promise((resolve) => setTimeout(resolve, 1_200));
  clear();
  const answer = await moved.get('/api/items', { 'x-csrf': '1' });
  expect([answer.status, answer.json<{ error: string }>().error]).toEqual([401, 'session_ended']);
  expect([posts('corp'), posts('partner')]).toEqual([[], []]);
});

test('a list of one provider: no page to choose, its own redirect URI, its name recorded; a sign-in goes through', async () => {
  const one = await service.startVariant({
    env: { OAUTH_PROVIDERS: JSON.stringify([{ name: 'corp', issuer: providers.corp.issuer, clientId: 'corp-client', clientSecret: SECRET }]) },
  });
  const browser = one.browser();
  const login = await browser.get('/login?returnTo=%2Fhome');
  expect(login.status).toBe(302);
  const { callbackUrl } = await completeDevLogin(login.location!, 'hana', new CookieJar());
  expect(new URL(callbackUrl).pathname).toBe('/callback/corp');
  expect((await browser.get(pathAndQuery(callbackUrl))).location).toBe('/home');
  expect((await browser.get('/session')).json()).toMatchObject({ sub: 'hana', provider: 'corp' });
});

test('back-channel logout: the second provider\'s logout token, checked with its own keys (not the first\'s), ends its session of a sub and not the first provider\'s session of the same sub', async () => {
  const partnerJar = new CookieJar();
  const atPartner = await signInAt('partner', 'ivan', service.browser(), partnerJar);
  const atCorp = await signInAt('corp', 'ivan');
  // The user signs out at partner itself (its logout confirmation page): partner posts its logout token to the service.
  const url = new URL(`${providers.partner.issuer}/session/end`);
  const page = await fetch(url, { headers: { cookie: partnerJar.header(url), accept: 'text/html' } });
  partnerJar.store(url, page.headers.getSetCookie());
  const form = parseForm(await page.text())!;
  const action = new URL(form.action, url);
  const confirmed = await fetch(action, {
    method: 'POST', redirect: 'manual',
    headers: { cookie: partnerJar.header(action), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams([...form.fields, ['logout', 'yes']]),
  });
  await confirmed.body?.cancel();
  expect((await atPartner.get('/session')).status).toBe(401);
  expect((await atCorp.get('/session')).json()).toMatchObject({ sub: 'ivan', provider: 'corp' });
});
