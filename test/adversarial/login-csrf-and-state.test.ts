/**
 * Login CSRF and misuse of `state` (RFC 9700 4.7 and 2.1; RFC 6749 10.12). The state is one-time,
 * expires, and belongs to the browser that started the login; every misuse ends on an error page,
 * before the code reaches the provider, and with no session.
 */
import { DynamoDbStore } from '../../functions/adapters/dynamodb-store';
import { hashToken } from '../../functions/core/secrets';
import { dynamoDbClient, dynamoDbLocalEndpoint } from '../support/dynamodb-local';
import { expectErrorPage, startHarness, type Harness } from './harness';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

/** Runs `attempt` and returns how many token requests and sessions it caused. */
async function effects(attempt: () => Promise<void>): Promise<{ tokenRequests: number; sessions: number }> {
  const tokensBefore = h.provider.tokenRequests.length;
  const sessionsBefore = await h.sessionCount();
  await attempt();
  return { tokenRequests: h.provider.tokenRequests.length - tokensBefore, sessions: (await h.sessionCount()) - sessionsBefore };
}

test('RFC 9700 4.7: a callback without state is refused before the code is redeemed', async () => {
  const browser = h.browser();
  const callback = await h.authorize(browser);
  callback.searchParams.delete('state');
  const caused = await effects(async () => expectErrorPage(await h.callback(browser, callback), 400, 'login_state_missing'));
  expect(caused).toEqual({ tokenRequests: 0, sessions: 0 });
});

test('RFC 9700 4.7: an unknown state is refused before the code is redeemed, and not reflected', async () => {
  const browser = h.browser();
  const callback = await h.authorize(browser);
  callback.searchParams.set('state', 'forged-state-<b>value</b>');
  const caused = await effects(async () => expectErrorPage(await h.callback(browser, callback), 400, 'login_state_invalid', ['forged-state', '<b>']));
  expect(caused).toEqual({ tokenRequests: 0, sessions: 0 });
});

test('RFC 9700 2.1: an expired login transaction the table still holds (TTL deletes lazily) is refused', async () => {
  const browser = h.browser();
  const callback = await h.authorize(browser);
  const store = new DynamoDbStore(dynamoDbClient(dynamoDbLocalEndpoint()), h.tableName, 2000);
  await store.save(hashToken('expired-but-present-state'), {
    bindingHash: hashToken(browser.cookies.get('__Host-login')!),
    codeVerifier: 'v'.repeat(43),
    nonce: 'n'.repeat(22),
    returnTo: '/',
    expiresAt: Math.floor(Date.now() / 1000) - 1,
  });
  callback.searchParams.set('state', 'expired-but-present-state');
  const caused = await effects(async () => expectErrorPage(await h.callback(browser, callback), 400, 'login_state_invalid'));
  expect(caused).toEqual({ tokenRequests: 0, sessions: 0 });
});

test('RFC 9700 4.7 / 2.1: a state is one-time; replaying a completed callback creates nothing', async () => {
  const browser = h.browser();
  const callback = await h.authorize(browser);
  expect((await h.callback(browser, callback)).status).toBe(302);
  const caused = await effects(async () => expectErrorPage(await h.callback(browser, callback), 400, 'login_state_invalid'));
  expect(caused).toEqual({ tokenRequests: 0, sessions: 0 });
});

test('RFC 9700 4.7.1: login CSRF, an attacker\'s callback in the victim\'s browser, is refused and burns the state', async () => {
  const attacker = h.browser();
  const victim = h.browser();
  await victim.get('/login'); // the victim has a binding cookie of its own
  const callback = await h.authorize(attacker, { user: 'mallory' });
  const caused = await effects(async () => expectErrorPage(await h.callback(victim, callback), 400, 'login_state_mismatch'));
  expect(caused).toEqual({ tokenRequests: 0, sessions: 0 });
  expect(victim.cookies.has('__Host-session')).toBe(false);
  expectErrorPage(await h.callback(attacker, callback), 400, 'login_state_invalid');
});

test.each([
  ['no binding cookie at all', (cookies: Map<string, string>) => cookies.delete('__Host-login')],
  ['a forged binding cookie', (cookies: Map<string, string>) => cookies.set('__Host-login', 'A'.repeat(43))],
  ['a binding cookie of the wrong shape', (cookies: Map<string, string>) => cookies.set('__Host-login', '"><script>')],
])('RFC 9700 4.7.1: the callback is refused with %s', async (_case, tamper) => {
  const browser = h.browser();
  const callback = await h.authorize(browser);
  tamper(browser.cookies);
  const caused = await effects(async () => expectErrorPage(await h.callback(browser, callback), 400, 'login_state_mismatch', ['<script>']));
  expect(caused).toEqual({ tokenRequests: 0, sessions: 0 });
});

test('a planted second binding cookie (cookie tossing) is treated as no binding', async () => {
  const browser = h.browser();
  const callback = await h.authorize(browser);
  const binding = browser.cookies.get('__Host-login')!;
  browser.cookies.delete('__Host-login');
  const response = await browser.request(`${callback.pathname}${callback.search}`, { headers: { cookie: `__Host-login=${binding}; __Host-login=${'B'.repeat(43)}` } });
  expectErrorPage(response, 400, 'login_state_mismatch');
});

test.each(['state', 'code', 'iss'])('duplicated %s parameter (parameter pollution) is refused before the state is used', async (name) => {
  const browser = h.browser();
  const callback = await h.authorize(browser);
  const polluted = `${callback.pathname}${callback.search}&${name}=${encodeURIComponent(callback.searchParams.get(name)!)}x`;
  const caused = await effects(async () => expectErrorPage(await browser.get(polluted), 400, 'invalid_authorization_response'));
  expect(caused).toEqual({ tokenRequests: 0, sessions: 0 });
  // The transaction was not consumed by the polluted request: the clean callback still works.
  expect((await h.callback(browser, callback)).status).toBe(302);
});

test('RFC 9700 2.1: of eight concurrent callbacks with one state, exactly one redeems the code and signs in', async () => {
  const browser = h.browser();
  const callback = await h.authorize(browser);
  const binding = browser.cookies.get('__Host-login')!;
  let responses: Array<{ status: number }> = [];
  const caused = await effects(async () => {
    responses = await Promise.all(
      Array.from({ length: 8 }, () => browser.request(`${callback.pathname}${callback.search}`, { headers: { cookie: `__Host-login=${binding}` } })),
    );
  });
  expect(responses.filter((r) => r.status === 302)).toHaveLength(1);
  expect(responses.filter((r) => r.status === 400)).toHaveLength(7);
  expect(caused).toEqual({ tokenRequests: 1, sessions: 1 });
});

test('an oversized state is refused as input, not a server error', async () => {
  const browser = h.browser();
  const callback = await h.authorize(browser);
  callback.searchParams.set('state', 's'.repeat(8000));
  expectErrorPage(await h.callback(browser, callback), 400, 'login_state_invalid');
});
