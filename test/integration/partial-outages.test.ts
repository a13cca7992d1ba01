/**
 * Failures in the middle of a request, which dependency-failures.test.ts (whole dependencies down)
 * does not reach: DynamoDB failing one operation while the others work, the provider's token or
 * key endpoint failing after /login worked, Secrets Manager down or slow, the API dropping or
 * stalling an answer. Each case answers 502, 503 or 504 well inside API Gateway's 30 s, creates no
 * session, loses or changes no existing one, and never sends a request to the API twice.
 * Secrets Manager is the hand-written endpoint (test/support/secrets-manager-endpoint.ts), not
 * moto: an outage or a slow answer has to be made on demand, and moto always answers at once.
 */
import { createServer, type Server } from 'node:http';
import { SecretsManagerClientSecret, type ClientSecretSource } from '../../functions/adapters/secrets-manager/client-secret';
import { OAuthIdentityProvider } from '../support/oauth-identity-provider';
import { systemClock } from '../../functions/core/ports';
import type { Config } from '../../functions/settings/config';
import { pathAndQuery, TestBrowser } from '../support/test-browser';
import { startDynamoDbFaultProxy, type DynamoDbFaultProxy } from '../support/dynamodb-fault-proxy';
import { dynamoDbLocalEndpoint } from '../support/dynamodb-local';
import { startService, type Service } from '../support/harness';
import { closeServer, listenOnLoopbackUrl } from '../support/http-server';
import type { MisbehavingProvider } from '../support/misbehaving-provider';
import type { RecordingUpstream } from '../support/recording-upstream';
import { secretsManagerClient, startSecretsManagerEndpoint, type SecretsManagerEndpoint } from '../support/secrets-manager-endpoint';
import { secretsApiAt } from '../support/secrets-manager-endpoint';

const DEADLINE_MS = 400;
/** DynamoDB Local answers its first calls slowly on a busy machine; the injected faults hold 5 s anyway. */
const STORE_DEADLINE_MS = 1500;
/** Far inside API Gateway's 30 s, with room for a loaded 2-core machine. */
const ANSWER_WITHIN_MS = STORE_DEADLINE_MS * 2 + 2000;

let service: Service<MisbehavingProvider>;
let proxy: DynamoDbFaultProxy;
let provider: MisbehavingProvider;
let upstream: RecordingUpstream;
let secrets: SecretsManagerEndpoint;

beforeAll(async () => {
  proxy = await startDynamoDbFaultProxy(dynamoDbLocalEndpoint());
  secrets = await startSecretsManagerEndpoint();
  // The real routes with short deadlines and the proxy in front of DynamoDB.
  service = await startService({
    provider: { kind: 'misbehaving' },
    settingsVia: 'config',
    upstream: { path: '' },
    storeEndpoint: proxy.endpoint,
    env: { PROVIDER_TIMEOUT_MS: String(DEADLINE_MS), UPSTREAM_TIMEOUT_MS: String(DEADLINE_MS), STORE_TIMEOUT_MS: String(STORE_DEADLINE_MS) },
    parts: { refreshTiming: { leaseMs: 30_000, waitMs: DEADLINE_MS } },
  });
  ({ provider, upstream } = service);
});
afterAll(async () => {
  await service?.close();
  await Promise.all([proxy?.close(), secrets?.close()]);
});
afterEach(() => {
  proxy.reset();
  provider.reset();
  upstream.reset();
  secrets.fail(undefined);
});

/** Another server of the service, with its own parts (no cached keys), the client secret from `secret` or the API at `upstreamUrl`. */
async function variant(secret?: ClientSecretSource, upstreamUrl?: string): Promise<{ browser: () => TestBrowser; url: string }> {
  return service.startVariant({
    ...(upstreamUrl ? { env: { UPSTREAM_API_URL: upstreamUrl } } : {}),
    ...(secret ? { parts: (config: Config) => ({ provider: new OAuthIdentityProvider(config, secret) }) } : {}),
  });
}

/** /login and the provider's approval: the callback path, not yet visited. */
async function authorize(browser: TestBrowser): Promise<string> {
  return pathAndQuery((await service.authorize(browser)).href);
}

async function timed<T>(work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await work();
  expect(Date.now() - started).toBeLessThan(ANSWER_WITHIN_MS);
  return result;
}

/** The callback while something fails: a clear 5xx in time, no session, the code sent to the provider `redeemed` times. */
async function expectFailedCallback(browser: TestBrowser, callback: string, status: number, code: string, redeemed: number) {
  const tokenRequests = provider.tokenRequests.length;
  const response = await timed(() => browser.get(callback));
  expect(response.status).toBe(status);
  expect(response.text).toContain(`Error code: ${code}`);
  expect(browser.cookies.has('__Host-session')).toBe(false);
  expect(provider.tokenRequests.length).toBe(tokenRequests + redeemed);
  return response;
}

beforeAll(async () => {
  await service.browser().get('/login'); // warm: SDK client, table and discovery
});

