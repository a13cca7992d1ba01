/**
 * The session authorizer (functions/authorizer.ts) invoked the way API Gateway invokes it, against
 * sessions made by the real sign-in path: the development provider, the local server with the
 * service's own routes, DynamoDB Local. The authorizer reads the table through a proxy that can
 * make single DynamoDB operations fail, to show that an outage never authorizes and never reads as
 * "not signed in". Every log line of the file is checked for the cookies and ids that crossed the
 * wire (test/support/log-capture-setup.ts), and here once more for the ones the authorizer saw.
 */
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { DynamoDbStore } from '../../functions/adapters/dynamodb/dynamodb-store';
import { handler as authorizerHandler } from '../../functions/authorizer';
import { hashToken, randomToken } from '../../functions/core/opaque-tokens';
import { inScope, partsScope } from '../../local/parts-scope';
import { startDynamoDbFaultProxy, type DynamoDbFaultProxy } from '../support/dynamodb-fault-proxy';
import { dynamoDbClient, dynamoDbLocalEndpoint } from '../support/dynamodb-local';
import type { DevProvider } from '../../local/dev-idp';
import { startService, type Service } from '../support/harness';
import { capturedLogLines, rememberSecret } from '../support/log-capture';
import type { TestBrowser } from '../support/test-browser';
import { storeApi } from '../support/dynamodb-local';

const CLIENT_ID = 'authorizer-client';
const CLIENT_SECRET = 'authorizer-client-secret-that-is-long-enough';
const IDLE_TIMEOUT = 1800;
const LIFETIME = 7200;
/** DynamoDB Local answers slowly on a busy machine; an injected stall holds far longer. */
const STORE_DEADLINE_MS = 1500;
const SESSION_KEYS = JSON.stringify({ current: 'k1', k1: 'authorizer-key-material-0123456789-abcdefgh' });

let service: Service<DevProvider>;
let proxy: DynamoDbFaultProxy;
/** How far the authorizer's clock runs ahead of the real one. */
let offsetMs = 0;
const clock = { now: () => Date.now() + offsetMs };

beforeAll(async () => {
  proxy = await startDynamoDbFaultProxy(dynamoDbLocalEndpoint());
  service = await startService({
    provider: { kind: 'dev', clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
    settingsVia: 'config',
    env: {
      SESSION_KEYS,
      SESSION_IDLE_TIMEOUT_SECONDS: String(IDLE_TIMEOUT),
      SESSION_LIFETIME_SECONDS: String(LIFETIME),
      AUTHORIZER_CLAIMS: 'sub,name,email',
    },
  });
});

afterAll(async () => {
  await service?.close();
  await proxy?.close();
});

beforeEach(() => {
  offsetMs = 0;
  proxy.reset();
});

/** The authorizer as deployed, reading the table through the fault proxy with a short store deadline. */
const authorize: typeof authorizerHandler = (event, context) =>
  inScope(partsScope({ config: service.config, store: new DynamoDbStore(storeApi(proxy.endpoint), service.tableName, STORE_DEADLINE_MS), clock }), () => authorizerHandler(event, context));

/** API Gateway's payload 2.0 authorizer event for `GET /orders/mine` with these cookies and headers. */
function authorizerEvent(cookies: string[] | undefined, headers: Record<string, string> = { 'x-csrf': '1' }): APIGatewayRequestAuthorizerEventV2 {
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: 'arn:aws:execute-api:eu-west-1:123456789012:orders1/$default/GET/mine',
    identitySource: [(cookies ?? []).join('; '), headers['x-csrf'] ?? ''],
    routeKey: 'GET /{proxy+}',
    rawPath: '/mine',
    rawQueryString: '',
    cookies: cookies as string[],
    headers: { ...(cookies ? { cookie: cookies.join('; ') } : {}), ...headers },
    requestContext: { requestId: `api-${randomToken(6)}`, routeKey: 'GET /{proxy+}' } as APIGatewayRequestAuthorizerEventV2['requestContext'],
  };
}

const lambdaContext = () => ({ awsRequestId: `lambda-${randomToken(6)}`, getRemainingTimeInMillis: () => 29_000 }) as never;
const invoke = (cookies: string[] | undefined, headers?: Record<string, string>) => authorize(authorizerEvent(cookies, headers), lambdaContext());

async function signIn(user: string): Promise<{ browser: TestBrowser; cookie: string; key: string }> {
  const browser = await service.signIn(user);
  const token = browser.cookies.get('__Host-session')!;
  rememberSecret('cookie', token);
  return { browser, cookie: `__Host-session=${token}`, key: hashToken(token) };
}

const lastLine = (): Record<string, unknown> => JSON.parse(capturedLogLines().at(-1)!) as Record<string, unknown>;

test('allows a signed-in user and hands on sub, name and email; logs one line with the hashed session id', async () => {
  const { cookie, key } = await signIn('ada');
  const lines = capturedLogLines().length;
  expect(await invoke(['theme=dark', cookie])).toEqual({ isAuthorized: true, context: { sub: 'ada', name: 'Ada', email: 'ada@example.test' } });
  expect(capturedLogLines().length).toBe(lines + 1);
  expect(lastLine()).toMatchObject({ level: 'INFO', route: 'authorizer', protectedRoute: 'GET /{proxy+}', outcome: 'ok', session: hashToken(key).slice(0, 16) });
});

