/**
 * Back-channel logout against the certified oidc-provider, which implements OpenID Connect
 * Back-Channel Logout 1.0 (https://openid.net/specs/openid-connect-backchannel-1_0.html) as its
 * `features.backchannelLogout` (https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#featuresbackchannellogout).
 * The service is registered with `backchannel_logout_uri` and `backchannel_logout_session_required`,
 * so the provider puts its session id (`sid`) in the ID tokens and in the logout token (§2.4: with
 * `iss`, `aud`, `iat`, `exp`, `jti`, `sub`, `sid`, `events`, header `typ: logout+jwt`). When the
 * user's session at the provider ends (its end-session endpoint, confirmed with `logout=yes`), the
 * provider posts that token (§2.5) before it answers the browser; the service validates it (§2.6),
 * ends the sessions of that provider session (§2.7) and answers 200 with `Cache-Control: no-store`,
 * or 400 `invalid_request` (§2.8). A recording relay on 127.0.0.1 stands between the provider and
 * the route, so what the provider really sent can be inspected and sent again.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { hashToken } from '../../functions/core/opaque-tokens';
import type { DevProvider } from '../../local/dev-idp';
import { CookieJar, completeDevLogin, completeDevLogout, parseForm } from '../support/dev-idp-login';
import { startService, type Service } from '../support/harness';
import { pathAndQuery, TestBrowser } from '../support/test-browser';

const LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

let service: Service<DevProvider>;
let relay: Server;
/** Every logout token the provider sent, with the service's answer to it. */
const delivered: Array<{ token: string; status: number; cacheControl: string | null }> = [];
/** What the provider reports when a post fails (its `backchannel.error` event). */
const providerErrors: string[] = [];

beforeAll(async () => {
  relay = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      void postLogout(body, request.headers['content-type']).then(async (answer) => {
        delivered.push({ token: new URLSearchParams(body).get('logout_token') ?? '', status: answer.status, cacheControl: answer.headers.get('cache-control') });
        response.statusCode = answer.status;
        response.end(await answer.text());
      }, () => {
        response.statusCode = 502;
        response.end();
      });
    });
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const relayUrl = `http://127.0.0.1:${(relay.address() as AddressInfo).port}/backchannel-logout`;
  service = await startService({
    provider: {
      kind: 'dev',
      backchannelLogoutUri: relayUrl,
      onStart: ({ provider }) => provider.on('backchannel.error', (_ctx: unknown, error: unknown) => {
        providerErrors.push(error instanceof Error ? error.message : String(error));
      }),
    },
  });
});

afterAll(async () => {
  await service?.close();
  await new Promise<void>((resolve) => (relay ? relay.close(() => resolve()) : resolve()));
});

beforeEach(() => {
  delivered.length = 0;
  providerErrors.length = 0;
});

function postLogout(body: string, contentType = 'application/x-www-form-urlencoded'): Promise<Response> {
  return fetch(`${service.baseUrl}/backchannel-logout`, { method: 'POST', headers: { 'content-type': contentType }, body });
}

/** A browser signed in as `user` with the provider session held in `jar` (one jar, one provider session, one `sid`). */
async function signedIn(user: string, jar: CookieJar): Promise<TestBrowser> {
  const browser = new TestBrowser(service.baseUrl);
  const login = await browser.get('/login');
  const { callbackUrl } = await completeDevLogin(login.location!, user, jar);
  expect((await browser.get(pathAndQuery(callbackUrl))).status).toBe(302);
  expect((await browser.get('/session')).status).toBe(200);
  return browser;
}

