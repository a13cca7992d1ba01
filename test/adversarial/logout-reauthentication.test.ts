/**
 * Logging out means it (OpenID Connect Core 1.0 §3.1.2.1, `prompt=login`), even when the
 * service's session had already expired: the provider's own session (oidc-provider, the certified OpenID provider, with its cookies kept as a browser keeps
 * them) must not sign the user back in silently at the next /login. After any logout the browser
 * carries `__Host-signed-out`, and the next authorization request asks for `prompt=login`
 * (OpenID Connect Core 1.0 §3.1.2.1: the provider must prompt for reauthentication), which the
 * provider honours by showing its login page again. That sign-in clears the mark.
 */
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { clearCookie, SIGNED_OUT_COOKIE } from '../../functions/adapters/api-gateway/cookies';
import { hashToken } from '../../functions/core/opaque-tokens';
import type { DevProvider } from '../../local/dev-idp';
import { CookieJar, completeDevLogin } from '../support/dev-idp-login';
import { dynamoDbClient, dynamoDbLocalEndpoint } from '../support/dynamodb-local';
import { startService, type Service } from '../support/harness';
import { pathAndQuery, TestBrowser } from '../support/test-browser';

const CLIENT_ID = 'reauthentication-client';
const CLIENT_SECRET = 'reauthentication-secret-value-long-enough';

let service: Service<DevProvider>;
let tableName: string;
let baseUrl: string;

beforeAll(async () => {
  service = await startService({ provider: { kind: 'dev', clientId: CLIENT_ID, clientSecret: CLIENT_SECRET } });
  ({ tableName, baseUrl } = service);
});

afterAll(() => service?.close());

/** /login in `browser`, then the provider with `jar` (its cookies: its own session); returns what the provider asked and the callback's answer. */
async function signIn(browser: TestBrowser, jar: CookieJar) {
  const login = await browser.get('/login');
  expect(login.status).toBe(302);
  const authorize = new URL(login.location!);
  const { callbackUrl, prompts } = await completeDevLogin(authorize.href, 'ada', jar);
  const callback = await browser.get(pathAndQuery(callbackUrl));
  expect(callback.status).toBe(302);
  return { prompt: authorize.searchParams.get('prompt'), prompts, callback };
}

/** Time passing for the service only: the session's idle expiry is in the past, the provider's session lives on. */
async function expireSession(browser: TestBrowser): Promise<void> {
  const client = dynamoDbClient(dynamoDbLocalEndpoint());
  await client.send(new UpdateItemCommand({
    TableName: tableName,
    Key: { pk: { S: `session#${hashToken(browser.cookies.get('__Host-session')!)}` } },
    UpdateExpression: 'SET expiresAt = :past',
    ExpressionAttributeValues: { ':past': { N: String(Math.floor(Date.now() / 1000) - 1) } },
  }));
  client.destroy();
}

test('without a logout, the provider\'s session signs the user in again silently (the behaviour the mark exists to stop)', async () => {
  const jar = new CookieJar();
  const first = await signIn(new TestBrowser(baseUrl), jar);
  expect(first.prompts).toContain('login');
  const again = await signIn(new TestBrowser(baseUrl), jar);
  expect(again.prompt).toBeNull();
  expect(again.prompts).not.toContain('login');
});

test('a logout after the service\'s session expired: the next sign-in asks the provider to authenticate afresh, and it does', async () => {
  const jar = new CookieJar();
  const browser = new TestBrowser(baseUrl);
  await signIn(browser, jar);
  await expireSession(browser);
  expect((await browser.get('/session')).status).toBe(401);

  // The user's page has no sid to give (its session is gone): logout still leaves its mark.
  const logout = await browser.get('/logout');
  expect(logout.status).toBe(302);
  expect(logout.setCookies.some((line) => line.startsWith(`${SIGNED_OUT_COOKIE}=1;`) && /Max-Age=\d{6,}/.test(line))).toBe(true);

  const next = await signIn(browser, jar);
  expect(next.prompt).toBe('login');
  expect(next.prompts).toContain('login');
  // That sign-in clears the mark: the one after it is an ordinary one again.
  expect(next.callback.setCookies).toContain(clearCookie(SIGNED_OUT_COOKIE));
  expect((await signIn(browser, jar)).prompt).toBeNull();
});

test('a logout of a live session leaves the same mark (for providers without RP-initiated logout)', async () => {
  const jar = new CookieJar();
  const browser = new TestBrowser(baseUrl);
  await signIn(browser, jar);
  const sid = JSON.parse((await browser.get('/session')).text).sid as string;
  const logout = await browser.get(`/logout?sid=${encodeURIComponent(sid)}`);
  expect(logout.status).toBe(302);
  expect(browser.cookies.get(SIGNED_OUT_COOKIE)).toBe('1');
  expect((await browser.get('/login')).location).toContain('prompt=login');
});
