/**
 * The revocations function end to end, with real parts: sign-ins and a refresh against the
 * certified oidc-provider (local/dev-idp.ts) with its token revocation feature on
 * (https://github.com/panva/node-oidc-provider/blob/main/docs/README.md#featuresrevocation, an RFC
 * 7009 endpoint: https://www.rfc-editor.org/rfc/rfc7009) and its userinfo endpoint (OpenID Connect
 * Core 1.0 §5.3); DynamoDB Local and its stream, read through the DynamoDB Streams API; the kill
 * switch's entry (functions/end-user-sessions.ts) and the revocations entry
 * (functions/revocations.ts) as wired, in a parts scope with the service's settings, keyring and
 * clock; the stream's records handed over as Lambda's event source mapping does
 * (test/support/stream-delivery.ts).
 *
 * Then the provider itself is asked, the only proof that counts: each refresh token of the user
 * refused by a refresh_token grant (RFC 6749 §5.2 `invalid_grant`), each access token, the current
 * ones and the one a refresh replaced, refused by userinfo (RFC 6750 §3.1: 401 `invalid_token`);
 * another user's tokens still accepted. oidc-provider revokes the whole grant of any token
 * revoked at it, so what the service sends is also read off the wire: each token once, with its
 * `token_type_hint` (RFC 7009 §2.1), for the providers that revoke only the token named.
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
import { capturedLogLines, rememberSecret } from '../support/log-capture';
import { K1, keyring } from '../support/session-keyring';
import { deliverLikeLambda } from '../support/stream-delivery';
import type { TestBrowser } from '../support/test-browser';

/** The provider's access token lifetime, and how long before its expiry the service refreshes. */
const ACCESS_TOKEN_TTL = 120;
const REFRESH_SKEW = 30;
/** The service's clock moved past the refresh time (TTL - skew = 90 s) and short of the expiry (120 s): /api refreshes while the old token still lives at the provider. */
const INTO_REFRESH_WINDOW_MS = (ACCESS_TOKEN_TTL - REFRESH_SKEW + 15) * 1000;

let service: Service<DevProvider>;
let reader: StreamReader;
let offsetMs = 0;
const clock = { now: () => Date.now() + offsetMs };
const vault = new KeyringTokenVault(keyring({ current: 'k1', k1: K1 }));
let endpoints: { token_endpoint: string; userinfo_endpoint: string; revocation_endpoint: string };