/** The user signs out at the provider itself: its end-session page, confirmed with "Yes, sign me out" (logout=yes). */
async function endProviderSession(jar: CookieJar): Promise<void> {
  const url = new URL(`${service.issuer}/session/end`);
  const page = await fetch(url, { headers: { cookie: jar.header(url), accept: 'text/html' } });
  jar.store(url, page.headers.getSetCookie());
  const form = parseForm(await page.text());
  if (!form) throw new Error(`the end-session page answered ${page.status} without a form`);
  const action = new URL(form.action, url);
  const confirmed = await fetch(action, {
    method: 'POST',
    headers: { cookie: jar.header(action), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams([...form.fields, ['logout', 'yes']]),
    redirect: 'manual',
  });
  await confirmed.body?.cancel();
  expect(confirmed.status).toBe(303);
}

const api = (browser: TestBrowser) => browser.get('/api/items', { 'x-csrf': '1' });

async function storedSession(browser: TestBrowser) {
  return service.store.get(hashToken(browser.cookies.get('__Host-session')!));
}

test('discovery announces back-channel logout with sid (§2.1)', async () => {
  const metadata = (await (await fetch(`${service.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
  expect(metadata).toMatchObject({ backchannel_logout_supported: true, backchannel_logout_session_supported: true });
});

test('the provider\'s logout token ends both sessions of that provider session at once; the same user elsewhere and another user stay', async () => {
  const adaJar = new CookieJar();
  // Two browsers of the service, one provider session (the same cookies there): one `sid`.
  const first = await signedIn('ada', adaJar);
  const second = await signedIn('ada', adaJar);
  // Ada again in a provider session of her own, and another user.
  const elsewhere = await signedIn('ada', new CookieJar());
  const bob = await signedIn('bob', new CookieJar());
  // The provider sids the sessions kept from their ID tokens, before the logout removes them.
  const [firstSid, secondSid, elsewhereSid] = await Promise.all([first, second, elsewhere].map(async (browser) => (await storedSession(browser))?.providerSid));
  expect(firstSid).toEqual(expect.any(String));
  expect(secondSid).toBe(firstSid);
  expect(elsewhereSid).toEqual(expect.any(String));
  expect(elsewhereSid).not.toBe(firstSid);

  await endProviderSession(adaJar);

  expect(providerErrors).toEqual([]);
  expect(delivered).toHaveLength(1);
  expect(delivered[0]).toMatchObject({ status: 200, cacheControl: 'no-store' });
  // What oidc-provider sends (§2.4): signed with a key of its JWKS, typ logout+jwt, both sub and sid, no nonce.
  const { token } = delivered[0]!;
  const header = decodeProtectedHeader(token);
  const jwks = (await (await fetch(`${service.issuer}/jwks`)).json()) as { keys: Array<{ kid: string }> };
  expect(header).toMatchObject({ alg: 'RS256', typ: 'logout+jwt' });
  expect(jwks.keys.map((key) => key.kid)).toContain(header.kid);
  const claims = decodeJwt(token);
  expect(claims).toMatchObject({ iss: service.issuer, aud: service.client.clientId, sub: 'ada', sid: expect.any(String), jti: expect.any(String), events: { [LOGOUT_EVENT]: {} } });
  expect(claims.exp! - claims.iat!).toBe(120);
  expect(claims).not.toHaveProperty('nonce');
  // The sid is the one both sessions kept from their ID tokens (so oidc-provider sends the sid of its session, not only sub).
  expect(claims.sid).toBe(firstSid);

  for (const browser of [first, second]) {
    expect((await browser.get('/session')).status).toBe(401);
    expect((await api(browser)).status).toBe(401);
  }
  expect((await elsewhere.get('/session')).status).toBe(200);
  expect((await api(elsewhere)).status).toBe(200);
  expect((await bob.get('/session')).status).toBe(200);
  expect((await api(bob)).status).toBe(200);
});

test('the provider\'s logout token sent a second time is refused (its jti was seen, §2.6 step 10), though its first delivery matched no session and was 200', async () => {
  const jar = new CookieJar();
  const browser = await signedIn('ada', jar);
  const bystander = await signedIn('ada', new CookieJar());
  // Logout at the service first: the session ends there, then the provider's own logout token names a session already gone.
  const { logoutUrl } = (await browser.get('/session')).json<{ logoutUrl: string }>();
  const endSession = (await browser.get(logoutUrl)).location!;
  await completeDevLogout(endSession, jar);
  expect(providerErrors).toEqual([]);
  expect(delivered).toHaveLength(1);
  expect(delivered[0]).toMatchObject({ status: 200, cacheControl: 'no-store' });

  const replay = await postLogout(new URLSearchParams({ logout_token: delivered[0]!.token }).toString());
  expect(replay.status).toBe(400);
  const text = await replay.text();
  expect(JSON.parse(text)).toMatchObject({ error: 'invalid_request' });
  expect(text).not.toContain(delivered[0]!.token.split('.')[1]!.slice(0, 16));
  expect((await bystander.get('/session')).status).toBe(200);
});

test('a logout token signed with a key the provider does not publish is refused and ends nothing, under the provider\'s kid or its own', async () => {
  const bob = await signedIn('bob', new CookieJar());
  const jwks = (await (await fetch(`${service.issuer}/jwks`)).json()) as { keys: Array<{ kid: string }> };
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const ownKid = (await exportJWK(publicKey)).n!.slice(0, 12);
  for (const kid of [jwks.keys[0]!.kid, ownKid]) {
    const now = Math.floor(Date.now() / 1000);
    // Shaped like the provider's own tokens; only the signature is not the provider's.
    const forged = await new SignJWT({ events: { [LOGOUT_EVENT]: {} } })
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'logout+jwt' })
      .setIssuer(service.issuer!)
      .setAudience(service.client.clientId)
      .setSubject('bob')
      .setIssuedAt(now)
      .setExpirationTime(now + 120)
      .setJti(`forged-${kid}`)
      .sign(privateKey);
    const answer = await postLogout(new URLSearchParams({ logout_token: forged }).toString());
    expect(answer.status).toBe(400);
    const text = await answer.text();
    expect(JSON.parse(text)).toMatchObject({ error: 'invalid_request' });
    expect(text).not.toContain(forged.split('.')[1]!.slice(0, 16));
  }
  expect((await bob.get('/session')).status).toBe(200);
  expect((await api(bob)).status).toBe(200);
});

test('anything but a form post is invalid_request', async () => {
  const json = await postLogout('{"logout_token":"a.b.c"}', 'application/json');
  expect(json.status).toBe(400);
  expect(((await json.json()) as { error: string }).error).toBe('invalid_request');
});
