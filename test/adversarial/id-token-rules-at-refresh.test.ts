/**
 * The ID token rules again where a session renews its tokens (OpenID Connect Core 12.2 and
 * 3.1.3.7): a refresh answer whose ID token breaks a rule is never used. Its access token never
 * reaches the API, and the session ends (401 `session_ended`): the provider vouches for the user
 * no longer, or something forged its answer.
 */
import { harnessForFile, sessionDueForRefresh } from './harness';
import { REFUSED_AT_REFRESH } from './id-token-faults';

const h = harnessForFile({ reset: ['provider', 'upstream'] });

const bearers = () => h.upstream.requests.map((request) => String(request.headers.authorization));

test('control: a correct refresh answer is used, and its access token reaches the API', async () => {
  const browser = await sessionDueForRefresh(h, 'renewing');
  const response = await browser.get('/api/items', { 'x-csrf': '1' });
  expect(response.status).toBe(200);
  expect(bearers()).toEqual([`Bearer ${h.provider.lastAccessToken}`]);
});

test('OIDC Core 12.2: a refreshed ID token about another user ends the session', async () => {
  const browser = await sessionDueForRefresh(h, 'renewing');
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
  const browser = await sessionDueForRefresh(h, 'renewing');
  h.provider.misbehave({ idToken: 'unknown-kid' });
  const response = await browser.get('/api/items', { 'x-csrf': '1' });
  expect(response.status).toBe(200);
  expect(bearers()).toEqual([`Bearer ${h.provider.lastAccessToken}`]);
  h.provider.reset();
  expect((await browser.get('/session')).status).toBe(200);
});

describe.each(REFUSED_AT_REFRESH)('at a refresh, %s', (_rule, fault) => {
  test('too: the answer is not used, and the session ends', async () => {
    const browser = await sessionDueForRefresh(h, 'renewing');
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
