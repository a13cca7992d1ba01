/**
 * Open redirects through `returnTo` (RFC 9700 4.11.1 "Client as Open Redirector"; OWASP unvalidated
 * redirects). Every spelling a browser would follow to another site is refused at /login and at
 * /logout, before anything is stored; what is accepted always lands on this origin or an
 * allow-listed one.
 */
import { expectErrorPage, rawRequest, harnessForFile } from './harness';

const ALLOWED = 'https://app.example';
const h = harnessForFile({ env: { RETURN_TO_ALLOWED_ORIGINS: ALLOWED } });

/** Raw query values, exactly as an attacker would put them in a link. */
const HOSTILE = [
  'https://evil.example/', 'http://evil.example', 'HTTPS://EVIL.EXAMPLE', '//evil.example', '///evil.example', '////evil.example',
  '%2F%2Fevil.example', '%2f%2fevil.example', '/%2F/evil.example', '%2F%5Cevil.example', '/%5Cevil.example', '%5C%5Cevil.example',
  '%5C/evil.example', '/%5C/evil.example', '%09//evil.example', '/%09/evil.example', '/%0A/evil.example', '/%0D/evil.example',
  '%20//evil.example', '%00//evil.example', '/%00/evil.example', 'https:evil.example', 'https:/evil.example', 'https:%2F%2Fevil.example',
  'javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'java%0Ascript:alert(1)', '%20javascript:alert(1)', 'data:text/html,%3Cscript%3Ealert(1)%3C/script%3E',
  'vbscript:msgbox(1)', '/..//evil.example', '/./..//evil.example', '/a/../..//evil.example', '/%2E%2E//evil.example',
  'https://127.0.0.1@evil.example', '//127.0.0.1@evil.example', 'https://evil.example%23@127.0.0.1', 'https://evil.example%5C@127.0.0.1',
  `${encodeURIComponent(ALLOWED)}.evil.example`, `${encodeURIComponent(ALLOWED)}%40evil.example`, 'http://app.example',
  'https://app.example:8443', 'https://user:pass@app.example/', `https://evil.example/${encodeURIComponent(ALLOWED)}`,
  '//evil%E3%80%82example', '%EF%BC%8F%EF%BC%8Fevil.example', '//[::1]', '//2130706433', '//0x7f.1', `${'/a'.repeat(1100)}`,
];

describe('RFC 9700 4.11.1: /login refuses returnTo leading off-site, before storing anything', () => {
  test.each(HOSTILE.map((raw) => [raw.length > 60 ? `${raw.slice(0, 60)}…` : raw, raw]))('%s', async (_label, raw) => {
    const before = (await h.items()).length;
    const response = await rawRequest(h.baseUrl, { path: `/login?returnTo=${raw}` });
    expect(response.status).toBe(400);
    expect(response.headers.location).toBeUndefined();
    expect(response.headers['set-cookie']).toBeUndefined();
    expect(response.body.toString()).toContain('Error code: invalid_return_to');
    expect(response.body.toString()).not.toMatch(/evil|javascript|alert/i);
    expect((await h.items()).length).toBe(before);
  });
});

describe('RFC 9700 4.11.1: /logout refuses the same returnTo values and keeps the session', () => {
  test.each(['//evil.example', '%2F%5Cevil.example', 'javascript:alert(1)', 'https://evil.example/', '/%09/evil.example'])('%s', async (raw) => {
    const browser = await h.signIn('stay');
    const { sid } = (await browser.get('/session')).json();
    const response = await browser.get(`/logout?sid=${encodeURIComponent(sid)}&returnTo=${raw}`);
    expectErrorPage(response, 400, 'invalid_return_to', ['evil', 'javascript']);
    expect((await browser.get('/session')).status).toBe(200);
  });
});

describe('what is accepted lands on this origin or the allow-listed one, as the browser will resolve it', () => {
  test.each([
    ['/docs?a=1#top', '/docs?a=1#top'],
    ['/%2F%2Fevil.example', '/%2F%2Fevil.example'],
    ['/a/b/../c', '/a/c'],
    ['/@evil.example', '/@evil.example'],
    [`${ALLOWED}/dashboard`, `${ALLOWED}/dashboard`],
  ])('returnTo %s', async (returnTo, expected) => {
    const browser = h.browser();
    const callback = await h.authorize(browser, { returnTo });
    const response = await h.callback(browser, callback);
    expect(response.status).toBe(302);
    expect(response.location).toBe(expected);
    const landed = new URL(response.location!, h.baseUrl);
    expect([h.baseUrl, ALLOWED]).toContain(landed.origin);
  });
});
