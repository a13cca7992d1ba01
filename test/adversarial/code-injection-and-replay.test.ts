/**
 * Authorization code injection and replay (RFC 9700 4.5 and 2.1.1; OpenID Connect Core 3.1.3.7
 * rule 11). PKCE binds a code to the login that asked for it; the nonce binds the ID token to it as
 * a second line of defence when a provider does not enforce PKCE.
 */
import { createHash } from 'node:crypto';
import { expectErrorPage, harnessForFile } from './harness';

const h = harnessForFile({ reset: ['provider'] });

test('RFC 9700 2.1.1: the token request carries the verifier of the S256 challenge sent at /login, and the exact redirect_uri', async () => {
  const browser = h.browser();
  const login = await browser.get('/login');
  const authorize = new URL(login.location!);
  expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
  const approved = await fetch(authorize, { redirect: 'manual' });
  expect((await h.callback(browser, approved.headers.get('location')!)).status).toBe(302);
  const sent = h.provider.tokenRequests.at(-1)!;
  expect(sent.codeVerifier).toMatch(/^[A-Za-z0-9_-]{43,128}$/);
  expect(createHash('sha256').update(sent.codeVerifier).digest('base64url')).toBe(authorize.searchParams.get('code_challenge'));
  expect(sent.redirectUri).toBe(`${h.baseUrl}/callback`);
});

/** The attacker's code in the victim's callback (the victim's own state and browser). */
async function injectStolenCode() {
  const stolen = (await h.authorize(h.browser(), { user: 'mallory' })).searchParams.get('code')!;
  const victim = h.browser();
  const victimCallback = await h.authorize(victim, { user: 'victim' });
  victimCallback.searchParams.set('code', stolen);
  return { stolen, victim, victimCallback };
}

test('RFC 9700 4.5 / 2.1.1: a stolen code injected into the victim\'s login fails PKCE at the provider', async () => {
  const { stolen, victim, victimCallback } = await injectStolenCode();
  const before = h.provider.tokenRequests.length;
  expectErrorPage(await h.callback(victim, victimCallback), 400, 'code_rejected');
  expect(h.provider.tokenRequests.length).toBe(before + 1); // sent once, never retried
  expect(h.provider.tokenRequests.at(-1)!.code).toBe(stolen);
  expect(victim.cookies.has('__Host-session')).toBe(false);
});

test('RFC 9700 4.5.3.2: with a provider that ignores PKCE, the injected code still fails on the nonce', async () => {
  const { victim, victimCallback } = await injectStolenCode();
  h.provider.misbehave({ ignorePkce: true });
  const sessions = await h.sessionCount();
  expectErrorPage(await h.callback(victim, victimCallback), 502, 'id_token_invalid');
  expect(await h.sessionCount()).toBe(sessions);
  expect(victim.cookies.has('__Host-session')).toBe(false);
});

test('RFC 9700 4.5: a used code replayed in a new login of the same browser is rejected by the provider', async () => {
  const browser = h.browser();
  const first = await h.authorize(browser);
  expect((await h.callback(browser, first)).status).toBe(302);
  const second = await h.authorize(browser);
  second.searchParams.set('code', first.searchParams.get('code')!);
  const sessions = await h.sessionCount();
  expectErrorPage(await h.callback(browser, second), 400, 'code_rejected');
  expect(await h.sessionCount()).toBe(sessions);
});

test('RFC 9700 4.5.3.2: even a provider that lets codes be redeemed twice cannot get a replayed code accepted (nonce)', async () => {
  h.provider.misbehave({ reusableCodes: true, ignorePkce: true });
  const browser = h.browser();
  const first = await h.authorize(browser);
  expect((await h.callback(browser, first)).status).toBe(302);
  const second = await h.authorize(browser);
  second.searchParams.set('code', first.searchParams.get('code')!);
  expectErrorPage(await h.callback(browser, second), 502, 'id_token_invalid');
});

test.each([
  ['an empty code', ''],
  ['a code with markup', '<img src=x onerror=alert(1)>'],
  ['an oversized code', 'c'.repeat(6000)],
])('%s is refused without reflecting it', async (_case, code) => {
  const browser = h.browser();
  const callback = await h.authorize(browser);
  callback.searchParams.set('code', code);
  const response = await h.callback(browser, callback);
  expect([400, 502]).toContain(response.status);
  expect(response.text).not.toContain('onerror');
  expect(response.text).not.toContain('ccccccccc');
  expect(browser.cookies.has('__Host-session')).toBe(false);
});
