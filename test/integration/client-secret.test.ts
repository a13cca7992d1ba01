/**
 * The client secret through the real Secrets Manager SDK client (against a local endpoint), and
 * its use at the real provider: cached per instance, re-read on a timer, re-read once when the
 * token endpoint says invalid_client (rotation), and never part of an error.
 */
import { SecretsManagerClientSecret } from '../../functions/adapters/secrets-manager/client-secret';
import { OAuthIdentityProvider, providerSettings, signInDirectly } from '../support/oauth-identity-provider';
import { ServiceError } from '../../functions/core/errors';
import { startDevProvider, type DevProvider } from '../../local/dev-idp';
import { secretsManagerClient, startSecretsManagerEndpoint, type SecretsManagerEndpoint } from '../support/secrets-manager-endpoint';

const REDIRECT_URI = 'http://127.0.0.1:9/callback';
let secrets: SecretsManagerEndpoint;
let idp: DevProvider;
let now = 1_700_000_000_000;
const clock = { now: () => now };

beforeAll(async () => {
  secrets = await startSecretsManagerEndpoint();
  idp = await startDevProvider({ port: 0, clients: [{ clientId: 'rotating-client', clientSecret: 'secret-v2', redirectUris: [REDIRECT_URI] }] });
});
afterAll(async () => {
  await secrets?.close();
  await idp?.close();
});
beforeEach(() => secrets.reset());

function source(secretId: string, refreshSeconds = 300) {
  return new SecretsManagerClientSecret(secretsManagerClient(secrets.endpoint), secretId, refreshSeconds, 2000, clock);
}

test('reads once per warm instance, shares concurrent reads, and re-reads after the refresh period', async () => {
  secrets.setSecret('client', 'secret-v1');
  const secret = source('client', 60);
  expect(await Promise.all([secret.get(), secret.get(), secret.get()])).toEqual(['secret-v1', 'secret-v1', 'secret-v1']);
  expect(secrets.calls).toBe(1);
  expect(await secret.get()).toBe('secret-v1');
  expect(secrets.calls).toBe(1);
  secrets.setSecret('client', 'secret-v2');
  now += 61_000;
  expect(await secret.get()).toBe('secret-v2');
  expect(secrets.calls).toBe(2);
});

test('accepts a JSON secret with a client_secret field', async () => {
  const arn = secrets.setSecret('json-client', JSON.stringify({ client_secret: 'from-json' }));
  expect(await source(arn).get()).toBe('from-json');
});

test('an unavailable secret is secret_unavailable (503); a missing one is a misconfiguration (500); neither error holds a value', async () => {
  secrets.setSecret('down', 'the-value');
  secrets.fail({ status: 500 });
  const failure = await source('down').get().catch((error: unknown) => error);
  expect(failure).toBeInstanceOf(ServiceError);
  expect((failure as ServiceError).code).toBe('secret_unavailable');
  expect((failure as ServiceError).status).toBe(503);
  expect(JSON.stringify(failure) + String(failure)).not.toContain('the-value');
  secrets.fail(undefined);
  const missing = (await source('missing').get().catch((error: unknown) => error)) as ServiceError;
  expect([missing.code, missing.status]).toEqual(['client_misconfigured', 500]);
});

test('a failed scheduled re-read keeps the secret it has; a forced re-read (after invalid_client) fails', async () => {
  secrets.setSecret('steady', 'secret-v1');
  const secret = source('steady', 60);
  expect(await secret.get()).toBe('secret-v1');
  now += 61_000;
  secrets.fail({ status: 500 });
  expect(await secret.get()).toBe('secret-v1');
  const callsAfterFailure = secrets.calls;
  expect(await secret.get()).toBe('secret-v1'); // no new read on every login during the outage
  expect(secrets.calls).toBe(callsAfterFailure);
  expect(((await secret.refresh().catch((error: unknown) => error)) as ServiceError).code).toBe('secret_unavailable');
  secrets.fail(undefined);
});

test('after rotation the token endpoint answers invalid_client once, the secret is re-read and the login succeeds', async () => {
  const arn = secrets.setSecret('rotating', 'secret-v1');
  const secret = source('rotating');
  expect(await secret.get()).toBe('secret-v1'); // the warm instance holds the old secret
  secrets.setSecret('rotating', 'secret-v2'); // rotated at the provider and in Secrets Manager
  const config = providerSettings(idp.issuer, 'rotating-client', { OAUTH_CLIENT_SECRET_ARN: arn });
  const login = await signInDirectly(new OAuthIdentityProvider(config, secret), 'rita');
  expect(login.claims.sub).toBe('rita');
  expect(secrets.calls).toBe(2);
});

describe('refresh and a rotated client secret', () => {
  async function signedIn(secret: SecretsManagerClientSecret) {
    const provider = new OAuthIdentityProvider(providerSettings(idp.issuer, 'rotating-client', { OAUTH_CLIENT_SECRET_ARN: 'rotating' }), secret);
    return { provider, refreshToken: (await signInDirectly(provider, 'rita')).refreshToken! };
  }

  test('invalid_client on refresh: the secret is re-read once and the refresh succeeds', async () => {
    secrets.setSecret('rotating', 'secret-v2');
    const secret = source('rotating');
    const { provider, refreshToken } = await signedIn(secret);
    secrets.setSecret('rotating', 'secret-v1');
    await secret.refresh(); // this instance now holds a secret the provider refuses
    secrets.setSecret('rotating', 'secret-v2');
    const callsBefore = secrets.calls;
    const refreshed = await provider.refresh(refreshToken);
    expect(refreshed.accessToken).toEqual(expect.any(String));
    expect(refreshed.idTokenSubject).toBe('rita');
    expect(secrets.calls - callsBefore).toBe(1);
  });

  test('invalid_client even after the re-read: session_ended, so the session is not kept with a client the provider refuses', async () => {
    secrets.setSecret('rotating', 'secret-v2');
    const secret = source('rotating');
    const { provider, refreshToken } = await signedIn(secret);
    secrets.setSecret('rotating', 'secret-v1');
    await secret.refresh();
    const failure = (await provider.refresh(refreshToken).catch((error: unknown) => error)) as ServiceError;
    expect(failure).toBeInstanceOf(ServiceError);
    expect(failure.code).toBe('session_ended');
  });
});
