/**
 * private_key_jwt (RFC 7523 §2.2, OpenID Connect Core 9) against the certified oidc-provider: its
 * client has no secret, only `jwks_uri` at the service's /.well-known/jwks.json, which the provider
 * fetches and caches for the answer's max-age (at least a minute) before it checks the assertion's
 * signature, `iss`, `sub`, `aud`, `exp` and one-time `jti`. Every step that authenticates the
 * client goes through it: the code exchange, the refresh, the revocation at logout, and the pushed
 * authorization request (RFC 9126) where the provider offers or requires one.
 */
import { generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint, createLocalJWKSet, jwtVerify } from 'jose';
import type { DevProvider, ObservedRequest } from '../../local/dev-idp';
import { parseClientKeys, type ClientKeys } from '../../functions/adapters/oauth/client-keys';
import type { SecretSource } from '../../functions/adapters/secrets-manager/secrets-manager-secret';
import { startService, type Service } from '../support/harness';
import { CookieJar, completeDevLogin } from '../support/dev-idp-login';
import { pathAndQuery } from '../support/test-browser';

const rsaPem = () => generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const p256Jwk = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });

const KEYED = { OAUTH_CLIENT_AUTH_METHOD: 'private_key_jwt', OAUTH_CLIENT_SECRET: undefined, ALLOWED_EMAIL_DOMAINS: undefined, ALLOWED_GROUPS: undefined, OAUTH_AUTHORIZATION_PARAMETERS: undefined };

type Sent = { path: string; assertion?: string; secret: boolean };

/** What the service sent to the provider's endpoints that authenticate the client. */
function recorder(seen: Sent[]) {
  return ({ method, path, form, authorization }: ObservedRequest) => {
    if (method !== 'POST' || !['/token', '/token/revocation', '/request'].includes(path)) return;
    seen.push({ path, assertion: form.client_assertion as string | undefined, secret: Boolean(form.client_secret || /^basic /i.test(authorization)) });
  };
}

