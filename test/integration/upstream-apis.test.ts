/**
 * Several named upstream APIs against real parts: the certified oidc-provider with an RFC 8707
 * resource server (JWT access tokens, so the audience is checkable), DynamoDB Local, the local
 * API Gateway server and one recording upstream per API.
 */
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { parseKeyring } from '../../functions/adapters/encryption/keyring';
import { KeyringTokenVault } from '../../functions/adapters/encryption/token-vault';
import { staticSecret } from '../../functions/adapters/secrets-manager/secrets-manager-secret';
import { hashToken } from '../../functions/core/opaque-tokens';
import { tokenContext } from '../../functions/core/sessions/session-tokens';
import type { DevProvider } from '../../local/dev-idp';
import { completeDevLogin } from '../support/dev-idp-login';
import { revokeAtProvider, startService, type Service } from '../support/harness';
import type { RecordingUpstream } from '../support/recording-upstream';
import { pathAndQuery, TestBrowser } from '../support/test-browser';

const CLIENT_ID = 'apis-client';
const CLIENT_SECRET = 'apis-client-secret-that-is-long-enough';
const REPORTS_AUDIENCE = 'https://reports.example.test';
const REPORTS_TOKEN_TTL = 300;
const PRIMARY_TOKEN_TTL = 600;
const KEYS = JSON.stringify({ current: 'k1', k1: 'upstream-apis-key-material-0123456789-abc' });

let service: Service<DevProvider>;
let issuer: string;
let orders: RecordingUpstream;
let billing: RecordingUpstream;
let reports: RecordingUpstream;
let baseUrl: string;
/** Refresh grants at the provider, by the resource they named ('' for none). */
let grants: string[] = [];
let offsetMs = 0;
const clock = { now: () => Date.now() + offsetMs };
const store = () => service.store;
const vault = () => new KeyringTokenVault(staticSecret(parseKeyring(KEYS)));

beforeAll(async () => {
  service = await startService({
    provider: {
      kind: 'dev',
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      postLogoutRedirect: false,
      options: {
        rotateRefreshTokens: true,
        accessTokenTtlSeconds: PRIMARY_TOKEN_TTL,
        resourceServers: { [REPORTS_AUDIENCE]: { scope: 'reports:read', accessTokenTtlSeconds: REPORTS_TOKEN_TTL } },
      },
      onStart: (idp) => {
        idp.provider.on('grant.success', (...args: unknown[]) => {
          const { params } = (args[0] as { oidc: { params?: { grant_type?: unknown; resource?: unknown } } }).oidc;
          if (params?.grant_type === 'refresh_token') grants.push(typeof params.resource === 'string' ? params.resource : '');
        });
      },
    },
    settingsVia: 'config',
    upstream: false,
    upstreams: ['orders', 'billing', 'reports'],
    env: ({ upstreams }) => ({
      SESSION_KEYS: KEYS,
      UPSTREAM_APIS: JSON.stringify([
        { name: 'orders', url: `${upstreams.orders!.url}/v1`, methods: ['GET', 'POST'] },
        { name: 'billing', url: upstreams.billing!.url },
        { name: 'reports', url: `${upstreams.reports!.url}/r`, scopes: ['reports:read'], audience: REPORTS_AUDIENCE },
      ]),
    }),
    parts: { clock },
  });
  ({ orders, billing, reports } = service.upstreams as Record<'orders' | 'billing' | 'reports', RecordingUpstream>);
  ({ baseUrl } = service);
  issuer = service.issuer!;
});

afterAll(() => service?.close());

beforeEach(() => {
  offsetMs = 0;
  grants = [];
  for (const upstream of [orders, billing, reports]) upstream.reset();
});

async function signIn(): Promise<{ browser: TestBrowser; key: string; authorizationUrl: URL }> {
  const browser = new TestBrowser(baseUrl);
  const login = await browser.get('/login');
  const { callbackUrl } = await completeDevLogin(login.location!, 'grace');
  expect((await browser.get(pathAndQuery(callbackUrl))).status).toBe(302);
  return { browser, key: hashToken(browser.cookies.get('__Host-session')!), authorizationUrl: new URL(login.location!) };
}

