/**
 * Each RFC 6749 §5.2 error of the token endpoint, at the code exchange and at a refresh (§6),
 * classified by whose it is to fix. The user's: invalid_grant (the code or refresh token is no
 * good): sign in again. The operator's: invalid_client, unauthorized_client,
 * unsupported_grant_type, invalid_scope: 500 `client_misconfigured`, and a refresh that meets one
 * leaves the session intact, except invalid_client after the one re-read of the secret (the client
 * is refused for good; the session cannot renew). invalid_request and codes the RFC does not
 * define (§8.5) are the provider's bad answer, 502, and never end a session.
 */
import { expectErrorPage, harnessForFile, sessionDueForRefresh } from './harness';

const h = harnessForFile({ reset: ['provider', 'upstream'] });

/** [§5.2 error code, status, the service's code] at the code exchange. */
const AT_SIGN_IN: Array<[string, number, string]> = [
  ['invalid_client', 500, 'client_misconfigured'],
  ['unauthorized_client', 500, 'client_misconfigured'],
  ['unsupported_grant_type', 500, 'client_misconfigured'],
  ['invalid_scope', 500, 'client_misconfigured'],
  ['invalid_grant', 400, 'code_rejected'],
  // GitHub's name for invalid_grant (docs.github.com, "Troubleshooting OAuth app access token request errors").
  ['bad_verification_code', 400, 'code_rejected'],
  // GitHub's names for a wrong client secret and for a redirect URI other than the registered one.
  ['incorrect_client_credentials', 500, 'client_misconfigured'],
  ['redirect_uri_mismatch', 500, 'client_misconfigured'],
  // RFC 8707 §2: a resource the client may not name.
  ['invalid_target', 500, 'client_misconfigured'],
  ['invalid_request', 502, 'provider_bad_response'],
  // Outages by name (RFC 6749 §4.1.2.1), as some token endpoints answer them with a 400.
  ['temporarily_unavailable', 503, 'provider_unavailable'],
  ['no_such_error_code', 502, 'provider_bad_response'],
];

describe.each(AT_SIGN_IN)('RFC 6749 §5.2 %s at the code exchange', (error, status, code) => {
  test(`is ${status} ${code} on the error page, and no session`, async () => {
    const browser = h.browser();
    const callbackUrl = await h.authorize(browser, { user: `refused-${error}` });
    const before = await h.sessionCount();
    const requestsBefore = h.provider.tokenRequests.length;
    h.provider.misbehave({ tokenError: { grant: 'authorization_code', error } });
    const response = await h.callback(browser, callbackUrl);
    expectErrorPage(response, status, code, [`refused with ${error}`, error]);
    expect(await h.sessionCount()).toBe(before);
    expect(browser.cookies.has('__Host-session')).toBe(false);
    // Only a refused client earns the one re-read of the secret and a second attempt.
    expect(h.provider.tokenRequests.length - requestsBefore).toBe(error === 'invalid_client' ? 2 : 1);
  });
});

describe.each<[string, number, string]>([
  ['invalid_grant', 401, 'session_ended'],
  ['invalid_client', 401, 'session_ended'],
])('RFC 6749 §5.2 %s at a refresh', (error, status, code) => {
  test(`is ${status} ${code}: the session ends, in the store too`, async () => {
    const browser = await sessionDueForRefresh(h, `ended-${error}`);
    const cookie = browser.cookies.get('__Host-session')!;
    const requestsBefore = h.provider.tokenRequests.length;
    h.provider.misbehave({ tokenError: { grant: 'refresh_token', error } });
    const response = await browser.get('/api/items', { 'x-csrf': '1' });
    expect([response.status, response.json().error]).toEqual([status, code]);
    // invalid_client ends the session only once a re-read secret is refused too.
    expect(h.provider.tokenRequests.length - requestsBefore).toBe(error === 'invalid_client' ? 2 : 1);
    expect(response.setCookies).toEqual([expect.stringMatching(/^__Host-session=; .*Max-Age=0/)]);
    expect(h.upstream.requests).toHaveLength(0);
    h.provider.reset();
    browser.cookies.set('__Host-session', cookie);
    expect((await browser.get('/session')).json().error).toBe('not_signed_in');
  });
});

describe.each<[string, number, string]>([
  ['unauthorized_client', 500, 'client_misconfigured'],
  ['unsupported_grant_type', 500, 'client_misconfigured'],
  ['invalid_scope', 500, 'client_misconfigured'],
  ['invalid_target', 500, 'client_misconfigured'],
  ['invalid_request', 502, 'provider_bad_response'],
  ['no_such_error_code', 502, 'provider_bad_response'],
  ['temporarily_unavailable', 503, 'provider_unavailable'],
])('RFC 6749 §5.2 %s at a refresh', (error, status, code) => {
  test(`is ${status} ${code}, and the session survives to renew later`, async () => {
    const browser = await sessionDueForRefresh(h, `kept-${error}`);
    h.provider.misbehave({ tokenError: { grant: 'refresh_token', error } });
    const response = await browser.get('/api/items', { 'x-csrf': '1' });
    expect([response.status, response.json().error]).toEqual([status, code]);
    expect(response.text).not.toContain(error);
    expect(response.setCookies).toEqual([]);
    expect(h.upstream.requests).toHaveLength(0);
    // Once the provider accepts the grant again, the same session renews and reaches the API.
    h.provider.reset();
    const retried = await browser.get('/api/items', { 'x-csrf': '1' });
    expect(retried.status).toBe(200);
    expect(h.upstream.requests.map((request) => String(request.headers.authorization))).toEqual([`Bearer ${h.provider.lastAccessToken}`]);
  });
});