describe('DynamoDB failing one operation', () => {
  test.each([
    ['erroring (500)', { status: 500 }, 503, 'store_unavailable'],
    ['throttled', { status: 400, errorType: 'ThrottlingException' }, 503, 'store_unavailable'],
    ['not answering', { delayMs: 5000 }, 504, 'store_timeout'],
  ] as const)('session write %s after the code was redeemed: a clear 5xx, no session, the code redeemed once', async (_case, fault, status, code) => {
    const browser = service.browser();
    const callback = await authorize(browser);
    proxy.fail('PutItem', fault);
    await expectFailedCallback(browser, callback, status, code, 1);
    proxy.fail('PutItem', undefined);
    expect((await browser.get('/session')).status).toBe(401);
  });

  test('the login transaction cannot be written: 503 at /login, no binding cookie, nothing to redeem later', async () => {
    proxy.fail('PutItem', { status: 500 });
    const browser = service.browser();
    const response = await timed(() => browser.get('/login'));
    expect(response.status).toBe(503);
    expect(response.setCookies).toEqual([]);
  });

  test('the session cannot be ended at logout: 503, and the session is neither lost nor changed', async () => {
    const browser = service.browser();
    expect((await browser.get(await authorize(browser))).status).toBe(302);
    const before = (await browser.get('/session')).json();
    proxy.fail('UpdateItem', { status: 500 });
    const response = await timed(() => browser.get(before.logoutUrl));
    expect(response.status).toBe(503);
    expect(response.setCookies).toEqual([]);
    proxy.fail('UpdateItem', undefined);
    expect((await browser.get('/session')).json()).toEqual(before);
  });

  test('the session cannot be read at /api: 504, the API is not called, the session still works afterwards', async () => {
    const browser = service.browser();
    expect((await browser.get(await authorize(browser))).status).toBe(302);
    proxy.fail('GetItem', { delayMs: 5000 });
    const response = await timed(() => browser.get('/api/orders', { 'x-csrf': '1' }));
    expect(response.status).toBe(504);
    expect(upstream.requests).toHaveLength(0);
    proxy.fail('GetItem', undefined);
    expect((await browser.get('/api/orders', { 'x-csrf': '1' })).status).toBe(200);
  });
});

describe('the provider failing after /login worked', () => {
  test.each([
    ['token endpoint erroring (503)', { tokenEndpoint: { status: 503 } }, 503, 'provider_unavailable'],
    ['token endpoint not answering', { tokenEndpoint: { delayMs: 5000 } }, 504, 'provider_timeout'],
    ['key set (JWKS) erroring (503)', { jwksStatus: 503 }, 503, 'provider_unavailable'],
  ] as const)('%s: a clear 5xx, no session, the code sent once', async (_case, fault, status, code) => {
    const fresh = await variant(); // no cached keys
    const browser = fresh.browser();
    const callback = await authorize(browser);
    provider.misbehave(fault);
    await expectFailedCallback(browser, callback, status, code, 1);
  });
});

describe('Secrets Manager', () => {
  test.each([
    ['unreachable', async (): Promise<string> => 'http://127.0.0.1:9', 503, 'secret_unavailable'],
    ['not answering', async (): Promise<string> => {
      secrets.fail({ delayMs: 5000 });
      return secrets.endpoint;
    }, 504, 'secret_timeout'],
  ] as const)('%s when the code is redeemed: a clear 5xx and no session', async (_case, endpoint, status, code) => {
    secrets.setSecret('client', provider.clientSecret);
    const client = secretsApiAt(await endpoint());
    const browser = (await variant(new SecretsManagerClientSecret(client, 'client', 300, DEADLINE_MS, systemClock))).browser();
    const response = await expectFailedCallback(browser, await authorize(browser), status, code, 0);
    expect(response.text).not.toContain(provider.clientSecret);
  });
});

describe('the API failing mid-answer', () => {
  let browser: TestBrowser;
  beforeAll(async () => {
    browser = service.browser();
    expect((await browser.get(await authorize(browser))).status).toBe(302);
  });

  test('headers sent, then the body stalls: 504 upstream_timeout, the POST sent once', async () => {
    const stalling = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"partial":');
    });
    const stallingUrl = await listenOnLoopbackUrl(stalling);
    const received: string[] = [];
    stalling.on('request', (req) => received.push(req.method ?? ''));
    const direct = await variant(undefined, stallingUrl);
    try {
      const viaDirect = direct.browser();
      viaDirect.cookies.set('__Host-session', browser.cookies.get('__Host-session')!);
      const response = await timed(() => viaDirect.request('/api/orders', { method: 'POST', headers: { 'x-csrf': '1' }, body: '{}' }));
      expect(response.status).toBe(504);
      expect(response.json().error).toBe('upstream_timeout');
      expect(received).toEqual(['POST']);
    } finally {
      stalling.closeAllConnections();
      await closeServer(stalling as Server);
    }
  });

  test('the API answers 503 itself: passed through as its answer, not retried', async () => {
    upstream.respondWith(() => ({ status: 503, headers: { 'retry-after': '5' }, body: { error: 'busy' } }));
    const response = await browser.request('/api/orders', { method: 'POST', headers: { 'x-csrf': '1' }, body: '{}' });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(upstream.requests).toHaveLength(1);
  });
});
