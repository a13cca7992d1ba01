/**
 * The service's two secrets rotated in Secrets Manager while its functions stay warm: the OAuth
 * client secret (/callback's code exchange, /api's refresh) and the session keyring (sealing and
 * opening tokens). The real handlers behind the local server build their own Secrets Manager
 * client as on Lambda; `AWS_ENDPOINT_URL_SECRETS_MANAGER` points it at moto, an emulation of the
 * API written independently of this service. Rotation is PutSecretValue
 * (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_PutSecretValue.html), whose
 * new version GetSecretValue returns from then on; a warm instance learns of it after
 * SECRET_REFRESH_SECONDS (docs/configuration.md), or at once when the provider answers
 * invalid_client (RFC 6749 5.2) or a session names a key it has not seen (docs/sessions.md).
 */
import { AwsJsonClient } from '../../functions/adapters/aws-sdk/aws-json-client';
import type { DevProvider } from '../../local/dev-idp';
import { hashToken } from '../../functions/core/opaque-tokens';
import { rememberSecret } from '../support/log-capture';
import { MotoSecrets } from '../support/moto-clients';
import { motoEndpoint } from '../support/moto-server';
import { startService, type Service } from '../support/harness';
import { K1, K2 } from '../support/session-keyring';
import type { TestBrowser } from '../support/test-browser';

const REFRESH_SECONDS = 600;
const ACCESS_TOKEN_TTL = 120;
const CLIENT_ID = 'rotating-service';
const K3 = 'third-key-material-0123456789-abcdefghijklm';
const clientSecretValue = (version: number) => `client-secret-v${version}-${'x'.repeat(32)}`;

let service: Service<DevProvider>;
let secrets: MotoSecrets;
let clientSecretArn: string;
let keyringArn: string;
/** How far the instances' clock (Date.now, which the secret sources, the provider and the sessions read) runs ahead. */
let offsetMs = 0;
/** GetSecretValue calls by the functions' own clients, by SecretId. */
let reads: string[] = [];
/** Token requests the provider refused for the client's authentication. */
let refusedClient = 0;

beforeAll(async () => {
  secrets = new MotoSecrets();
  for (const version of [1, 2, 3, 4]) rememberSecret('client_secret', clientSecretValue(version));
  for (const material of [K1, K2, K3]) rememberSecret('session_key', material);
  clientSecretArn = await secrets.create('login/client', clientSecretValue(1));
  keyringArn = await secrets.create('login/keys', JSON.stringify({ current: 'k1', k1: K1 }));
  service = await startService({
    provider: { kind: 'dev', clientId: CLIENT_ID, clientSecret: clientSecretValue(1), options: { accessTokenTtlSeconds: ACCESS_TOKEN_TTL } },
    env: {
      OAUTH_CLIENT_SECRET: undefined,
      OAUTH_CLIENT_SECRET_ARN: clientSecretArn,
      SESSION_KEYS: undefined,
      SESSION_KEYS_SECRET_ARN: keyringArn,
      SECRET_REFRESH_SECONDS: String(REFRESH_SECONDS),
      AWS_ENDPOINT_URL_SECRETS_MANAGER: motoEndpoint(),
    },
  });
  service.provider.provider.on('grant.error', (_ctx: unknown, error: unknown) => {
    if ((error as { error?: string }).error === 'invalid_client') refusedClient += 1;
  });
  const realNow = Date.now.bind(Date);
  jest.spyOn(Date, 'now').mockImplementation(() => realNow() + offsetMs);
  const call = AwsJsonClient.prototype.call;
  // The functions' own client: each GetSecretValue it sends (the test's SDK client creates and rotates, unseen here).
  type Call = (this: unknown, operation: string, input: object, ...rest: unknown[]) => Promise<object>;
  jest.spyOn(AwsJsonClient.prototype as unknown as { call: Call }, 'call').mockImplementation(function (this: unknown, operation, input, ...rest) {
    if (operation === 'GetSecretValue') reads.push((input as { SecretId?: string }).SecretId ?? '');
    return (call as unknown as Call).call(this, operation, input, ...rest);
  });
}, 30_000);

afterAll(async () => {
  jest.restoreAllMocks();
  await service?.close();
  secrets?.destroy();
});

