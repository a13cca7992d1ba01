/**
 * The client secret source (functions/adapters/secrets-manager/client-secret.ts) through the real
 * Secrets Manager SDK client: cached per instance, re-read on a timer, read in the JSON form, a
 * missing secret told from an outage, and its use at the real provider when the re-read after
 * invalid_client does not help. These run against moto's Secrets Manager, an emulation written
 * independently of this service (GetSecretValue and its errors as
 * https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_GetSecretValue.html gives them).
 * The two outage cases use the hand-written endpoint (test/support/secrets-manager-endpoint.ts)
 * instead, because moto always answers: it cannot be made to fail a call with a 500 on demand.
 * Rotation seen by the warm functions themselves is test/integration/secret-rotation.test.ts.
 */
import { SecretsManagerClientSecret } from '../../functions/adapters/secrets-manager/client-secret';
import { OAuthIdentityProvider, providerSettings, signInDirectly } from '../support/oauth-identity-provider';
import { ServiceError } from '../../functions/core/errors';
import { startDevProvider, type DevProvider } from '../../local/dev-idp';
import { secretsApiAt, startSecretsManagerEndpoint, type SecretsManagerEndpoint } from '../support/secrets-manager-endpoint';
import { MotoSecrets, uniqueName } from '../support/moto-clients';
import { countingApi, localApiOptions } from '../support/local-aws-client';
import { motoEndpoint } from '../support/moto-server';
import { secretsManagerApi } from '../../functions/adapters/secrets-manager/secrets-manager-secret';

const REDIRECT_URI = 'http://127.0.0.1:9/callback';
let idp: DevProvider;
let now = 1_700_000_000_000;
const clock = { now: () => now };

beforeAll(async () => {
  idp = await startDevProvider({ port: 0, clients: [{ clientId: 'rotating-client', clientSecret: 'secret-v2', redirectUris: [REDIRECT_URI] }] });
});
afterAll(() => idp?.close());

describe("against moto's Secrets Manager", () => {
  let secrets: MotoSecrets;
  beforeAll(() => {
    secrets = new MotoSecrets();
  });
  afterAll(() => {
    secrets?.destroy();
  });

  /** A warm instance's source, on a client of its own whose GetSecretValue calls are counted. */
  function source(secretId: string, refreshSeconds = 300) {
    const calls = countingApi(secretsManagerApi(localApiOptions(motoEndpoint())));
    return { secret: new SecretsManagerClientSecret(calls.api, secretId, refreshSeconds, 2000, clock), reads: () => calls.count('GetSecretValue') };
  }

  test('reads once per warm instance, shares concurrent reads, and re-reads after the refresh period', async () => {
    const arn = await secrets.create('client', 'secret-v1');
    const { secret, reads } = source(arn, 60);
    expect(await Promise.all([secret.get(), secret.get(), secret.get()])).toEqual(['secret-v1', 'secret-v1', 'secret-v1']);
    expect(reads()).toBe(1);
    await secrets.rotate(arn, 'secret-v2');
    expect(await secret.get()).toBe('secret-v1');
    expect(reads()).toBe(1);
    now += 61_000;
    expect(await secret.get()).toBe('secret-v2');
    expect(reads()).toBe(2);
  });

  test('accepts a JSON secret with a client_secret field', async () => {
    const arn = await secrets.create('json-client', JSON.stringify({ client_secret: 'from-json' }));
    expect(await source(arn).secret.get()).toBe('from-json');
  });

  test('a secret that does not exist is a misconfiguration (500), not an outage', async () => {
    const missing = (await source(uniqueName('missing')).secret.get().catch((error: unknown) => error)) as ServiceError;
    expect(missing).toBeInstanceOf(ServiceError);
    expect([missing.code, missing.status]).toEqual(['client_misconfigured', 500]);
  });

  test('invalid_client on refresh even after the re-read: session_ended, so the session is not kept with a client the provider refuses', async () => {
    const arn = await secrets.create('rotating', 'secret-v2');
    const { secret } = source(arn);
    const provider = new OAuthIdentityProvider(providerSettings(idp.issuer, 'rotating-client', { OAUTH_CLIENT_SECRET_ARN: arn }), secret);
    const { refreshToken } = await signInDirectly(provider, 'rita');
    await secrets.rotate(arn, 'secret-v1'); // a value the provider never accepted
    await secret.refresh();
    const failure = (await provider.refresh(refreshToken!).catch((error: unknown) => error)) as ServiceError;
    expect(failure).toBeInstanceOf(ServiceError);
    expect(failure.code).toBe('session_ended');
  });
});

describe('when Secrets Manager fails (the hand-written endpoint, which injects the failures)', () => {
  let secrets: SecretsManagerEndpoint;
  beforeAll(async () => {
    secrets = await startSecretsManagerEndpoint();
  });
  afterAll(() => secrets?.close());
  beforeEach(() => secrets.reset());

  const source = (secretId: string, refreshSeconds = 300) =>
    new SecretsManagerClientSecret(secretsApiAt(secrets.endpoint), secretId, refreshSeconds, 2000, clock);

  test('an unavailable secret is secret_unavailable (503), and the error holds no value', async () => {
    secrets.setSecret('down', 'the-value');
    secrets.fail({ status: 500 });
    const failure = await source('down').get().catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ServiceError);
    expect((failure as ServiceError).code).toBe('secret_unavailable');
    expect((failure as ServiceError).status).toBe(503);
    expect(JSON.stringify(failure) + String(failure)).not.toContain('the-value');
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
  });
});
