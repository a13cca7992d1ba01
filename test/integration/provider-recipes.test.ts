/**
 * The recipes of docs/providers.md, each run against a stand-in in that provider's documented
 * shape (test/support/provider-profiles.ts, which cites the documents): the real handlers sign in,
 * call the API, refresh, and meet each provider's quirk. GitHub's recipe (no discovery, no ID
 * token) runs in plain-oauth-provider.test.ts; Entra ID's multi-tenant issuer and every misspelt
 * issuer in issuer-mismatch.test.ts; Cognito's Basic credentials in client-secret-basic.test.ts too.
 */
import { startService, type Service } from '../support/harness';
import type { MisbehavingProvider } from '../support/misbehaving-provider';
import { auth0, cognito, entraId, google, keycloak, okta, type ProviderProfile } from '../support/provider-profiles';

const services: Service<MisbehavingProvider>[] = [];
afterAll(() => Promise.all(services.map((service) => service.close())));

/** How far the services' clock runs ahead of the real one. */
let aheadMs = 0;
afterEach(() => {
  aheadMs = 0;
});

/** The service against a stand-in in `profile`'s shape; settings as a part, so each provider has its own service. */
async function serviceFor(profile: ProviderProfile, env: Record<string, string> = {}): Promise<Service<MisbehavingProvider>> {
  const service = await startService({
    provider: { kind: 'misbehaving', ...profile.start },
    settingsVia: 'config',
    env,
    parts: { clock: { now: () => Date.now() + aheadMs } },
  });
  services.push(service);
  service.provider.misbehave(profile.mode(service.issuer!.replace(/\/$/, '')));
  return service;
}

const API: [string, string] = ['x-csrf', '1'];

async function sessionOf(browser: { get(path: string): Promise<{ status: number; json(): unknown }> }): Promise<Record<string, unknown>> {
  const response = await browser.get('/session');
  expect(response.status).toBe(200);
  return response.json() as Record<string, unknown>;
}

test('Entra ID, one tenant: the /{tenant}/v2.0 issuer, no RFC 9207 iss, a secret with ~ . _ -; sign-in, API and refresh', async () => {
  const service = await serviceFor(entraId);
  expect(service.issuer).toMatch(/\/8eaef023-2b34-4da1-9baa-8bc8c9d6a490\/v2\.0$/);
  const browser = await service.signIn('ada');
  expect(await sessionOf(browser)).toMatchObject({ sub: 'ada', name: 'ADA', email: 'ada@example.test' });
  const tokenRequests = service.provider.tokenRequests.length;
  aheadMs = 250_000; // the five-minute access token is due (a minute before it expires)
  expect((await browser.get('/api/items', Object.fromEntries([API]))).status).toBe(200);
  expect(service.provider.tokenRequests.length).toBe(tokenRequests + 1);
});

test('Google without access_type=offline: no refresh token, so the session ends with the access token (3,599 s)', async () => {
  // An idle timeout longer than the token's life, so what ends the session is the token.
  const service = await serviceFor(google, { SESSION_IDLE_TIMEOUT_SECONDS: '7200' });
  const browser = await service.signIn('ada');
  const tokenRequests = service.provider.tokenRequests.length;
  aheadMs = 3_500_000;
  expect((await browser.get('/api/items', Object.fromEntries([API]))).status).toBe(200);
  aheadMs = 3_600_000;
  const expired = await browser.get('/api/items', Object.fromEntries([API]));
  expect([expired.status, (expired.json() as { error?: string }).error]).toEqual([401, 'token_expired']);
  expect((await browser.get('/session')).status).toBe(401);
  // Nothing was there to refresh with: the provider was never asked.
  expect(service.provider.tokenRequests.length).toBe(tokenRequests);
});

test('Google\'s issuer has no path: https://accounts.google.com and https://accounts.google.com/ are one URL, both sign in', async () => {
  const service = await serviceFor(google);
  const slashed = await service.startVariant({ env: { OAUTH_ISSUER: `${service.issuer}/` } });
  expect((await service.signIn('ada', { browser: slashed.browser() })).cookies.has('__Host-session')).toBe(true);
});

test('Okta: the /oauth2/default issuer; name and email left out of the ID token come from the userinfo endpoint', async () => {
  const service = await serviceFor(okta);
  const browser = await service.signIn('ada');
  expect(await sessionOf(browser)).toMatchObject({ sub: 'ada', name: 'Userinfo ada', email: 'ada@userinfo.example.test' });
});

test('Auth0: the issuer ends with a slash; the setting without it is the same URL, and sign-in and refresh work', async () => {
  const service = await serviceFor(auth0);
  expect(service.issuer).toMatch(/\/$/);
  const unslashed = await service.startVariant({ env: { OAUTH_ISSUER: service.issuer!.replace(/\/$/, '') } });
  const browser = await service.signIn('ada', { browser: unslashed.browser() });
  const tokenRequests = service.provider.tokenRequests.length;
  aheadMs = 250_000;
  expect((await browser.get('/api/items', Object.fromEntries([API]))).status).toBe(200);
  expect(service.provider.tokenRequests.length).toBe(tokenRequests + 1);
});

test('Keycloak: the /realms/{realm} issuer, RFC 9207 iss checked; realm_access.roles in the ID token stay out of /session', async () => {
  const service = await serviceFor(keycloak);
  const browser = await service.signIn('ada');
  const session = await sessionOf(browser);
  expect(session).toMatchObject({ sub: 'ada' });
  expect(JSON.stringify(session)).not.toMatch(/realm_access|reporting|resource_access/);
});

test('Cognito: Basic credentials compared as sent, and refreshes that keep the first refresh token: two in a row', async () => {
  const service = await serviceFor(cognito);
  const browser = await service.signIn('ada');
  expect(service.provider.tokenRequests.at(-1)!.authorization).toBe(`Basic ${Buffer.from(`${cognito.start.clientId}:${cognito.start.clientSecret}`).toString('base64')}`);
  const tokenRequests = service.provider.tokenRequests.length;
  for (const ahead of [250_000, 500_000]) {
    aheadMs = ahead;
    expect((await browser.get('/api/items', Object.fromEntries([API]))).status).toBe(200);
  }
  expect(service.provider.tokenRequests.length).toBe(tokenRequests + 2);
});