beforeAll(async () => {
  service = await startService({
    provider: { kind: 'dev', options: { accessTokenTtlSeconds: ACCESS_TOKEN_TTL, rotateRefreshTokens: true } },
    settingsVia: 'config',
    env: { SESSION_KEYS: JSON.stringify({ current: 'k1', k1: K1 }), TOKEN_REFRESH_SKEW_SECONDS: String(REFRESH_SKEW) },
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

const keyOf = (browser: TestBrowser) => hashToken(browser.cookies.get('__Host-session')!);

/** The session's tokens as the service holds them, opened as the service opens them (its keyring, the session's key as context). */
async function tokensOf(browser: TestBrowser): Promise<SessionTokens> {
  const key = keyOf(browser);
  const session = await service.store.get(key);
  if (!session) throw new Error('no live session');
  const tokens = await vault.open(session.sealedTokens, tokenContext(key));
  for (const token of [tokens.accessToken, ...(tokens.replacedAccessTokens ?? []).map((t) => t.accessToken)]) rememberSecret('access_token', token);
  rememberSecret('refresh_token', tokens.refreshToken);
  return tokens;
}

/** The provider's userinfo endpoint with the token as a bearer token: 200, or 401 for a token it no longer accepts. */
const userinfo = async (accessToken: string): Promise<number> =>
  (await fetch(endpoints.userinfo_endpoint, { headers: { authorization: `Bearer ${accessToken}` } })).status;

/** A refresh_token grant at the provider's token endpoint, with the service's client credentials. */
async function refreshGrant(refreshToken: string): Promise<{ status: number; error?: string }> {
  const response = await fetch(endpoints.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuthorization(service.client) },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
  });
  return { status: response.status, error: ((await response.json()) as { error?: string }).error };
}

/** Runs `work`, recording each request the service sends to the revocation endpoint (token, hint) and its answer. */
async function recordingRevocations(work: () => Promise<unknown>): Promise<Array<{ token: string; hint: string | null; status: number }>> {
  const sent: Array<{ token: string; hint: string | null; status: number }> = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const response = await realFetch(input, init);
    if (url === endpoints.revocation_endpoint) {
      const form = new URLSearchParams(String(init?.body));
      sent.push({ token: form.get('token') ?? '', hint: form.get('token_type_hint'), status: response.status });
    }
    return response;
  };
  try {
    await work();
  } finally {
    globalThis.fetch = realFetch;
  }
  return sent;
}

describe('the kill switch ends all of a user\'s sessions; from the stream, every token they held is then refused by the provider', () => {
  let adaKeys: string[];
  let adaAccess: string[];
  let adaRefresh: string[];
  let replaced: string;
  let bob: TestBrowser;
  let bobTokens: SessionTokens;
  /** What the provider answered before the ending, and after the kill switch but before the stream's delivery. */
  const userinfoBefore = new Map<string, number>();
  const userinfoAfterKillSwitch = new Map<string, number>();
  let killSwitchAnswer: unknown;
  let sessionAnswersAfterKillSwitch: number[];
  let killSwitchRevocations: Awaited<ReturnType<typeof recordingRevocations>>;
  let endings: DynamoDBRecord[];
  let sent: Awaited<ReturnType<typeof recordingRevocations>>;

  beforeAll(async () => {
    await reader.readNew();
    // ada in two browsers, bob in one.
    const ada = [await service.signIn('ada'), await service.signIn('ada')];
    bob = await service.signIn('bob');
    // The store keys, now: a browser drops its cookie once the service answers that its session ended.
    adaKeys = ada.map(keyOf);

    // ada's first session refreshes while its access token is still live at the provider.
    const beforeRefresh = await tokensOf(ada[0]!);
    offsetMs = INTO_REFRESH_WINDOW_MS;
    try {
      expect((await ada[0]!.request('/api/items', { headers: { 'x-csrf': '1' } })).status).toBe(200);
    } finally {
      offsetMs = 0;
    }
    const adaTokens = [await tokensOf(ada[0]!), await tokensOf(ada[1]!)];
    bobTokens = await tokensOf(bob);
    expect(adaTokens[0]!.accessToken).not.toBe(beforeRefresh.accessToken);
    expect(adaTokens[0]!.replacedAccessTokens?.map((token) => token.accessToken)).toEqual([beforeRefresh.accessToken]);
    replaced = beforeRefresh.accessToken;
    adaAccess = [replaced, adaTokens[0]!.accessToken, adaTokens[1]!.accessToken];
    adaRefresh = adaTokens.map((tokens) => tokens.refreshToken!);
    for (const token of [...adaAccess, bobTokens.accessToken]) userinfoBefore.set(token, await userinfo(token));

    // The kill switch, as wired, with the service's settings, keyring and clock.
    const scope = partsScope({ config: service.config, vault, clock });
    killSwitchRevocations = await recordingRevocations(async () => {
      killSwitchAnswer = await scoped(scope, endUserSessions)({ subject: 'ada' });
    });
    sessionAnswersAfterKillSwitch = await Promise.all([...ada, bob].map(async (browser) => (await browser.get('/session')).status));
    for (const token of adaAccess) userinfoAfterKillSwitch.set(token, await userinfo(token));

    // The revocations function, as wired in the same scope, fed the stream's new records as Lambda delivers them.
    const records = await reader.readNew();
    endings = records.filter((record) => record.eventName === 'MODIFY' && record.dynamodb?.NewImage?.endReason);
    sent = await recordingRevocations(() => deliverLikeLambda(scoped(scope, revocations), records, { batchSize: 2 }));
  }, 15_000);

  test('the premise: ada\'s first session holds the access token its refresh replaced, and that token is still live at the provider', () => {
    expect(userinfoBefore.get(replaced)).toBe(200);
    expect([...userinfoBefore.values()]).toEqual([200, 200, 200, 200]);
  });

  test('the kill switch ends both of ada\'s sessions and no other, and revokes nothing itself: it never waits for the provider', () => {
    expect(killSwitchAnswer).toEqual({ ended: 2 });
    expect(sessionAnswersAfterKillSwitch).toEqual([401, 401, 200]);
    expect(killSwitchRevocations).toEqual([]);
    expect([...userinfoAfterKillSwitch.values()]).toEqual([200, 200, 200]);
  });

  test('the stream holds both endings, reason admin, their old images still carrying the sealed tokens', () => {
    expect(endings.map((record) => [record.dynamodb!.Keys!.pk!.S, record.dynamodb!.NewImage!.endReason!.S, record.dynamodb!.OldImage?.tokens !== undefined]).sort())
      .toEqual(adaKeys.map((key) => [`session#${key}`, 'admin', true]).sort());
  });

  test('each of ada\'s refresh tokens is refused by a refresh_token grant: invalid_grant', async () => {
    for (const token of adaRefresh) expect(await refreshGrant(token)).toEqual({ status: 400, error: 'invalid_grant' });
  });

  test('each of ada\'s access tokens, the current ones and the replaced one, is refused by userinfo: 401', async () => {
    expect(adaAccess).toHaveLength(3);
    for (const token of adaAccess) expect(await userinfo(token)).toBe(401);
  });

  test('on the wire: each of ada\'s tokens sent once with its token_type_hint, each answered 200; none of bob\'s', () => {
    const byToken = (a: { token: string }, b: { token: string }) => a.token.localeCompare(b.token);
    expect([...sent].sort(byToken)).toEqual([
      ...adaAccess.map((token) => ({ token, hint: 'access_token', status: 200 })),
      ...adaRefresh.map((token) => ({ token, hint: 'refresh_token', status: 200 })),
    ].sort(byToken));
  });

  test('the revocations function logs both sessions revoked, with no failure', () => {
    const summaries = capturedLogLines().map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.route === 'revocations');
    expect(summaries.length).toBeGreaterThan(0);
    expect(summaries.reduce((sum, line) => sum + Number(line.revoked), 0)).toBe(2);
    expect(summaries.every((line) => line.outcome === 'ok')).toBe(true);
  });

  test('bob is untouched: his session works, the provider accepts his access token and a refresh with his refresh token', async () => {
    expect((await bob.get('/session')).status).toBe(200);
    expect(await userinfo(bobTokens.accessToken)).toBe(200);
    expect((await refreshGrant(bobTokens.refreshToken!)).status).toBe(200);
  });
});
