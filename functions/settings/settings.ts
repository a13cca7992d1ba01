/**
 * The one declaration of every setting the functions read: its environment variable, its CDK prop
 * (the key; it is also the CDK context key), its type with its range or values and its default.
 * The functions' loaders (config.ts, events-config.ts), the construct's synth-time validation,
 * the functions' environment, the CDK context parsing and docs/configuration.md are all derived
 * from it, so ranges agree everywhere by construction.
 *
 * Every function's bundle carries this file, so it holds only what the functions' code reads, in
 * as few bytes as stay readable. What only the construct and the documentation need (who gives
 * each value, which functions receive it, one line of documentation) is in setting-deployment.ts,
 * keyed alike and checked complete by its type; no function imports it.
 */
import { DEFAULT_METRICS_NAMESPACE } from '../adapters/metrics/embedded-metrics';
import { DEFAULT_LOG_LEVEL, LOG_LEVELS } from '../adapters/logs/logger';

export type Setting =
  {
    /** @default the key in upper snake case, after `OAUTH_` when `oauth`: loginTimeoutSeconds is LOGIN_TIMEOUT_SECONDS, issuer OAUTH_ISSUER */
    readonly env?: string;
    readonly oauth?: true;
    /** The functions refuse to start without it. */
    readonly required?: true;
  } & (
    | { readonly type: 'string'; readonly default?: string; readonly pattern?: RegExp; readonly problem?: string }
    /** `path`: no query; `origin`: no path or query either; `loopback`: a loopback host only. */
    | { readonly type: 'url'; readonly shape?: 'path' | 'origin' | 'loopback' }
    | { readonly type: 'integer'; readonly min: number; readonly max: number; readonly default: number }
    | { readonly type: 'enum'; readonly values: readonly string[]; readonly default: string }
    /** Comma-separated: of `values`, of entries matching `entry`, or else of https origins. */
    | { readonly type: 'list'; readonly values?: readonly string[]; readonly default?: string; readonly entry?: RegExp; readonly problem?: string }
    /** Space-separated RFC 6749 scope tokens. */
    | { readonly type: 'scopes'; readonly default: string }
    | { readonly type: 'json' }
    /** A Secrets Manager ARN in `env`, or for local runs the value itself in `value`: exactly one, or at most one when `optional`. */
    | { readonly type: 'secret'; readonly value: string; readonly optional?: true }
  );

/** The provider's and the client's settings: their variables start with OAUTH_. */
const OAUTH = true;

// Marked free of side effects so that a table nobody reads leaves the bundle.
/* @__NO_SIDE_EFFECTS__ */
const integer = (min: number, max: number, fallback: number) => ({ type: 'integer', min, max, default: fallback }) as const;
/* @__NO_SIDE_EFFECTS__ */
const url = <Shape extends 'path' | 'origin' | 'loopback' | undefined>(shape: Shape, oauth?: true) => ({ type: 'url', shape, oauth }) as const;

/** A claim name, or a dotted path to one: printable, no comma or space. */
const CLAIM_NAME = /^[\x21-\x2b\x2d-\x7e]{1,255}$/;

/** An endpoint of a provider without discovery: any https URL, in an OAUTH_ variable. */
const ENDPOINT = url(undefined, OAUTH);

/**
 * The provider's settings: discovery from the issuer, or explicit endpoints. The order counts:
 * read-settings.ts takes the issuer, the two endpoints every provider needs, then the others.
 */
export const PROVIDER_SETTINGS = {
  issuer: url('path', OAUTH),
  authorizationEndpoint: ENDPOINT,
  tokenEndpoint: ENDPOINT,
  userinfoEndpoint: ENDPOINT,
  revocationEndpoint: ENDPOINT,
  endSessionEndpoint: ENDPOINT,
} as const satisfies Record<string, Setting>;

