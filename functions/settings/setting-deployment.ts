/**
 * The part of each setting's declaration (settings.ts) that only the construct and the
 * documentation need: one line of documentation, who gives the value and which functions receive
 * it. Keyed like settings.ts and complete by its type; no function imports it, so none of it
 * reaches a bundle.
 *
 * Which functions receive a setting: the route functions and the authorizer each validate
 * the whole configuration (loadConfig), so all of them receive every setting of it, even one their
 * route never uses. Giving each only its own subset would make loadConfig refuse to start
 * (UPSTREAM_API_URL, the secrets and PUBLIC_BASE_URL are required everywhere) or check the rules
 * between settings (the idle timeout within the lifetime) against defaults instead of the deployed
 * values. Only AUTHORIZER_CLAIMS, whose default the routes never read, goes to the authorizer alone;
 * the events function gets its own few. infra/function-environment.ts builds each function's
 * environment from `to`.
 */
import type { SettingKey } from './settings';

export type Receiver = 'login' | 'callback' | 'api' | 'session' | 'sessions' | 'logout' | 'logout-done' | 'backchannel-logout' | 'jwks' | 'home' | 'authorizer' | 'end-user-sessions' | 'revocations' | 'events' | 'front-door';

/** The functions that load the whole configuration. */
export const SERVICE_FUNCTIONS = ['login', 'callback', 'api', 'session', 'sessions', 'logout', 'logout-done', 'backchannel-logout', 'jwks', 'home', 'authorizer', 'end-user-sessions', 'revocations'] as const satisfies readonly Receiver[];
const EVENTS = ['events'] as const satisfies readonly Receiver[];
const FRONT_DOOR = ['front-door'] as const satisfies readonly Receiver[];
const ALL = [...SERVICE_FUNCTIONS, ...EVENTS, ...FRONT_DOOR];

export interface SettingDeployment {
  /** One line for docs/configuration.md. */
  readonly doc: string;
  /**
   * Who gives the value: by default the deployer, through the prop (and CDK context key) named like
   * the setting; `construct`: the construct, from what it created or was given; `environment`: only
   * the environment, in local runs (the construct never sets it).
   */
  readonly by?: 'construct' | 'environment';
  /** @default SERVICE_FUNCTIONS */
  readonly to?: readonly Receiver[];
  /** The default in words, where it is not the declared value. */
  readonly defaultText?: string;
}

