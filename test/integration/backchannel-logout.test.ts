/**
 * Back-channel logout against the certified oidc-provider, which implements OpenID Connect
 * Back-Channel Logout 1.0 (its `features.backchannelLogout`; the service is registered with
 * `backchannel_logout_uri` = `/backchannel-logout` and `backchannel_logout_session_required`): when
 * the user's session at the provider ends, the provider posts a real logout token (§2.5, with `sub`
 * and `sid`) and the service's sessions of that provider session are refused at the next request.
 * A recording relay in front of the route keeps what the provider sent, so it can be replayed.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { DevProvider } from '../../local/dev-idp';
import { CookieJar, completeDevLogin, parseForm } from '../support/dev-idp-login';
import { startService, type Service } from '../support/harness';
import { pathAndQuery, TestBrowser } from '../support/test-browser';

let service: Service<DevProvider>;
let relay: Server;
const delivered: Array<{ body: string; status: number; cacheControl: string | null }> = [];

beforeAll(async () => {
  // Forwards each logout token to the service and keeps it, with the service's answer.
  relay = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', async () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const answer = await fetch(`${service.baseUrl}/backchannel-logout`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
      delivered.push({ body, status: answer.status, cacheControl: answer.headers.get('cache-control') });
      response.statusCode = answer.status;
      response.end(await answer.text());
    });
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const relayUrl = `http://127.0.0.1:${(relay.address() as AddressInfo).port}/`;
  service = await startService({ provider: { kind: 'dev', backchannelLogoutUri: relayUrl } });
});

afterAll(async () => {
  await service?.close();
  await new Promise<void>((resolve) => relay?.close(() => resolve()));
});

/** A browser signed in as `user` with the provider session held in `jar` (shared jars share the provider session). */
async function signedIn(user: string, jar: CookieJar): Promise<TestBrowser> {
  const browser = new TestBrowser(service.baseUrl);
  const login = await browser.get('/login');
  const { callbackUrl } = await completeDevLogin(login.location!, user, jar);
  expect((await browser.get(pathAndQuery(callbackUrl))).status).toBe(302);
  expect((await browser.get('/session')).status).toBe(200);
  return browser;
}

/** Ends the provider session of `jar` at its end-session endpoint, confirming on its page (logout=yes: every client). */
async function endProviderSession(jar: CookieJar): Promise<void> {
  const url = new URL(`${service.issuer}/session/end`);
  const page = await fetch(url, { headers: { cookie: jar.header(url) ?? '', accept: 'text/html' } });
  jar.store(url, page.headers.getSetCookie());
  const form = parseForm(await page.text())!;
  const action = new URL(form.action, url);
  const confirmed = await fetch(action, {
    method: 'POST',
    headers: { cookie: jar.header(action) ?? '', 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams([...form.fields, ['logout', 'yes']]),
    redirect: 'manual',
  });
  await confirmed.body?.cancel();
}

test('the provider\'s logout token ends the sessions of that provider session at once; others stay; its replay is refused', async () => {
  const adaJar = new CookieJar();
  const first = await signedIn('ada', adaJar);
  // The same provider session (its cookies), so the same `sid`.
  const second = await signedIn('ada', adaJar);
  // Ada again in another provider session, and another user.
  const elsewhere = await signedIn('ada', new CookieJar());
  const bob = await signedIn('bob', new CookieJar());

  await endProviderSession(adaJar);
  expect(delivered).toHaveLength(1);
  expect(delivered[0]).toMatchObject({ status: 200, cacheControl: 'no-store' });
  // §2.4: what oidc-provider sent is a real logout token, with both `sub` and `sid`.
  const claims = JSON.parse(Buffer.from(new URLSearchParams(delivered[0]!.body).get('logout_token')!.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
  expect(claims).toMatchObject({ sub: 'ada', sid: expect.any(String), events: { 'http://schemas.openid.net/event/backchannel-logout': {} } });

  for (const browser of [first, second]) {
    expect((await browser.get('/session')).status).toBe(401);
    expect((await browser.get('/api/items', { 'x-csrf': '1' })).status).toBe(401);
  }
  expect((await elsewhere.get('/session')).status).toBe(200);
  expect((await bob.get('/api/items', { 'x-csrf': '1' })).status).toBe(200);

  // The same token again: its jti was seen (§2.6 rule 10 allows refusing it), nothing changes.
  const replay = await fetch(`${service.baseUrl}/backchannel-logout`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: delivered[0]!.body });
  expect(replay.status).toBe(400);
  expect(await replay.json()).toMatchObject({ error: 'invalid_request' });
  expect((await elsewhere.get('/session')).status).toBe(200);
});

test('a logout token signed with a key the provider does not publish is refused and ends nothing', async () => {
  const bob = await signedIn('bob', new CookieJar());
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const kid = (await exportJWK(publicKey)).n!.slice(0, 8);
  const forged = await new SignJWT({ iss: service.issuer, aud: service.client.clientId, iat: Math.floor(Date.now() / 1000), jti: `forged-${kid}`, sub: 'bob', events: { 'http://schemas.openid.net/event/backchannel-logout': {} } })
    .setProtectedHeader({ alg: 'RS256', kid, typ: 'logout+jwt' })
    .sign(privateKey);
  const answer = await fetch(`${service.baseUrl}/backchannel-logout`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ logout_token: forged }) });
  expect(answer.status).toBe(400);
  const text = await answer.text();
  expect(JSON.parse(text)).toMatchObject({ error: 'invalid_request' });
  expect(text).not.toContain(forged.split('.')[1]!.slice(0, 16));
  expect((await bob.get('/session')).status).toBe(200);
});

test('anything but a form post is invalid_request', async () => {
  const json = await fetch(`${service.baseUrl}/backchannel-logout`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"logout_token":"a.b.c"}' });
  expect(json.status).toBe(400);
  expect(((await json.json()) as { error: string }).error).toBe('invalid_request');
});