const call = (browser: TestBrowser, path: string, method = 'GET') => browser.request(path, { method, headers: { 'x-csrf': '1' } });

async function stored(key: string) {
  const session = (await store().get(key))!;
  return { session, tokens: await vault().open(session.sealedTokens, tokenContext(key)) };
}

async function audienceOf(bearer: string | undefined): Promise<unknown> {
  const { payload } = await jwtVerify(bearer!.replace(/^Bearer /, ''), createRemoteJWKSet(new URL(`${issuer}/jwks`)), { issuer });
  return payload;
}

describe('routing by name', () => {
  test('sign-in asks for every API scope and the audience as an RFC 8707 resource', async () => {
    const { authorizationUrl } = await signIn();
    expect(authorizationUrl.searchParams.get('scope')!.split(' ')).toEqual(['openid', 'profile', 'email', 'reports:read']);
    expect(authorizationUrl.searchParams.getAll('resource')).toEqual([REPORTS_AUDIENCE]);
  });

  test('each API receives only its own requests, below its own URL, with the session access token', async () => {
    const { browser, key } = await signIn();
    const signedIn = await stored(key);
    expect((await call(browser, '/api/orders/items/42?expand=lines')).status).toBe(200);
    expect((await call(browser, '/api/billing/invoices')).status).toBe(200);
    expect((await call(browser, '/api/orders/items', 'POST')).status).toBe(200);

    expect(orders.requests.map((r) => [r.method, r.path, r.query])).toEqual([['GET', '/v1/items/42', 'expand=lines'], ['POST', '/v1/items', '']]);
    expect(billing.requests.map((r) => [r.method, r.path])).toEqual([['GET', '/invoices']]);
    expect(reports.requests).toHaveLength(0);
    const { tokens, session } = await stored(key);
    for (const request of [...orders.requests, ...billing.requests]) expect(request.headers.authorization).toBe(`Bearer ${tokens.accessToken}`);
    // APIs without an audience cost no grant and no write.
    expect(grants).toEqual([]);
    expect(session.version).toBe(signedIn.session.version);
  });

  test('a method outside the API list is 405; an unknown name (or another spelling) is 404; nothing reaches any API', async () => {
    const { browser } = await signIn();
    const refused = await call(browser, '/api/orders/items/42', 'DELETE');
    expect([refused.status, refused.json().error]).toEqual([405, 'method_not_allowed']);
    for (const path of ['/api/shipping/x', '/api/Orders/items', '/api/%6Frders/items', '/api/orders.x/items']) {
      const unknown = await call(browser, path);
      expect([path, unknown.status, unknown.json().error]).toEqual([path, 404, 'unknown_api']);
    }
    // Unknown names are refused before the session is even read: no cookie needed.
    const anonymous = await new TestBrowser(baseUrl).request('/api/shipping/x', { headers: { 'x-csrf': '1' } });
    expect(anonymous.status).toBe(404);
    expect([...orders.requests, ...billing.requests, ...reports.requests]).toHaveLength(0);
  });
});

