/**
 * The user's own sessions over HTTP (`GET /sessions`, `DELETE /sessions/{id}`, `DELETE /sessions`,
 * ../shared/DESIGN.md), with real parts: the handlers behind the local API Gateway stand-in, real
 * sign-ins at the certified oidc-provider, DynamoDB Local with the user index. Each case checks the
 * answer, and what the other routes and the table say afterwards.
 */
import { sessionIdOfKey, hashToken } from '../../functions/core/opaque-tokens';
import type { Session } from '../../functions/core/ports';
import type { DevProvider } from '../../local/dev-idp';
import { startService, type Service } from '../support/harness';
import { rememberSecret } from '../support/log-capture';
import { TestBrowser, type TestResponse } from '../support/test-browser';

let service: Service<DevProvider>;

beforeAll(async () => {
  service = await startService({});
});

afterAll(async () => {
  await service?.close();
});

const CSRF = { 'x-csrf': '1' };

interface Listed {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  current: boolean;
  userAgent?: string;
}

/** A browser signed in as `user` whose sign-in (the callback, which creates the session) sent `userAgent`. */
async function signedIn(user: string, userAgent = 'Mozilla/5.0 (test)'): Promise<{ browser: TestBrowser; id: string; key: string }> {
  const browser = service.browser();
  const callback = await service.authorize(browser, { user });
  expect((await browser.get(`${callback.pathname}${callback.search}`, { 'user-agent': userAgent })).status).toBe(302);
  const cookie = browser.cookies.get('__Host-session')!;
  rememberSecret('cookie', cookie);
  const key = hashToken(cookie);
  return { browser, id: sessionIdOfKey(key), key };
}

const list = async (browser: TestBrowser) => (await browser.get('/sessions', CSRF)).json<{ sessions: Listed[] }>().sessions;
const remove = (browser: TestBrowser, path: string, headers: Record<string, string> = CSRF) => browser.request(path, { method: 'DELETE', headers });
const alive = async (browser: TestBrowser) => (await browser.get('/session')).status === 200;
const clearsCookie = (response: TestResponse) => (response.headers.getSetCookie?.() ?? []).some((line) => /^__Host-session=;/.test(line) && /Max-Age=0/i.test(line));

test("lists the caller's sessions only, the caller's first, with the times and the user agent it signed in with, nothing secret", async () => {
  const longAgent = `Mozilla/5.0 ${'x'.repeat(300)}`;
  const first = await signedIn('ada', 'Firefox/1');
  const second = await signedIn('ada', 'Safari/2\tmobile');
  const third = await signedIn('ada', longAgent);
  await signedIn('bob');
  const before = Date.now();
  const sessions = await list(second.browser);
  // The caller's first; the others newest first, which within one second may be either (the unit tests order them).
  expect(sessions[0]).toMatchObject({ id: second.id, current: true, userAgent: 'Safari/2mobile' });
  const others = Object.fromEntries(sessions.slice(1).map((s) => [s.id, s]));
  expect(Object.keys(others).sort()).toEqual([first.id, third.id].sort());
  expect([others[first.id], others[third.id]].map((s) => [s!.current, s!.userAgent])).toEqual([[false, 'Firefox/1'], [false, longAgent.slice(0, 200)]]);
  for (const s of sessions) {
    expect(Object.keys(s).sort()).toEqual(['createdAt', 'current', 'expiresAt', 'id', 'lastSeenAt', 'userAgent']);
    for (const time of [s.createdAt, s.lastSeenAt, s.expiresAt]) expect(new Date(time).toISOString()).toBe(time);
    expect(Date.parse(s.createdAt)).toBeLessThanOrEqual(Date.parse(s.lastSeenAt));
    expect(Date.parse(s.lastSeenAt)).toBeLessThanOrEqual(before + 1000);
    expect(Date.parse(s.expiresAt)).toBeGreaterThan(before);
  }
  const body = JSON.stringify(sessions);
  for (const { browser, key } of [first, second, third]) {
    expect(body).not.toContain(browser.cookies.get('__Host-session')!);
    expect(body).not.toContain(key);
    expect(body).not.toContain((await service.store.get(key))!.sid);
  }
});

