/**
 * Cross-site request forgery against /api and /logout (RFC 9700 4.7 for the login itself is in
 * login-csrf-and-state.test.ts). /api needs the `X-CSRF: 1` header, which a cross-site form, image
 * or link cannot send and a cross-site fetch cannot send without a CORS approval the service never
 * gives; /logout needs the session's `sid`, which only the user's own pages can read.
 */
import { rawRequest, harnessForFile, expectErrorPage } from './harness';
import type { TestBrowser } from '../support/test-browser';

const h = harnessForFile({ reset: ['upstream'] });
let alice: TestBrowser;

beforeAll(async () => {
  alice = await h.signIn('alice');
});

const session = () => alice.cookies.get('__Host-session')!;

describe('/api without a valid X-CSRF header: 401 JSON, no session read needed, no upstream call', () => {
  test.each<[string, string, Array<[string, string]>]>([
    ['GET without the header (an <img> or link)', 'GET', []],
    ['POST of a cross-site form', 'POST', [['content-type', 'application/x-www-form-urlencoded']]],
    ['DELETE without the header', 'DELETE', []],
    ['X-CSRF: 0', 'POST', [['x-csrf', '0']]],
    ['X-CSRF: true', 'POST', [['x-csrf', 'true']]],
    ['X-CSRF: 11', 'POST', [['x-csrf', '11']]],
    ['X-CSRF sent twice (joined to "1,1")', 'POST', [['x-csrf', '1'], ['x-csrf', '1']]],
    ['X-CSRF: empty', 'POST', [['x-csrf', '']]],
  ])('%s', async (_case, method, headers) => {
    const response = await rawRequest(h.baseUrl, {
      method, path: '/api/orders', headers: [['cookie', `__Host-session=${session()}`], ...headers], body: method === 'GET' ? undefined : 'amount=1000',
    });
    expect(response.status).toBe(401);
    expect(JSON.parse(response.body.toString())).toEqual({ error: 'csrf_header_missing', message: expect.any(String) });
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    expect(h.upstream.requests).toHaveLength(0);
  });

  test('control: the same request with X-CSRF: 1 (in any letter case) reaches the API', async () => {
    const response = await rawRequest(h.baseUrl, { method: 'POST', path: '/api/orders', headers: [['cookie', `__Host-session=${session()}`], ['X-Csrf', '1']], body: '{}' });
    expect(response.status).toBe(200);
    expect(h.upstream.requests).toHaveLength(1);
  });

  test('a CORS preflight is never approved, so no other site can add the header', async () => {
    const response = await rawRequest(h.baseUrl, {
      method: 'OPTIONS', path: '/api/orders',
      headers: [['origin', 'https://evil.example'], ['access-control-request-method', 'POST'], ['access-control-request-headers', 'x-csrf']],
    });
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    expect(response.headers['access-control-allow-headers']).toBeUndefined();
    expect(h.upstream.requests).toHaveLength(0);
  });

  test('an upstream that answers with CORS headers does not open the API to other sites', async () => {
    h.upstream.respondWith(() => ({ status: 200, headers: { 'access-control-allow-origin': '*', 'access-control-allow-credentials': 'true' }, body: {} }));
    const response = await alice.get('/api/profile', { 'x-csrf': '1' });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
  });
});

describe('/logout needs the session\'s own sid (cross-site logout)', () => {
  test.each([
    ['a plain link without sid', '/logout'],
    ['a guessed sid', '/logout?sid=AAAAAAAAAAAAAAAAAAAAAA'],
    ['an empty sid', '/logout?sid='],
  ])('%s is refused and the session stays', async (_case, path) => {
    const victim = await h.signIn('victim');
    expectErrorPage(await victim.get(path), 400, 'logout_sid_mismatch');
    expect((await victim.get('/session')).status).toBe(200);
  });

  test('another user\'s sid does not end this session', async () => {
    const victim = await h.signIn('victim2');
    const { sid: attackerSid } = (await (await h.signIn('attacker')).get('/session')).json();
    expectErrorPage(await victim.get(`/logout?sid=${encodeURIComponent(attackerSid)}`), 400, 'logout_sid_mismatch');
    expect((await victim.get('/session')).status).toBe(200);
  });

  test('a duplicated sid is refused, not guessed at', async () => {
    const victim = await h.signIn('victim3');
    const { sid } = (await victim.get('/session')).json();
    const response = await victim.get(`/logout?sid=${encodeURIComponent(sid)}&sid=x`);
    expectErrorPage(response, 400, 'invalid_request');
    expect((await victim.get('/session')).status).toBe(200);
  });

  test('the sid alone (without the cookie) ends nothing', async () => {
    const victim = await h.signIn('victim4');
    const { sid } = (await victim.get('/session')).json();
    const stranger = h.browser();
    const response = await stranger.get(`/logout?sid=${encodeURIComponent(sid)}`);
    expect(response.status).toBe(302);
    expect(response.location).toBe('/');
    expect((await victim.get('/session')).status).toBe(200);
  });

  test('the sid is not the cookie, and /session is not readable cross-origin', async () => {
    const response = await rawRequest(h.baseUrl, { path: '/session', headers: [['cookie', `__Host-session=${session()}`], ['origin', 'https://evil.example']] });
    expect(response.status).toBe(200);
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    const { sid } = JSON.parse(response.body.toString());
    expect(sid).not.toBe(session());
    expect(response.body.toString()).not.toContain(session());
  });

  test('the session cookie is __Host-, HttpOnly, Secure and SameSite=Lax', async () => {
    const browser = h.browser();
    const response = await h.callback(browser, await h.authorize(browser));
    const cookie = response.setCookies.find((line) => line.startsWith('__Host-session='))!;
    expect(cookie).toMatch(/; Path=\/; Secure; HttpOnly; SameSite=Lax; Max-Age=\d+$/);
    expect(cookie).not.toMatch(/Domain=/i);
  });
});
