/**
 * A provider that follows OpenID Connect strictly puts only `sub` in the ID token when it also
 * issues an access token; name and email then come from its userinfo endpoint.
 */
import { staticClientSecret } from '../../functions/adapters/secrets-manager/client-secret';
import { OAuthIdentityProvider, providerSettings, signInDirectly } from '../support/oauth-identity-provider';
import { startDevProvider, type DevProvider } from '../../local/dev-idp';

const REDIRECT_URI = 'http://127.0.0.1:9/callback';
let idp: DevProvider;

beforeAll(async () => {
  idp = await startDevProvider({
    port: 0,
    clients: [{ clientId: 'strict-client', clientSecret: 'strict-secret', redirectUris: [REDIRECT_URI] }],
    profileClaimsInIdToken: false,
  });
});
afterAll(async () => idp?.close());

async function login(scopes: string) {
  const config = providerSettings(idp.issuer, 'strict-client', { OAUTH_CLIENT_SECRET: 'strict-secret' }, { OAUTH_SCOPES: scopes });
  return signInDirectly(new OAuthIdentityProvider(config, staticClientSecret('strict-secret')), 'uma');
}

test('name and email missing from the ID token are read from the userinfo endpoint', async () => {
  const result = await login('openid profile email');
  const idTokenPayload = JSON.parse(Buffer.from(result.idToken!.split('.')[1]!, 'base64url').toString());
  expect(idTokenPayload.name).toBeUndefined(); // the provider really is strict
  expect(result.claims).toEqual({ sub: 'uma', name: 'Uma', email: 'uma@example.test' });
});

test('without profile or email scopes only the subject is kept', async () => {
  const result = await login('openid');
  expect(result.claims).toEqual({ sub: 'uma' });
});
