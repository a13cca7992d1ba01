/**
 * Login CSRF and misuse of `state` (RFC 9700 4.7 and 2.1; RFC 6749 10.12). The state is one-time,
 * expires, and belongs to the browser that started the login; every misuse ends on an error page,
 * before the code reaches the provider, and with no session.
 */
import { DynamoDbStore } from '../../functions/adapters/dynamodb/dynamodb-store';
import { clearCookie, loginBindingCookie } from '../../functions/adapters/api-gateway/cookies';
import { hashToken } from '../../functions/core/opaque-tokens';
import { dynamoDbClient, dynamoDbLocalEndpoint } from '../support/dynamodb-local';
import { expectErrorPage, harnessForFile } from './harness';
import { storeApi } from '../support/dynamodb-local';

const h = harnessForFile();

/** The login bindings a browser holds. */
const bindingNames = (browser: { cookies: Map<string, string> }) => [...browser.cookies.keys()].filter((name) => name.startsWith('__Host-login-'));

/** Runs `attempt` and returns how many token requests and sessions it caused. */
async function effects(attempt: () => Promise<void>): Promise<{ tokenRequests: number; sessions: number }> {
  const tokensBefore = h.provider.tokenRequests.length;
  const sessionsBefore = await h.sessionCount();
  await attempt();
  return { tokenRequests: h.provider.tokenRequests.length - tokensBefore, sessions: (await h.sessionCount()) - sessionsBefore };
}

/** A login started in a new browser and approved at the provider: the callback URL, not yet visited, and its binding cookie's name. */
async function approvedLogin() {
  const browser = h.browser();
  const callback = await h.authorize(browser);
  return { browser, callback, name: loginBindingCookie(callback.searchParams.get('state')!) };
}

test('RFC 9700 4.7: a callback without state is refused before the code is redeemed', async () => {
  const { browser, callback } = await approvedLogin();
  callback.searchParams.delete('state');
  const caused = await effects(async () => expectErrorPage(await h.callback(browser, callback), 400, 'login_state_missing'));
  expect(caused).toEqual({ tokenRequests: 0, sessions: 0 });
});

test('RFC 9700 4.7: an unknown state is refused before the code is redeemed, and not reflected', async () => {
  const { browser, callback } = await approvedLogin();
  callback.searchParams.set('state', 'forged-state-<b>value</b>');
  browser.cookies.set(loginBindingCookie('forged-state-<b>value</b>'), 'F'.repeat(43));
  const caused = await effects(async () => expectErrorPage(await h.callback(browser, callback), 400, 'login_state_invalid', ['forged-state', '<b>']));
  expect(caused).toEqual({ tokenRequests: 0, sessions: 0 });
});

test('RFC 9700 2.1: an expired login transaction the table still holds (TTL deletes lazily) is refused', async () => {
  const { browser, callback } = await approvedLogin();
  const store = new DynamoDbStore(storeApi(dynamoDbLocalEndpoint()), h.tableName, 2000);
  browser.cookies.set(loginBindingCookie('expired-but-present-state'), 'E'.repeat(43));
  await store.save(hashToken('expired-but-present-state'), {
    bindingHash: hashToken('E'.repeat(43)),
    codeVerifier: 'v'.repeat(43),
    nonce: 'n'.repeat(22),
    returnTo: '/',
    expiresAt: Math.floor(Date.now() / 1000) - 1,
  });
  callback.searchParams.set('state', 'expired-but-present-state');
  const caused = await effects(async () => expectErrorPage(await h.callback(browser, callback), 400, 'login_state_invalid'));
  expect(caused).toEqual({ tokenRequests: 0, sessions: 0 });
});

test('RFC 9700 4.7 / 2.1: a state is one-time; replaying a completed callback creates nothing, with or without its binding', async () => {
  const { browser, callback, name } = await approvedLogin();
  const binding = browser.cookies.get(name)!;
  expect((await h.callback(browser, callback)).status).toBe(302);
  expect(browser.cookies.has(name)).toBe(false);
  const withoutBinding = await effects(async () => expectErrorPage(await h.callback(browser, callback), 400, 'login_state_mismatch'));
  browser.cookies.set(name, binding);
  const withBinding = await effects(async () => expectErrorPage(await h.callback(browser, callback), 400, 'login_state_invalid'));
  expect([withoutBinding, withBinding]).toEqual([{ tokenRequests: 0, sessions: 0 }, { tokenRequests: 0, sessions: 0 }]);
});

test('RFC 9700 4.7.1: login CSRF, an attacker\'s callback in the victim\'s browser, is refused and changes nothing', async () => {
  const attacker = h.browser();
  const victim = h.browser();
  await victim.get('/login'); // the victim has a binding cookie of its own
  const callback = await h.authorize(attacker, { user: 'mallory' });
  const caused = await effects(async () => expectErrorPage(await h.callback(victim, callback), 400, 'login_state_mismatch'));
  expect(caused).toEqual({ tokenRequests: 0, sessions: 0 });
  expect(victim.cookies.has('__Host-session')).toBe(false);
  // The victim's own pending login is untouched: nothing was cleared that the request did not carry.
  expect(bindingNames(victim)).toHaveLength(1);
});

