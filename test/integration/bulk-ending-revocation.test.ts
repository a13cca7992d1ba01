/**
 * Sessions ended in bulk lose their tokens at the provider too, end to end with real parts: sign-ins
 * and a refresh against the certified oidc-provider (its RFC 7009 revocation feature,
 * https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#featuresrevocation), DynamoDB
 * Local and its stream; the kill switch's entry as wired ends every session of a user; the
 * stream's records go, as Lambda's event source mapping hands them over, to the revocations
 * function's entry as wired. Then the provider itself is asked: each refresh token of that user is
 * refused by a refresh grant (RFC 6749 §5.2 `invalid_grant`), and each access token the sessions
 * were given, the one a refresh replaced too, by the userinfo endpoint (RFC 6750 §3.1
 * `invalid_token`), while another user's tokens still work.
 */
import type { DynamoDBRecord } from 'aws-lambda';
import { KeyringTokenVault } from '../../functions/adapters/encryption/token-vault';
import { hashToken } from '../../functions/core/opaque-tokens';
import type { SessionTokens } from '../../functions/core/ports';
import { tokenContext } from '../../functions/core/sessions/session-tokens';
import { handler as endUserSessions } from '../../functions/end-user-sessions';
import { handler as revocations } from '../../functions/revocations';
import type { DevProvider } from '../../local/dev-idp';
import { partsScope, scoped } from '../../local/parts-scope';
import { StreamReader } from '../support/dynamodb-stream-reader';
import { basicAuthorization, startService, type Service } from '../support/harness';
import { K1, keyring } from '../support/session-keyring';
import { deliverLikeLambda } from '../support/stream-delivery';

const ACCESS_TOKEN_TTL = 120;

let service: Service<DevProvider>;
let reader: StreamReader;
let offsetMs = 0;
const clock = { now: () => Date.now() + offsetMs };
const vault = new KeyringTokenVault(keyring({ current: 'k1', k1: K1 }));
const revocationRequests: string[] = [];
let endpoints: { token_endpoint: string; userinfo_endpoint: string; revocation_endpoint: string };

beforeAll(async () => {
  service = await startService({
    provider: {
      kind: 'dev',
      options: { accessTokenTtlSeconds: ACCESS_TOKEN_TTL, rotateRefreshTokens: true },
    },
    settingsVia: 'config',
    env: { SESSION_KEYS: JSON.stringify({ current: 'k1', k1: K1 }) },
    tableStream: true,
    parts: { vault, clock },
  });
  reader = new StreamReader(service.endpoint, service.tableName);
  endpoints = (await (await fetch(`${service.issuer}/.well-known/openid-configuration`)).json()) as typeof endpoints;
});

afterAll(async () => {
  reader?.close();
  await service?.close();
});

async function tokensOf(cookie: string): Promise<SessionTokens> {
  const key = hashToken(cookie);
  return vault.open((await service.store.get(key))!.sealedTokens, tokenContext(key));
}

const userinfo = async (accessToken: string) => (await fetch(endpoints.userinfo_endpoint, { headers: { authorization: `Bearer ${accessToken}` } })).status;

async function refreshGrant(refreshToken: string): Promise<{ status: number; error?: string }> {
  const response = await fetch(endpoints.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuthorization(service.client) },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
  });
  return { status: response.status, error: ((await response.json()) as { error?: string }).error };
}

test('the kill switch ends every session of a user; the stream then revokes at the provider every token those sessions were given', async () => {
  await reader.readNew();
  const ada = [await service.signIn('ada'), await service.signIn('ada')];
  const bob = await service.signIn('bob');
  const cookie = (browser: (typeof ada)[number]) => browser.cookies.get('__Host-session')!;
  // Past the refresh time, before the expiry: /api refreshes, and the replaced token is still live at the provider.
  const before = await tokensOf(cookie(ada[0]!));
  offsetMs = (ACCESS_TOKEN_TTL - 30) * 1000;
  expect((await ada[0]!.request('/api/items', { headers: { 'x-csrf': '1' } })).status).toBe(200);
  offsetMs = 0;
  const refreshed = await tokensOf(cookie(ada[0]!));
  expect(refreshed.accessToken).not.toBe(before.accessToken);
  expect(refreshed.replacedAccessTokens?.map((token) => token.accessToken)).toEqual([before.accessToken]);
  const adaTokens = [refreshed, await tokensOf(cookie(ada[1]!))];
  const bobTokens = await tokensOf(cookie(bob));
  const adaAccess = [before.accessToken, ...adaTokens.map((tokens) => tokens.accessToken)];
  for (const token of [...adaAccess, bobTokens.accessToken]) expect(await userinfo(token)).toBe(200);

  const scope = partsScope({ config: service.config, vault, clock });
  expect(await scoped(scope, endUserSessions)({ subject: 'ada' })).toEqual({ ended: 2 });
  for (const browser of ada) expect((await browser.get('/session')).status).toBe(401);

  const records: DynamoDBRecord[] = await reader.readNew();
  // Every token the service sends to the provider's revocation endpoint, as it goes on the wire.
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (url === endpoints.revocation_endpoint) revocationRequests.push(new URLSearchParams(String(init?.body)).get('token') ?? '');
    return realFetch(input, init);
  };
  try {
    await deliverLikeLambda(scoped(scope, revocations), records, { batchSize: 50 });
  } finally {
    globalThis.fetch = realFetch;
  }

  for (const token of adaAccess) expect(await userinfo(token)).toBe(401);
  for (const tokens of adaTokens) expect(await refreshGrant(tokens.refreshToken!)).toEqual({ status: 400, error: 'invalid_grant' });
  // oidc-provider revokes a refresh token's whole grant, access tokens too; a provider that does not
  // needs each access token revoked itself, so each was sent, the replaced one too.
  expect(revocationRequests.sort()).toEqual([...adaAccess, ...adaTokens.map((tokens) => tokens.refreshToken!)].sort());
  // Another user's session and tokens are untouched.
  expect(await userinfo(bobTokens.accessToken)).toBe(200);
  expect((await refreshGrant(bobTokens.refreshToken!)).status).toBe(200);
}, 30_000);
