/**
 * The whole flow against real parts: the local API Gateway server and the real handlers, the
 * certified oidc-provider as identity provider, DynamoDB Local, and a recording upstream API.
 */
import type { DevProvider } from '../../local/dev-idp';
import { clearCookie, loginBindingCookie } from '../../functions/adapters/api-gateway/cookies';
import { hashToken } from '../../functions/core/opaque-tokens';
import type { RecordingUpstream } from '../support/recording-upstream';
import { startService, type Service } from '../support/harness';
import { pathAndQuery, TestBrowser } from '../support/test-browser';

const CLIENT_ID = 'integration-client';
const CLIENT_SECRET = 'integration-secret-value-that-is-long-enough';

let service: Service<DevProvider>;
let idp: DevProvider;
let upstream: RecordingUpstream;
let baseUrl: string;

beforeAll(async () => {
  service = await startService({ provider: { kind: 'dev', clientId: CLIENT_ID, clientSecret: CLIENT_SECRET } });
  ({ provider: idp, upstream, baseUrl } = service);
});

afterAll(() => service?.close());

beforeEach(() => upstream.reset());

/** Runs /login in `browser` and the provider's login for `user`; returns the callback URL, not yet visited. */
async function loginAtProvider(browser: TestBrowser, user: string, returnTo = '/after'): Promise<string> {
  return (await service.authorize(browser, { user, returnTo })).href;
}

const signIn = (user: string) => service.signIn(user, { returnTo: '/after' });
const scanTable = () => service.items();

