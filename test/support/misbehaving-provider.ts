/**
 * TEST ONLY. A small OpenID provider that can be told to break its answers in one chosen way, to
 * prove that the service refuses each broken answer (OpenID Connect Core 3.1.3.7, RFC 9700, RFC 9207).
 * It is correct by default: discovery, JWKS, an authorize endpoint that approves at once (the user
 * is `login_hint`, default `user`), and a token endpoint with client_secret_basic and PKCE S256.
 * It can also take the shape of a documented provider (an issuer with a path, the discovery
 * document's fields, ID token claims, Basic credentials read as sent, refresh tokens kept):
 * test/support/provider-profiles.ts names each provider's and cites its documents.
 * Never run it outside tests: it signs in anyone who asks.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { cancellableDelays, closeServer, listenOnLoopbackUrl, readWholeBody } from './http-server';
import { forgeIdToken, newSigningKey, type IdTokenFault, type SigningKey } from './forged-id-token';

export type { IdTokenFault };

export interface Misbehaviour {
  readonly idToken?: IdTokenFault;
  /** `iss` of the authorization response: another value, or null to leave it out. */
  readonly authorizationIss?: string | null;
  /** Redeem codes without checking the PKCE verifier (a provider that does not enforce PKCE). */
  readonly ignorePkce?: boolean;
  /** Redeem a code as often as asked (a provider that does not enforce one-time codes). */
  readonly reusableCodes?: boolean;
  /** The `issuer` the discovery document claims (an impersonation or mix-up attempt). */
  readonly discoveryIssuer?: string;
  /** The token endpoint answers with this status (and an error body), after `delayMs` if given. */
  readonly tokenEndpoint?: { readonly status?: number; readonly delayMs?: number };
  /** The JWKS endpoint answers with this status instead of the keys. */
  readonly jwksStatus?: number;
  /** The userinfo endpoint speaks about this subject instead of the token's. */
  readonly userinfoSub?: string;
  /** `expires_in` of issued access tokens (default 300); 0 makes the service refresh at its next call. */
  readonly expiresIn?: number;
  /** The ID token of a refresh response speaks about this subject. */
  readonly refreshSub?: string;
  /** Token responses carry no refresh token (RFC 6749 §5.1: it is optional). */
  readonly noRefreshToken?: boolean;
  /**
   * The token endpoint refuses the chosen grant with this RFC 6749 §5.2 error response (400, or
   * 401 with a Basic challenge for invalid_client), after checking the client as usual.
   */
  readonly tokenError?: { readonly grant: 'authorization_code' | 'refresh_token'; readonly error: string };
  /** Fields the discovery document has besides (or instead of) its own; `undefined` leaves one out. */
  readonly discovery?: Readonly<Record<string, unknown>>;
  /** Claims every ID token carries besides its own. */
  readonly idTokenClaims?: Readonly<Record<string, unknown>>;
  /** The Basic credentials are compared as sent, not form-decoded first (RFC 6749 §2.3.1 says decode). */
  readonly basicCredentialsAsSent?: boolean;
  /** Refresh answers carry no new refresh token: the one sent stays in use (RFC 6749 §6 allows either). */
  readonly keepRefreshToken?: boolean;
}

export interface TokenRequestRecord {
  readonly code: string;
  readonly codeVerifier: string;
  readonly redirectUri: string;
  readonly authorization: string;
}

export interface MisbehavingProvider {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** Token requests received, oldest first. */
  readonly tokenRequests: TokenRequestRecord[];
  /** How many times the JWKS was fetched. */
  readonly jwksRequests: number;
  /** The access token of the latest token response (login or refresh). */
  readonly lastAccessToken: string | undefined;
  /** Applies to every following answer until `reset`. */
  misbehave(next: Misbehaviour): void;
  /** A new signing key, published in the JWKS and used from now on (key rotation). */
  rotateKey(): Promise<void>;
  /** Back to correct answers; keys and counters stay. */
  reset(): void;
  close(): Promise<void>;
}

interface IssuedCode {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly challenge: string;
  readonly nonce?: string;
  readonly sub: string;
  used: boolean;
}

export interface MisbehavingProviderOptions {
  readonly clientId?: string;
  readonly clientSecret?: string;
  /** The issuer's path after the origin (`/realms/demo`, `/` for an issuer ending with a slash); its endpoints lie below it. */
  readonly issuerPath?: string;
}

