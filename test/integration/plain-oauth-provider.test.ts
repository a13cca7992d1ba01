/**
 * A plain OAuth 2.0 provider without discovery and without ID tokens, in GitHub's style: explicit
 * endpoints, a token endpoint that answers form-encoded unless asked for JSON, and a user endpoint
 * with a numeric `id`. The provider here is a small stand-in server; the service is the real one.
 * It follows GitHub's documentation of the web application flow
 * (https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps: the token
 * answer form-encoded by default, JSON with `Accept: application/json`) and of the authenticated
 * user endpoint (https://docs.github.com/en/rest/users/users#get-the-authenticated-user).
 */
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { closeServer, listenOnLoopbackUrl, readWholeBody } from '../support/http-server';
import { startService, type Service } from '../support/harness';
import type { ExternalProvider } from '../support/harness-provider';
import type { RecordingUpstream } from '../support/recording-upstream';
import { TestBrowser } from '../support/test-browser';

const CLIENT_ID = 'plain-client';
const CLIENT_SECRET = 'plain-secret';

interface TokenRequest { contentType?: string; accept?: string; form: URLSearchParams }

let provider: Server;
let providerUrl: string;
let service: Service<ExternalProvider>;
let upstream: RecordingUpstream;
let baseUrl: string;
const issuedCodes = new Map<string, string>(); // code -> PKCE challenge
const tokenRequests: TokenRequest[] = [];

beforeAll(async () => {
  provider = createServer(async (req, res) => {
    const body = await readWholeBody(req);
    if (req.method === 'POST' && req.url === '/login/oauth/access_token') {
      const form = new URLSearchParams(body.toString());
      tokenRequests.push({ contentType: req.headers['content-type'], accept: req.headers.accept, form });
      const challenge = issuedCodes.get(form.get('code') ?? '');
      const verifier = form.get('code_verifier') ?? '';
      const ok = challenge !== undefined && createHash('sha256').update(verifier).digest('base64url') === challenge
        && form.get('client_id') === CLIENT_ID && form.get('client_secret') === CLIENT_SECRET;
      issuedCodes.delete(form.get('code') ?? '');
      const answer: Record<string, string> = ok ? { access_token: 'gho_plain_access_token', token_type: 'bearer', scope: 'read:user' } : { error: 'bad_verification_code' };
      if (req.headers.accept?.includes('application/json')) {
        // Like GitHub: errors come with HTTP 200 too.
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(answer));
      } else {
        res.writeHead(200, { 'content-type': 'application/x-www-form-urlencoded' }).end(new URLSearchParams(answer).toString());
      }
      return;
    }
    if (req.method === 'GET' && req.url === '/user') {
      const authorized = req.headers.authorization === 'Bearer gho_plain_access_token';
      res.writeHead(authorized ? 200 : 401, { 'content-type': 'application/json' });
      res.end(JSON.stringify(authorized ? { id: 4242, login: 'octocat', name: null, email: 'octo@example.test' } : { message: 'Bad credentials' }));
      return;
    }
    res.writeHead(404).end();
  });
  providerUrl = await listenOnLoopbackUrl(provider);
  service = await startService({
    provider: { kind: 'external', clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
    upstream: { path: '' },
    env: {
      OAUTH_AUTHORIZATION_ENDPOINT: `${providerUrl}/login/oauth/authorize`,
      OAUTH_TOKEN_ENDPOINT: `${providerUrl}/login/oauth/access_token`,
      OAUTH_USERINFO_ENDPOINT: `${providerUrl}/user`,
      OAUTH_SCOPES: 'read:user',
      OAUTH_CLIENT_AUTH_METHOD: 'client_secret_post',
    },
  });
  ({ upstream, baseUrl } = service);
});

afterAll(async () => {
  await service?.close();
  if (provider) await closeServer(provider);
});

test('signs in without discovery or ID token, with a form-encoded token request and client_secret_post', async () => {
  const browser = new TestBrowser(baseUrl);
  const login = await browser.get('/login?returnTo=/repos');
  const authorize = new URL(login.location!);
  expect(`${authorize.origin}${authorize.pathname}`).toBe(`${providerUrl}/login/oauth/authorize`);
  expect(authorize.searchParams.get('scope')).toBe('read:user');
  expect(authorize.searchParams.get('nonce')).toBeNull();
  expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
  issuedCodes.set('plain-code', authorize.searchParams.get('code_challenge')!);

  const callback = await browser.get(`/callback?code=plain-code&state=${encodeURIComponent(authorize.searchParams.get('state')!)}`);
  expect(callback.status).toBe(302);
  expect(callback.location).toBe('/repos');
  const tokenRequest = tokenRequests.at(-1)!;
  expect(tokenRequest.contentType).toBe('application/x-www-form-urlencoded;charset=UTF-8');
  expect(tokenRequest.accept).toContain('application/json');
  expect(tokenRequest.form.get('grant_type')).toBe('authorization_code');
  expect(tokenRequest.form.get('redirect_uri')).toBe(`${baseUrl}/callback`);

  const me = await browser.get('/session');
  expect(me.json()).toMatchObject({ sub: '4242', name: 'octocat', email: 'octo@example.test' });
  const api = await browser.get('/api/user/repos', { 'x-csrf': '1' });
  expect(api.status).toBe(200);
  expect(upstream.requests.at(-1)!.headers.authorization).toBe('Bearer gho_plain_access_token');
});

test('a rejected code ends in code_rejected and no session', async () => {
  const browser = new TestBrowser(baseUrl);
  const login = await browser.get('/login');
  const state = new URL(login.location!).searchParams.get('state')!;
  const callback = await browser.get(`/callback?code=never-issued&state=${encodeURIComponent(state)}`);
  expect(callback.status).toBe(400);
  expect(callback.text).toContain('code_rejected');
  expect(browser.cookies.has('__Host-session')).toBe(false);
});
