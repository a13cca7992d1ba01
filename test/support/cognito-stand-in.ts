/**
 * TEST ONLY. A stand-in for an Amazon Cognito user pool, as far as the service meets one, following
 * Cognito's documentation:
 * - the issuer is the user pool's (`https://cognito-idp.<region>.amazonaws.com/<user pool id>` on
 *   AWS; here `<origin>/<user pool id>`), whose discovery document lists the managed login
 *   endpoints: /oauth2/authorize, /oauth2/token, /oauth2/revoke as `revocation_endpoint` and /logout
 *   as `end_session_endpoint` (https://docs.aws.amazon.com/cognito/latest/developerguide/federation-endpoints.html);
 * - GET /logout takes `client_id` and `logout_uri`, signs the user out and redirects to `logout_uri`
 *   when it is one of the app client's allowed sign-out URLs, adding nothing to it
 *   (https://docs.aws.amazon.com/cognito/latest/developerguide/logout-endpoint.html). Without
 *   `logout_uri` it takes the request for its sign-in-again form (`redirect_uri`, `response_type`),
 *   which then lacks its parameters: the user ends on Cognito's error page, as with an RP-Initiated
 *   Logout request's `post_logout_redirect_uri`; a `logout_uri` that is not allowed ends there too
 *   (`error=redirect_mismatch`);
 * - POST /oauth2/revoke takes a refresh token, with client_secret_basic, and revokes it and the
 *   access tokens issued with it; an access token is answered 400 `unsupported_token_type`, an
 *   unknown token 200 (https://docs.aws.amazon.com/cognito/latest/developerguide/revocation-endpoint.html).
 * Sign-in approves at once (PKCE S256 required, the user is `login_hint`). Never run it outside tests.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import { forgeIdToken, newSigningKey } from './forged-id-token';
import { closeServer, listenOnLoopbackUrl, readWholeBody } from './http-server';

/** The user pool id, in the form Cognito gives them: `<region>_<id>`. */
export const STAND_IN_USER_POOL = 'eu-west-1_StandIn01';

export interface CognitoStandIn {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Every request to /oauth2/revoke, with the status it was answered. */
  readonly revocations: Array<{ readonly token: string; readonly hint: string | null; readonly status: number }>;
  /** The query of every request to /logout. */
  readonly logouts: URLSearchParams[];
  /** The app client's allowed sign-out URLs. */
  readonly allowedSignOutUrls: string[];
  /** The access tokens issued, oldest first. */
  readonly accessTokens: readonly string[];
  /** Whether an access token still works at Cognito (its APIs, userInfo): not once its refresh token is revoked. */
  accessTokenValid(token: string): boolean;
  /** An authorization request approved for `user`: the redirect URI with the code. */
  approve(authorizeUrl: string, user: string): Promise<string>;
  close(): Promise<void>;
}

interface Grant {
  readonly sub: string;
  readonly refreshToken: string;
  revoked: boolean;
}

