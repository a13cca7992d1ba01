/**
 * Every ID token validation rule of OpenID Connect Core 1.0 section 3.1.3.7 (and RFC 8725, JWT BCP),
 * proven by a provider that breaks exactly one rule per test. A broken ID token is a bad answer from
 * the provider: 502 `id_token_invalid`, an error page, and no session.
 */
import type { IdTokenFault } from '../support/misbehaving-provider';
import { expectErrorPage, startHarness, type Harness } from './harness';

let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());
afterEach(() => h.provider.reset());

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

describe.each<[string, IdTokenFault]>([
  ['3.1.3.7 rule 6-7 / RFC 8725 3.1: alg "none" (unsigned) is refused', 'alg-none'],
  ['3.1.3.7 rule 8 / RFC 8725 3.1: HS256 keyed with the client secret is refused (asymmetric only)', 'hs256-client-secret'],
  ['RFC 8725 2.1 algorithm confusion: HS256 keyed with the published RSA public key is refused', 'hs256-public-key'],
  ['3.1.3.7 rule 6: a signature by a key that is not the provider\'s (under its kid) is refused', 'foreign-signature'],
  ['3.1.3.7 rule 2: an iss other than the provider\'s is refused', 'wrong-iss'],
  ['3.1.3.7 rule 3: an aud without this client is refused', 'wrong-aud'],
  ['3.1.3.7 rule 3-4: an extra, untrusted audience without azp is refused', 'extra-aud-no-azp'],
  ['3.1.3.7 rule 4-5: several audiences with an azp other than this client are refused', 'extra-aud-wrong-azp'],
  ['3.1.3.7 rule 5: an azp other than this client is refused', 'wrong-azp'],
  ['3.1.3.7 rule 9: an expired ID token is refused', 'expired'],
  ['3.1.3.7 rule 9: an ID token without exp is refused', 'no-exp'],
  ['3.1.3.7 rule 10: an ID token without iat is refused', 'no-iat'],
  ['3.1.3.7 rule 10: an ID token issued an hour in the future is refused', 'iat-future'],
  ['3.1.3.7 rule 11: an ID token without the nonce that was sent is refused', 'no-nonce'],
  ['3.1.3.7 rule 11: an ID token with another nonce is refused', 'wrong-nonce'],
  ['OIDC Core 2 (sub REQUIRED): an ID token without sub is refused', 'no-sub'],
  ['OIDC Core 3.1.3.3: a token response without the ID token that openid requires is refused', 'no-id-token'],
])('%s', (_rule, fault) => {
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