/** The service's other settings: with the provider's, all that its route functions and the authorizer validate (loadConfig). */
export const SERVICE_SETTINGS = {
  // RFC 6749 appendix A.1: a client id is VSCHAR, printable ASCII.
  clientId: { oauth: OAUTH, type: 'string', pattern: /^[\x20-\x7e]+$/, problem: 'contains a character not allowed in a client id' },
  // Before the secrets, which read it.
  secretRefreshSeconds: integer(10, 86_400, 300),
  // Which of the three client credentials must be set follows from the method (read-settings.ts).
  clientAuthMethod: { oauth: OAUTH, type: 'enum', values: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'], default: 'client_secret_basic' },
  clientSecret: { env: 'OAUTH_CLIENT_SECRET_ARN', type: 'secret', value: 'OAUTH_CLIENT_SECRET', optional: true },
  // private_key_jwt: PEM (PKCS#8) or JWK text, or a JWK Set; the first key signs (adapters/oauth/client-keys.ts).
  clientPrivateKey: { env: 'OAUTH_CLIENT_PRIVATE_KEY_ARN', type: 'secret', value: 'OAUTH_CLIENT_PRIVATE_KEY', optional: true },
  // private_key_jwt with asymmetric KMS keys: the first signs, all are published.
  clientSigningKeyArn: { oauth: OAUTH, type: 'list', entry: /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]{1,128}$/, problem: 'must list KMS key ARNs (arn:aws:kms:<region>:<account>:key/<id>)' },
  // The `aud` of a private_key_jwt assertion: the issuer identifier (RFC 7523bis) or the token endpoint (Okta's rule).
  clientAssertionAudience: { oauth: OAUTH, type: 'enum', values: ['issuer', 'token_endpoint'], default: 'issuer' },
  // RFC 9126 pushed authorization requests: `auto` whenever the provider has the endpoint.
  par: { oauth: OAUTH, type: 'enum', values: ['auto', 'off'], default: 'auto' },
  scopes: { oauth: OAUTH, type: 'scopes', default: 'openid profile email' },
  // Fixed extra authorization parameters, as a query string; never a protocol one (read-settings.ts).
  authorizationParameters: { oauth: OAUTH, type: 'string' },
  // Several providers, each with the settings above of its own (read-settings.ts): instead of them.
  providers: { oauth: OAUTH, type: 'json' },
  publicBaseUrl: { ...url('origin'), required: true },
  upstreamApiUrl: url('path'),
  upstreamApis: { type: 'json' },
  returnToAllowedOrigins: { type: 'list' },
  // After the origins it may name; checked like returnTo (read-settings.ts).
  homeUrl: { type: 'string', default: '/' },
  sessionKeys: { env: 'SESSION_KEYS_SECRET_ARN', type: 'secret', value: 'SESSION_KEYS' },
  // How new sealed tokens are written (adapters/encryption/token-vault.ts); both always open.
  sessionTokenFormat: { type: 'enum', values: ['v1', 'v2'], default: 'v1' },
  tableName: { type: 'string', required: true },
  dynamodbEndpoint: url('loopback'),
  loginTimeoutSeconds: integer(60, 3_600, 600),
  sessionLifetimeSeconds: integer(300, 30 * 86_400, 8 * 3_600),
  sessionIdleTimeoutSeconds: integer(60, 30 * 86_400, 3_600),
  tokenRefreshSkewSeconds: integer(0, 600, 60),
  // Back-Channel Logout 1.0 §2.6 rule 4: a logout token's `iat` at most this long ago.
  logoutTokenMaxAgeSeconds: integer(30, 3_600, 300),
  // Caps keep the longest chain of calls in one request (a cold /callback makes six) inside
  // API Gateway's 30 s: the function then answers 504 itself instead of being cut off.
  providerTimeoutMs: integer(100, 10_000, 5_000),
  upstreamTimeoutMs: integer(100, 25_000, 10_000),
  storeTimeoutMs: integer(100, 5_000, 2_000),
  authorizerClaims: { type: 'list', entry: CLAIM_NAME, default: 'sub', problem: 'must list claim names' },
  // Who may sign in (core/sign-in/access-rules.ts): DNS names, compared in lower case; groups as the provider names them.
  allowedEmailDomains: { type: 'list', entry: /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9-]{2,63}$/i, problem: 'must list domain names' },
  allowedGroups: { type: 'list', entry: /^[^\0-\x1f\x7f]{1,256}$/, problem: 'must list group names of at most 256 characters' },
  sessionClaims: { type: 'list', entry: CLAIM_NAME, default: 'sub,name,email', problem: 'must list claim names' },
  groupsClaim: { type: 'string', default: 'groups', pattern: /^[\x21-\x7e]{1,255}$/, problem: 'must be a claim name or a dotted path to one' },
  // The levels adapters/logs/logger.ts knows, so each means there what it says.
  logLevel: { type: 'enum', values: LOG_LEVELS, default: DEFAULT_LOG_LEVEL },
  // CloudWatch namespaces: printable ASCII without the reserved AWS/ prefix (and no colon start).
  metricsNamespace: {
    type: 'string', default: DEFAULT_METRICS_NAMESPACE, pattern: /^(?!AWS\/)(?!:)[\x20-\x7e]{1,255}$/,
    problem: 'must be 1 to 255 printable ASCII characters, not starting with AWS/ or a colon',
  },
} as const satisfies Record<string, Setting>;

const DEFAULT_EVENT_SOURCE = 'login-service';

/** The events function's own settings (it also reads `issuer` and `logLevel`); apart, so the service's bundles leave them out. */
export const EVENT_SETTINGS = {
  eventBus: { env: 'EVENT_BUS_NAME', type: 'string', default: 'default' },
  // EventBridge reserves sources starting with "aws." for AWS services.
  eventSource: {
    type: 'string', default: DEFAULT_EVENT_SOURCE, pattern: /^(?!aws\.)[\x21-\x7e]{1,256}$/i,
    problem: 'must be 1 to 256 printable characters without spaces, not starting with "aws."',
  },
  // The ten calls of a full batch each given the whole deadline end within the events function's
  // timeout (infra/session-events.ts).
  eventPublishTimeoutMs: integer(100, 6_000, 3_000),
} as const satisfies Record<string, Setting>;

/**
 * The front-door function's own setting (it also reads secretRefreshSeconds, providerTimeoutMs and
 * logLevel): the secret whose value CloudFront adds to each request it forwards to the API.
 */
export const FRONT_DOOR_SETTINGS = {
  originSecret: { env: 'ORIGIN_SECRET_ARN', type: 'secret', value: 'ORIGIN_SECRET' },
} as const satisfies Record<string, Setting>;

export type ProviderSettingKey = keyof typeof PROVIDER_SETTINGS;
export type ServiceSettingKey = ProviderSettingKey | keyof typeof SERVICE_SETTINGS;
export type SettingKey = ServiceSettingKey | keyof typeof EVENT_SETTINGS | keyof typeof FRONT_DOOR_SETTINGS;

/** Every setting, for the construct and the documentation. */
export const SETTINGS: Readonly<Record<SettingKey, Setting>> = /* @__PURE__ */ Object.assign({}, PROVIDER_SETTINGS, SERVICE_SETTINGS, EVENT_SETTINGS, FRONT_DOOR_SETTINGS);

export const envName = (key: string, setting: Setting): string => setting.env ?? (setting.oauth ? 'OAUTH_' : '') + key.replace(/[A-Z]/g, '_$&').toUpperCase();