type Request = (cookie: string) => { cookies: string[]; headers: Record<string, string> };
const DENIED: Array<[string, Request, string]> = [
  ['no session cookie', () => ({ cookies: ['theme=dark'], headers: { 'x-csrf': '1' } }), 'not_signed_in'],
  ['no X-CSRF header', (cookie) => ({ cookies: [cookie], headers: {} }), 'csrf_header_missing'],
  ['X-CSRF other than 1', (cookie) => ({ cookies: [cookie], headers: { 'x-csrf': 'yes' } }), 'csrf_header_missing'],
  ['an unknown session cookie', () => ({ cookies: [`__Host-session=${randomToken()}`], headers: { 'x-csrf': '1' } }), 'not_signed_in'],
  ['the session cookie twice', (cookie) => ({ cookies: [cookie, `__Host-session=${randomToken()}`], headers: { 'x-csrf': '1' } }), 'not_signed_in'],
];

test.each(DENIED)('denies %s, and the session stays', async (_name, request, reason) => {
  const { cookie } = await signIn('bob');
  const { cookies, headers } = request(cookie);
  expect(await invoke(cookies, headers)).toEqual({ isAuthorized: false, context: {} });
  expect(lastLine()).toMatchObject({ level: 'WARN', outcome: 'refused', errorCode: reason });
  expect(await invoke([cookie])).toMatchObject({ isAuthorized: true });
  expect(proxy.operations).not.toContain('DeleteItem');
});

test('denies once the user logged out with /logout', async () => {
  const { browser, cookie } = await signIn('carol');
  expect(await invoke([cookie])).toMatchObject({ isAuthorized: true });
  const { sid, logoutUrl } = (await browser.get('/session')).json<{ sid: string; logoutUrl: string }>();
  rememberSecret('sid', sid);
  expect((await browser.get(logoutUrl)).status).toBe(302);
  expect(await invoke([cookie])).toEqual({ isAuthorized: false, context: {} });
  expect(lastLine()).toMatchObject({ outcome: 'refused', errorCode: 'not_signed_in' });
});

test('denies an idle-expired session and ends it', async () => {
  const { cookie } = await signIn('dave');
  offsetMs = IDLE_TIMEOUT * 1000;
  expect(await invoke([cookie])).toEqual({ isAuthorized: false, context: {} });
  expect(lastLine()).toMatchObject({ outcome: 'refused', errorCode: 'session_expired' });
  expect(proxy.operations).toEqual(['GetItem', 'UpdateItem']);
  offsetMs = 0;
  expect(await invoke([cookie])).toMatchObject({ isAuthorized: false });
  expect(lastLine()).toMatchObject({ errorCode: 'not_signed_in' });
});

test('denies an absolutely expired session although it was in use until then', async () => {
  const { cookie } = await signIn('erin');
  // Used every 20 minutes: the idle expiry keeps moving, the absolute end does not.
  for (let minutes = 20; minutes * 60 < LIFETIME; minutes += 20) {
    offsetMs = minutes * 60_000;
    expect(await invoke([cookie])).toMatchObject({ isAuthorized: true });
  }
  expect(proxy.operations.filter((operation) => operation === 'UpdateItem').length).toBeGreaterThan(0);
  offsetMs = LIFETIME * 1000;
  expect(await invoke([cookie])).toEqual({ isAuthorized: false, context: {} });
  expect(lastLine()).toMatchObject({ outcome: 'refused', errorCode: 'session_expired' });
});

test('moves the idle expiry, as /api does: a session used within each idle period outlives the idle timeout', async () => {
  const { cookie } = await signIn('frank');
  offsetMs = (IDLE_TIMEOUT - 60) * 1000;
  expect(await invoke([cookie])).toMatchObject({ isAuthorized: true });
  expect(proxy.operations).toEqual(['GetItem', 'UpdateItem']);
  offsetMs = (2 * IDLE_TIMEOUT - 120) * 1000;
  expect(await invoke([cookie])).toMatchObject({ isAuthorized: true });
});

describe('a store outage never authorizes: the invocation fails (API Gateway answers 500) and the session stays', () => {
  test.each([
    ['DynamoDB answers 500', { status: 500, errorType: 'InternalServerError' }, 'store_unavailable'],
    ['DynamoDB throttles', { status: 400, errorType: 'ThrottlingException' }, 'store_unavailable'],
    ['DynamoDB does not answer', { delayMs: 10_000 }, 'store_timeout'],
  ] as const)('%s', async (_name, fault, code) => {
    const { cookie } = await signIn('grace');
    proxy.fail('GetItem', fault);
    const started = Date.now();
    await expect(invoke([cookie])).rejects.toThrow(new RegExp(`^${code}$`));
    expect(Date.now() - started).toBeLessThan(STORE_DEADLINE_MS * 2 + 3_000);
    expect(lastLine()).toMatchObject({ level: 'ERROR', route: 'authorizer', outcome: 'failed', errorCode: code });
    proxy.fail('GetItem', undefined);
    expect(await invoke([cookie])).toMatchObject({ isAuthorized: true });
  });
});

test('no log line of the authorizer holds a session cookie, a store key or a sid', async () => {
  const { browser, cookie, key } = await signIn('heidi');
  await invoke([cookie]);
  await invoke([cookie, cookie]);
  const { sid } = (await browser.get('/session')).json<{ sid: string }>();
  const authorizerLines = capturedLogLines().filter((line) => line.includes('"route":"authorizer"'));
  expect(authorizerLines.length).toBeGreaterThan(10);
  for (const line of authorizerLines) {
    for (const secret of [cookie.split('=')[1]!, key, sid]) expect(line).not.toContain(secret);
    expect(line).not.toMatch(/__Host-session|cookie/i);
  }
});
