/**
 * client_secret_basic with both kinds of provider (docs/decisions/0007-client-secret-basic-encoding.md).
 * RFC 6749 §2.3.1 form-encodes the client id and secret before RFC 7617's base64; oauth4webapi's
 * ClientSecretBasic does so for every character but letters and digits. Many providers compare
 * the credentials as sent instead: Amazon Cognito documents `Base64Encode(client_id:client_secret)`
 * (docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html), and Azure AD
 * (github.com/Azure-Samples/active-directory-java-webapp-openidconnect/issues/12), Gravitee AM
 * (github.com/gravitee-io/issues/issues/7803, a secret `abc~def`), authentik
 * (github.com/goauthentik/authentik/issues/20739) and HCL Domino
 * (github.com/panva/oauth4webapi/issues/199) have been reported to. The certified oidc-provider
 * form-decodes (lib/shared/client_auth.js, decodeAuthToken). Here the service runs against both:
 * oidc-provider, and the misbehaving provider comparing the credentials as sent.
 */
import { startService, type Service } from '../support/harness';
import type { MisbehavingProvider } from '../support/misbehaving-provider';
import { capturedLogLines } from '../support/log-capture';
import type { DevProvider } from '../../local/dev-idp';
import { expectErrorPage } from '../adversarial/harness';

/** An Entra ID-style generated secret: letters, digits, `~`, `.`, `_` and `-`, which form-decoding leaves alone. */
const READ_ALIKE_SECRET = 'Xy8Q~a1b2C3d4.E5f6_G7h8-I9j0K1l2M3n4O5p6';
/** oauth4webapi form-encodes the client id too. */
const FORM_ID = 'basic%2Dclient';
/** A standard-base64 secret (as in github.com/panva/node-oidc-provider/issues/302): `+` reads as a space once form-decoded. */
const PLUS_SECRET = 'WiMwbPYlqiI+7pQ117wi3p9R078d1mDe/WM3GZtvdMy2I0YnQ/L8tOXshRV1bx8uu';
const CLIENT_ID = 'basic-client';

/** oauth4webapi's form-encoding of a credential (every character but letters and digits escaped). */
function libraryFormEncoded(value: string): string {
  return encodeURIComponent(value).replace(/[-_.!~*'()]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%20/g, '+');
}

function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

/** The user-id and password of a Basic header, as sent. */
function credentialsOf(header: string): string {
  return Buffer.from(header.replace(/^Basic /, ''), 'base64').toString('utf8');
}

/** Authorization headers of the service's token requests, as they left it. */
const tokenRequestHeaders: string[] = [];
const realFetch = globalThis.fetch;
beforeAll(() => {
  globalThis.fetch = (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (/\/token$/.test(new URL(url).pathname)) tokenRequestHeaders.push(new Headers(init?.headers).get('authorization') ?? '');
    return realFetch(input, init);
  };
});
afterAll(() => {
  globalThis.fetch = realFetch;
});

/** A token request of the client's own, refused or not only for its credentials: the status and error code. */
async function tokenEndpointAnswer(tokenEndpoint: string, authorization: string): Promise<[number, unknown]> {
  const response = await realFetch(tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization },
    body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'not-a-refresh-token' }),
  });
  return [response.status, ((await response.json()) as { error?: unknown }).error];
}

async function newRequests<T>(work: () => Promise<T>): Promise<{ result: T; headers: string[] }> {
  const before = tokenRequestHeaders.length;
  const result = await work();
  return { result, headers: tokenRequestHeaders.slice(before) };
}

describe('oidc-provider, which form-decodes the Basic credentials', () => {
  let readAlike: Service<DevProvider>;
  let plus: Service<DevProvider>;
  /** The services' clock, ahead of the real one once a token should be due. */
  let aheadMs = 0;
  const dev = (clientSecret: string) => startService({
    provider: { kind: 'dev', clientId: CLIENT_ID, clientSecret, options: { accessTokenTtlSeconds: 120 } },
    // Two services in one file: each gets its settings as a part, not through the shared environment.
    settingsVia: 'config',
    parts: { clock: { now: () => Date.now() + aheadMs } },
  });
  beforeAll(async () => {
    [readAlike, plus] = await Promise.all([dev(READ_ALIKE_SECRET), dev(PLUS_SECRET)]);
  });
  afterAll(async () => {
    await readAlike?.close();
    await plus?.close();
  });

  test('a secret of letters, digits, ~ . _ - goes as it is: one token request signs in, one refreshes', async () => {
    const { result: browser, headers } = await newRequests(() => readAlike.signIn('ada'));
    expect(headers.map(credentialsOf)).toEqual([`${CLIENT_ID}:${READ_ALIKE_SECRET}`]);
    aheadMs = 100_000; // the two-minute access token is due (refreshed from half its life on)
    const refresh = await newRequests(() => browser.get('/api/items', { 'x-csrf': '1' }));
    aheadMs = 0;
    expect(refresh.result.status).toBe(200);
    expect(refresh.headers.map(credentialsOf)).toEqual([`${CLIENT_ID}:${READ_ALIKE_SECRET}`]);
  });

  test('a secret with + / goes form-encoded, as RFC 6749 §2.3.1 says, and is taken at the first request', async () => {
    const { headers } = await newRequests(() => plus.signIn('bob'));
    expect(headers.map(credentialsOf)).toEqual([`${FORM_ID}:${libraryFormEncoded(PLUS_SECRET)}`]);
  });

  test('measured: it decodes, so both forms of a read-alike secret pass and a + sent as it is does not', async () => {
    const token = `${readAlike.issuer}/token`;
    // Past client authentication, the made-up refresh token is what it refuses.
    expect(await tokenEndpointAnswer(token, basic(CLIENT_ID, READ_ALIKE_SECRET))).toEqual([400, 'invalid_grant']);
    expect(await tokenEndpointAnswer(token, basic(FORM_ID, libraryFormEncoded(READ_ALIKE_SECRET)))).toEqual([400, 'invalid_grant']);
    expect(await tokenEndpointAnswer(`${plus.issuer}/token`, basic(CLIENT_ID, PLUS_SECRET))).toEqual([401, 'invalid_client']);
  });
});

