/**
 * Every dependency down, slow or erroring: the service answers a clear 5xx quickly, creates no
 * session and never a half-written one. The handlers are the real ones, wired with adapters
 * pointed at dead, silent or failing endpoints on 127.0.0.1. Secrets Manager failing is the
 * hand-written endpoint (test/support/secrets-manager-endpoint.ts), not moto, which cannot be made
 * to answer a 500.
 */
import { createServer as createTcpServer, type Server as TcpServer, type Socket } from 'node:net';
import { createServer, type Server } from 'node:http';
import { SecretsManagerClientSecret, type ClientSecretSource } from '../../functions/adapters/secrets-manager/client-secret';
import { parseKeyring } from '../../functions/adapters/encryption/keyring';
import { staticSecret } from '../../functions/adapters/secrets-manager/secrets-manager-secret';
import { KeyringTokenVault } from '../../functions/adapters/encryption/token-vault';
import { tokenContext } from '../../functions/core/sessions/session-tokens';
import { OAuthIdentityProvider } from '../support/oauth-identity-provider';
import { MAX_UPSTREAM_BODY_BYTES } from '../../functions/adapters/upstream/upstream-http';
import { systemClock } from '../../functions/core/ports';
import { hashToken, randomToken } from '../../functions/core/opaque-tokens';
import { startService, type Service } from '../support/harness';
import type { ExternalProvider } from '../support/harness-provider';
import { closeServer, listenOnLoopbackUrl } from '../support/http-server';
import { secretsManagerClient, startSecretsManagerEndpoint, type SecretsManagerEndpoint } from '../support/secrets-manager-endpoint';
import type { RecordingUpstream } from '../support/recording-upstream';
import type { TestBrowser } from '../support/test-browser';
import { secretsApiAt } from '../support/secrets-manager-endpoint';

const TIMEOUT_MS = 400;

/** Accepts connections and never answers: the slow dependency. */
async function startSilentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: TcpServer = createTcpServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}

/** An OpenID provider whose discovery works and whose token endpoint always fails with 500. */
async function startBrokenTokenEndpoint(): Promise<{ issuer: string; server: Server }> {
  let issuer = '';
  const server = createServer((req, res) => {
    if (req.url === '/.well-known/openid-configuration') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({
        issuer,
        authorization_endpoint: `${issuer}/authorize`,
        token_endpoint: `${issuer}/token`,
        jwks_uri: `${issuer}/jwks`,
        authorization_response_iss_parameter_supported: true,
      }));
      return;
    }
    req.resume();
    res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
  });
  issuer = await listenOnLoopbackUrl(server);
  return { issuer, server };
}

const DEAD_URL = 'http://127.0.0.1:9'; // the discard port: nothing listens there

let service: Service<ExternalProvider>;
let silent: { url: string; close(): Promise<void> };
let broken: { issuer: string; server: Server };
let secrets: SecretsManagerEndpoint;
let upstream: RecordingUpstream;

beforeAll(async () => {
  silent = await startSilentServer();
  broken = await startBrokenTokenEndpoint();
  secrets = await startSecretsManagerEndpoint({ client: 'the-secret' });
  service = await startService({
    provider: { kind: 'external', issuer: broken.issuer, clientId: 'client', clientSecret: 'unused' },
    settingsVia: 'config',
    upstream: { path: '' },
    env: { PROVIDER_TIMEOUT_MS: String(TIMEOUT_MS), UPSTREAM_TIMEOUT_MS: String(TIMEOUT_MS), STORE_TIMEOUT_MS: String(TIMEOUT_MS) },
  });
  ({ upstream } = service);
});

afterAll(async () => {
  await service?.close();
  await silent?.close();
  if (broken) await closeServer(broken.server);
  await secrets?.close();
});

interface Wiring {
  dynamodbEndpoint?: string;
  issuer?: string;
  upstreamUrl?: string;
  secret?: ClientSecretSource;
}

/** The real AES-GCM vault, with the test run's keyring (test/support/env.ts). */
const vault = new KeyringTokenVault(staticSecret(parseKeyring(process.env.SESSION_KEYS)));

/** The service on a server of its own, with each dependency pointed where the test says. */
async function withDependencies(wiring: Wiring): Promise<TestBrowser> {
  const variant = await service.startVariant({
    env: {
      ...(wiring.issuer ? { OAUTH_ISSUER: wiring.issuer } : {}),
      ...(wiring.upstreamUrl ? { UPSTREAM_API_URL: wiring.upstreamUrl } : {}),
      ...(wiring.dynamodbEndpoint ? { DYNAMODB_ENDPOINT: wiring.dynamodbEndpoint } : {}),
    },
    parts: (config) => ({
      ...(wiring.secret ? { provider: new OAuthIdentityProvider(config, wiring.secret) } : {}),
      refreshTiming: { leaseMs: 30_000, waitMs: TIMEOUT_MS },
    }),
  });
  return variant.browser();
}

/** A signed-in browser: the session is written straight into DynamoDB Local. */
async function withSession(browser: TestBrowser): Promise<TestBrowser> {
  const token = randomToken();
  const key = hashToken(token);
  const now = Math.floor(Date.now() / 1000);
  await service.store.create(key, {
    sid: randomToken(16), claims: { sub: 'u1' }, sealedTokens: await vault.seal({ accessToken: 'at' }, tokenContext(key)),
    createdAt: now, expiresAt: now + 3600, idleExpiresAt: now + 1800, accessTokenExpiresAt: now + 3600, version: 1,
  });
  browser.cookies.set('__Host-session', token);
  return browser;
}