/** Rotated at the provider: from now on its token endpoint accepts only this secret (as a provider's console does). */
async function rotateAtProvider(value: string): Promise<void> {
  const registry = (service.provider.provider as unknown as { Client: { find(id: string): Promise<{ clientSecret: string } | undefined> } }).Client;
  (await registry.find(CLIENT_ID))!.clientSecret = value;
}

/** What the warm instances did from now on: their reads of each secret and the provider's refusals of the client. */
function watch() {
  const [readsBefore, refusedBefore] = [reads.length, refusedClient];
  const since = () => reads.slice(readsBefore);
  return {
    clientSecretReads: () => since().filter((id) => id === clientSecretArn).length,
    keyringReads: () => since().filter((id) => id === keyringArn).length,
    refusedClient: () => refusedClient - refusedBefore,
  };
}

const sealedWith = async (browser: TestBrowser) => (await service.store.get(hashToken(browser.cookies.get('__Host-session')!)))!.sealedTokens.split('.')[1];
const api = (browser: TestBrowser) => browser.request('/api/items', { headers: { 'x-csrf': '1' } });

describe('the client secret', () => {
  test('a warm /callback reads it once, and a rotated one after SECRET_REFRESH_SECONDS, with no token request refused', async () => {
    await service.signIn('ada');
    const warm = watch();
    await service.signIn('bob');
    expect(warm.clientSecretReads()).toBe(0);
    await secrets.rotate(clientSecretArn, clientSecretValue(2));
    await rotateAtProvider(clientSecretValue(2));
    offsetMs += (REFRESH_SECONDS + 1) * 1000;
    await service.signIn('carol');
    expect(warm.clientSecretReads()).toBe(1);
    expect(warm.refusedClient()).toBe(0);
  });

  test('rotated before the refresh period is over: /callback meets invalid_client once, reads the secret again and signs in', async () => {
    const rotation = watch();
    await secrets.rotate(clientSecretArn, clientSecretValue(3));
    await rotateAtProvider(clientSecretValue(3));
    const browser = await service.signIn('dave');
    expect((await browser.get('/session')).status).toBe(200);
    expect([rotation.refusedClient(), rotation.clientSecretReads()]).toEqual([1, 1]);
  });

  test('rotated while a session\'s access token is due: /api\'s refresh meets invalid_client once, reads the secret again and succeeds', async () => {
    const browser = await service.signIn('erin');
    const rotation = watch();
    await secrets.rotate(clientSecretArn, clientSecretValue(4));
    await rotateAtProvider(clientSecretValue(4));
    offsetMs += (ACCESS_TOKEN_TTL + 5) * 1000;
    service.upstream.reset();
    expect((await api(browser)).status).toBe(200);
    expect([rotation.refusedClient(), rotation.clientSecretReads()]).toEqual([1, 1]);
    expect(service.upstream.requests).toHaveLength(1);
  });
});

describe('the session keyring', () => {
  test('a warm instance seals with the new current key once it reads the keyring again; sessions sealed before keep working', async () => {
    const before = await service.signIn('frank');
    expect(await sealedWith(before)).toBe('k1');
    await secrets.rotate(keyringArn, JSON.stringify({ current: 'k2', k2: K2, k1: K1 }));
    const cached = await service.signIn('grace');
    expect(await sealedWith(cached)).toBe('k1'); // within the refresh period the instance has the keyring it read
    offsetMs += (REFRESH_SECONDS + 1) * 1000;
    const later = watch();
    const after = await service.signIn('heidi');
    expect(await sealedWith(after)).toBe('k2');
    expect(later.keyringReads()).toBe(1);
    for (const browser of [before, cached, after]) expect((await api(browser)).status).toBe(200);
  });

  test('a session sealed by a newer instance with a key this one has not read yet: one re-read, then it opens', async () => {
    await secrets.rotate(keyringArn, JSON.stringify({ current: 'k3', k3: K3, k2: K2, k1: K1 }));
    // A cold instance (a new Lambda execution environment) reads the rotated keyring at its first request.
    const cold = await service.startVariant({});
    const signedInThere = await service.signIn('ivan', { browser: cold.browser() });
    expect(await sealedWith(signedInThere)).toBe('k3');
    const onWarm = service.browser();
    for (const [name, value] of signedInThere.cookies) onWarm.cookies.set(name, value);
    const warm = watch();
    expect((await api(onWarm)).status).toBe(200);
    expect((await api(onWarm)).status).toBe(200);
    expect(warm.keyringReads()).toBe(1);
  });
});