describe.each([
  ['an RSA key in PEM, with pushed authorization requests', rsaPem(), 'offered' as const, 'RS256'],
  ['a P-256 JWK, without', JSON.stringify(p256Jwk()), undefined, 'ES256'],
])('%s', (_name, key, par, alg) => {
  let service: Service<DevProvider>;
  const sent: Sent[] = [];

  beforeAll(async () => {
    service = await startService({
      provider: {
        kind: 'dev', tokenEndpointAuthMethod: 'private_key_jwt',
        options: { accessTokenTtlSeconds: 2, ...(par ? { par } : {}), observe: recorder(sent) },
      },
      env: { ...KEYED, OAUTH_CLIENT_PRIVATE_KEY: key },
    });
  });

  afterAll(async () => {
    await service?.close();
  });

  test('/.well-known/jwks.json publishes the public key only, with its thumbprint as kid, and may be cached', async () => {
    const response = await fetch(`${service.baseUrl}/.well-known/jwks.json`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('public, max-age=300');
    const { keys } = await response.json() as { keys: Array<Record<string, string>> };
    expect(keys).toHaveLength(1);
    const [published] = keys as [Record<string, string>];
    expect([published.alg, published.use]).toEqual([alg, 'sig']);
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi']) expect(published).not.toHaveProperty(member);
    expect(published.kid).toBe(await calculateJwkThumbprint(published as never));
  });

  test('sign-in, refresh and logout authenticate with a fresh assertion each, never a secret', async () => {
    const browser = service.browser();
    const login = await browser.get('/login?returnTo=%2Fdone');
    const authorize = new URL(login.location!);
    if (par) {
      // RFC 9126 §4: the browser carries the request_uri and client_id only.
      expect([...authorize.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
    } else {
      expect(authorize.searchParams.get('state')).toBeTruthy();
    }
    const { callbackUrl } = await completeDevLogin(authorize.href, 'ada', new CookieJar());
    expect((await browser.get(pathAndQuery(callbackUrl))).status).toBe(302);
    // The access token lives 2 s: the next /api call refreshes it.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect((await browser.get('/api/items', { 'x-csrf': '1' })).status).toBe(200);
    const logout = await browser.get((await browser.get('/session')).json<{ logoutUrl: string }>().logoutUrl);
    expect([logout.status, logout.text]).toEqual([302, '']);

    const paths = sent.map((entry) => entry.path);
    expect(paths).toEqual(expect.arrayContaining(['/token', '/token/revocation']));
    expect(paths.filter((path) => path === '/token').length).toBeGreaterThanOrEqual(2);
    expect(paths.includes('/request')).toBe(Boolean(par));
    expect(sent.some((entry) => entry.secret)).toBe(false);
    const jwks = createLocalJWKSet(await (await fetch(`${service.baseUrl}/.well-known/jwks.json`)).json() as never);
    const jtis = new Set<string>();
    for (const { assertion } of sent) {
      const { payload, protectedHeader } = await jwtVerify(assertion!, jwks, { issuer: service.client.clientId, subject: service.client.clientId, audience: service.issuer! });
      expect(protectedHeader.alg).toBe(alg);
      expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(300);
      jtis.add(payload.jti!);
    }
    expect(jtis.size).toBe(sent.length);
  });
});

test('a provider that requires pushed authorization requests gets one even with OAUTH_PAR=off', async () => {
  const service = await startService({
    provider: { kind: 'dev', tokenEndpointAuthMethod: 'private_key_jwt', options: { par: 'required' } },
    env: { ...KEYED, OAUTH_CLIENT_PRIVATE_KEY: rsaPem(), OAUTH_PAR: 'off' },
  });
  try {
    const browser = await service.signIn('ada');
    expect((await browser.get('/session')).status).toBe(200);
  } finally {
    await service.close();
  }
});

test('OAUTH_PAR=off with a provider that only offers them: the browser carries the request itself', async () => {
  const service = await startService({
    provider: { kind: 'dev', options: { par: 'offered' } },
    env: { ALLOWED_EMAIL_DOMAINS: undefined, ALLOWED_GROUPS: undefined, OAUTH_AUTHORIZATION_PARAMETERS: undefined, OAUTH_PAR: 'off', OAUTH_CLIENT_AUTH_METHOD: undefined, OAUTH_CLIENT_PRIVATE_KEY: undefined },
  });
  try {
    const login = await service.browser().get('/login');
    expect(new URL(login.location!).searchParams.get('code_challenge')).toBeTruthy();
    // With the default (auto) and a client secret, the same provider is pushed to.
    const pushed = await service.startVariant({ env: { OAUTH_PAR: undefined } });
    const viaPar = new URL((await pushed.browser().get('/login')).location!);
    expect([...viaPar.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
  } finally {
    await service.close();
  }
});

/**
 * Key rollover as docs/client-keys.md describes it: publish the next key beside the current one,
 * wait until every cache that may hold the old set has expired (the JWKS max-age, and the
 * provider's own), then sign with the next one; no sign-in fails on the way. Skipping the wait
 * fails while the provider still holds the old set: that is what the publish step is for.
 */
describe('rollover', () => {
  const [a, b] = [p256Jwk(), p256Jwk()];
  let keys: ClientKeys;
  const source: SecretSource<ClientKeys> = { get: async () => keys, refresh: async () => keys };
  let service: Service<DevProvider>;
  let skewMs = 0;
  const realNow = Date.now.bind(Date);

  beforeAll(async () => {
    keys = await parseClientKeys(JSON.stringify({ keys: [a] }));
    service = await startService({
      provider: { kind: 'dev', tokenEndpointAuthMethod: 'private_key_jwt' },
      env: { ...KEYED, OAUTH_CLIENT_PRIVATE_KEY: JSON.stringify(a) },
      parts: { clientKeys: () => source },
    });
    // The provider's cache of the client's keys runs on Date.now: the test moves it past the max-age.
    jest.spyOn(Date, 'now').mockImplementation(() => realNow() + skewMs);
  });

  afterAll(async () => {
    jest.restoreAllMocks();
    await service?.close();
  });

  const signInWorks = async () => {
    const browser = service.browser();
    const answer = await service.callback(browser, await service.authorize(browser, { user: 'ada' }));
    return answer.status === 302;
  };
  const kidOf = (jwk: object) => calculateJwkThumbprint(jwk as never);

  test('publish, wait out the caches, then sign with the next key: every sign-in on the way succeeds', async () => {
    expect(await signInWorks()).toBe(true); // the provider now holds {a} for 300 s
    keys = await parseClientKeys(JSON.stringify({ keys: [a, b] }));
    expect(await signInWorks()).toBe(true); // still signed by a
    skewMs += 301_000;
    expect(await signInWorks()).toBe(true); // the provider re-fetched: {a, b}
    keys = await parseClientKeys(JSON.stringify({ keys: [b, a] }));
    expect(await signInWorks()).toBe(true); // signed by b, which the provider knows
    const published = await (await fetch(`${service.baseUrl}/.well-known/jwks.json`)).json() as { keys: Array<{ kid: string }> };
    expect(published.keys.map((key) => key.kid)).toEqual([await kidOf(b), await kidOf(a)]);
    keys = await parseClientKeys(JSON.stringify({ keys: [b] }));
    expect(await signInWorks()).toBe(true);
  });

  test('control: signing with a key the provider has not fetched yet fails while its cache holds the old set', async () => {
    // The provider fetched {a, b} moments ago and keeps it for the max-age.
    const c = p256Jwk();
    keys = await parseClientKeys(JSON.stringify({ keys: [c] }));
    const browser = service.browser();
    const answer = await service.callback(browser, await service.authorize(browser, { user: 'ada' }));
    expect(answer.status).toBe(500);
    expect(answer.text).toContain('client_misconfigured');
  });
});
