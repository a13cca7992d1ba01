/**
 * What keeps a client assertion from being used by anyone else (RFC 7523 §3; RFC 9700 §2.5), proven
 * at the certified oidc-provider with the service's own key: the provider accepts the assertion the
 * service builds, and refuses it replayed (its `jti` is remembered until `exp`), expired, for another
 * audience, from another issuer, or signed by a key it was not given. Each request is a refresh grant
 * with a made-up refresh token: `invalid_grant` means the client was authenticated, `invalid_client`
 * that it was not. And the service answers a refused assertion as the operator's problem (500).
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { importJWK, SignJWT } from 'jose';
import type * as oauth from 'oauth4webapi';
import type { DevProvider } from '../../local/dev-idp';
import { parseClientKeys, type ClientKeys } from '../../functions/adapters/oauth/client-keys';
import { startService, type Service } from '../support/harness';
import { completeDevLogin } from '../support/dev-idp-login';
import { pathAndQuery } from '../support/test-browser';

const privateJwk = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
let service: Service<DevProvider>;
let keys: ClientKeys;
let tokenEndpoint: string;

beforeAll(async () => {
  keys = await parseClientKeys(JSON.stringify(privateJwk));
  service = await startService({
    provider: { kind: 'dev', tokenEndpointAuthMethod: 'private_key_jwt' },
    env: {
      OAUTH_CLIENT_AUTH_METHOD: 'private_key_jwt', OAUTH_CLIENT_SECRET: undefined, OAUTH_CLIENT_PRIVATE_KEY: JSON.stringify(privateJwk),
      ALLOWED_EMAIL_DOMAINS: undefined, ALLOWED_GROUPS: undefined, OAUTH_AUTHORIZATION_PARAMETERS: undefined, OAUTH_PAR: undefined,
    },
  });
  tokenEndpoint = ((await (await fetch(`${service.issuer}/.well-known/openid-configuration`)).json()) as { token_endpoint: string }).token_endpoint;
});

afterAll(async () => {
  await service?.close();
});

/** The body the service would send, with its own fresh assertion. */
async function serviceBody(): Promise<URLSearchParams> {
  const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'made-up' });
  await keys.clientAuth('issuer')({ issuer: service.issuer } as oauth.AuthorizationServer, { client_id: service.client.clientId } as oauth.Client, body, new Headers());
  return body;
}

async function post(body: URLSearchParams): Promise<string> {
  const answer = await fetch(tokenEndpoint, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  return ((await answer.json()) as { error: string }).error;
}

/** An assertion as the service writes it, with some claims changed, signed by `jwk`. */
async function forged(changes: Record<string, unknown>, jwk: object = privateJwk): Promise<URLSearchParams> {
  const now = Math.floor(Date.now() / 1000);
  const clientId = service.client.clientId;
  const claims = { iss: clientId, sub: clientId, aud: service.issuer, jti: randomBytes(16).toString('base64url'), iat: now, exp: now + 60, ...changes };
  const assertion = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: keys.publicKeys[0]!.kid }).sign(await importJWK(jwk as never, 'ES256'));
  return new URLSearchParams({
    grant_type: 'refresh_token', refresh_token: 'made-up', client_id: clientId,
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion,
  });
}

test('control: the assertion the service builds authenticates the client, and so does a forged one with every claim right', async () => {
  expect(await post(await serviceBody())).toBe('invalid_grant');
  expect(await post(await forged({}))).toBe('invalid_grant');
});

test('control: with the token endpoint as audience (OAUTH_CLIENT_ASSERTION_AUDIENCE=token_endpoint) the provider accepts it too', async () => {
  const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'made-up' });
  await keys.clientAuth('token_endpoint')({ issuer: service.issuer, token_endpoint: tokenEndpoint } as oauth.AuthorizationServer, { client_id: service.client.clientId } as oauth.Client, body, new Headers());
  expect(await post(body)).toBe('invalid_grant');
});

test('the same assertion twice: the provider remembers its jti', async () => {
  const body = await serviceBody();
  expect(await post(body)).toBe('invalid_grant');
  expect(await post(body)).toBe('invalid_client');
});

test.each([
  ['expired', () => ({ iat: Math.floor(Date.now() / 1000) - 600, exp: Math.floor(Date.now() / 1000) - 300 }), 'invalid_client'],
  ['for another audience', () => ({ aud: 'https://other-idp.example.com' }), 'invalid_client'],
  // Another client's name in `iss` while the request says this client: malformed before it is false.
  ['from another issuer', () => ({ iss: 'someone-else', sub: 'someone-else' }), 'invalid_request'],
  ['without a jti', () => ({ jti: undefined }), 'invalid_client'],
])('an assertion %s is refused (%s)', async (_case, changes, error) => {
  expect(await post(await forged(changes()))).toBe(error);
});

test('an assertion signed by another key under the published kid is refused', async () => {
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });
  expect(await post(await forged({}, other))).toBe('invalid_client');
});

test('the service meets a refused assertion with 500 client_misconfigured, and no session', async () => {
  // Another key than the one the provider knows (and caches for the JWKS max-age).
  const other = JSON.stringify(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }));
  const variant = await service.startVariant({ env: { OAUTH_CLIENT_PRIVATE_KEY: other } });
  const browser = variant.browser();
  const login = await browser.get('/login');
  const { callbackUrl } = await completeDevLogin(login.location!, 'ada');
  const answer = await browser.get(pathAndQuery(callbackUrl));
  expect(answer.status).toBe(500);
  expect(answer.text).toContain('client_misconfigured');
  expect(browser.cookies.get('__Host-session')).toBeUndefined();
});