export async function startCognitoStandIn(options: { allowedSignOutUrls?: readonly string[] } = {}): Promise<CognitoStandIn> {
  // Cognito's client ids and secrets are alphanumeric.
  const clientId = `standin${randomBytes(8).toString('hex')}`;
  const clientSecret = randomBytes(24).toString('hex');
  const keys = { current: await newSigningKey(), unpublished: await newSigningKey() };
  const codes = new Map<string, { redirectUri: string; challenge: string; nonce?: string; sub: string }>();
  const grants = new Map<string, Grant>(); // by refresh token
  const accessTokens = new Map<string, Grant>();
  const revocations: CognitoStandIn['revocations'] = [];
  const logouts: URLSearchParams[] = [];
  const allowedSignOutUrls = [...(options.allowedSignOutUrls ?? [])];
  let origin = '';
  const issuer = () => `${origin}/${STAND_IN_USER_POOL}`;
  const basicOk = (header: string | undefined) => header === `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;

  const tokens = async (res: ServerResponse, grant: Grant, nonce?: string) => {
    const accessToken = randomBytes(32).toString('base64url');
    accessTokens.set(accessToken, grant);
    const idToken = await forgeIdToken(undefined, { issuer: issuer(), clientId, clientSecret, sub: grant.sub, nonce }, keys);
    send(res, 200, { access_token: accessToken, id_token: idToken, refresh_token: grant.refreshToken, token_type: 'Bearer', expires_in: 3600 });
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin);
    void (async () => {
      const form = new URLSearchParams((await readWholeBody(req)).toString('utf8'));
      if (url.pathname === `/${STAND_IN_USER_POOL}/.well-known/openid-configuration`) {
        send(res, 200, {
          issuer: issuer(), authorization_endpoint: `${origin}/oauth2/authorize`, token_endpoint: `${origin}/oauth2/token`,
          userinfo_endpoint: `${origin}/oauth2/userInfo`, jwks_uri: `${issuer()}/.well-known/jwks.json`, end_session_endpoint: `${origin}/logout`,
          revocation_endpoint: `${origin}/oauth2/revoke`, response_types_supported: ['code', 'token'], subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'], token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
          scopes_supported: ['openid', 'email', 'phone', 'profile'],
        });
      } else if (url.pathname === `/${STAND_IN_USER_POOL}/.well-known/jwks.json`) {
        send(res, 200, { keys: [keys.current.publicJwk] });
      } else if (url.pathname === '/oauth2/authorize') {
        const p = url.searchParams;
        if (p.get('client_id') !== clientId || p.get('code_challenge_method') !== 'S256' || !p.get('redirect_uri')) return send(res, 400, { error: 'invalid_request' });
        const code = randomBytes(24).toString('base64url');
        codes.set(code, { redirectUri: p.get('redirect_uri')!, challenge: p.get('code_challenge') ?? '', nonce: p.get('nonce') ?? undefined, sub: p.get('login_hint') ?? 'user' });
        const target = new URL(p.get('redirect_uri')!);
        target.searchParams.set('code', code);
        if (p.get('state') !== null) target.searchParams.set('state', p.get('state')!);
        res.writeHead(302, { location: target.href }).end();
      } else if (url.pathname === '/oauth2/token' && req.method === 'POST') {
        if (!basicOk(req.headers.authorization)) return send(res, 400, { error: 'invalid_client' });
        if (form.get('grant_type') === 'refresh_token') {
          const grant = grants.get(form.get('refresh_token') ?? '');
          return grant && !grant.revoked ? tokens(res, grant) : send(res, 400, { error: 'invalid_grant' });
        }
        const issued = codes.get(form.get('code') ?? '');
        codes.delete(form.get('code') ?? '');
        const verified = createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url') === issued?.challenge;
        if (!issued || !verified || issued.redirectUri !== form.get('redirect_uri')) return send(res, 400, { error: 'invalid_grant' });
        const grant: Grant = { sub: issued.sub, refreshToken: randomBytes(32).toString('base64url'), revoked: false };
        grants.set(grant.refreshToken, grant);
        await tokens(res, grant, issued.nonce);
      } else if (url.pathname === '/oauth2/revoke' && req.method === 'POST') {
        const token = form.get('token') ?? '';
        const status = !basicOk(req.headers.authorization) ? 401 : !token ? 400 : accessTokens.has(token) ? 400 : 200;
        revocations.push({ token, hint: form.get('token_type_hint'), status });
        const grant = grants.get(token);
        if (status === 200 && grant) grant.revoked = true;
        if (status === 200) res.writeHead(200).end();
        else send(res, status, { error: status === 401 ? 'invalid_client' : token ? 'unsupported_token_type' : 'invalid_request' });
      } else if (url.pathname === '/logout') {
        logouts.push(url.searchParams);
        const logoutUri = url.searchParams.get('logout_uri');
        const error = url.searchParams.get('client_id') !== clientId ? 'invalid_request'
          : logoutUri === null ? 'Required parameters missing' : !allowedSignOutUrls.includes(logoutUri) ? 'redirect_mismatch' : undefined;
        res.writeHead(302, { location: error ? `${origin}/error?${new URLSearchParams({ error, client_id: clientId })}` : logoutUri! }).end();
      } else if (url.pathname === '/error') {
        res.writeHead(400, { 'content-type': 'text/html' }).end('<h1>An error was encountered with the requested page.</h1>');
      } else {
        send(res, 404, { error: 'not_found' });
      }
    })().catch(() => {
      if (!res.headersSent) send(res, 500, { error: 'server_error' });
    });
  });
  origin = await listenOnLoopbackUrl(server);

  return {
    issuer: issuer(), clientId, clientSecret, revocations, logouts, allowedSignOutUrls,
    get accessTokens() {
      return [...accessTokens.keys()];
    },
    accessTokenValid: (token) => accessTokens.has(token) && !accessTokens.get(token)!.revoked,
    async approve(authorizeUrl, user) {
      const url = new URL(authorizeUrl);
      url.searchParams.set('login_hint', user);
      const answer = await fetch(url, { redirect: 'manual' });
      if (answer.status !== 302) throw new Error(`authorize answered ${answer.status}`);
      return answer.headers.get('location')!;
    },
    close: () => closeServer(server),
  };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}
