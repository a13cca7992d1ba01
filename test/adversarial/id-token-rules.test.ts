/**
 * Every ID token validation rule of OpenID Connect Core 1.0 section 3.1.3.7 (and RFC 8725, JWT BCP),
 * proven by a provider that breaks exactly one rule per test. A broken ID token is a bad answer from
 * the provider: 502 `id_token_invalid`, an error page, and no session.
 */
import type { IdTokenFault } from '../support/misbehaving-provider';
import { expectErrorPage, harnessForFile } from './harness';
import { REFUSED_ID_TOKENS } from './id-token-faults';

const h = harnessForFile({ reset: ['provider'] });

async function loginWith(fault: IdTokenFault) {
  const browser = h.browser();
  const callback = await h.authorize(browser, { user: 'target' });
  h.provider.misbehave({ idToken: fault });
  const before = await h.sessionCount();
  const response = await h.callback(browser, callback);
  return { response, browser, sessionsCreated: (await h.sessionCount()) - before };
}

test('control: a correct ID token signs the user in', async () => {
  const browser = await h.signIn('control');
  expect((await browser.get('/session')).json()).toMatchObject({ sub: 'control' });
});

describe.each(REFUSED_ID_TOKENS)('%s', (_rule, fault) => {
  test('502 id_token_invalid, an error page and no session', async () => {
    const { response, browser, sessionsCreated } = await loginWith(fault);
    expectErrorPage(response, 502, 'id_token_invalid');
    expect(sessionsCreated).toBe(0);
    expect(browser.cookies.has('__Host-session')).toBe(false);
  });
});

test('OIDF RP conformance rp-id_token-kid-absent-single-jwks: no kid, one published key: accepted', async () => {
  const { response, sessionsCreated } = await loginWith('no-kid');
  expect(response.status).toBe(302);
  expect(sessionsCreated).toBe(1);
});

describe('OIDC Core 5.3.2 / OIDF rp-userinfo-bad-sub-claim: profile claims from userinfo only for the same subject', () => {
  test('control: name and email left out of the ID token come from userinfo', async () => {
    const { response, browser } = await loginWith('no-profile-claims');
    expect(response.status).toBe(302);
    expect((await browser.get('/session')).json()).toMatchObject({ sub: 'target', name: 'Userinfo target', email: 'target@userinfo.example.test' });
  });

  test('a userinfo answer about another subject is not used', async () => {
    const browser = h.browser();
    const callback = await h.authorize(browser, { user: 'target' });
    h.provider.misbehave({ idToken: 'no-profile-claims', userinfoSub: 'someone-else' });
    expect((await h.callback(browser, callback)).status).toBe(302);
    const me = (await browser.get('/session')).json();
    expect(me.sub).toBe('target');
    expect(me.name).toBeUndefined();
    expect(me.email).toBeUndefined();
  });
});

describe('unknown key id: one JWKS re-fetch, rate limited (3.1.3.7 rule 6, OIDC Core 10.1.1 key rotation)', () => {
  const realNow = Date.now.bind(Date);
  let offsetSeconds = 0;
  beforeAll(() => {
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + offsetSeconds * 1000);
  });
  afterAll(() => jest.restoreAllMocks());

  test('a rotated key is found with exactly one re-fetch once the cached JWKS is a minute old', async () => {
    await h.signIn('before-rotation'); // the JWKS is cached now
    const cached = h.provider.jwksRequests;
    expect(cached).toBeGreaterThanOrEqual(1);
    await h.provider.rotateKey();
    offsetSeconds = 120;
    const browser = await h.signIn('after-rotation');
    expect((await browser.get('/session')).json().sub).toBe('after-rotation');
    expect(h.provider.jwksRequests).toBe(cached + 1);
  });

  test('a kid that no published key has: refused after one re-fetch, and a flood of them causes no further fetches', async () => {
    offsetSeconds = 240; // the cache is two minutes old again
    const before = h.provider.jwksRequests;
    const first = await loginWith('unknown-kid');
    expectErrorPage(first.response, 502, 'id_token_invalid');
    expect(h.provider.jwksRequests).toBe(before + 1);
    for (let i = 0; i < 5; i += 1) {
      const again = await loginWith('unknown-kid');
      expectErrorPage(again.response, 502, 'id_token_invalid');
      expect(again.sessionsCreated).toBe(0);
    }
    expect(h.provider.jwksRequests).toBe(before + 1);
  });
});

test('OIDF RP conformance rp-id_token-kid-absent-multiple-jwks: no kid while several keys are published: refused, not guessed', async () => {
  expect(h.provider.jwksRequests).toBeGreaterThanOrEqual(2); // the rotated key set, with two keys, is cached
  const { response, sessionsCreated } = await loginWith('no-kid');
  expectErrorPage(response, 502, 'id_token_invalid');
  expect(sessionsCreated).toBe(0);
});