describe('an API with an audience', () => {
  test('gets a JWT for its audience, obtained once with resource= and reused from the session; the rest of the session is kept', async () => {
    const { browser, key } = await signIn();
    const before = await stored(key);
    expect((await call(browser, '/api/reports/daily')).status).toBe(200);
    expect(grants).toEqual([REPORTS_AUDIENCE]);
    const bearer = reports.requests[0]!.headers.authorization;
    const claims = await audienceOf(bearer);
    expect(claims).toMatchObject({ aud: REPORTS_AUDIENCE, scope: 'reports:read', sub: 'grace', client_id: CLIENT_ID });

    const after = await stored(key);
    expect(after.tokens.apiTokens?.reports?.accessToken).toBe(bearer!.replace('Bearer ', ''));
    // The primary access token and its due time stay; the rotated refresh token was stored in the same write.
    expect(after.tokens.accessToken).toBe(before.tokens.accessToken);
    expect(after.session.accessTokenRefreshAt).toBe(before.session.accessTokenRefreshAt);
    expect(after.tokens.refreshToken).not.toBe(before.tokens.refreshToken);
    expect(after.session.version).toBe(before.session.version + 1);
    expect(after.session.refreshLease).toBeUndefined();

    expect((await call(browser, '/api/reports/weekly')).status).toBe(200);
    expect((await call(browser, '/api/orders/items')).status).toBe(200);
    expect(grants).toEqual([REPORTS_AUDIENCE]);
    expect(reports.requests.map((r) => r.headers.authorization)).toEqual([bearer, bearer]);
    expect(reports.requests.map((r) => r.path)).toEqual(['/r/daily', '/r/weekly']);
    expect(orders.requests[0]!.headers.authorization).toBe(`Bearer ${before.tokens.accessToken}`);
    expect((await stored(key)).session.version).toBe(after.session.version);
  });

  test('is renewed when due, once, and the new token has the audience too', async () => {
    const { browser, key } = await signIn();
    expect((await call(browser, '/api/reports/a')).status).toBe(200);
    const first = reports.requests[0]!.headers.authorization;
    offsetMs = (REPORTS_TOKEN_TTL - 30) * 1000; // inside the refresh skew of 60 s, not yet expired
    expect((await call(browser, '/api/reports/b')).status).toBe(200);
    expect((await call(browser, '/api/reports/c')).status).toBe(200);
    const [, second, third] = reports.requests.map((r) => r.headers.authorization);
    expect(second).not.toBe(first);
    expect(third).toBe(second);
    expect(grants).toEqual([REPORTS_AUDIENCE, REPORTS_AUDIENCE]);
    expect(await audienceOf(second)).toMatchObject({ aud: REPORTS_AUDIENCE });
    expect((await stored(key)).tokens.apiTokens?.reports?.accessToken).toBe(second!.replace('Bearer ', ''));
  });

  test('10 concurrent first calls make one grant and all use its token', async () => {
    const { browser } = await signIn();
    const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => call(browser, `/api/reports/${i}`)));
    expect(responses.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(grants).toEqual([REPORTS_AUDIENCE]);
    expect(new Set(reports.requests.map((r) => r.headers.authorization)).size).toBe(1);
    expect(reports.requests).toHaveLength(10);
  });

  test('a due primary token and a first audience call at once: two grants in turn, both results kept', async () => {
    const { browser, key } = await signIn();
    const signedIn = await stored(key);
    offsetMs = (PRIMARY_TOKEN_TTL - 30) * 1000; // the primary access token is due
    const [a, b] = await Promise.all([call(browser, '/api/orders/x'), call(browser, '/api/reports/x')]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(grants.sort()).toEqual(['', REPORTS_AUDIENCE]);
    const { tokens, session } = await stored(key);
    expect(orders.requests[0]!.headers.authorization).toBe(`Bearer ${tokens.accessToken}`);
    expect(reports.requests[0]!.headers.authorization).toBe(`Bearer ${tokens.apiTokens?.reports?.accessToken}`);
    expect(session.version).toBe(signedIn.session.version + 2);
  });

  test('a refused grant ends the session like a refused refresh', async () => {
    const { browser, key } = await signIn();
    const { tokens } = await stored(key);
    const revoked = await revokeAtProvider(service, tokens.refreshToken!, 'refresh_token');
    expect(revoked.status).toBe(200);
    const response = await call(browser, '/api/reports/x');
    expect([response.status, response.json().error]).toEqual([401, 'session_ended']);
    expect(response.setCookies.some((c) => c.startsWith('__Host-session=;'))).toBe(true);
    expect(await store().get(key)).toBeUndefined();
    expect(reports.requests).toHaveLength(0);
  });
});