async function timed<T>(work: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = Date.now();
  const result = await work();
  return { result, ms: Date.now() - started };
}

const sessionCount = () => service.sessionCount();

describe('DynamoDB', () => {
  test('unreachable: 503 store_unavailable', async () => {
    const browser = await withSession(await withDependencies({ dynamodbEndpoint: DEAD_URL }));
    const { result, ms } = await timed(() => browser.get('/session'));
    expect(result.status).toBe(503);
    expect(result.json().error).toBe('store_unavailable');
    expect(ms).toBeLessThan(3000);
  });

  test('not answering: 504 store_timeout within the configured deadline', async () => {
    const browser = await withSession(await withDependencies({ dynamodbEndpoint: silent.url }));
    const { result, ms } = await timed(() => browser.get('/api/x', { 'x-csrf': '1' }));
    expect(result.status).toBe(504);
    expect(result.json().error).toBe('store_timeout');
    expect(ms).toBeLessThan(TIMEOUT_MS + 1500);
    expect(upstream.requests).toHaveLength(0);
  });
});

describe('identity provider', () => {
  test('unreachable at /login: 503 provider_unavailable', async () => {
    const browser = await withDependencies({ issuer: DEAD_URL });
    const response = await browser.get('/login');
    expect(response.status).toBe(503);
    expect(response.text).toContain('provider_unavailable');
    expect(response.headers.get('content-type')).toContain('text/html');
  });

  test('not answering at /login: 504 provider_timeout', async () => {
    const browser = await withDependencies({ issuer: silent.url });
    const { result, ms } = await timed(() => browser.get('/login'));
    expect(result.status).toBe(504);
    expect(result.text).toContain('provider_timeout');
    expect(ms).toBeLessThan(TIMEOUT_MS + 1500);
  });

  test('token endpoint failing with 500: 503 at /callback and no session created', async () => {
    const browser = await withDependencies({});
    const login = await browser.get('/login');
    const state = new URL(login.location!).searchParams.get('state')!;
    const before = await sessionCount();
    const callback = await browser.get(`/callback?code=abc&state=${state}&iss=${encodeURIComponent(broken.issuer)}`);
    expect(callback.status).toBe(503);
    expect(callback.text).toContain('provider_unavailable');
    expect(await sessionCount()).toBe(before);
    expect(browser.cookies.has('__Host-session')).toBe(false);
  });
});

describe('identity provider at logout', () => {
  test('unreachable: the local session still ends, the cookie is cleared, the browser goes to returnTo', async () => {
    const browser = await withSession(await withDependencies({ issuer: DEAD_URL }));
    const token = browser.cookies.get('__Host-session')!;
    const { sid } = (await browser.get('/session')).json();
    const response = await browser.get(`/logout?sid=${encodeURIComponent(sid)}&returnTo=%2Fbye`);
    expect(response.status).toBe(302);
    expect(response.location).toBe('/bye');
    expect(response.setCookies).toEqual([expect.stringMatching(/^__Host-session=; .*Max-Age=0/), expect.stringMatching(/^__Host-signed-out=1; /)]);
    browser.cookies.set('__Host-session', token); // the old cookie no longer opens anything
    expect((await browser.get('/session')).status).toBe(401);
  });
});

describe('Secrets Manager', () => {
  test('unavailable when the code is redeemed: 503 secret_unavailable and no session', async () => {
    secrets.fail({ status: 500 });
    const secret = new SecretsManagerClientSecret(secretsApiAt(secrets.endpoint), 'client', 300, TIMEOUT_MS, systemClock);
    const browser = await withDependencies({ secret });
    const login = await browser.get('/login');
    const state = new URL(login.location!).searchParams.get('state')!;
    const before = await sessionCount();
    const callback = await browser.get(`/callback?code=abc&state=${state}&iss=${encodeURIComponent(broken.issuer)}`);
    secrets.fail(undefined);
    expect(callback.status).toBe(503);
    expect(callback.text).toContain('secret_unavailable');
    expect(callback.text).not.toContain('the-secret');
    expect(await sessionCount()).toBe(before);
  });
});

describe('upstream API', () => {
  test('unreachable: 503 upstream_unavailable', async () => {
    const browser = await withSession(await withDependencies({ upstreamUrl: DEAD_URL }));
    const response = await browser.get('/api/x', { 'x-csrf': '1' });
    expect(response.status).toBe(503);
    expect(response.json().error).toBe('upstream_unavailable');
  });

  test('not answering: 504 upstream_timeout within the deadline, and a POST is sent once only', async () => {
    const browser = await withSession(await withDependencies({}));
    upstream.reset();
    upstream.respondWith(() => ({ status: 200, body: 'late', delayMs: 5000 }));
    const { result, ms } = await timed(() => browser.request('/api/orders', { method: 'POST', headers: { 'x-csrf': '1' }, body: '{}' }));
    expect(result.status).toBe(504);
    expect(result.json().error).toBe('upstream_timeout');
    expect(ms).toBeLessThan(TIMEOUT_MS + 1500);
    expect(upstream.requests).toHaveLength(1);
    upstream.reset();
  });

  test('an answer larger than a Lambda response can carry: 502 upstream_bad_response', async () => {
    const browser = await withSession(await withDependencies({}));
    upstream.respondWith(() => ({ status: 200, headers: { 'content-type': 'application/octet-stream' }, body: Buffer.alloc(MAX_UPSTREAM_BODY_BYTES + 1) }));
    const response = await browser.get('/api/big', { 'x-csrf': '1' });
    upstream.reset();
    expect(response.status).toBe(502);
    expect(response.json().error).toBe('upstream_bad_response');
  });
});