describe('a provider that compares the Basic credentials as sent', () => {
  let readAlike: Service<MisbehavingProvider>;
  let plus: Service<MisbehavingProvider>;
  const asSent = (clientSecret: string) => startService({ provider: { kind: 'misbehaving', clientId: CLIENT_ID, clientSecret }, settingsVia: 'config' });
  beforeAll(async () => {
    [readAlike, plus] = await Promise.all([asSent(READ_ALIKE_SECRET), asSent(PLUS_SECRET)]);
    readAlike.provider.misbehave({ basicCredentialsAsSent: true });
    plus.provider.misbehave({ basicCredentialsAsSent: true });
  });
  afterAll(async () => {
    await readAlike?.close();
    await plus?.close();
  });

  test('measured: it refuses the form-encoded credentials that oauth4webapi would send for a read-alike secret', async () => {
    const token = `${readAlike.issuer}/token`;
    expect(await tokenEndpointAnswer(token, basic(FORM_ID, libraryFormEncoded(READ_ALIKE_SECRET)))).toEqual([401, 'invalid_client']);
    expect(await tokenEndpointAnswer(token, basic(CLIENT_ID, READ_ALIKE_SECRET))).toEqual([400, 'invalid_grant']);
  });

  test('a read-alike secret signs in with one token request, sent as it is', async () => {
    const { headers } = await newRequests(() => readAlike.signIn('ada'));
    expect(headers.map(credentialsOf)).toEqual([`${CLIENT_ID}:${READ_ALIKE_SECRET}`]);
  });

  test('a + secret: refused form-encoded, taken as sent; the instance then sends it as sent at once, refreshes too', async () => {
    const first = await newRequests(() => plus.signIn('carol'));
    expect(first.headers.map(credentialsOf)).toEqual([`${FORM_ID}:${libraryFormEncoded(PLUS_SECRET)}`, `${CLIENT_ID}:${PLUS_SECRET}`]);
    const second = await newRequests(() => plus.signIn('dan'));
    expect(second.headers.map(credentialsOf)).toEqual([`${CLIENT_ID}:${PLUS_SECRET}`]);

    plus.provider.misbehave({ basicCredentialsAsSent: true, expiresIn: 0 });
    const due = await plus.signIn('erin');
    plus.provider.misbehave({ basicCredentialsAsSent: true });
    const refresh = await newRequests(() => due.get('/api/items', { 'x-csrf': '1' }));
    expect(refresh.result.status).toBe(200);
    expect(refresh.headers.map(credentialsOf)).toEqual([`${CLIENT_ID}:${PLUS_SECRET}`]);
  });

  test('a wrong + secret: both encodings, the secret read again, both again; then 500 client_misconfigured, the secret in no log line', async () => {
    const wrong = 'WiMwbPYlqiI+7pQ117wi3p9R078d1mDe/wrong+secret';
    const variant = await plus.startVariant({ env: { OAUTH_CLIENT_SECRET: wrong } });
    const browser = variant.browser();
    const { result: response, headers } = await newRequests(async () => plus.callback(browser, await plus.authorize(browser, { user: 'frank' })));
    expectErrorPage(response, 500, 'client_misconfigured');
    expect(headers.map(credentialsOf)).toEqual([
      `${FORM_ID}:${libraryFormEncoded(wrong)}`, `${CLIENT_ID}:${wrong}`, `${FORM_ID}:${libraryFormEncoded(wrong)}`, `${CLIENT_ID}:${wrong}`,
    ]);
    const logs = capturedLogLines().join('\n');
    for (const secret of [wrong, PLUS_SECRET, READ_ALIKE_SECRET]) {
      for (const form of [secret, libraryFormEncoded(secret), encodeURIComponent(secret), basic(CLIENT_ID, secret).slice(6), basic(CLIENT_ID, libraryFormEncoded(secret)).slice(6)]) {
        expect(logs).not.toContain(form);
      }
    }
  });
});