test('without X-CSRF: 401 csrf_header_missing on every method, and nothing ends; without a session: 401 not_signed_in', async () => {
  const caller = await signedIn('carol');
  const other = await signedIn('carol');
  for (const response of [await caller.browser.get('/sessions'), await remove(caller.browser, '/sessions', {}), await remove(caller.browser, `/sessions/${other.id}`, {})]) {
    expect([response.status, response.json<{ error: string }>().error]).toEqual([401, 'csrf_header_missing']);
  }
  expect(await alive(caller.browser)).toBe(true);
  expect(await alive(other.browser)).toBe(true);
  const stranger = service.browser();
  for (const response of [await stranger.get('/sessions', CSRF), await remove(stranger, '/sessions'), await remove(stranger, `/sessions/${other.id}`)]) {
    expect([response.status, response.json<{ error: string }>().error]).toEqual([401, 'not_signed_in']);
  }
  expect(await alive(other.browser)).toBe(true);
});

test("DELETE /sessions/{id} ends that one of the caller's sessions at once, everywhere; another user's or an unknown id is 404 unknown_session", async () => {
  const caller = await signedIn('dave');
  const other = await signedIn('dave');
  const bob = await signedIn('bob');
  const ended = await remove(caller.browser, `/sessions/${other.id}`);
  expect(ended.status).toBe(204);
  expect(clearsCookie(ended)).toBe(false);
  expect(await alive(other.browser)).toBe(false);
  expect((await other.browser.request('/api/items', { headers: CSRF })).status).toBe(401);
  expect(await alive(caller.browser)).toBe(true);
  expect((await list(caller.browser)).map((s) => s.id)).toEqual([caller.id]);
  for (const id of [bob.id, other.id, 'made-up-id', encodeURIComponent(bob.key)]) {
    const refused = await remove(caller.browser, `/sessions/${id}`);
    expect([refused.status, refused.json<{ error: string }>().error]).toEqual([404, 'unknown_session']);
  }
  expect(await alive(bob.browser)).toBe(true);
  const tombstone = (await service.items()).find((item) => item.pk?.S === `session#${other.key}`)!;
  expect(tombstone.endReason).toEqual({ S: 'user' });
  expect(tombstone.userKey).toBeUndefined();
});

test("DELETE /sessions/{own id} ends the caller's own and clears its cookie", async () => {
  const caller = await signedIn('erin');
  const response = await remove(caller.browser, `/sessions/${caller.id}`);
  expect(response.status).toBe(204);
  expect(clearsCookie(response)).toBe(true);
  expect(await alive(caller.browser)).toBe(false);
});

test('DELETE /sessions signs the user out everywhere, this browser too; other users stay', async () => {
  const mine = [await signedIn('frank'), await signedIn('frank'), await signedIn('frank')];
  const bob = await signedIn('bob');
  const response = await remove(mine[1]!.browser, '/sessions');
  expect(response.status).toBe(204);
  expect(clearsCookie(response)).toBe(true);
  for (const { browser } of mine) expect(await alive(browser)).toBe(false);
  expect(await alive(bob.browser)).toBe(true);
  const items = await service.items();
  for (const { key } of mine) expect(items.find((item) => item.pk?.S === `session#${key}`)!.endReason).toEqual({ S: 'user' });
});

test('a session stored before sessions recorded their issuer lists only itself', async () => {
  const { browser, key } = await signedIn('gina');
  const stored = (await service.store.get(key))!;
  const { issuer: _issuer, ...withoutIssuer } = stored;
  const legacyCookie = 'L'.repeat(43);
  await service.store.create(hashToken(legacyCookie), { ...(withoutIssuer as Session), sid: 'legacy-sid-0123456789' });
  const legacy = service.browser();
  legacy.cookies.set('__Host-session', legacyCookie);
  expect((await list(legacy)).map((s) => [s.id, s.current])).toEqual([[sessionIdOfKey(hashToken(legacyCookie)), true]]);
  expect((await list(browser)).map((s) => s.id)).toEqual([sessionIdOfKey(key)]);
});

test('DELETE /sessions/sessions is one session named "sessions": 404 unknown_session, nothing ended', async () => {
  const caller = await signedIn('hal');
  const other = await signedIn('hal');
  const refused = await remove(caller.browser, '/sessions/sessions');
  expect([refused.status, refused.json<{ error: string }>().error]).toEqual([404, 'unknown_session']);
  expect(await alive(caller.browser)).toBe(true);
  expect(await alive(other.browser)).toBe(true);
});
