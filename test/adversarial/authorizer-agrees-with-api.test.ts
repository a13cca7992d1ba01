/**
 * Another API behind the session authorizer must not accept a session that `/api` refuses: an
 * attacker who keeps a cookie alive should gain nothing by using the other API instead. Each
 * session state below is made by the real sign-in path (the misbehaving provider, DynamoDB Local,
 * the local server), then put to `/api` and to the authorizer's handler as API Gateway invokes it
 * (payload 2.0, simple responses). The one check the authorizer skips by design, opening the
 * sealed tokens, is pinned here exactly as docs/security.md states it (what the
 * authorizer does not check, and why that is safe).
 */
import { UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { handler as authorizerHandler } from '../../functions/authorizer';
import { hashToken } from '../../functions/core/opaque-tokens';
import { dynamoDbClient, dynamoDbLocalEndpoint } from '../support/dynamodb-local';
import { rawRequest, harnessForFile } from './harness';

const h = harnessForFile({ reset: ['provider'] });

async function signedIn(): Promise<string> {
  return (await h.signIn('agree')).cookies.get('__Host-session')!;
}

async function viaApi(cookie: string): Promise<{ allowed: boolean; code?: string }> {
  const response = await rawRequest(h.baseUrl, { path: '/api/items', headers: [['cookie', `__Host-session=${cookie}`], ['x-csrf', '1']] });
  return response.status === 200 ? { allowed: true } : { allowed: false, code: JSON.parse(response.body.toString()).error };
}

async function viaAuthorizer(cookie: string): Promise<boolean> {
  const event = {
    version: '2.0', type: 'REQUEST', routeKey: 'GET /orders', rawPath: '/orders', rawQueryString: '',
    routeArn: 'arn:aws:execute-api:eu-west-1:123456789012:abc123/$default/GET/orders',
    identitySource: [`__Host-session=${cookie}`, '1'],
    cookies: [`__Host-session=${cookie}`], headers: { 'x-csrf': '1' }, requestContext: { requestId: 'agree' },
  } as unknown as APIGatewayRequestAuthorizerEventV2;
  return (await authorizerHandler(event)).isAuthorized;
}

/** Sets attributes of the session item directly, as time passing (or a tamperer) would leave it. */
async function alter(cookie: string, expression: string, values: Record<string, AttributeValue>): Promise<void> {
  const client = dynamoDbClient(dynamoDbLocalEndpoint());
  await client.send(new UpdateItemCommand({
    TableName: h.tableName, Key: { pk: { S: `session#${hashToken(cookie)}` } }, UpdateExpression: expression, ExpressionAttributeValues: values,
  }));
  client.destroy();
}

const past = () => String(Math.floor(Date.now() / 1000) - 5);

test('an active session: both allow', async () => {
  const cookie = await signedIn();
  expect(await viaAuthorizer(cookie)).toBe(true);
  expect(await viaApi(cookie)).toEqual({ allowed: true });
});

test('RFC 6749 §5.1: a provider that issues no refresh token, after its access token expired: both refuse, whichever is asked first', async () => {
  h.provider.misbehave({ noRefreshToken: true, expiresIn: 1 });
  const first = await signedIn();
  const second = await signedIn();
  await new Promise((resolve) => setTimeout(resolve, 1_200));
  expect(await viaAuthorizer(first)).toBe(false);
  expect(await viaApi(first)).toEqual({ allowed: false, code: 'not_signed_in' });
  expect(await viaApi(second)).toEqual({ allowed: false, code: 'token_expired' });
  expect(await viaAuthorizer(second)).toBe(false);
});

test('without a refresh token, while the access token lasts: both allow', async () => {
  h.provider.misbehave({ noRefreshToken: true, expiresIn: 300 });
  const cookie = await signedIn();
  expect(await viaAuthorizer(cookie)).toBe(true);
  expect(await viaApi(cookie)).toEqual({ allowed: true });
});

test.each([
  ['idle expiry', 'SET expiresAt = :t'],
  ['absolute expiry', 'SET absoluteExpiresAt = :t'],
])('past its %s (the item still in the table): both refuse', async (_label, expression) => {
  const cookie = await signedIn();
  await alter(cookie, expression, { ':t': { N: past() } });
  expect(await viaAuthorizer(cookie)).toBe(false);
  expect((await viaApi(cookie)).allowed).toBe(false);
});

test('after logout: both refuse', async () => {
  const browser = await h.signIn('agree');
  const cookie = browser.cookies.get('__Host-session')!;
  const sid = JSON.parse((await browser.get('/session')).text).sid;
  expect((await browser.get(`/logout?sid=${sid}`)).status).toBe(302);
  expect(await viaAuthorizer(cookie)).toBe(false);
  expect((await viaApi(cookie)).allowed).toBe(false);
});

test('the documented exception: sealed tokens that no key opens are refused by /api, which ends the session; the authorizer, holding no key, allows until then', async () => {
  const cookie = await signedIn();
  await alter(cookie, 'SET tokens = :t', { ':t': { S: 'v1.k-removed.AAAAAAAAAAAAAAAA.AAAA' } });
  expect(await viaAuthorizer(cookie)).toBe(true);
  expect(await viaApi(cookie)).toEqual({ allowed: false, code: 'session_ended' });
  expect(await viaAuthorizer(cookie)).toBe(false);
});
