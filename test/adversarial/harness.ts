/**
 * The service as an attacker meets it: the shared harness (test/support/harness.ts) with the
 * test-only misbehaving provider, and the attacker's tools (raw requests, the error-page shape,
 * the path traversals every API must refuse). One harness per test file; the handlers read the
 * settings from the environment on first use.
 */
import { request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { startService } from '../support/harness';
import type { MisbehavingProvider } from '../support/misbehaving-provider';
import type { RecordingUpstream } from '../support/recording-upstream';
import type { TestBrowser, TestResponse } from '../support/test-browser';

/** Paths after `/api/` (or after an API's name) that would leave the API's base path: each must be refused. */
export const PATH_TRAVERSALS = [
  '..', '../admin', '%2e%2e/admin', '.%2E/admin', '%2E./admin', 'a/..%2f..%2fadmin', 'a/%2e%2e%2f%2e%2e%2fadmin',
  '.', 'a/./b', 'a%2fb', 'a%2Fb', 'a%5cb', '%5c%5cevil.example/x', 'a%5C..%5C..%5Cadmin',
  '%00', 'a%0d%0aHost:%20evil.example', 'a%09b', '%7f', `${'a/'.repeat(2100)}x`,
  // What Tomcat, Jetty, Spring, IIS, Unicode folding or whitespace trimming read as `..` or `//`.
  '..;/admin', '%2e%2e;/admin', '..%3B/admin', 'a;jsessionid=x/../../admin', '%252e%252e/admin',
  '%EF%BC%8E%EF%BC%8E/admin', '..%20/admin', '.../admin', 'a//b',
] as const;

/** The service with the misbehaving provider, as every adversarial file meets it. */
export interface Harness {
  readonly baseUrl: string;
  readonly provider: MisbehavingProvider;
  readonly upstream: RecordingUpstream;
  readonly tableName: string;
  browser(): TestBrowser;
  /** /login (returning to `/home` unless told) in `browser`, then the provider's approval: the callback URL, not yet visited. */
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

/** `startService` (test/support/harness.ts) with the misbehaving provider and `extraEnv` as settings. */
export async function startHarness(extraEnv: Record<string, string> = {}): Promise<Harness> {
  const service = await startService({ provider: { kind: 'misbehaving' }, env: extraEnv });
  return {
    baseUrl: service.baseUrl,
    provider: service.provider,
    upstream: service.upstream,
    tableName: service.tableName,
    browser: () => service.browser(),
    authorize: (browser, { returnTo = '/home', user } = {}) => service.authorize(browser, { returnTo, ...(user === undefined ? {} : { user }) }),
    callback: (browser, url) => service.callback(browser, url),
    signIn: (user) => service.signIn(user, { returnTo: '/home' }),
    sessionCount: () => service.sessionCount(),
    items: () => service.items(),
    close: () => service.close(),
  };
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
