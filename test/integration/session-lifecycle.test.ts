/**
 * Sessions against real parts: the certified oidc-provider (rotating refresh tokens), DynamoDB
 * Local, the local API Gateway server and a recording upstream. The service's clock runs ahead
 * of the real one when a test needs an access token to be due for refresh or a session to expire.
 */
import { GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { Keyring } from '../../functions/adapters/encryption/keyring';
import type { SecretSource } from '../../functions/adapters/secrets-manager/secrets-manager-secret';
import { KeyringTokenVault } from '../../functions/adapters/encryption/token-vault';
import { hashToken } from '../../functions/core/opaque-tokens';
import { tokenContext } from '../../functions/core/sessions/session-tokens';
import type { DevProvider } from '../../local/dev-idp';
import { dynamoDbClient, dynamoDbLocalEndpoint } from '../support/dynamodb-local';
import { basicAuthorization, revokeAtProvider, startService, type Service } from '../support/harness';
import { K1, K2, keyring } from '../support/session-keyring';
import type { RecordingUpstream } from '../support/recording-upstream';
import type { TestBrowser } from '../support/test-browser';

const ACCESS_TOKEN_TTL = 120;

let service: Service<DevProvider>;
let issuer: string;
let upstream: RecordingUpstream;
let tableName: string;
let baseUrl: string;
let refreshGrants = 0;
/** How far the service's clock runs ahead of the real one. */
let offsetMs = 0;
const clock = { now: () => Date.now() + offsetMs };

const store = () => service.store;

/** The keyring the service reads, as a Lambda instance would read it from Secrets Manager. */
let keys: SecretSource<Keyring>;
const DEFAULT_KEYS = { current: 'k1', k1: K1 };

beforeAll(async () => {
  service = await startService({
    provider: {
      kind: 'dev',
      options: { accessTokenTtlSeconds: ACCESS_TOKEN_TTL, rotateRefreshTokens: true },
      onStart: countRefreshGrants,
    },
    settingsVia: 'config',
    env: { SESSION_KEYS: JSON.stringify({ current: 'k1', k1: K1 }), SESSION_IDLE_TIMEOUT_SECONDS: '1800', SESSION_LIFETIME_SECONDS: '7200' },
    parts: { vault: new KeyringTokenVault({ get: () => keys.get(), refresh: () => keys.refresh() }), clock },
  });
  ({ upstream, tableName, baseUrl } = service);
  issuer = service.issuer!;
});

afterAll(async () => {
  await service?.close();
});

beforeEach(() => {
  offsetMs = 0;
  refreshGrants = 0;
  keys = keyring(DEFAULT_KEYS);
  upstream.reset();
});

async function signIn(user = 'ada'): Promise<{ browser: TestBrowser; key: string }> {
  const browser = await service.signIn(user);
  return { browser, key: hashToken(browser.cookies.get('__Host-session')!) };
}

const api = (browser: TestBrowser, path = '/api/items') => browser.request(path, { headers: { 'x-csrf': '1' } });

async function storedTokens(key: string, keys: Record<string, string> = { current: 'k1', k1: K1 }) {
  const session = await store().get(key);
  return session && new KeyringTokenVault(keyring(keys)).open(session.sealedTokens, tokenContext(key));
}

async function tokenEndpoint(body: Record<string, string>): Promise<Response> {
  return fetch(`${issuer}/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: basicAuthorization(service.client),
    },
    body: new URLSearchParams(body),
  });
}

describe('refresh in /api', () => {
  test('20 concurrent calls with an expired access token: one refresh at the provider, all succeed, the session survives', async () => {
    const { browser, key } = await signIn();
    const before = (await storedTokens(key))!;
    offsetMs = (ACCESS_TOKEN_TTL + 5) * 1000; // the access token has expired for the service
    const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => api(browser, `/api/items/${i}`)));

    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(refreshGrants).toBe(1);
    const after = (await storedTokens(key))!;
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(after.refreshToken).toBeDefined();
    expect(after.refreshToken).not.toBe(before.refreshToken);
    // Every call reached the upstream with the one new access token.
    const bearers = new Set(upstream.requests.map((r) => r.headers.authorization));
    expect([...bearers]).toEqual([`Bearer ${after.accessToken}`]);
    expect(upstream.requests).toHaveLength(20);
    // The old refresh token was rotated away by the provider: it is never good again.
    const replay = await tokenEndpoint({ grant_type: 'refresh_token', refresh_token: before.refreshToken! });
    expect(replay.status).toBe(400);
    expect(((await replay.json()) as { error: string }).error).toBe('invalid_grant');
    // The session goes on: no further refresh while the new token is fresh.
    expect((await api(browser)).status).toBe(200);
    expect(refreshGrants).toBe(1);
    const session = await store().get(key);
    expect(session).toMatchObject({ version: 2 });
    expect(session!.refreshLease).toBeUndefined();
  });

  test('the refresh token revoked at the provider: invalid_grant ends the session, 401 and the cookie cleared', async () => {
    const { browser, key } = await signIn();
    const tokens = (await storedTokens(key))!;
    const revoked = await revokeAtProvider(service, tokens.refreshToken!, 'refresh_token');
    expect(revoked.status).toBe(200);
    offsetMs = (ACCESS_TOKEN_TTL + 5) * 1000;
    const response = await api(browser);
    expect(response.status).toBe(401);
    expect(response.json().error).toBe('session_ended');
    expect(response.setCookies.some((c) => c.startsWith('__Host-session=;'))).toBe(true);
    expect(await store().get(key)).toBeUndefined();
    expect(upstream.requests).toHaveLength(0);
  });
});

/** Counts the provider's refresh grants (at each start: the restarted provider is a new one). */
function countRefreshGrants(started: DevProvider): void {
  started.provider.on('grant.success', (...args: unknown[]) => {
    const ctx = args[0] as { oidc: { params?: { grant_type?: unknown } } };
    if (ctx.oidc.params?.grant_type === 'refresh_token') refreshGrants += 1;
  });
}

describe('logout', () => {
  test('with the sid from /session: ends the session, revokes the tokens at the provider, clears the cookie, RP-initiated logout', async () => {
    const { browser, key } = await signIn();
    const tokens = (await storedTokens(key))!;
    const { sid, logoutUrl } = (await browser.get('/session')).json<{ sid: string; logoutUrl: string }>();
    expect(logoutUrl).toBe(`/logout?sid=${encodeURIComponent(sid)}`);

    const response = await browser.get(logoutUrl);
    expect(response.status).toBe(302);
    const location = new URL(response.location!);
    expect(location.href.startsWith(`${issuer}/`)).toBe(true);
    expect(location.searchParams.get('id_token_hint')).toBe(tokens.idToken);
    expect(location.searchParams.get('post_logout_redirect_uri')).toBe(`${baseUrl}/logout/done`);
    expect(response.setCookies.some((c) => c.startsWith('__Host-session=;'))).toBe(true);
    expect(await store().get(key)).toBeUndefined();
    // RFC 7009: neither token is good at the provider any more.
    const refresh = await tokenEndpoint({ grant_type: 'refresh_token', refresh_token: tokens.refreshToken! });
    expect(refresh.status).toBe(400);
    const userinfo = await fetch(`${issuer}/me`, { headers: { authorization: `Bearer ${tokens.accessToken}` } });
    expect(userinfo.status).toBe(401);
    // Twice is harmless: no session, so straight to returnTo.
    const again = await browser.get(`/logout?sid=${encodeURIComponent(sid)}&returnTo=%2Fbye`);
    expect(again.status).toBe(302);
    expect(again.location).toBe('/bye');
  });

  test.each([
    ['no sid', '/logout'],
    ['a wrong sid', '/logout?sid=not-the-sid'],
  ])('%s: refused, the session and its tokens survive', async (_label, path) => {
    const { browser, key } = await signIn();
    const tokens = (await storedTokens(key))!;
    const response = await browser.get(path);
    expect(response.status).toBe(400);
    expect(response.text).toContain('logout_sid_mismatch');
    expect(await storedTokens(key)).toEqual(tokens);
    expect((await browser.get('/session')).status).toBe(200);
  });
});

describe('expiry', () => {
  test('idle: refused once idle for longer than the timeout, although DynamoDB still holds the item; then ended', async () => {
    const { browser, key } = await signIn();
    offsetMs = 1_700_000;
    expect((await browser.get('/session')).status).toBe(200); // activity moves the idle expiry
    offsetMs = 1_700_000 + 1_801_000;
    expect(await store().get(key)).toBeDefined();
    const response = await browser.get('/session');
    expect(response.status).toBe(401);
    expect(response.json().error).toBe('session_expired');
    expect(response.setCookies.some((c) => c.startsWith('__Host-session=;'))).toBe(true);
    expect(await store().get(key)).toBeUndefined();
  });

  test('absolute: refused at the end of the lifetime however active the session is', async () => {
    const { browser, key } = await signIn();
    for (let seconds = 1_000; seconds < 7_200; seconds += 1_000) {
      offsetMs = seconds * 1000;
      expect((await api(browser)).status).toBe(200);
    }
    offsetMs = 7_200_000;
    expect(await store().get(key)).toBeDefined();
    const response = await api(browser);
    expect(response.status).toBe(401);
    expect(response.json().error).toBe('session_expired');
  });
});

describe('tokens at rest', () => {
  test('the table holds no token and no cookie value in the clear', async () => {
    const { browser, key } = await signIn();
    const tokens = (await storedTokens(key))!;
    const item = await dynamoDbClient(dynamoDbLocalEndpoint()).send(
      new GetItemCommand({ TableName: tableName, Key: { pk: { S: `session#${key}` } }, ConsistentRead: true }),
    );
    const raw = JSON.stringify(item.Item);
    for (const secret of [tokens.accessToken, tokens.refreshToken!, tokens.idToken!, browser.cookies.get('__Host-session')!]) {
      expect(raw).not.toContain(secret);
    }
  });

  test('sealed tokens moved onto another session do not open there', async () => {
    const first = await signIn('ada');
    const second = await signIn('bob');
    const sealed = (await store().get(first.key))!.sealedTokens;
    await dynamoDbClient(dynamoDbLocalEndpoint()).send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: { pk: { S: `session#${second.key}` } },
        UpdateExpression: 'SET tokens = :t',
        ExpressionAttributeValues: { ':t': { S: sealed } },
      }),
    );
    const response = await api(second.browser);
    expect(response.status).toBe(401);
    expect(response.json().error).toBe('session_ended');
    expect(upstream.requests).toHaveLength(0);
  });

  test('key rotation: sessions sealed with the old key keep working, new ones use the new key, removing the old key ends its sessions', async () => {
    const old = await signIn('ada');
    keys = keyring({ current: 'k2', k1: K1, k2: K2 });
    expect((await api(old.browser)).status).toBe(200);
    const fresh = await signIn('bob');
    expect((await store().get(fresh.key))!.sealedTokens.startsWith('v2.k2.')).toBe(true);
    keys = keyring({ current: 'k2', k2: K2 });
    expect((await api(fresh.browser)).status).toBe(200);
    const ended = await api(old.browser);
    expect(ended.status).toBe(401);
    expect(ended.json().error).toBe('session_ended');
    expect(await store().get(old.key)).toBeUndefined();
  });
});

// Last in the file: the provider restarts with a new signing key, which the service's JWKS cache
// accepts only after its rate limit on re-fetching keys has passed.
describe('refresh with the provider down', () => {
  test('the provider down during a refresh: 503, the session, its refresh token and the cookie survive', async () => {
    const { browser, key } = await signIn();
    const before = (await storedTokens(key))!;
    offsetMs = (ACCESS_TOKEN_TTL + 5) * 1000;
    await service.provider.close();
    try {
      const response = await api(browser);
      expect(response.status).toBe(503);
      expect(response.json().error).toBe('provider_unavailable');
      expect(response.setCookies).toEqual([]);
      expect(await storedTokens(key)).toEqual(before);
      expect((await store().get(key))!.refreshLease).toBeUndefined();
    } finally {
      await service.restartProvider();
    }
  });
});
