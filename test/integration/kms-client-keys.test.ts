/**
 * The client's keys in KMS, through the service's own two KMS calls (SigV4-signed JSON, as
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_Sign.html and API_GetPublicKey.html
 * document them) against moto's KMS, an independent emulator; the keys are made there with the
 * real SDK client, as an operator would: an RSA_2048 and an ECC_NIST_P256 key sign
 * assertions that verify against the JWKS the service publishes (KMS's ECDSA signatures are DER, a
 * JWS wants r‖s); the public keys are read once per instance and every assertion is one Sign call.
 * Then a whole sign-in at the certified oidc-provider with the KMS key as the client's only credential.
 */
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import type * as oauth from 'oauth4webapi';
import type { DevProvider } from '../../local/dev-idp';
import { KmsClientKeys } from '../../functions/adapters/kms/kms-client-keys';
import { KmsHttpApi, type KmsApi } from '../../functions/adapters/kms/kms-api';
import { ServiceError } from '../../functions/core/errors';
import { motoClientConfig } from '../support/moto-clients';
import { motoEndpoint } from '../support/moto-server';
import { startService, type Service } from '../support/harness';

const kms = new KMSClient(motoClientConfig());
afterAll(() => kms.destroy());

/** The service's KMS calls, to moto, with the dummy credentials the test clients use. */
const motoKms = () => new KmsHttpApi(motoEndpoint(), async () => ({ accessKeyId: 'local', secretAccessKey: 'local' }));

/** Counts the calls made through `api`, by operation. */
function counted(api: KmsApi): KmsApi & { count(operation: string): number } {
  const calls: string[] = [];
  return {
    call: (operation, ...rest) => {
      calls.push(operation);
      return api.call(operation, ...rest);
    },
    count: (operation) => calls.filter((name) => name === operation).length,
  };
}

async function createKey(keySpec: 'RSA_2048' | 'ECC_NIST_P256', keyUsage: 'SIGN_VERIFY' | 'ENCRYPT_DECRYPT' = 'SIGN_VERIFY'): Promise<string> {
  const created = await kms.send(new CreateKeyCommand({ KeySpec: keySpec, KeyUsage: keyUsage, Description: 'login service test client key' }));
  return created.KeyMetadata!.Arn!;
}

const AS = { issuer: 'https://idp.example.com' } as oauth.AuthorizationServer;
const CLIENT = { client_id: 'kms-client' } as oauth.Client;

async function assertionOf(keys: KmsClientKeys): Promise<string> {
  const body = new URLSearchParams();
  await (await keys.get()).clientAuth('issuer')(AS, CLIENT, body, new Headers());
  expect(body.get('client_assertion_type')).toBe('urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
  expect(body.get('client_id')).toBe('kms-client');
  return body.get('client_assertion')!;
}

test.each([
  ['RSA_2048', 'RS256'],
  ['ECC_NIST_P256', 'ES256'],
] as const)('a %s key signs %s assertions that verify with the published keys; one GetPublicKey per instance, one Sign per assertion', async (spec, alg) => {
  const [signing, next] = [await createKey(spec), await createKey('ECC_NIST_P256')];
  const calls = counted(motoKms());
  {
    const keys = new KmsClientKeys(calls, [signing, next], 2_000);
    const { publicKeys } = await keys.get();
    expect(publicKeys.map((key) => key.alg)).toEqual([alg, 'ES256']);
    const jwks = createLocalJWKSet({ keys: publicKeys as never });
    const [first, second] = [await assertionOf(keys), await assertionOf(keys)];
    for (const assertion of [first, second]) {
      const { payload } = await jwtVerify(assertion, jwks, { issuer: 'kms-client', subject: 'kms-client', audience: AS.issuer, algorithms: [alg] });
      expect(payload.exp! - payload.iat!).toBe(60);
      expect(decodeProtectedHeader(assertion).kid).toBe(publicKeys[0]!.kid);
    }
    expect((await jwtVerify(first, jwks)).payload.jti).not.toBe((await jwtVerify(second, jwks)).payload.jti);
    expect([calls.count('GetPublicKey'), calls.count('Sign')]).toEqual([2, 2]);
  }
});

test('a key that is not for signing, or not there, is a misconfiguration (500), not an outage', async () => {
  for (const arn of [await createKey('RSA_2048', 'ENCRYPT_DECRYPT'), 'arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000']) {
    const failure = (await new KmsClientKeys(motoKms(), [arn], 2_000).get().catch((error: unknown) => error)) as ServiceError;
    expect(failure).toBeInstanceOf(ServiceError);
    expect([failure.code, failure.status]).toEqual(['client_misconfigured', 500]);
  }
});

test('KMS out of reach is 503 signing_unavailable, and a failed read is tried again by the next request', async () => {
  const unreachable = new KmsHttpApi('http://127.0.0.1:9', async () => ({ accessKeyId: 'local', secretAccessKey: 'local' }));
  {
    const keys = new KmsClientKeys(unreachable, [await createKey('RSA_2048')], 2_000);
    const failure = (await keys.get().catch((error: unknown) => error)) as ServiceError;
    expect([failure.code, failure.status]).toEqual(['signing_unavailable', 503]);
    expect(((await keys.get().catch((error: unknown) => error)) as ServiceError).code).toBe('signing_unavailable');
  }
});

describe('a sign-in at oidc-provider with a KMS key as the only credential', () => {
  let service: Service<DevProvider>;
  let keyArn: string;

  beforeAll(async () => {
    keyArn = await createKey('ECC_NIST_P256');
    service = await startService({
      provider: { kind: 'dev', tokenEndpointAuthMethod: 'private_key_jwt', options: { par: 'offered' } },
      env: {
        OAUTH_CLIENT_AUTH_METHOD: 'private_key_jwt', OAUTH_CLIENT_SECRET: undefined, OAUTH_CLIENT_PRIVATE_KEY: undefined,
        OAUTH_CLIENT_SIGNING_KEY_ARN: keyArn, ALLOWED_EMAIL_DOMAINS: undefined, ALLOWED_GROUPS: undefined, OAUTH_AUTHORIZATION_PARAMETERS: undefined, OAUTH_PAR: undefined,
      },
      parts: { kms: motoKms() },
    });
  });

  afterAll(async () => {
    await service?.close();
  });

  test('the provider fetches the key from /.well-known/jwks.json and accepts the pushed request and the code exchange', async () => {
    const browser = await service.signIn('ada');
    expect((await browser.get('/session')).json<{ sub: string }>().sub).toBe('ada');
    const { keys } = await (await fetch(`${service.baseUrl}/.well-known/jwks.json`)).json() as { keys: Array<{ alg: string; crv: string }> };
    expect(keys.map((key) => [key.alg, key.crv])).toEqual([['ES256', 'P-256']]);
  });
});
