/**
 * A development OpenID provider (panva's certified oidc-provider) for `npm start` and the tests.
 * It accepts any login name with any password, so the whole login flow can be tried and tested
 * without an account anywhere. Never expose it: it listens on 127.0.0.1 only.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type RequestListener } from 'node:http';
import Provider, { errors, type Account, type Configuration } from 'oidc-provider';
import { createMemoryAdapter } from './dev-idp-store';
import { logoutSource, postLogoutSuccessSource, renderError } from './dev-idp-pages';
import { closeServer, listenOnLoopback, LOOPBACK_HOST, loopbackUrl } from './server-lifecycle';

export interface DevClient {
  readonly clientId: string;
  /** Not with private_key_jwt: the client then has no secret at all. */
  readonly clientSecret?: string;
  readonly redirectUris: readonly string[];
  readonly postLogoutRedirectUris?: readonly string[];
  /** Where the provider posts logout tokens when the user's session there ends (Back-Channel Logout 1.0 §2.2). */
  readonly backchannelLogoutUri?: string;
  /** Default client_secret_basic. */
  readonly tokenEndpointAuthMethod?: 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';
  /** private_key_jwt: where the provider fetches the client's public keys (the service's /.well-known/jwks.json). */
  readonly jwksUri?: string;
}

export interface DevProviderOptions {
  /** Default 0: a free port. */
  readonly port?: number;
  readonly clients: readonly DevClient[];
  /** Default 3600. */
  readonly accessTokenTtlSeconds?: number;
  /** Default true: every refresh returns a new refresh token and retires the old one. */
  readonly rotateRefreshTokens?: boolean;
  /**
   * Default true: name and email go into the ID token too. False keeps OpenID Connect's strict
   * default, where a provider that issues an access token leaves them to the userinfo endpoint.
   */
  readonly profileClaimsInIdToken?: boolean;
  /**
   * RFC 8707 resource servers, by resource indicator (the audience): the scopes each accepts and,
   * optionally, its access token lifetime. Their access tokens are JWTs whose `aud` is the
   * indicator, so an API can check it. Default none: any `resource` parameter is refused.
   */
  readonly resourceServers?: Readonly<Record<string, DevResourceServer>>;
  /**
   * More claims of a login, beyond its name and unverified `<login>@example.test` email (a
   * verified email, `groups`, Keycloak's `realm_access`): what the access rules read. `groups` and
   * `realm_access` come with the `groups` scope.
   */
  readonly accountClaims?: (login: string) => Readonly<Record<string, unknown>>;
  /**
   * The authentication context class each login reaches (the `acr` claim, OpenID Connect Core 2),
   * as a real login page would record it after a password or a second factor. Default none: ID
   * tokens carry no `acr`. The values it may return go in `acr_values_supported`.
   */
  readonly loginAcr?: { readonly supported: readonly string[]; readonly of: (login: string) => string };
  /**
   * Pushed authorization requests (RFC 9126): `offered` publishes the endpoint, `required` also says
   * `require_pushed_authorization_requests` and refuses any other request. Default none, so a test
   * can read the authorization request the service sends.
   */
  readonly par?: 'offered' | 'required';
  /** Tests: sees each request to the provider once answered, with the form it parsed (to check what a client sent). */
  readonly observe?: (request: ObservedRequest) => void;
}

export interface ObservedRequest {
  readonly method: string;
  readonly path: string;
  readonly form: Readonly<Record<string, unknown>>;
  readonly authorization: string;
}

export interface DevResourceServer {
  /** Space-separated scopes this API accepts. */
  readonly scope: string;
  /** Default: the provider's access token lifetime. */
  readonly accessTokenTtlSeconds?: number;
}

export interface DevProvider {
  /** `http://127.0.0.1:<port>`; discovery at `<issuer>/.well-known/openid-configuration`. */
  readonly issuer: string;
  readonly provider: Provider;
  close(): Promise<void>;
}

const DAY = 24 * 3600;

export async function startDevProvider(options: DevProviderOptions): Promise<DevProvider> {
  // The issuer contains the port, so the provider is built once the server is listening.
  let listener: RequestListener = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  const server = createServer((req, res) => listener(req, res));
  const port = await listenOnLoopback(server, options.port ?? 0);
  const issuer = loopbackUrl(LOOPBACK_HOST, port);
  let provider: Provider;
  try {
    provider = new Provider(issuer, devProviderConfiguration(options));
  } catch (error) {
    await closeServer(server);
    throw error;
  }
  provider.on('server_error', (_ctx: unknown, error: unknown) => {
    const summary = error instanceof Error ? `${error.name}: ${error.message}` : 'unknown error';
    console.error(`development identity provider: ${summary}`);
  });
  if (options.loginAcr) recordLoginAcr(provider, options.loginAcr.of);
  const { observe } = options;
  if (observe) {
    provider.use(async (ctx, next) => {
      await next();
      observe({ method: ctx.method, path: ctx.path, form: ctx.oidc?.body ?? {}, authorization: ctx.get('authorization') });
    });
  }
  listener = provider.callback();
  return { issuer, provider, close: () => closeServer(server) };
}

/** The dev account for a login name: `alice` becomes `{ sub: 'alice', name: 'Alice', email: 'alice@example.test' }`. */
export function devAccount(login: string, more: Readonly<Record<string, unknown>> = {}): Account {
  return {
    accountId: login,
    claims: () => ({
      name: login.charAt(0).toUpperCase() + login.slice(1),
      email: `${login}@example.test`,
      email_verified: false,
      ...more,
      sub: login,
    }),
  };
}

