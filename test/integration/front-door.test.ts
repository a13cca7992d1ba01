/**
 * The front-door function (functions/front-door.ts) as Lambda runs it, reading its origin secret
 * from moto's Secrets Manager through the real SDK client: the value the distribution sends is
 * admitted, others are refused, and a rotation done the documented way (docs/web-app.md: put
 * `{"current":new,"previous":old}`, then let the distribution send the new value) refuses no
 * request at any point. The secret's format and the PutSecretValue call follow the Secrets Manager
 * API reference (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_PutSecretValue.html).
 */
import type { APIGatewayRequestAuthorizerEventV2, APIGatewaySimpleAuthorizerResult } from 'aws-lambda';
import { CreateSecretCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ORIGIN_HEADER } from '../../functions/adapters/api-gateway/front-door-handler';
import { motoEndpoint } from '../support/moto-server';
import { uniqueName } from '../support/moto-clients';
import { setEnvironment } from '../../local/local-environment';

const OLD = 'o'.repeat(64);
const NEW = 'n'.repeat(64);
const REFRESH_SECONDS = 10;

let restore: () => void;
let client: SecretsManagerClient;
let secretArn: string;
let handler: (event: APIGatewayRequestAuthorizerEventV2) => Promise<APIGatewaySimpleAuthorizerResult>;

const request = (value?: string) =>
  ({ version: '2.0', type: 'REQUEST', routeKey: 'GET /session', headers: value === undefined ? {} : { [ORIGIN_HEADER]: value }, requestContext: { requestId: 'r' } }) as unknown as APIGatewayRequestAuthorizerEventV2;

beforeAll(async () => {
  // The run's moto (test/support/integration-global-setup.ts), under a name no other file uses.
  const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
  client = new SecretsManagerClient({ endpoint: motoEndpoint(), region: 'eu-west-1', credentials });
  const created = await client.send(new CreateSecretCommand({ Name: uniqueName('login/origin'), SecretString: JSON.stringify({ current: OLD }) }));
  secretArn = created.ARN!;
  restore = setEnvironment({
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_ENDPOINT_URL_SECRETS_MANAGER: motoEndpoint(),
    ORIGIN_SECRET_ARN: secretArn,
    SECRET_REFRESH_SECONDS: String(REFRESH_SECONDS),
    LOG_LEVEL: 'SILENT',
  });
  jest.isolateModules(() => {
    handler = (require('../../functions/front-door') as typeof import('../../functions/front-door')).handler;
  });
}, 30_000);

afterAll(() => {
  restore?.();
  client?.destroy();
});

afterEach(() => jest.restoreAllMocks());

/** Moves the instance's clock past the secret's refresh period, as a warm instance lives through it. */
function laterBy(seconds: number): void {
  const now = Date.now() + seconds * 1000;
  jest.spyOn(Date, 'now').mockReturnValue(now);
}

test('the value the distribution sends is admitted; a guess or no header is refused', async () => {
  expect(await handler(request(OLD))).toEqual({ isAuthorized: true });
  expect(await handler(request(NEW))).toEqual({ isAuthorized: false });
  expect(await handler(request('x'.repeat(64)))).toEqual({ isAuthorized: false });
  expect(await handler(request())).toEqual({ isAuthorized: false });
});

test('a rotation refuses nothing: both values while the distribution changes over, then only the new one', async () => {
  // Step 1: the new value becomes current, the old one previous.
  await client.send(new PutSecretValueCommand({ SecretId: secretArn, SecretString: JSON.stringify({ current: NEW, previous: OLD }) }));
  // Until the warm instance reads the secret again it still knows only the old value, which the distribution still sends.
  expect(await handler(request(OLD))).toEqual({ isAuthorized: true });
  laterBy(REFRESH_SECONDS + 1);
  // Step 2 under way: some edge locations send the old value, some the new one.
  expect(await handler(request(OLD))).toEqual({ isAuthorized: true });
  expect(await handler(request(NEW))).toEqual({ isAuthorized: true });
  // Step 3: once the distribution sends only the new value, previous is dropped.
  await client.send(new PutSecretValueCommand({ SecretId: secretArn, SecretString: JSON.stringify({ current: NEW }) }));
  laterBy(2 * REFRESH_SECONDS + 2);
  expect(await handler(request(NEW))).toEqual({ isAuthorized: true });
  expect(await handler(request(OLD))).toEqual({ isAuthorized: false });
});
