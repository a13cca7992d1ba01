/**
 * The service as an attacker meets it: the shared harness (test/support/harness.ts) with the
 * test-only misbehaving provider, and the attacker's tools (raw requests, sessions as raw cookie
 * lines, the error-page shape, the path traversals every API must refuse and the odd paths it must
 * forward as spelled). One harness per test file; the handlers read the settings from the
 * environment on first use.
 */
import { request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import { startService, type MisbehavingProviderChoice, type Service, type ServiceOptions } from '../support/harness';
import type { MisbehavingProvider } from '../support/misbehaving-provider';
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

/**
 * Odd but harmless spellings after `/api/` (or after an API's name): each is forwarded as spelled,
 * below the API's URL and to its host only.
 */
export const HARMLESS_ODD_PATHS = [
  'http:evil.example/x', '@evil.example', '%40evil.example', '%40', 'a@b', 'items:batchGet', 'items/', 'items%3Fx=1',
  'items%23frag', 'a.b/.a/a..', 'a%20b', 'caf%C3%A9', 'beta/x',
] as const;

/** The header every /api call needs besides the session cookie. */
export const CSRF_HEADER: [string, string] = ['x-csrf', '1'];

/**
 * The service with the misbehaving provider, as every adversarial file meets it: the shared
 * harness's service (test/support/harness.ts), where /login returns to `/home` unless told.
 */
export type Harness = Pick<
  Service<MisbehavingProvider>,
  'baseUrl' | 'provider' | 'upstream' | 'upstreams' | 'tableName' | 'browser' | 'authorize' | 'callback' | 'signIn' | 'sessionCount' | 'items' | 'close'
>;

/** What a file may ask of the service besides the misbehaving provider: settings, and more recording upstreams by name. */
export type HarnessOptions = Pick<ServiceOptions<MisbehavingProviderChoice>, 'env' | 'upstreams'>;

const startMisbehaving = (options: HarnessOptions) => startService({ provider: { kind: 'misbehaving' }, ...options });

/** `startService` (test/support/harness.ts) with the misbehaving provider and `extraEnv` as settings. */
export async function startHarness(extraEnv: Record<string, string> = {}): Promise<Harness> {
  const service = await startMisbehaving({ env: extraEnv });
  return harnessOf(() => service);
}

/**
 * The harness of one test file: started in a `beforeAll` (after the file's earlier ones, so `env`
 * may name what they started), closed after the file's tests, and the parts in `reset` reset
 * after each test. The handle is usable in the file's later hooks and in its tests.
 */
export function harnessForFile(options: HarnessOptions & { reset?: ReadonlyArray<'provider' | 'upstream'> } = {}): Harness {
  const { reset = [], ...serviceOptions } = options;
  let service: Service<MisbehavingProvider> | undefined;
  const running = () => {
    if (!service) throw new Error('the harness starts in beforeAll');
    return service;
  };
  beforeAll(async () => {
    service = await startMisbehaving(serviceOptions);
  });
  afterAll(() => service?.close());
  if (reset.length > 0) {
    afterEach(() => {
      for (const part of reset) running()[part].reset();
    });
  }
  return harnessOf(running);
}

function harnessOf(service: () => Service<MisbehavingProvider>): Harness {
  return {
    get baseUrl() { return service().baseUrl; },
    get provider() { return service().provider; },
    get upstream() { return service().upstream; },
    get upstreams() { return service().upstreams; },
    get tableName() { return service().tableName; },
    browser: () => service().browser(),
    authorize: (browser, options = {}) => service().authorize(browser, { ...options, returnTo: options.returnTo ?? '/home' }),
    callback: (browser, url) => service().callback(browser, url),
    signIn: (user, options = {}) => service().signIn(user, { ...options, returnTo: options.returnTo ?? '/home' }),
    sessionCount: () => service().sessionCount(),
    items: () => service().items(),
    close: () => service().close(),
  };
}

/** A fresh session of `user` as the raw header line that carries it. */
export async function sessionCookieHeader(h: Harness, user: string): Promise<[string, string]> {
  return ['cookie', `__Host-session=${(await h.signIn(user)).cookies.get('__Host-session')}`];
}

/** A session of `user` whose access token is already due for renewal, so its next /api call refreshes. */
export async function sessionDueForRefresh(h: Harness, user: string): Promise<TestBrowser> {
  h.provider.misbehave({ expiresIn: 0 });
  const browser = await h.signIn(user);
  h.provider.reset();
  return browser;
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