export function devProviderConfiguration(options: DevProviderOptions): Configuration {
  const accessTokenTtl = options.accessTokenTtlSeconds ?? 3600;
  return {
    adapter: createMemoryAdapter(),
    clients: options.clients.map((client) => ({
      client_id: client.clientId,
      ...(client.clientSecret === undefined ? {} : { client_secret: client.clientSecret }),
      ...(client.jwksUri ? { jwks_uri: client.jwksUri } : {}),
      redirect_uris: [...client.redirectUris],
      post_logout_redirect_uris: [...(client.postLogoutRedirectUris ?? [])],
      // With the provider's session id in each logout token and ID token, as the service asks (§2.2).
      ...(client.backchannelLogoutUri ? { backchannel_logout_uri: client.backchannelLogoutUri, backchannel_logout_session_required: true } : {}),
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: client.tokenEndpointAuthMethod ?? 'client_secret_basic',
    })),
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    jwks: { keys: [signingKey()] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    ...(options.loginAcr ? { acrValues: [...options.loginAcr.supported] } : {}),
    findAccount: (_ctx: unknown, sub: string) => devAccount(sub, options.accountClaims?.(sub)),
    claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'], groups: ['groups', 'realm_access'] },
    // Name and email go into the ID token too, as most hosted providers do.
    conformIdTokenClaims: options.profileClaimsInIdToken === false,
    features: {
      devInteractions: { enabled: true },
      revocation: {
        enabled: true,
        allowedPolicy: (_ctx: unknown, client: { clientId: string }, token: { clientId?: string }) => token.clientId === client.clientId,
      },
      rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
      backchannelLogout: { enabled: true },
      userinfo: { enabled: true },
      resourceIndicators: resourceIndicators(options.resourceServers ?? {}),
      pushedAuthorizationRequests: { enabled: options.par !== undefined, requirePushedAuthorizationRequests: options.par === 'required' },
    },
    pkce: { required: () => true },
    // Refresh tokens for every client allowed the grant, without the offline_access scope and the
    // forced consent prompt that would otherwise be needed.
    issueRefreshToken: (_ctx: unknown, client: { grantTypeAllowed(grant: string): boolean }) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: options.rotateRefreshTokens ?? true,
    ttl: {
      // A resource server's own lifetime, when it has one, applies to its tokens.
      AccessToken: (_ctx: unknown, token: { resourceServer?: { accessTokenTTL?: number } }) => token.resourceServer?.accessTokenTTL ?? accessTokenTtl,
      AuthorizationCode: 60,
      IdToken: 3600,
      RefreshToken: 14 * DAY,
      Interaction: 3600,
      Session: 14 * DAY,
      Grant: 14 * DAY,
    },
    // The login service calls the provider from its backend only: no browser origin needs CORS.
    clientBasedCORS: () => false,
    fetch: loopbackFetch,
    renderError,
  };
}

/**
 * The development login page finishes with the account only; a provider's own page finishes with
 * how the user authenticated too (`login.acr` of the interaction result), which oidc-provider then
 * puts into the session and its ID tokens.
 */
function recordLoginAcr(provider: Provider, acrOf: (login: string) => string): void {
  const finish = provider.interactionFinished.bind(provider);
  provider.interactionFinished = (req, res, result, options) =>
    finish(req, res, result.login ? { ...result, login: { ...result.login, acr: acrOf(result.login.accountId) } } : result, options);
}

/**
 * A token request without `resource` keeps getting the access token for userinfo, as without
 * resource servers; one with a granted `resource` gets a JWT for that audience and its scopes.
 */
function resourceIndicators(servers: Readonly<Record<string, DevResourceServer>>) {
  return {
    enabled: true,
    defaultResource: () => undefined,
    useGrantedResource: () => false,
    getResourceServerInfo: (_ctx: unknown, indicator: string) => {
      const server = Object.hasOwn(servers, indicator) ? servers[indicator] : undefined;
      if (!server) throw new errors.InvalidTarget();
      return {
        scope: server.scope,
        audience: indicator,
        accessTokenFormat: 'jwt',
        ...(server.accessTokenTtlSeconds ? { accessTokenTTL: server.accessTokenTtlSeconds } : {}),
      };
    },
  };
}

/**
 * The provider's outgoing requests (its logout tokens, Back-Channel Logout 1.0 §2.5). oidc-provider
 * sends them through a dispatcher that destroys every connection to a special-use address, loopback
 * included ("hostname resolves to a special-use IP address"), so no logout token would reach a
 * service on 127.0.0.1. This provider's clients are all on this machine: requests to the loopback
 * host go without that dispatcher, any other keeps it.
 */
export function loopbackFetch(url: string | URL, options: RequestInit & { dispatcher?: unknown }): Promise<Response> {
  if (new URL(url).hostname !== LOOPBACK_HOST) return globalThis.fetch(url, options);
  const { dispatcher: _guard, ...unguarded } = options;
  return globalThis.fetch(url, unguarded);
}

/** A fresh RS256 signing key per start: tokens from an earlier run must not verify. */
function signingKey(): Record<string, unknown> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomBytes(8).toString('hex'), alg: 'RS256', use: 'sig' };
}
