/**
 * Logout at Amazon Cognito, against a stand-in of a user pool (test/support/cognito-stand-in.ts)
 * that follows Cognito's documentation of its /logout endpoint
 * (https://docs.aws.amazon.com/cognito/latest/developerguide/logout-endpoint.html: `client_id` and
 * `logout_uri`, one of the app client's allowed sign-out URLs) and of its revocation endpoint
 * (https://docs.aws.amazon.com/cognito/latest/developerguide/revocation-endpoint.html: refresh
 * tokens only, `unsupported_token_type` for anything else). Its discovery document lists both as
 * `end_session_endpoint` and `revocation_endpoint`, as Cognito's does. The logout lands back on the
 * site at the returnTo given, and the revocation is no failure.
 */
import { LOGOUT_COOKIE } from '../../functions/adapters/api-gateway/cookies';
import { startCognitoStandIn, type CognitoStandIn } from '../support/cognito-stand-in';
import { startService, type Service } from '../support/harness';
import type { ExternalProvider } from '../support/harness-provider';
import { capturedLogLines } from '../support/log-capture';
import { pathAndQuery, TestBrowser } from '../support/test-browser';

let cognito: CognitoStandIn;
let service: Service<ExternalProvider>;
let signOutUrl: string;

beforeAll(async () => {
  cognito = await startCognitoStandIn();
  service = await startService({ provider: { kind: 'external', issuer: cognito.issuer, clientId: cognito.clientId, clientSecret: cognito.clientSecret } });
  // The recipe's allowed sign-out URL (docs/providers.md): the PostLogoutRedirectUrl output.
  signOutUrl = `${service.baseUrl}/logout/done`;
  cognito.allowedSignOutUrls.push(signOutUrl);
});

afterAll(async () => {
  await service?.close();
  await cognito?.close();
});

async function signedIn(): Promise<TestBrowser> {
  const browser = service.browser();
  const login = await browser.get('/login');
  expect((await browser.get(pathAndQuery(await cognito.approve(login.location!, 'carol')))).status).toBe(302);
  return browser;
}

/** The browser at Cognito's /logout: where Cognito sends it. */
async function atCognito(url: string): Promise<URL> {
  const answer = await fetch(url, { redirect: 'manual' });
  return new URL(answer.headers.get('location')!, url);
}

test('logout goes to Cognito\'s /logout with client_id and logout_uri only, and lands back on the site at returnTo', async () => {
  const browser = await signedIn();
  const { logoutUrl } = (await browser.get('/session')).json<{ logoutUrl: string }>();
  const logout = await browser.get(`${logoutUrl}&returnTo=%2Fbye`);
  expect(logout.status).toBe(302);
  const toCognito = new URL(logout.location!);
  expect(`${toCognito.origin}${toCognito.pathname}`).toBe(`${new URL(cognito.issuer).origin}/logout`);
  expect([...toCognito.searchParams]).toEqual([['client_id', cognito.clientId], ['logout_uri', signOutUrl]]);
  expect(logout.setCookies.some((line) => line.startsWith(`${LOGOUT_COOKIE}=-.`))).toBe(true);

  const back = await atCognito(toCognito.href);
  // Cognito adds nothing to the allowed sign-out URL: no state comes back.
  expect(back.href).toBe(signOutUrl);
  const done = await browser.get(pathAndQuery(back.href));
  expect(done.status).toBe(302);
  expect(done.location).toBe('/bye');
  expect(browser.cookies.has(LOGOUT_COOKIE)).toBe(false);
  expect((await browser.get('/session')).status).toBe(401);
});

test('the stand-in is Cognito as documented: an RP-Initiated Logout request (post_logout_redirect_uri, state) ends on its error page', async () => {
  const rpInitiated = new URL(`${new URL(cognito.issuer).origin}/logout`);
  rpInitiated.search = new URLSearchParams({ client_id: cognito.clientId, post_logout_redirect_uri: signOutUrl, state: 'x'.repeat(43) }).toString();
  const landed = await atCognito(rpInitiated.href);
  expect(landed.pathname).toBe('/error');
  expect((await fetch(landed)).status).toBe(400);
});

test('revocation: the refresh token only, which Cognito revokes with its access tokens; no access token sent, no failure logged', async () => {
  const browser = await signedIn();
  const accessToken = cognito.accessTokens.at(-1)!;
  expect(cognito.accessTokenValid(accessToken)).toBe(true);
  const { logoutUrl } = (await browser.get('/session')).json<{ logoutUrl: string }>();
  const before = cognito.revocations.length;
  const linesBefore = capturedLogLines().length;
  expect((await browser.get(logoutUrl)).status).toBe(302);
  const sent = cognito.revocations.slice(before);
  expect(sent).toEqual([{ token: expect.any(String), hint: 'refresh_token', status: 200 }]);
  expect(cognito.accessTokenValid(accessToken)).toBe(false);
  const lines = capturedLogLines().slice(linesBefore).map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(lines.filter((line) => line.message === 'token revocation failed')).toEqual([]);
  expect(lines.filter((line) => line.level === 'WARN' || line.level === 'ERROR')).toEqual([]);
  expect(lines.find((line) => line.route === 'logout')).toMatchObject({ outcome: 'ok', status: 302 });
});

test('at Cognito the stateless return needs this browser\'s logout cookie: a return in another browser is refused', async () => {
  const browser = await signedIn();
  const { logoutUrl } = (await browser.get('/session')).json<{ logoutUrl: string }>();
  const back = await atCognito((await browser.get(logoutUrl)).location!);
  const other = new TestBrowser(service.baseUrl);
  const refused = await other.get(pathAndQuery(back.href));
  expect(refused.status).toBe(400);
  expect(refused.text).toContain('Error code: logout_state_invalid');
  expect((await browser.get(pathAndQuery(back.href))).location).toBe('/');
});