const DEPLOYMENT = {
  issuer: { doc: "The provider's issuer; its discovery document supplies the endpoints. With explicit endpoints it only names the issuer an `iss` must match.", to: [...SERVICE_FUNCTIONS, ...EVENTS] },
  authorizationEndpoint: { doc: 'Authorization endpoint of a plain OAuth 2.0 provider without discovery (GitHub style); set with the token endpoint.' },
  tokenEndpoint: { doc: 'Token endpoint of a provider without discovery.' },
  userinfoEndpoint: { doc: 'User endpoint of a provider without discovery; required with explicit endpoints, since without an ID token it identifies the user.' },
  revocationEndpoint: { doc: 'RFC 7009 revocation endpoint of a provider without discovery.' },
  endSessionEndpoint: { doc: 'End-session endpoint of a provider without discovery.' },
  clientId: { doc: 'The client id registered at the provider.', defaultText: 'required (with one provider)' },
  secretRefreshSeconds: { doc: 'A warm instance reads the secrets again after this long.', to: [...SERVICE_FUNCTIONS, ...FRONT_DOOR] },
  clientSecret: {
    doc: 'The client secret: its Secrets Manager ARN (plain or JSON with `client_secret`), or for local runs the secret itself in `OAUTH_CLIENT_SECRET`.',
    by: 'construct',
    defaultText: 'the construct creates an empty secret; context `clientSecretArn` or `clientSecretName` names an existing one',
  },
  authorizationParameters: {
    doc: "Fixed extra parameters of every authorization request, as a query string (`audience=https://api.example.com&domain_hint=example.com`); a protocol parameter the service sets itself (`state`, `nonce`, `scope`, `redirect_uri`, `code_challenge`, `request_uri`…) is refused at start.",
    defaultText: 'none',
  },
  clientAuthMethod: {
    doc: 'How the service authenticates the client wherever it does (code exchange, refresh, revocation, pushed authorization requests): with the client secret (`client_secret_basic`, `client_secret_post`) or with a fresh RFC 7523 assertion signed by a private key (`private_key_jwt`), whose public half `/.well-known/jwks.json` publishes.',
  },
  clientPrivateKey: {
    doc: 'For `private_key_jwt`, a private key used in process: PEM (PKCS#8) or a private JWK, RSA (2048 bits or more) or P-256, or a JWK Set whose first key signs and all of whose keys are published. Its Secrets Manager ARN, or for local runs the key itself in `OAUTH_CLIENT_PRIVATE_KEY`.',
    by: 'construct',
    defaultText: 'none; the construct sets it from `clientPrivateKeySecret`',
  },
  clientSigningKeyArn: {
    doc: 'For `private_key_jwt`, asymmetric KMS keys (RSA_2048 for RS256, ECC_NIST_P256 for ES256) that sign through `kms:Sign`, so the private key never leaves KMS: comma-separated ARNs, the first signs and all are published.',
    by: 'construct',
    defaultText: 'none; the construct creates a key, or takes `clientSigningKeys`',
  },
  providers: {
    doc: 'Several identity providers instead of the single one of the other `OAUTH_` settings: a JSON list of `{ name, issuer | authorizationEndpoint…, clientId, clientSecret | clientSecretArn | privateKey | privateKeyArn | signingKeyArn, clientAuthMethod?, clientAssertionAudience?, scopes?, authorizationParameters? }`, each checked like the single provider\'s settings. `/login?provider=<name>` signs in at one; `/login` alone shows a page to choose.',
    by: 'construct',
    defaultText: 'none: the single provider of the other `OAUTH_` settings; the construct sets it from `providers`',
  },
  clientAssertionAudience: {
    doc: "The `aud` of each private_key_jwt assertion: the provider's issuer identifier (`issuer`, as RFC 7523bis asks and most providers accept), or its token endpoint URL (`token_endpoint`, which Okta requires).",
  },
  par: {
    doc: "Pushed authorization requests (RFC 9126): `auto` pushes the parameters whenever the provider's metadata has a `pushed_authorization_request_endpoint` and sends the browser with only `client_id` and `request_uri`; `off` does not, unless the provider's metadata says `require_pushed_authorization_requests`.",
  },
  scopes: { doc: 'Space-separated scopes; sign-in adds the named APIs\' extra scopes.', defaultText: '`openid profile email` with an issuer, none with explicit endpoints' },
  publicBaseUrl: {
    doc: "The service's external origin, without path; the redirect URI to register is this plus `/callback`.",
    defaultText: "the HTTP API's endpoint, the distribution's domain with `firewall`, or `https://<domainName>`",
  },
  upstreamApiUrl: { doc: 'The one protected API `/api/{proxy+}` forwards to (no query). Exactly one of this and `upstreamApis`.' },
  upstreamApis: { doc: 'Several protected APIs, each reached as `/api/<name>/…`: a JSON list of `{ name, url, methods?, scopes?, audience?, allowedGroups? }`.' },
  homeUrl: { doc: 'Where the browser lands after sign-in without `returnTo` and after logout, and where error pages link: a path on this site, or a URL on an origin of `returnToAllowedOrigins`.' },
  allowedEmailDomains: {
    doc: 'Sign-in only with a verified email (`email_verified: true`) in one of these domains: exact match, case-insensitive, no subdomains.',
    defaultText: 'any email, or none',
  },
  allowedGroups: { doc: 'Sign-in only for a member of at least one of these groups, as `groupsClaim` gives them (exact match).', defaultText: 'any group, or none' },
  sessionClaims: { doc: 'Comma-separated claims the session keeps (from the ID token, or else userinfo) and `/session` returns; `sub` always, and `groupsClaim` too when an API has `allowedGroups`. Strings, numbers, booleans and lists of strings only.' },
  groupsClaim: { doc: 'The claim of the ID token (or, without it there, of the userinfo answer) that lists the groups: an array, or a space-separated string; a dotted path for a nested one (`realm_access.roles`).' },
  returnToAllowedOrigins: { doc: "Comma-separated origins besides the service's own that `returnTo` may point to.", defaultText: "none: only paths on the service's own origin" },
  sessionKeys: {
    doc: 'The keyring that encrypts stored tokens (`{"current":"k1","k1":"<32+ characters>"}`): its Secrets Manager ARN, or for local runs the JSON in `SESSION_KEYS`.',
    by: 'construct',
    defaultText: 'the construct creates one with a generated key; context `sessionKeysSecretArn` names an existing one',
  },
  tableName: { doc: 'The DynamoDB table of login transactions and sessions.', by: 'construct', defaultText: 'the table the construct creates' },
  dynamodbEndpoint: { doc: 'DynamoDB endpoint for local runs (loopback only).', by: 'environment', defaultText: "the region's endpoint" },
  loginTimeoutSeconds: { doc: 'How long a started login may take.' },
  sessionLifetimeSeconds: { doc: 'Absolute session lifetime: the session ends then, however active.' },
  sessionTokenFormat: {
    doc: 'How sessions\' tokens are sealed when written: `v2` compresses them and stores a binary (a typical session item two DynamoDB write units instead of three, docs/performance.md); `v1` is the format of earlier versions. Every version from this one opens both; set `v2` once no function of an earlier version runs (after the deploy that brought this one), so that an instance of the earlier version, during that deploy or after a rollback, never meets a session it cannot open.',
  },
  sessionIdleTimeoutSeconds: { doc: 'The session ends after this long without a request to `/api` or `/session`; at most the lifetime.' },
  tokenRefreshSkewSeconds: { doc: 'The access token is refreshed this long before it expires (at most half its lifetime).' },
  logoutTokenMaxAgeSeconds: { doc: "How old a logout token (its `iat`) may be at `/backchannel-logout`, besides a minute's clock skew; its `jti` is remembered that long." },
  providerTimeoutMs: { doc: 'Deadline of each call to the provider and to Secrets Manager.', to: [...SERVICE_FUNCTIONS, ...FRONT_DOOR] },
  upstreamTimeoutMs: { doc: 'Deadline of each call to the upstream API.' },
  storeTimeoutMs: { doc: 'Deadline of each DynamoDB call.' },
  authorizerClaims: { doc: 'Comma-separated claims the session authorizer passes to the integrations of other APIs; `sub` always.', to: ['authorizer'] },
  logLevel: { doc: 'The least severe level the JSON logs write; SILENT also silences the embedded metrics.', to: ALL },
  metricsNamespace: { doc: 'CloudWatch namespace of the metrics each request line carries in embedded metric format.' },
  eventBus: { doc: 'Name or ARN of the EventBridge bus the session events go to.', by: 'construct', to: EVENTS, defaultText: "the account's default bus; context `eventBusArn` names another" },
  eventSource: { doc: 'The `source` of the session events.', to: EVENTS },
  eventPublishTimeoutMs: { doc: 'Deadline of each PutEvents call.', to: EVENTS },
  originSecret: {
    doc: 'The secret whose value CloudFront adds to every request it forwards to the API (`{"current":"…","previous":"…"}`): its Secrets Manager ARN, or for local runs the JSON in `ORIGIN_SECRET`.',
    by: 'construct',
    to: FRONT_DOOR,
    defaultText: 'created with a generated value whenever a CloudFront distribution fronts the API (`firewall` or `webApp`)',
  },
} as const satisfies Record<SettingKey, SettingDeployment>;

export const SETTING_DEPLOYMENT: Readonly<Record<SettingKey, SettingDeployment>> = DEPLOYMENT;

/** The settings the deployer gives, each by the prop (and CDK context key) of its name. */
export type DeployerSettingKey = { [Key in SettingKey]: (typeof DEPLOYMENT)[Key] extends { by: string } ? never : Key }[SettingKey];

export const isDeployerSetting = (key: SettingKey): key is DeployerSettingKey => !SETTING_DEPLOYMENT[key].by;

export const receives = (key: SettingKey, receiver: Receiver): boolean => (SETTING_DEPLOYMENT[key].to ?? SERVICE_FUNCTIONS).includes(receiver);