test('RFC 9700 4.7.1 / 2.1: a leaked callback URL opened by a stranger neither signs the stranger in nor spoils the victim\'s sign-in', async () => {
  const victim = h.browser();
  const stranger = h.browser();
  await stranger.get('/login'); // a stranger with pending logins of their own
  const callback = await h.authorize(victim, { user: 'victim' });
  const caused = await effects(async () => expectErrorPage(await h.callback(stranger, callback), 400, 'login_state_mismatch'));
  expect(caused).toEqual({ tokenRequests: 0, sessions: 0 });
  expect(stranger.cookies.has('__Host-session')).toBe(false);
  // The state is still the victim's, and only theirs: their browser completes the sign-in.
  const finished = await effects(async () => expect((await h.callback(victim, callback)).status).toBe(302));
  expect(finished).toEqual({ tokenRequests: 1, sessions: 1 });
});

test('RFC 9700 4.7.1: a binding is minted for each attempt, never adopted from the request, and cleared after its callback', async () => {
  const browser = h.browser();
  const planted = 'P'.repeat(43);
  const login = await browser.request('/login', { headers: { cookie: `__Host-login=${planted}; ${loginBindingCookie('x')}=${planted}` } });
  expect(login.status).toBe(302);
  const state = new URL(login.location!).searchParams.get('state')!;
  const minted = login.setCookies.find((line) => line.startsWith(`${loginBindingCookie(state)}=`))!;
  expect(minted).toMatch(/=[A-Za-z0-9_-]{43};/);
  expect(minted).not.toContain(planted);
  const callback = await h.authorize(browser);
  const done = await h.callback(browser, callback);
  expect(done.status).toBe(302);
  expect(done.setCookies).toContain(clearCookie(loginBindingCookie(callback.searchParams.get('state')!)));
});

test('RFC 9700 4.7.1: a browser holds at most a few pending bindings; older ones are cleared, only those it carried', async () => {
  const browser = h.browser();
  for (let i = 0; i < 4; i++) await browser.get('/login');
  expect(bindingNames(browser)).toHaveLength(4);
  const fifth = await browser.get('/login');
  expect(bindingNames(browser)).toHaveLength(1);
  expect(fifth.setCookies.filter((line) => /Max-Age=0/.test(line))).toHaveLength(4);
});

test.each([
  ['no binding cookie at all', (cookies: Map<string, string>, name: string) => cookies.delete(name)],
  ['a forged binding cookie', (cookies: Map<string, string>, name: string) => cookies.set(name, 'A'.repeat(43))],
  ['a binding cookie of the wrong shape', (cookies: Map<string, string>, name: string) => cookies.set(name, '"><script>')],
  ['the binding under the old shared name', (cookies: Map<string, string>, name: string) => {
    cookies.set('__Host-login', cookies.get(name)!);
    cookies.delete(name);
  }],
])('RFC 9700 4.7.1: the callback is refused with %s', async (_case, tamper) => {
  const { browser, callback, name } = await approvedLogin();
  tamper(browser.cookies, name);
  const caused = await effects(async () => expectErrorPage(await h.callback(browser, callback), 400, 'login_state_mismatch', ['<script>']));
  expect(caused).toEqual({ tokenRequests: 0, sessions: 0 });
});

test('a planted second binding cookie (cookie tossing) is treated as no binding', async () => {
  const { browser, callback, name } = await approvedLogin();
  const binding = browser.cookies.get(name)!;
  browser.cookies.delete(name);
  const response = await browser.request(`${callback.pathname}${callback.search}`, { headers: { cookie: `${name}=${binding}; ${name}=${'B'.repeat(43)}` } });
  expectErrorPage(response, 400, 'login_state_mismatch');
});

test.each(['state', 'code', 'iss'])('duplicated %s parameter (parameter pollution) is refused before the state is used', async (name) => {
  const { browser, callback } = await approvedLogin();
  const polluted = `${callback.pathname}${callback.search}&${name}=${encodeURIComponent(callback.searchParams.get(name)!)}x`;
  const caused = await effects(async () => expectErrorPage(await browser.get(polluted), 400, 'invalid_authorization_response'));
  expect(caused).toEqual({ tokenRequests: 0, sessions: 0 });
  // The transaction was not consumed by the polluted request: the clean callback still works.
  expect((await h.callback(browser, callback)).status).toBe(302);
});

test('RFC 9700 2.1: of eight concurrent callbacks with one state, exactly one redeems the code and signs in', async () => {
  const { browser, callback, name } = await approvedLogin();
  const binding = browser.cookies.get(name)!;
  let responses: Array<{ status: number }> = [];
  const caused = await effects(async () => {
    responses = await Promise.all(
      Array.from({ length: 8 }, () => browser.request(`${callback.pathname}${callback.search}`, { headers: { cookie: `${name}=${binding}` } })),
    );
  });
  expect(responses.filter((r) => r.status === 302)).toHaveLength(1);
  expect(responses.filter((r) => r.status === 400)).toHaveLength(7);
  expect(caused).toEqual({ tokenRequests: 1, sessions: 1 });
});

test('an oversized state is refused as input, not a server error', async () => {
  const { browser, callback } = await approvedLogin();
  callback.searchParams.set('state', 's'.repeat(8000));
  expectErrorPage(await h.callback(browser, callback), 400, 'login_state_mismatch');
});
