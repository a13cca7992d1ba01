/**
 * Mix-up attacks (RFC 9700 4.4, RFC 9207): an authorization response must come from the configured
 * issuer, named exactly in its `iss` parameter; otherwise the code is never sent anywhere.
 */
import { expectErrorPage, harnessForFile } from './harness';

const h = harnessForFile({ reset: ['provider'] });

// Runs first: discovery is cached once it succeeds.
test('RFC 8414 3.3 / OIDC Discovery 4.3: a discovery document naming another issuer is refused (500 issuer_misconfigured: the setting or the provider is not the one meant), nothing is stored', async () => {
  h.provider.misbehave({ discoveryIssuer: 'https://attacker.example' });
  const browser = h.browser();
  const response = await browser.get('/login');
  expectErrorPage(response, 500, 'issuer_misconfigured', ['attacker.example']);
  expect(response.setCookies).toEqual([]);
  expect((await h.items()).filter((item) => item.pk?.S?.startsWith('login#'))).toHaveLength(0);
});

async function callbackWithIss(mutate: (callback: URL) => URL | string) {
  const browser = h.browser();
  const callback = await h.authorize(browser);
  const before = h.provider.tokenRequests.length;
  const target = mutate(callback);
  const response = await browser.get(typeof target === 'string' ? target : `${target.pathname}${target.search}`);
  return { response, tokenRequests: h.provider.tokenRequests.length - before, browser };
}

test.each([
  ['another issuer', 'https://attacker.example'],
  ['the issuer with a trailing slash', () => `${h.provider.issuer}/`],
  ['the issuer in upper case', () => h.provider.issuer.toUpperCase()],
  ['the issuer with a path', () => `${h.provider.issuer}/other`],
  ['an empty iss', ''],
])('RFC 9207 2.4: iss of %s is refused and the code goes nowhere', async (_case, iss) => {
  const value = typeof iss === 'function' ? iss() : iss;
  const { response, tokenRequests, browser } = await callbackWithIss((callback) => {
    callback.searchParams.set('iss', value);
    return callback;
  });
  expectErrorPage(response, 400, 'issuer_mismatch', value ? [value] : []);
  expect(tokenRequests).toBe(0);
  expect(browser.cookies.has('__Host-session')).toBe(false);
});

test('RFC 9207 2.4: a missing iss is refused when the provider advertises authorization_response_iss_parameter_supported', async () => {
  h.provider.misbehave({ authorizationIss: null });
  const { response, tokenRequests } = await callbackWithIss((callback) => callback);
  expectErrorPage(response, 400, 'issuer_mismatch');
  expect(tokenRequests).toBe(0);
});

test('RFC 9207: a provider that sends the wrong iss itself is refused too', async () => {
  h.provider.misbehave({ authorizationIss: 'https://honest-looking.example' });
  const { response, tokenRequests } = await callbackWithIss((callback) => callback);
  expectErrorPage(response, 400, 'issuer_mismatch');
  expect(tokenRequests).toBe(0);
});

test('RFC 9207 / RFC 9700 4.4: a second iss (one right, one wrong) is refused, not picked from', async () => {
  const { response, tokenRequests } = await callbackWithIss((callback) => `${callback.pathname}${callback.search}&iss=${encodeURIComponent('https://attacker.example')}`);
  expectErrorPage(response, 400, 'invalid_authorization_response');
  expect(tokenRequests).toBe(0);
});

test('control: the configured issuer\'s own iss completes the login', async () => {
  const { response, tokenRequests } = await callbackWithIss((callback) => callback);
  expect(response.status).toBe(302);
  expect(tokenRequests).toBe(1);
});
