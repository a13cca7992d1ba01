/**
 * The service as an attacker meets it: the real handlers behind the local API Gateway server,
 * DynamoDB Local, a recording upstream API and the test-only misbehaving provider, all on 127.0.0.1.
 * One harness per test file; the handlers read the environment set here on first use.
 */
import { request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { startLocalServer, type LocalServer } from '../../local/server';
import { pathAndQuery, TestBrowser, type TestResponse } from '../support/test-browser';
import { createTestTable, dynamoDbClient, dynamoDbLocalEndpoint } from '../support/dynamodb-local';
import { freePort } from '../support/free-port';
import { startMisbehavingProvider, type MisbehavingProvider } from '../support/misbehaving-provider';
import { startRecordingUpstream, type RecordingUpstream } from '../support/recording-upstream';

/** Paths after `/api/` (or after an API's name) that would leave the API's base path: each must be refused. */
export const PATH_TRAVERSALS = [
  '..', '../admin', '%2e%2e/admin', '.%2E/admin', '%2E./admin', 'a/..%2f..%2fadmin', 'a/%2e%2e%2f%2e%2e%2fadmin',
  '.', 'a/./b', 'a%2fb', 'a%2Fb', 'a%5cb', '%5c%5cevil.example/x', 'a%5C..%5C..%5Cadmin',
  '%00', 'a%0d%0aHost:%20evil.example', 'a%09b', '%7f', `${'a/'.repeat(2100)}x`,
  // What Tomcat, Jetty, Spring, IIS, Unicode folding or whitespace trimming read as `..` or `//`.
  '..;/admin', '%2e%2e;/admin', '..%3B/admin', 'a;jsessionid=x/../../admin', '%252e%252e/admin',
  '%EF%BC%8E%EF%BC%8E/admin', '..%20/admin', '.../admin', 'a//b',
] as const;

export interface Harness {
  readonly baseUrl: string;
  readonly provider: MisbehavingProvider;
  readonly upstream: RecordingUpstream;
  readonly tableName: string;
  browser(): TestBrowser;
  /** /login in `browser`, then the provider's approval: the callback URL, not yet visited. */
  authorize(browser: TestBrowser, options?: { returnTo?: string; user?: string }): Promise<URL>;
  /** Visits the callback URL (an absolute URL from `authorize`, possibly tampered with). */
  callback(browser: TestBrowser, url: URL | string): Promise<TestResponse>;
  /** A browser with a fresh session of `user`. */
  signIn(user?: string): Promise<TestBrowser>;
  /** Session items in the table. */
  sessionCount(): Promise<number>;
  items(): Promise<Array<Record<string, { S?: string; N?: string }>>>;
  close(): Promise<void>;
}

export async function startHarness(extraEnv: Record<string, string> = {}): Promise<Harness> {
  const endpoint = dynamoDbLocalEndpoint();
  const tableName = await createTestTable(endpoint);
  const upstream = await startRecordingUpstream();
  const provider = await startMisbehavingProvider();
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  Object.assign(process.env, {
    OAUTH_ISSUER: provider.issuer,
    OAUTH_CLIENT_ID: provider.clientId,
    OAUTH_CLIENT_SECRET: provider.clientSecret,
    PUBLIC_BASE_URL: baseUrl,
    UPSTREAM_API_URL: `${upstream.url}/v1`,
    TABLE_NAME: tableName,
    DYNAMODB_ENDPOINT: endpoint,
    ...extraEnv,
  });
  const server: LocalServer = await startLocalServer({ port, demoPage: false });
  const client = dynamoDbClient(endpoint);

  const items = async () =>
    ((await client.send(new ScanCommand({ TableName: tableName, ConsistentRead: true }))).Items ?? []) as Array<Record<string, { S?: string; N?: string }>>;

  const harness: Harness = {
    baseUrl,
    provider,
    upstream,
    tableName,
    browser: () => new TestBrowser(baseUrl),
    async authorize(browser, options = {}) {
      const login = await browser.get(`/login?returnTo=${encodeURIComponent(options.returnTo ?? '/home')}`);
      if (login.status !== 302 || !login.location) throw new Error(`/login answered ${login.status}`);
      const authorizeUrl = new URL(login.location);
      authorizeUrl.searchParams.set('login_hint', options.user ?? 'user');
      const approved = await fetch(authorizeUrl, { redirect: 'manual' });
      const location = approved.headers.get('location');
      if (approved.status !== 302 || !location) throw new Error(`authorize answered ${approved.status}`);
      return new URL(location);
    },
    callback: (browser, url) => browser.get(pathAndQuery(typeof url === 'string' ? url : url.href)),
    async signIn(user = 'user') {
      const browser = harness.browser();
      const response = await harness.callback(browser, await harness.authorize(browser, { user }));
      if (response.status !== 302) throw new Error(`callback answered ${response.status}: ${response.text.slice(0, 200)}`);
      return browser;
    },
    sessionCount: async () => (await items()).filter((item) => item.pk?.S?.startsWith('session#')).length,
    items,
    async close() {
      await server.close();
      await provider.close();
      await upstream.close();
      client.destroy();
    },
  };
  return harness;
}

/** Asserts the shape of a refused browser-route answer: a plain page with the code and nothing reflected. */
export function expectErrorPage(response: TestResponse, status: number, code: string, notReflected: string[] = []): void {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
  expect(response.text).toContain(`Error code: ${code}`);
  expect(response.location).toBeUndefined();
  expect(response.setCookies.some((line) => line.startsWith('__Host-session=') && !/Max-Age=0/.test(line))).toBe(false);
  for (const value of notReflected) expect(response.text).not.toContain(value);
}

export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/**
 * A request sent exactly as written (fetch would normalise `%2e%2e`, refuse odd headers and add
 * its own): the path, each header line and the body go out byte for byte.
 */
export function rawRequest(
  baseUrl: string,
  options: { method?: string; path: string; headers?: Array<[string, string]>; body?: Buffer | string },
): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  const given = options.headers ?? [];
  const host: Array<[string, string]> = given.some(([name]) => name.toLowerCase() === 'host') ? [] : [['host', `${hostname}:${port}`]];
  const length: Array<[string, string]> = options.body === undefined ? [] : [['content-length', String(Buffer.byteLength(options.body))]];
  // Node takes raw header lines as one flat [name, value, name, value, ...] array: repeated names stay separate lines.
  const headers = [...host, ...length, ...given].flat() as unknown as OutgoingHttpHeaders;
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: hostname, port, method: options.method ?? 'GET', path: options.path, setHost: false, headers, insecureHTTPParser: true },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(options.body);
  });
}