export async function startMisbehavingProvider(options: MisbehavingProviderOptions = {}): Promise<MisbehavingProvider> {
  const clientId = options.clientId ?? 'hostile-test-client';
  const clientSecret = options.clientSecret ?? `client-secret-${randomBytes(24).toString('base64url')}`;
  const published: SigningKey[] = [await newSigningKey()];
  const unpublished = await newSigningKey();
  const codes = new Map<string, IssuedCode>();
  /** Access and refresh tokens to their subject, for the userinfo endpoint and refreshes. */
  const subjects = new Map<string, string>();
  const refreshTokens = new Map<string, string>();
  let lastAccessToken: string | undefined;
  const tokenRequests: TokenRequestRecord[] = [];
  let jwksRequests = 0;
  let fault: Misbehaviour = {};
  let issuer = '';
  /** Where the endpoints lie: the issuer without a trailing slash. */
  let base = '';
  const { delay, cancelAll } = cancellableDelays();

  const idToken = (code: { sub: string; nonce?: string }): Promise<string | undefined> =>
    forgeIdToken(fault.idToken, { issuer, clientId, clientSecret, sub: code.sub, nonce: code.nonce, extraClaims: fault.idTokenClaims }, { current: published.at(-1)!, unpublished });

  const authorize = (url: URL, res: ServerResponse): void => {
    const p = url.searchParams;
    const redirectUri = p.get('redirect_uri');
    if (p.get('client_id') !== clientId || !redirectUri || p.get('response_type') !== 'code' || p.get('code_challenge_method') !== 'S256') {
      send(res, 400, { error: 'invalid_request' });
      return;
    }
    const code = randomBytes(32).toString('base64url');
    codes.set(code, {
      clientId, redirectUri, challenge: p.get('code_challenge') ?? '', nonce: p.get('nonce') ?? undefined,
      sub: p.get('login_hint') ?? 'user', used: false,
    });
    const target = new URL(redirectUri);
    target.searchParams.set('code', code);
    if (p.get('state') !== null) target.searchParams.set('state', p.get('state')!);
    const iss = fault.authorizationIss === undefined ? issuer : fault.authorizationIss;
    if (iss !== null) target.searchParams.set('iss', iss);
    res.writeHead(302, { location: target.href }).end();
  };

  const token = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const form = new URLSearchParams((await readWholeBody(req)).toString('utf8'));
    const authorization = req.headers.authorization ?? '';
    const record = {
      code: form.get('code') ?? '', codeVerifier: form.get('code_verifier') ?? '', redirectUri: form.get('redirect_uri') ?? '', authorization,
    };
    tokenRequests.push(record);
    if (fault.tokenEndpoint?.delayMs) await delay(fault.tokenEndpoint.delayMs);
    if (res.destroyed) return;
    if (fault.tokenEndpoint?.status) {
      send(res, fault.tokenEndpoint.status, { error: 'server_error' });
      return;
    }
    if (!basicAuthMatches(authorization, clientId, clientSecret, fault.basicCredentialsAsSent)) {
      send(res, 401, { error: 'invalid_client' });
      return;
    }
    if (fault.tokenError && fault.tokenError.grant === form.get('grant_type')) {
      const { error } = fault.tokenError;
      // RFC 6749 §5.2: 400, except that a client authenticating with a header gets 401 and a challenge.
      if (error === 'invalid_client') send(res, 401, { error }, { 'www-authenticate': 'Basic realm="token"' });
      else send(res, 400, { error, error_description: `refused with ${error}` });
      return;
    }
    if (form.get('grant_type') === 'refresh_token') {
      await refresh(form.get('refresh_token') ?? '', res);
      return;
    }
    const issued = codes.get(record.code);
    const challenge = createHash('sha256').update(record.codeVerifier).digest('base64url');
    if (
      form.get('grant_type') !== 'authorization_code' || !issued || (issued.used && !fault.reusableCodes) ||
      issued.redirectUri !== record.redirectUri || (!fault.ignorePkce && issued.challenge !== challenge)
    ) {
      send(res, 400, { error: 'invalid_grant' });
      return;
    }
    issued.used = true;
    // A used code is forgotten (a replay is then unknown, as good as used), so long runs hold no garbage.
    if (!fault.reusableCodes) codes.delete(record.code);
    await sendTokens(res, issued.sub, await idToken(issued));
  };

  /** OpenID Connect Core 12: a new access token, and an ID token without a nonce, broken as told. */
  const refresh = async (refreshToken: string, res: ServerResponse): Promise<void> => {
    const sub = refreshTokens.get(refreshToken);
    if (!sub) {
      send(res, 400, { error: 'invalid_grant' });
      return;
    }
    await sendTokens(res, sub, await idToken({ sub: fault.refreshSub ?? sub }), fault.keepRefreshToken);
  };

  const sendTokens = async (res: ServerResponse, sub: string, id: string | undefined, keepRefreshToken = false): Promise<void> => {
    const accessToken = randomBytes(32).toString('base64url');
    const refreshToken = randomBytes(32).toString('base64url');
    remember(subjects, accessToken, sub);
    remember(refreshTokens, refreshToken, sub);
    lastAccessToken = accessToken;
    send(res, 200, {
      access_token: accessToken, token_type: 'Bearer', expires_in: fault.expiresIn ?? 300, ...(fault.noRefreshToken || keepRefreshToken ? {} : { refresh_token: refreshToken }), ...(id ? { id_token: id } : {}),
    });
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    // The endpoints lie below the issuer's path; a path outside it is not this provider's.
    const below = new URL(base).pathname.replace(/\/$/, '');
    const path = url.pathname.startsWith(`${below}/`) ? url.pathname.slice(below.length) : '';
    void (async () => {
      if (path === '/.well-known/openid-configuration') {
        send(res, 200, {
          issuer: fault.discoveryIssuer ?? issuer, authorization_endpoint: `${base}/authorize`, token_endpoint: `${base}/token`, jwks_uri: `${base}/jwks`, userinfo_endpoint: `${base}/userinfo`,
          response_types_supported: ['code'], subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['RS256'],
          code_challenge_methods_supported: ['S256'], authorization_response_iss_parameter_supported: true, ...fault.discovery,
        });
      } else if (path === '/jwks') {
        jwksRequests += 1;
        if (fault.jwksStatus) send(res, fault.jwksStatus, { error: 'unavailable' });
        else send(res, 200, { keys: published.map((key) => key.publicJwk) });
      } else if (path === '/userinfo') {
        const sub = subjects.get((req.headers.authorization ?? '').replace(/^Bearer /, ''));
        if (!sub) send(res, 401, { error: 'invalid_token' });
        else send(res, 200, { sub: fault.userinfoSub ?? sub, name: `Userinfo ${sub}`, email: `${sub}@userinfo.example.test` });
      } else if (path === '/authorize') {
        authorize(url, res);
      } else if (path === '/token' && req.method === 'POST') {
        await token(req, res);
      } else {
        send(res, 404, { error: 'not_found' });
      }
    })().catch(() => {
      if (!res.headersSent) send(res, 500, { error: 'server_error' });
    });
  });
  const origin = await listenOnLoopbackUrl(server);
  issuer = `${origin}${options.issuerPath ?? ''}`;
  base = issuer.replace(/\/$/, '');

  return {
    issuer, clientId, clientSecret, tokenRequests,
    get jwksRequests() {
      return jwksRequests;
    },
    get lastAccessToken() {
      return lastAccessToken;
    },
    misbehave(next) {
      fault = next;
    },
    async rotateKey() {
      published.push(await newSigningKey());
    },
    reset() {
      fault = {};
    },
    close() {
      cancelAll();
      return closeServer(server);
    },
  };
}

/** Keeps the latest 1,000 entries: long runs must not grow the stand-in's heap. */
function remember(map: Map<string, string>, key: string, value: string): void {
  map.set(key, value);
  if (map.size > 1000) map.delete(map.keys().next().value!);
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers }).end(text);
}

/** RFC 6749 2.3.1: both parts form-urlencoded, then base64; `asSent` compares them without decoding. */
function basicAuthMatches(header: string, clientId: string, clientSecret: string, asSent = false): boolean {
  const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header);
  if (!match) return false;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  // RFC 7617 §2: the user-id ends at the first colon; the password may hold more.
  const user = decoded.slice(0, Math.max(decoded.indexOf(':'), 0));
  const password = decoded.slice(decoded.indexOf(':') + 1);
  const decode = (value: string) => (asSent ? value : decodeURIComponent(value.replace(/\+/g, ' ')));
  try {
    return decode(user) === clientId && decode(password) === clientSecret;
  } catch {
    return false;
  }
}
