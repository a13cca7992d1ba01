/**
 * The ID token rules again where a session renews its tokens (OpenID Connect Core 12.2 and
 * 3.1.3.7): a refresh answer whose ID token breaks a rule is never used. Its access token never
 * reaches the API, and the session ends (401 `session_ended`): the provider vouches for the user
 * no longer, or something forged its answer.
 */
import type { IdTokenFault } from '../support/misbehaving-provider';
import { startHarness, type Harness } from './harness';
import type { TestBrowser } from '../support/test-browser';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());
afterEach(() => {
  h.provider.reset();
  h.upstream.reset();
});

/** A session whose access token is already due for renewal, so its next /api call refreshes. */
async function sessionDueForRefresh(): Promise<TestBrowser> {
  h.provider.misbehave({ expiresIn: 0 });
  const browser = await h.signIn('renewing');
  h.provider.reset();
  return browser;
}

const bearers = () => h.upstream.requests.map((request) => String(request.headers.authorization));

test('control: a correct refresh answer is used, and its access token reaches the API', async () => {
  const browser = await sessionDueForRefresh();
  const response = await browser.get('/api/items', { 'x-csrf': '1' });
  expect(response.status).toBe(200);
  expect(bearers()).toEqual([`Bearer ${h.provider.lastAccessToken}`]);
});

test('OIDC Core 12.2: a refreshed ID token about another user ends the session', async () => {
  const browser = await sessionDueForRefresh();
  h.provider.misbehave({ refreshSub: 'someone-else' });
  const cookie = browser.cookies.get('__Host-session')!;
  const response = await browser.get('/api/items', { 'x-csrf': '1' });
  expect(response.status).toBe(401);
  expect(response.json().error).toBe('session_ended');
  expect(h.upstream.requests).toHaveLength(0);
  // Ended in the store, not only in this browser: the old cookie, sent again, finds nothing.
  browser.cookies.set('__Host-session', cookie);
  expect((await browser.get('/session')).json().error).toBe('not_signed_in');
});

test('a refreshed ID token under a key id not yet fetched again: the new tokens are used, the session goes on', async () => {
  const browser = await sessionDueForRefresh();
  h.provider.misbehave({ idToken: 'unknown-kid' });
  const response = await browser.get('/api/items', { 'x-csrf': '1' });
  expect(response.status).toBe(200);
  expect(bearers()).toEqual([`Bearer ${h.provider.lastAccessToken}`]);
  h.provider.reset();
  expect((await browser.get('/session')).status).toBe(200);
});

describe.each<[string, IdTokenFault]>([
  ['RFC 8725 3.1: alg "none"', 'alg-none'],
  ['3.1.3.7 rule 8: HS256 keyed with the client secret', 'hs256-client-secret'],
  ['RFC 8725 2.1: HS256 keyed with the public key', 'hs256-public-key'],
  ['3.1.3.7 rule 6: a signature by a foreign key', 'foreign-signature'],
  ['3.1.3.7 rule 2 / 12.2: another iss', 'wrong-iss'],
  ['3.1.3.7 rule 3 / 12.2: an aud without this client', 'wrong-aud'],
  ['3.1.3.7 rule 4: an untrusted extra audience', 'extra-aud-no-azp'],
  ['3.1.3.7 rule 5: an azp naming another client', 'wrong-azp'],
  ['3.1.3.7 rule 9: expired', 'expired'],
  ['3.1.3.7 rule 10: issued an hour in the future', 'iat-future'],
  ['OIDC Core 2: without sub', 'no-sub'],
])('refresh answer with %s', (_rule, fault) => {
  test('is not used, and the session ends', async () => {
    const browser = await sessionDueForRefresh();
    h.provider.misbehave({ idToken: fault });
    const cookie = browser.cookies.get('__Host-session')!;
    const response = await browser.get('/api/items', { 'x-csrf': '1' });
    expect([response.status, response.json().error]).toEqual([401, 'session_ended']);
    expect(response.setCookies).toEqual([expect.stringMatching(/^__Host-session=; .*Max-Age=0/)]);
    expect(h.upstream.requests).toHaveLength(0);
    h.provider.reset();
    // Ended in the store, not only in this browser: the old cookie, sent again, finds nothing.
    browser.cookies.set('__Host-session', cookie);
    expect((await browser.get('/session')).json().error).toBe('not_signed_in');
  });
});