describe('/login', () => {
  test('redirects to the provider with PKCE S256, state and nonce, bound to the browser by a __Host- cookie', async () => {
    const browser = new TestBrowser(baseUrl);
    const response = await browser.get('/login?returnTo=%2Fdocs%3Fa%3D1');
    expect(response.status).toBe(302);
    const location = new URL(response.location!);
    expect(location.href.startsWith(`${idp.issuer}/`)).toBe(true);
    const params = location.searchParams;
    expect(params.get('response_type')).toBe('code');
    expect(params.get('client_id')).toBe(CLIENT_ID);
    expect(params.get('redirect_uri')).toBe(`${baseUrl}/callback`);
    expect(params.get('code_challenge_method')).toBe('S256');
    expect(params.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(params.get('state')!.length).toBeGreaterThanOrEqual(32);
    expect(params.get('nonce')!.length).toBeGreaterThanOrEqual(32);
    expect(params.get('scope')).toBe('openid profile email');
    const [cookie] = response.setCookies;
    expect(cookie).toMatch(/^__Host-login-[A-Za-z0-9_-]{16}=[A-Za-z0-9_-]{43}; Path=\/; Secure; HttpOnly; SameSite=Lax; Max-Age=600$/);
    expect(cookie!.startsWith(`${loginBindingCookie(params.get('state')!)}=`)).toBe(true);
    expect(response.headers.get('cache-control')).toBe('no-store');
    // The store holds the state only as a hash, and never the browser's cookie value.
    const items = JSON.stringify(await scanTable());
    expect(items).toContain(hashToken(params.get('state')!));
    expect(items).not.toContain(params.get('state')!);
    expect(items).not.toContain(browser.cookies.get(loginBindingCookie(params.get('state')!))!);
  });

  test.each(['https://evil.example/', '//evil.example', '/\\evil.example', 'javascript:alert(1)'])('refuses returnTo %s', async (returnTo) => {
    const response = await new TestBrowser(baseUrl).get(`/login?returnTo=${encodeURIComponent(returnTo)}`);
    expect(response.status).toBe(400);
    expect(response.location).toBeUndefined();
    expect(response.text).toContain('invalid_return_to');
    expect(response.text).not.toContain('evil');
  });
});

describe('/callback', () => {
  test('creates a session stored under the hash of an opaque cookie and redirects to returnTo', async () => {
    const browser = new TestBrowser(baseUrl);
    const callbackUrl = await loginAtProvider(browser, 'alice', '/after?x=1');
    expect(new URL(callbackUrl).searchParams.get('iss')).toBe(idp.issuer);
    const response = await browser.get(pathAndQuery(callbackUrl));
    expect(response.status).toBe(302);
    expect(response.location).toBe('/after?x=1');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    const sessionCookie = response.setCookies.find((line) => line.startsWith('__Host-session='))!;
    expect(sessionCookie).toMatch(/^__Host-session=[A-Za-z0-9_-]{43}; Path=\/; Secure; HttpOnly; SameSite=Lax; Max-Age=\d+$/);
    // The attempt's binding cookie served its one callback and is cleared.
    const state = new URL(callbackUrl).searchParams.get('state')!;
    expect(response.setCookies).toContain(clearCookie(loginBindingCookie(state)));
    expect([...browser.cookies.keys()].filter((name) => name.startsWith('__Host-login-'))).toEqual([]);
    const token = browser.cookies.get('__Host-session')!;
    const items = await scanTable();
    const session = items.find((item) => item.pk?.S === `session#${hashToken(token)}`);
    expect(session).toBeDefined();
    expect(JSON.stringify(items)).not.toContain(token);

    const me = await browser.get('/session');
    expect(me.status).toBe(200);
    expect(me.json()).toMatchObject({ sub: 'alice', name: 'Alice', email: 'alice@example.test' });
    expect(me.json().accessToken).toBeUndefined();
  });

  test('signing in again ends the previous session of this browser', async () => {
    const browser = await signIn('rene');
    const first = browser.cookies.get('__Host-session')!;
    const callback = await browser.get(pathAndQuery(await loginAtProvider(browser, 'rene')));
    expect(callback.status).toBe(302);
    expect(browser.cookies.get('__Host-session')).not.toBe(first);
    expect((await browser.get('/session')).status).toBe(200);
    const items = await scanTable();
    // Left as a tombstone with the reason for the table's stream, and without its tokens.
    const previous = items.find((item) => item.pk?.S === `session#${hashToken(first)}`);
    expect(previous?.endReason).toEqual({ S: 'replaced' });
    expect(previous?.tokens).toBeUndefined();
  });

  test('logins started in two tabs of one browser both complete', async () => {
    const browser = new TestBrowser(baseUrl);
    const first = await loginAtProvider(browser, 'tabby', '/one');
    const second = await loginAtProvider(browser, 'tabby', '/two');
    expect((await browser.get(pathAndQuery(first))).location).toBe('/one');
    expect((await browser.get(pathAndQuery(second))).location).toBe('/two');
  });

  test('a replayed callback is refused and creates no second session', async () => {
    const browser = new TestBrowser(baseUrl);
    const callbackUrl = await loginAtProvider(browser, 'bob');
    const bindingName = loginBindingCookie(new URL(callbackUrl).searchParams.get('state')!);
    const binding = browser.cookies.get(bindingName)!;
    expect((await browser.get(pathAndQuery(callbackUrl))).status).toBe(302);
    const sessionsBefore = (await scanTable()).filter((item) => item.pk?.S?.startsWith('session#')).length;
    browser.cookies.set(bindingName, binding);
    const replay = await browser.get(pathAndQuery(callbackUrl));
    expect(replay.status).toBe(400);
    expect(replay.text).toContain('login_state_invalid');
    expect(replay.headers.get('content-type')).toContain('text/html');
    expect((await scanTable()).filter((item) => item.pk?.S?.startsWith('session#')).length).toBe(sessionsBefore);
  });

  test('a callback carried to another browser is refused (state bound to the starting browser)', async () => {
    const victim = new TestBrowser(baseUrl);
    const attacker = new TestBrowser(baseUrl);
    const callbackUrl = await loginAtProvider(attacker, 'mallory');
    await victim.get('/login'); // the victim has a binding cookie of its own
    const response = await victim.get(pathAndQuery(callbackUrl));
    expect(response.status).toBe(400);
    expect(response.text).toContain('login_state_mismatch');
    expect(victim.cookies.has('__Host-session')).toBe(false);
    // Not used up by the stranger: its owner still finishes (RFC 9700 4.7.1, a leaked callback URL spoils nothing).
    expect((await attacker.get(pathAndQuery(callbackUrl))).status).toBe(302);
  });

  test('missing state, unknown state and duplicated parameters are refused', async () => {
    const browser = new TestBrowser(baseUrl);
    expect((await browser.get('/callback?code=abc')).text).toContain('login_state_missing');
    // A state this browser started no login for: no binding cookie of that name, so not this browser's.
    expect((await browser.get('/callback?code=abc&state=unknown-state')).text).toContain('login_state_mismatch');
    browser.cookies.set(loginBindingCookie('unknown-state'), 'D'.repeat(43));
    expect((await browser.get('/callback?code=abc&state=unknown-state')).text).toContain('login_state_invalid');
    const callbackUrl = new URL(await loginAtProvider(browser, 'carol'));
    const duplicated = `${callbackUrl.pathname}${callbackUrl.search}&state=${callbackUrl.searchParams.get('state')}`;
    const response = await browser.get(duplicated);
    expect(response.status).toBe(400);
    expect(response.text).toContain('invalid_authorization_response');
  });

  test('a response with a state but no code is malformed input, not a provider failure', async () => {
    const browser = new TestBrowser(baseUrl);
    const login = await browser.get('/login');
    const state = new URL(login.location!).searchParams.get('state')!;
    const response = await browser.get(`/callback?state=${state}&iss=${encodeURIComponent(idp.issuer)}`);
    expect(response.status).toBe(400);
    expect(response.text).toContain('invalid_authorization_response');
  });

  test('an expired login transaction still in the table is refused', async () => {
    const browser = new TestBrowser(baseUrl);
    const binding = 'E'.repeat(43);
    browser.cookies.set(loginBindingCookie('expired-state'), binding);
    await service.store.save(hashToken('expired-state'), {
      bindingHash: hashToken(binding),
      codeVerifier: 'v'.repeat(43),
      nonce: 'n',
      returnTo: '/',
      expiresAt: Math.floor(Date.now() / 1000) - 1,
    });
    const response = await browser.get('/callback?code=abc&state=expired-state');
    expect(response.status).toBe(400);
    expect(response.text).toContain('login_state_invalid');
  });

  test('an iss that is not the configured issuer is refused (RFC 9207 mix-up defence)', async () => {
    const browser = new TestBrowser(baseUrl);
    const callbackUrl = new URL(await loginAtProvider(browser, 'dave'));
    callbackUrl.searchParams.set('iss', 'https://attacker.example');
    const response = await browser.get(pathAndQuery(callbackUrl.href));
    expect(response.status).toBe(400);
    expect(response.text).toContain('issuer_mismatch');
    expect(browser.cookies.has('__Host-session')).toBe(false);
  });

  test("the provider's error response ends in a clear page and no session", async () => {
    const browser = new TestBrowser(baseUrl);
    const login = await browser.get('/login');
    const state = new URL(login.location!).searchParams.get('state')!;
    const response = await browser.get(`/callback?error=access_denied&error_description=%3Cscript%3E&state=${state}&iss=${encodeURIComponent(idp.issuer)}`);
    expect(response.status).toBe(400);
    expect(response.text).toContain('provider_denied');
    expect(response.text).not.toContain('<script>');
    expect(browser.cookies.has('__Host-session')).toBe(false);
  });

  test('a code injected into another login is rejected by the provider (PKCE)', async () => {
    const attacker = new TestBrowser(baseUrl);
    const stolenCode = new URL(await loginAtProvider(attacker, 'mallory')).searchParams.get('code')!;
    const victim = new TestBrowser(baseUrl);
    const victimCallback = new URL(await loginAtProvider(victim, 'victim'));
    victimCallback.searchParams.set('code', stolenCode);
    const response = await victim.get(pathAndQuery(victimCallback.href));
    expect(response.status).toBe(400);
    expect(response.text).toContain('code_rejected');
    expect(victim.cookies.has('__Host-session')).toBe(false);
  });
});

describe('/api', () => {
  test('forwards method, path, query and body with the bearer token and nothing of the browser', async () => {
    const browser = await signIn('erin');
    const get = await browser.get('/api/items/42?filter=a%20b&x=1', { 'x-csrf': '1', authorization: 'Basic c3B5OnNweQ==', accept: 'application/json' });
    expect(get.status).toBe(200);
    const recorded = upstream.requests.at(-1)!;
    expect(recorded.method).toBe('GET');
    expect(recorded.path).toBe('/v1/items/42');
    expect(recorded.query).toBe('filter=a%20b&x=1');
    expect(recorded.headers.authorization).toMatch(/^Bearer [\w.-]+$/);
    expect(recorded.headers.cookie).toBeUndefined();
    expect(recorded.headers['x-csrf']).toBeUndefined();

    const post = await browser.request('/api/items', {
      method: 'POST',
      headers: { 'x-csrf': '1', 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'widget' }),
    });
    expect(post.status).toBe(200);
    const posted = upstream.requests.at(-1)!;
    expect(posted.method).toBe('POST');
    expect(JSON.parse(posted.body.toString())).toEqual({ name: 'widget' });
    expect(posted.headers['content-type']).toBe('application/json');
  });

  test('passes the upstream status, body and content headers back, but not its cookies', async () => {
    const browser = await signIn('frank');
    upstream.respondWith(() => ({
      status: 418,
      headers: { 'content-type': 'text/plain', 'set-cookie': 'upstream=1', etag: '"v1"', 'x-internal': 'secret' },
      body: 'short and stout',
    }));
    const response = await browser.get('/api/teapot', { 'x-csrf': '1' });
    expect(response.status).toBe(418);
    expect(response.text).toBe('short and stout');
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(response.headers.get('etag')).toBe('"v1"');
    expect(response.headers.get('x-internal')).toBeNull();
    expect(response.headers.get('content-security-policy')).toMatch(/^sandbox;/);
    expect(response.setCookies).toEqual([]);
  });

  test('without the X-CSRF header or without a session: 401 JSON and no upstream call', async () => {
    const browser = await signIn('grace');
    const noCsrf = await browser.get('/api/items');
    expect(noCsrf.status).toBe(401);
    expect(noCsrf.json()).toEqual({ error: 'csrf_header_missing', message: expect.any(String) });
    const anonymous = await new TestBrowser(baseUrl).get('/api/items', { 'x-csrf': '1' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.json().error).toBe('not_signed_in');
    const forged = new TestBrowser(baseUrl);
    forged.cookies.set('__Host-session', 'A'.repeat(43));
    expect((await forged.get('/api/items', { 'x-csrf': '1' })).json().error).toBe('not_signed_in');
    expect(upstream.requests).toHaveLength(0);
  });

    // fetch normalises a bare `%2e%2e` segment itself; the unit tests cover that shape.
test.each(['/api/..%2f..%2fadmin', '/api/a/%2E%2e%2Fadmin', '/api/a%5c..%5c..%5cadmin', '/%61pi/users'])('cannot leave the upstream base path: %s', async (path) => {
    const browser = await signIn('heidi');
    const response = await browser.get(path, { 'x-csrf': '1' });
    expect(response.status).toBe(400);
    expect(response.json().error).toBe('invalid_api_path');
    expect(upstream.requests).toHaveLength(0);
  });
});

describe('/logout', () => {
  test('needs the sid from /session, ends the session and goes to the end-session endpoint', async () => {
    const browser = await signIn('ivan');
    const token = browser.cookies.get('__Host-session')!;
    const wrong = await browser.get('/logout?sid=not-the-sid');
    expect(wrong.status).toBe(400);
    expect(wrong.text).toContain('logout_sid_mismatch');
    expect((await browser.get('/session')).status).toBe(200);

    const { logoutUrl } = (await browser.get('/session')).json();
    const response = await browser.get(logoutUrl);
    expect(response.status).toBe(302);
    const location = new URL(response.location!);
    expect(location.href.startsWith(idp.issuer)).toBe(true);
    expect(location.searchParams.get('post_logout_redirect_uri')).toBe(`${baseUrl}/logout/done`);
    expect(location.searchParams.get('id_token_hint')).toBeTruthy();
    expect(browser.cookies.has('__Host-session')).toBe(false);
    const ended = (await scanTable()).find((item) => item.pk?.S === `session#${hashToken(token)}`);
    expect(ended?.endReason).toEqual({ S: 'logout' });
    expect(ended?.tokens).toBeUndefined();

    // Twice is harmless: no session, straight back home.
    browser.cookies.set('__Host-session', token);
    const again = await browser.get(logoutUrl);
    expect(again.status).toBe(302);
    expect(again.location).toBe('/');
    expect((await browser.get('/session')).status).toBe(401);
  });
});
