/**
 * The development identity provider and the demo API, spoken to directly over HTTP: what the login
 * service and the integration tests rely on (discovery, PKCE, iss in the response, refresh tokens
 * without offline_access, rotation, revocation, end-session) and the demo API's token check.
 */
import { createHash, randomBytes } from 'node:crypto';
import { decodeJwt } from 'jose';
import { startDemoApi, type DemoApi } from '../../local/demo-api';
import { startDevProvider, type DevProvider } from '../../local/dev-idp';
import { completeDevLogin } from '../support/dev-idp-login';
import { basicAuthorization } from '../support/harness';

const CLIENT = { clientId: 'dev-test', clientSecret: 'dev-test-secret-long-enough-for-hmac', redirectUri: 'http://127.0.0.1:9/callback' };

let idp: DevProvider;
let api: DemoApi;
let metadata: Record<string, unknown>;

beforeAll(async () => {
  idp = await startDevProvider({
    clients: [{ ...CLIENT, redirectUris: [CLIENT.redirectUri], postLogoutRedirectUris: ['http://127.0.0.1:9/'] }],
    accessTokenTtlSeconds: 120,
  });
  api = await startDemoApi({ issuer: idp.issuer });
  metadata = (await (await fetch(`${idp.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
});

afterAll(async () => {
  await api?.close();
  await idp?.close();
});

const basicAuth = basicAuthorization(CLIENT);

async function tokenRequest(parameters: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(metadata.token_endpoint as string, {
    method: 'POST',
    headers: { authorization: basicAuth, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(parameters),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function signIn(login: string) {
  const verifier = randomBytes(32).toString('base64url');
  const state = randomBytes(16).toString('base64url');
  const nonce = randomBytes(16).toString('base64url');
  const authorize = new URL(metadata.authorization_endpoint as string);
  authorize.search = new URLSearchParams({
    response_type: 'code',
    client_id: CLIENT.clientId,
    redirect_uri: CLIENT.redirectUri,
    scope: 'openid profile email',
    state,
    nonce,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  }).toString();
  const { callbackUrl } = await completeDevLogin(authorize.href, login);
  const callback = new URL(callbackUrl);
  expect(`${callback.origin}${callback.pathname}`).toBe(CLIENT.redirectUri);
  expect(callback.searchParams.get('state')).toBe(state);
  expect(callback.searchParams.get('iss')).toBe(idp.issuer);
  const tokens = await tokenRequest({
    grant_type: 'authorization_code',
    code: callback.searchParams.get('code')!,
    redirect_uri: CLIENT.redirectUri,
    code_verifier: verifier,
  });
  expect(tokens.status).toBe(200);
  return { tokens: tokens.body, nonce };
}

test('publishes what the login service needs in its discovery document', () => {
  expect(metadata).toMatchObject({
    issuer: idp.issuer,
    code_challenge_methods_supported: ['S256'],
    authorization_response_iss_parameter_supported: true,
    end_session_endpoint: expect.stringContaining(idp.issuer),
    revocation_endpoint: expect.stringContaining(idp.issuer),
    userinfo_endpoint: expect.stringContaining(idp.issuer),
    id_token_signing_alg_values_supported: expect.arrayContaining(['RS256']),
  });
  expect(metadata.token_endpoint_auth_methods_supported).toEqual(expect.arrayContaining(['client_secret_basic', 'client_secret_post']));
});

test('refuses an authorization request without PKCE', async () => {
  const authorize = new URL(metadata.authorization_endpoint as string);
  authorize.search = new URLSearchParams({ response_type: 'code', client_id: CLIENT.clientId, redirect_uri: CLIENT.redirectUri, scope: 'openid', state: 's' }).toString();
  const response = await fetch(authorize, { redirect: 'manual' });
  const location = new URL(response.headers.get('location')!);
  expect(location.searchParams.get('error')).toBe('invalid_request');
});

test('signs in any login name and issues ID, access and refresh tokens', async () => {
  const { tokens, nonce } = await signIn('alice');
  expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: 120, scope: 'openid profile email' });
  expect(typeof tokens.refresh_token).toBe('string');
  const idToken = decodeJwt(tokens.id_token as string);
  expect(idToken).toMatchObject({ iss: idp.issuer, aud: CLIENT.clientId, sub: 'alice', nonce, name: 'Alice', email: 'alice@example.test' });

  const userinfo = await fetch(metadata.userinfo_endpoint as string, { headers: { authorization: `Bearer ${tokens.access_token}` } });
  expect(await userinfo.json()).toMatchObject({ sub: 'alice', name: 'Alice', email: 'alice@example.test' });
});

test('rotates refresh tokens and honours revocation', async () => {
  const { tokens } = await signIn('bob');
  const refreshed = await tokenRequest({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token as string });
  expect(refreshed.status).toBe(200);
  expect(refreshed.body.refresh_token).toEqual(expect.any(String));
  expect(refreshed.body.refresh_token).not.toBe(tokens.refresh_token);

  const reused = await tokenRequest({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token as string });
  expect(reused).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });

  const revoke = await fetch(metadata.revocation_endpoint as string, {
    method: 'POST',
    headers: { authorization: basicAuth, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: refreshed.body.refresh_token as string, token_type_hint: 'refresh_token' }),
  });
  expect(revoke.status).toBe(200);
  const afterRevoke = await tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshed.body.refresh_token as string });
  expect(afterRevoke).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
});

test('the demo API answers with the token owner and refuses other requests', async () => {
  const { tokens } = await signIn('carol');
  const ok = await fetch(`${api.url}/hello?x=1`, { method: 'POST', headers: { authorization: `Bearer ${tokens.access_token}` }, body: 'ignored' });
  expect(ok.status).toBe(200);
  expect(await ok.json()).toEqual({
    message: 'Hello from the protected API',
    user: { sub: 'carol', name: 'Carol', email: 'carol@example.test' },
    method: 'POST',
    path: '/hello',
  });

  const missing = await fetch(`${api.url}/hello`);
  expect(missing.status).toBe(401);
  expect(missing.headers.get('www-authenticate')).toBe('Bearer');
  const invalid = await fetch(`${api.url}/hello`, { headers: { authorization: 'Bearer not-a-token' } });
  expect(invalid.status).toBe(401);
  expect(await invalid.json()).toEqual({ error: 'invalid_token' });
});
