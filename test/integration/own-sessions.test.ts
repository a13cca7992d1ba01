/**
 * A user's own sessions end to end through HTTP (../shared/DESIGN.md, "Sessions of one user"):
 * `GET /sessions`, `DELETE /sessions/{id}` and `DELETE /sessions`, with the real handlers behind
 * the local API Gateway server, sign-ins at the certified oidc-provider, and DynamoDB Local with
 * the `byUser` index (immediately consistent there, eventually in DynamoDB). Each browser sends
 * its own `User-Agent` on every request, the callback that creates its session included. The
 * service's clock can run ahead of the real one, so that sign-ins fall in different seconds and a
 * request moves a session's idle expiry. Every test signs in users of its own (`ada-<n>`,
 * `bob-<n>`), so no test sees another's sessions.
 */
import { QueryCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { indexKey } from '../../functions/adapters/dynamodb/session-item';
import { USER_INDEX, USER_KEY } from '../../functions/adapters/dynamodb/table-schema';
import { SESSION_COOKIE } from '../../functions/adapters/api-gateway/cookies';
import { hashToken, randomToken, sessionIdOfKey } from '../../functions/core/opaque-tokens';
import type { Session } from '../../functions/core/ports';
import type { DevProvider } from '../../local/dev-idp';
import { dynamoDbClient } from '../support/dynamodb-local';
import { startService, type Service } from '../support/harness';
import { rememberSecret } from '../support/log-capture';
import { TestBrowser, type TestResponse } from '../support/test-browser';

const IDLE_TIMEOUT_SECONDS = 1800;
/** A request moves the idle expiry only once it would move by this much (a tenth of the idle timeout). */
const TOUCH_INTERVAL_SECONDS = 180;
const CSRF = { 'x-csrf': '1' };

let service: Service<DevProvider>;
let client: DynamoDBClient;
/** How far the service's clock runs ahead of the real one. */
let offsetMs = 0;
const clock = { now: () => Date.now() + offsetMs };

beforeAll(async () => {
  service = await startService({
    env: { SESSION_IDLE_TIMEOUT_SECONDS: String(IDLE_TIMEOUT_SECONDS) },
    parts: { clock },
  });
  client = dynamoDbClient(service.endpoint);
});

afterAll(async () => {
  client?.destroy();
  await service?.close();
});

let testNumber = 0;
beforeEach(() => {
  testNumber++;
  offsetMs = 0;
  service.upstream.reset();
});

/** This test's users: their own names, so the user index holds only this test's sessions of them. */
const people = () => ({ ada: `ada-${testNumber}`, bob: `bob-${testNumber}` });

/** A browser that sends one `User-Agent` on every request, as a real one does: on /login, on /callback and after. */
class AgentBrowser extends TestBrowser {
  constructor(baseUrl: string, private readonly userAgent: string) {
    super(baseUrl);
  }

  override request(path: string, init: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<TestResponse> {
    return super.request(path, { ...init, headers: { 'user-agent': this.userAgent, ...init.headers } });
  }
}

interface SignedIn {
  readonly browser: TestBrowser;
  /** The session cookie's value as the sign-in set it. */
  readonly cookie: string;
  /** The store key: the cookie's hash. */
  readonly key: string;
  /** The id logs, events and `GET /sessions` name the session by. */
  readonly id: string;
}

interface Listed {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  current: boolean;
  userAgent?: string;
}

/** A fresh sign-in of `user` through /login, the provider and /callback; with `userAgent`, every request of the browser sends it. */
async function signedIn(user: string, userAgent?: string): Promise<SignedIn> {
  const browser = await service.signIn(user, userAgent === undefined ? {} : { browser: new AgentBrowser(service.baseUrl, userAgent) });
  const cookie = browser.cookies.get(SESSION_COOKIE)!;
  rememberSecret('cookie', cookie);
  const key = hashToken(cookie);
  return { browser, cookie, key, id: sessionIdOfKey(key) };
}

async function list(browser: TestBrowser): Promise<{ response: TestResponse; sessions: Listed[] }> {
  const response = await browser.get('/sessions', CSRF);
  expect(response.status).toBe(200);
  return { response, sessions: response.json<{ sessions: Listed[] }>().sessions };
}

const remove = (browser: TestBrowser, path: string, headers: Record<string, string> = CSRF) => browser.request(path, { method: 'DELETE', headers });
const sessionStatus = async (browser: TestBrowser) => (await browser.get('/session')).status;
const apiStatus = async (browser: TestBrowser) => (await browser.get('/api/items', CSRF)).status;
const errorOf = (response: TestResponse) => [response.status, response.json<{ error: string }>().error];

/** The Set-Cookie lines of a response that name the session cookie. */
const sessionCookieLines = (response: TestResponse) => response.setCookies.filter((line) => line.startsWith(`${SESSION_COOKIE}=`));

/** Whether the response clears the session cookie: an empty value with Max-Age=0 or an expiry in the past. */
function clearsSessionCookie(response: TestResponse): boolean {
  return sessionCookieLines(response).some((line) => {
    const expires = /;\s*Expires=([^;]+)/i.exec(line)?.[1];
    return line.startsWith(`${SESSION_COOKIE}=;`) && (/;\s*Max-Age=0(;|$)/i.test(line) || (expires !== undefined && Date.parse(expires) <= Date.now()));
  });
}

/** The store keys the user index holds for `user` at the service's issuer, read from the index itself. */
async function indexedKeys(user: string): Promise<string[]> {
  const result = await client.send(new QueryCommand({
    TableName: service.tableName,
    IndexName: USER_INDEX,
    KeyConditionExpression: '#key = :value',
    ExpressionAttributeNames: { '#key': USER_KEY },
    ExpressionAttributeValues: { ':value': { S: indexKey(service.issuer!, user) } },
  }));
  return (result.Items ?? []).map((item) => item.pk!.S!.slice('session#'.length)).sort();
}

const itemOf = async (key: string) => (await service.items()).find((item) => item.pk?.S === `session#${key}`);
const seconds = (ms: number) => Math.floor(ms / 1000) * 1000;

describe('GET /sessions', () => {
  const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
  // A tab is the one control character HTTP carries in a header value (fetch and Node refuse the others).
  const SAFARI = 'Mozilla/5.0 (iPhone;\tCPU iPhone OS 17_5 like Mac OS X)\tMobile/15E148 Safari/604.1';
  const LONG = `Mozilla/5.0 (Windows NT 10.0; Win64; x64)\t\t${'AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 '.repeat(4)}`;
  const kept = (userAgent: string) => userAgent.replace(/\t/g, '').slice(0, 200);

  test("lists exactly the caller's own live sessions, the caller's first, then newest first, each with its times and user agent and nothing secret", async () => {
    const { ada, bob } = people();
    // The control characters go before the cut: 200 characters remain, not 198.
    expect(kept(LONG)).toHaveLength(200);
    expect(kept(LONG)).not.toBe(LONG.slice(0, 200).replace(/\t/g, ''));

    const signInAt = async (offsetSeconds: number, user: string, userAgent?: string) => {
      offsetMs = offsetSeconds * 1000;
      const from = seconds(clock.now());
      const signed = await signedIn(user, userAgent);
      return { ...signed, from, to: clock.now() };
    };
    const first = await signInAt(0, ada, FIREFOX);
    const second = await signInAt(10, ada, SAFARI);
    const third = await signInAt(20, ada, LONG);
    const bobs = await signInAt(30, bob);

    // 300 s later the first browser uses its session: its idle expiry moves, so it was last seen then.
    offsetMs = 300_000;
    const touchFrom = seconds(clock.now());
    expect(await sessionStatus(first.browser)).toBe(200);
    const touchTo = clock.now();

    offsetMs = 310_000;
    const listFrom = seconds(clock.now());
    const { response, sessions } = await list(second.browser);
    const listTo = clock.now();

    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(Object.keys(response.json<object>())).toEqual(['sessions']);
    // The caller's (signed in at +10 s), then the third (+20 s), then the first (+0 s); bob's is absent.
    expect(sessions.map((s) => s.id)).toEqual([second.id, third.id, first.id]);
    expect(sessions.map((s) => s.id)).not.toContain(bobs.id);
    expect(sessions.map((s) => s.current)).toEqual([true, false, false]);
    expect(sessions.map((s) => s.userAgent)).toEqual([kept(SAFARI), kept(LONG), FIREFOX]);
    expect(sessions[0]!.userAgent).toBe('Mozilla/5.0 (iPhone;CPU iPhone OS 17_5 like Mac OS X)Mobile/15E148 Safari/604.1');

    const now = clock.now();
    for (const s of sessions) {
      expect(Object.keys(s).sort()).toEqual(['createdAt', 'current', 'expiresAt', 'id', 'lastSeenAt', 'userAgent']);
      expect(typeof s.current).toBe('boolean');
      for (const time of [s.createdAt, s.lastSeenAt, s.expiresAt]) expect(new Date(time).toISOString()).toBe(time);
      expect(Date.parse(s.createdAt)).toBeLessThanOrEqual(Date.parse(s.lastSeenAt));
      expect(Date.parse(s.lastSeenAt)).toBeLessThanOrEqual(now);
      expect(Date.parse(s.expiresAt)).toBeGreaterThan(now);
    }
    // The times are the stored ones; every session has the same lifetime.
    for (const [listed, signed] of [[sessions[0]!, second], [sessions[1]!, third], [sessions[2]!, first]] as const) {
      const stored = (await service.store.get(signed.key))!;
      expect([Date.parse(listed.createdAt), Date.parse(listed.expiresAt)]).toEqual([stored.createdAt * 1000, stored.expiresAt * 1000]);
    }
    expect(new Set(sessions.map((s) => Date.parse(s.expiresAt) - Date.parse(s.createdAt))).size).toBe(1);
    const [mine, thirds, firsts] = sessions as [Listed, Listed, Listed];
    // Each created within its own sign-in, by the service's clock.
    for (const [listed, signed] of [[mine, second], [thirds, third], [firsts, first]] as const) {
      expect(Date.parse(listed.createdAt)).toBeGreaterThanOrEqual(signed.from);
      expect(Date.parse(listed.createdAt)).toBeLessThanOrEqual(signed.to);
    }
    // Last seen: the third never since its sign-in; the first at its /session; the caller's now, listing counts as activity.
    expect(thirds.lastSeenAt).toBe(thirds.createdAt);
    expect(Date.parse(firsts.lastSeenAt)).toBeGreaterThanOrEqual(touchFrom);
    expect(Date.parse(firsts.lastSeenAt)).toBeLessThanOrEqual(touchTo);
    expect(Date.parse(mine.lastSeenAt)).toBeGreaterThanOrEqual(listFrom);
    expect(Date.parse(mine.lastSeenAt)).toBeLessThanOrEqual(listTo);
    expect(Date.parse(mine.lastSeenAt) - Date.parse(mine.createdAt)).toBeGreaterThanOrEqual(TOUCH_INTERVAL_SECONDS * 1000);
    // The caller's absolute end is the one /session gives.
    expect((await second.browser.get('/session')).json<{ expiresAt: string }>().expiresAt).toBe(mine.expiresAt);

    // Nothing that opens or finds a session: no cookie value, no store key, no sid, no sealed tokens, no index key.
    expect(response.text).not.toMatch(/"sid"|token|cookie|userKey|issuer|claims|\bpk\b/i);
    for (const { cookie, key } of [first, second, third, bobs]) {
      const stored = (await service.store.get(key))!;
      const item = (await itemOf(key))!;
      for (const secret of [cookie, key, stored.sid, stored.sealedTokens, stored.providerSid, item[USER_KEY]?.S]) {
        expect(secret).toBeTruthy();
        expect(response.text).not.toContain(secret);
      }
    }
    expect(response.text).not.toContain(bob);
  });

  test('without X-CSRF: 401 csrf_header_missing for every method, nothing ended; without a session: 401 not_signed_in', async () => {
    const { ada } = people();
    const first = await signedIn(ada);
    const second = await signedIn(ada);
    const refused = [
      await first.browser.get('/sessions'),
      await first.browser.get('/sessions', { 'x-csrf': 'true' }),
      await remove(first.browser, '/sessions', {}),
      await remove(first.browser, '/sessions', { 'x-csrf': '0' }),
      await remove(first.browser, `/sessions/${second.id}`, {}),
      await remove(first.browser, `/sessions/${first.id}`, {}),
    ];
    for (const response of refused) {
      expect(errorOf(response)).toEqual([401, 'csrf_header_missing']);
      expect(sessionCookieLines(response)).toEqual([]);
    }
    // Nothing ended: both still work, the table holds no ending, the index still has both.
    expect(await sessionStatus(first.browser)).toBe(200);
    expect(await sessionStatus(second.browser)).toBe(200);
    for (const { key } of [first, second]) expect((await itemOf(key))!.endReason).toBeUndefined();
    expect(await indexedKeys(ada)).toEqual([first.key, second.key].sort());
    expect((await list(first.browser)).sessions.map((s) => s.id).sort()).toEqual([first.id, second.id].sort());

    // Without a cookie, or with one that is no session's: 401 not_signed_in, and nothing ends.
    const stranger = service.browser();
    const forged = service.browser();
    forged.cookies.set(SESSION_COOKIE, randomToken());
    for (const browser of [stranger, forged]) {
      for (const response of [await browser.get('/sessions', CSRF), await remove(browser, '/sessions'), await remove(browser, `/sessions/${second.id}`)]) {
        expect(errorOf(response)).toEqual([401, 'not_signed_in']);
      }
    }
    // The CSRF check comes first, before the session is looked at.
    expect(errorOf(await stranger.get('/sessions'))).toEqual([401, 'csrf_header_missing']);
    expect(await sessionStatus(second.browser)).toBe(200);
  });
});

describe('DELETE /sessions/{id}', () => {
  test("ends one of the caller's other sessions at once, the caller's cookie left alone; another user's, a made-up or an ended id is 404 unknown_session", async () => {
    const { ada, bob } = people();
    const first = await signedIn(ada, 'Browser/1');
    const second = await signedIn(ada, 'Browser/2');
    const third = await signedIn(ada, 'Browser/3');
    const bobs = await signedIn(bob);

    const ended = await remove(first.browser, `/sessions/${third.id}`);
    expect(ended.status).toBe(204);
    expect(ended.text).toBe('');
    expect(sessionCookieLines(ended)).toEqual([]);
    expect(first.browser.cookies.get(SESSION_COOKIE)).toBe(first.cookie);

    // The third is refused by /session and by /api, which never reaches the upstream for it.
    expect(await sessionStatus(third.browser)).toBe(401);
    expect(await apiStatus(third.browser)).toBe(401);
    expect(service.upstream.requests).toHaveLength(0);
    expect(errorOf(await third.browser.get('/sessions', CSRF))).toEqual([401, 'not_signed_in']);
    // The others go on.
    expect(await sessionStatus(first.browser)).toBe(200);
    expect(await apiStatus(first.browser)).toBe(200);
    expect(await sessionStatus(second.browser)).toBe(200);
    expect((await list(first.browser)).sessions.map((s) => s.id)).toEqual([first.id, second.id]);

    // Not the caller's, or no session's: 404, and nothing ends.
    const madeUp = 'AAAAAAAAAAAAAAAA';
    for (const id of [bobs.id, third.id, madeUp, second.key, encodeURIComponent(second.cookie)]) {
      const refused = await remove(first.browser, `/sessions/${id}`);
      expect(errorOf(refused)).toEqual([404, 'unknown_session']);
      expect(sessionCookieLines(refused)).toEqual([]);
    }
    expect(await sessionStatus(bobs.browser)).toBe(200);
    expect((await list(bobs.browser)).sessions.map((s) => s.id)).toEqual([bobs.id]);
    expect(await sessionStatus(first.browser)).toBe(200);
    expect(await sessionStatus(second.browser)).toBe(200);
  });

  test("ends the caller's own session: 204 and the session cookie cleared", async () => {
    const { ada } = people();
    const first = await signedIn(ada);
    const second = await signedIn(ada);

    const response = await remove(first.browser, `/sessions/${first.id}`);
    expect(response.status).toBe(204);
    expect(clearsSessionCookie(response)).toBe(true);
    expect(sessionCookieLines(response)).toHaveLength(1);
    expect(first.browser.cookies.has(SESSION_COOKIE)).toBe(false);
    // Ended on the server, not only forgotten by the browser: the old cookie sent again is refused.
    first.browser.cookies.set(SESSION_COOKIE, first.cookie);
    expect(await sessionStatus(first.browser)).toBe(401);
    expect(await apiStatus(first.browser)).toBe(401);
    expect(await sessionStatus(second.browser)).toBe(200);
    expect((await list(second.browser)).sessions.map((s) => [s.id, s.current])).toEqual([[second.id, true]]);
  });
});

describe('DELETE /sessions', () => {
  test('ends every session of the caller, this one too (its cookie cleared); another user is untouched', async () => {
    const { ada, bob } = people();
    const mine = [await signedIn(ada, 'Browser/1'), await signedIn(ada, 'Browser/2'), await signedIn(ada, 'Browser/3')];
    const bobs = await signedIn(bob);

    const response = await remove(mine[1]!.browser, '/sessions');
    expect(response.status).toBe(204);
    expect(response.text).toBe('');
    expect(clearsSessionCookie(response)).toBe(true);
    for (const { browser, cookie } of mine) {
      browser.cookies.set(SESSION_COOKIE, cookie);
      expect(await sessionStatus(browser)).toBe(401);
      expect(await apiStatus(browser)).toBe(401);
      expect(errorOf(await browser.get('/sessions', CSRF))).toEqual([401, 'not_signed_in']);
    }
    expect(service.upstream.requests).toHaveLength(0);
    expect(await sessionStatus(bobs.browser)).toBe(200);
    expect(await apiStatus(bobs.browser)).toBe(200);
    expect((await list(bobs.browser)).sessions.map((s) => s.id)).toEqual([bobs.id]);
  });
});

test('in the table the ended sessions are tombstones with endReason user, without tokens, and gone from the user index', async () => {
  const { ada, bob } = people();
  const mine = [await signedIn(ada), await signedIn(ada), await signedIn(ada)];
  const bobs = await signedIn(bob);
  expect(await indexedKeys(ada)).toEqual(mine.map((s) => s.key).sort());

  expect((await remove(mine[0]!.browser, `/sessions/${mine[2]!.id}`)).status).toBe(204);
  expect(await indexedKeys(ada)).toEqual([mine[0]!.key, mine[1]!.key].sort());
  expect((await remove(mine[1]!.browser, '/sessions')).status).toBe(204);

  for (const { key } of mine) {
    const item = (await itemOf(key))!;
    expect(item.endReason).toEqual({ S: 'user' });
    expect(Number(item.endedAt?.N)).toBeGreaterThan(0);
    expect(item.tokens).toBeUndefined();
    expect(item[USER_KEY]).toBeUndefined();
    expect(item.providerSidKey).toBeUndefined();
    expect(await service.store.get(key)).toBeUndefined();
  }
  expect(await indexedKeys(ada)).toEqual([]);
  expect(await indexedKeys(bob)).toEqual([bobs.key]);
  expect((await itemOf(bobs.key))!.endReason).toBeUndefined();
});

test('a session stored without an issuer (from before sessions recorded it) lists only itself and ends only itself', async () => {
  const { ada } = people();
  const real = await signedIn(ada, 'Browser/real');
  const { issuer: _issuer, ...withoutIssuer } = (await service.store.get(real.key))!;
  const legacyCookie = randomToken();
  rememberSecret('cookie', legacyCookie);
  const legacyKey = hashToken(legacyCookie);
  await service.store.create(legacyKey, { ...(withoutIssuer as Session), sid: randomToken(16) });
  expect((await itemOf(legacyKey))![USER_KEY]).toBeUndefined();
  const legacy = service.browser();
  legacy.cookies.set(SESSION_COOKIE, legacyCookie);

  const { sessions } = await list(legacy);
  expect(sessions.map((s) => [s.id, s.current])).toEqual([[sessionIdOfKey(legacyKey), true]]);
  // Nor is it among the real session's, the index not holding it.
  expect((await list(real.browser)).sessions.map((s) => s.id)).toEqual([real.id]);
  // It reaches no other session of the same `sub`.
  expect(errorOf(await remove(legacy, `/sessions/${real.id}`))).toEqual([404, 'unknown_session']);
  const all = await remove(legacy, '/sessions');
  expect(all.status).toBe(204);
  expect(clearsSessionCookie(all)).toBe(true);
  legacy.cookies.set(SESSION_COOKIE, legacyCookie);
  expect(await sessionStatus(legacy)).toBe(401);
  expect((await itemOf(legacyKey))!.endReason).toEqual({ S: 'user' });
  expect(await sessionStatus(real.browser)).toBe(200);
});
