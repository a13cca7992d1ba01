/**
 * Reads and validates the service configuration once. Every problem is collected so that a bad
 * deployment fails at start with one message naming each setting, not one error at a time. The
 * settings, their ranges and defaults are declared in settings.ts and read by read-settings.ts,
 * by the same rules the construct checks its props with at synth.
 */
import { keyringProblem } from '../adapters/encryption/keyring';
import type { LogLevel } from '../adapters/logs/logger';
import type { UpstreamApi } from '../core/api-proxy/upstream-apis';
import { ConfigError, serviceSettings, type SecretSetting } from './read-settings';

export { ConfigError, isLoopbackUrl, type SecretSetting } from './read-settings';

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';

export type ProviderConfig =
  | { readonly kind: 'discovery'; readonly issuer: URL }
  | {
      /** Plain OAuth 2.0 provider without discovery (GitHub style): endpoints given explicitly. */
      readonly kind: 'explicit';
      readonly issuer?: URL;
      readonly authorizationEndpoint: URL;
      readonly tokenEndpoint: URL;
      readonly userinfoEndpoint?: URL;
      readonly revocationEndpoint?: URL;
      readonly endSessionEndpoint?: URL;
    };

export interface Config {
  readonly provider: ProviderConfig;
  readonly clientId: string;
  /** client_secret_basic and client_secret_post only. */
  readonly clientSecret?: SecretSetting;
  /** private_key_jwt with a key used in process: PEM or JWK text, or a JWK Set (adapters/oauth/client-keys.ts). */
  readonly clientPrivateKey?: SecretSetting;
  /** private_key_jwt with asymmetric KMS keys: the first signs, all are published; empty otherwise. */
  readonly clientSigningKeyArn: readonly string[];
  /** RFC 9126 pushed authorization requests: `auto` where the provider offers them (or requires them), `off` where it only offers them. */
  readonly par: 'auto' | 'off';
  /** The `aud` of a private_key_jwt assertion: the issuer identifier, or the token endpoint URL. */
  readonly clientAssertionAudience: 'issuer' | 'token_endpoint';
  /** The keyring that encrypts session tokens at rest (JSON, see adapters/encryption/keyring.ts). */
  readonly sessionKeys: SecretSetting;
  readonly clientAuthMethod: ClientAuthMethod;
  /** OAUTH_SCOPES; sign-in adds the named APIs' extra scopes. */
  readonly scopes: readonly string[];
  /** True when the flow is OpenID Connect: `openid` scope requested, so an ID token is required. */
  readonly openid: boolean;
  readonly publicBaseUrl: URL;
  readonly redirectUri: string;
  /** The one protected API (`UPSTREAM_API_URL`); undefined when `upstreamApis` is used instead. */
  readonly upstreamApiUrl?: URL;
  /** Named protected APIs (`UPSTREAM_APIS`); empty when `upstreamApiUrl` is used instead. */
  readonly upstreamApis: readonly UpstreamApi[];
  readonly tableName: string;
  readonly dynamodbEndpoint?: string;
  readonly returnToAllowedOrigins: readonly string[];
  /** Where the browser lands after sign-in without returnTo and after logout, and where error pages link. */
  readonly homeUrl: string;
  readonly loginTimeoutSeconds: number;
  /** Absolute lifetime: the session ends then, however active. */
  readonly sessionLifetimeSeconds: number;
  /** The session ends after this long without a request. */
  readonly sessionIdleTimeoutSeconds: number;
  /** The access token is refreshed this long before it expires (at most half its lifetime). */
  readonly tokenRefreshSkewSeconds: number;
  /** How old a logout token may be at /backchannel-logout (its `iat`), besides the clock skew. */
  readonly logoutTokenMaxAgeSeconds: number;
  readonly providerTimeoutMs: number;
  readonly upstreamTimeoutMs: number;
  readonly storeTimeoutMs: number;
  /** The claims the session authorizer passes to the APIs it protects; `sub` always among them. */
  readonly authorizerClaims: readonly string[];
  /** Who may sign in (core/sign-in/access-rules.ts): domains in lower case; empty lists admit anyone. */
  /** The operator's fixed extra authorization parameters (`OAUTH_AUTHORIZATION_PARAMETERS`), in order. */
  readonly authorizationParameters: readonly (readonly [string, string])[];
  readonly allowedEmailDomains: readonly string[];
  readonly allowedGroups: readonly string[];
  readonly groupsClaim: string;
  /**
   * The claims a session keeps and `/session` returns: `SESSION_CLAIMS`, `sub` always, and the
   * groups claim when an API of `UPSTREAM_APIS` is for some groups only.
   */
  readonly sessionClaims: readonly string[];
  /** The least severe level the logs write. */
  readonly logLevel: LogLevel;
  /** The CloudWatch namespace of the metrics on the request lines. */
  readonly metricsNamespace: string;
}

type Env = Readonly<Record<string, string | undefined>>;

export function loadConfig(env: Env): Config {
  const problems: string[] = [];
  const [provider, values, names] = serviceSettings(env, problems);
  // A misspelt setting (OAUTH_SCOPE for OAUTH_SCOPES) would otherwise be silently ignored.
  for (const name of Object.keys(env)) {
    if (name.startsWith('OAUTH_') && !names.some(([known]) => known === name)) problems.push(`${name} is not a known setting`);
  }
  // A malformed keyring fails at start, not at the first sign-in.
  const keys = values.sessionKeys;
  const keyring = keys?.source === 'environment' ? keyringProblem(keys.value) : undefined;
  if (keyring) problems.push(`SESSION_KEYS ${keyring}`);
  // Without problems every required value is there: readSettings and serviceSettings reported each missing one.
  if (problems.length > 0) throw new ConfigError(problems);

  // The settings Config holds under another shape are taken out; the rest it holds as they are.
  const {
    scopes, publicBaseUrl, dynamodbEndpoint, authorizerClaims,
    secretRefreshSeconds: _secretRefreshSeconds, ...same
  } = values as Required<typeof values>;
  return Object.freeze({
    ...same,
    provider: provider.authorizationEndpoint ? { kind: 'explicit', ...provider } : { kind: 'discovery', issuer: provider.issuer },
    scopes: Object.freeze(scopes),
    openid: scopes.includes('openid'),
    publicBaseUrl,
    redirectUri: new URL('/callback', publicBaseUrl).href,
    upstreamApis: Object.freeze(same.upstreamApis),
    dynamodbEndpoint: dynamodbEndpoint?.href,
    returnToAllowedOrigins: Object.freeze(same.returnToAllowedOrigins ?? []),
    authorizationParameters: Object.freeze([...new URLSearchParams(same.authorizationParameters ?? '')]),
    allowedEmailDomains: Object.freeze((same.allowedEmailDomains ?? []).map((domain) => domain.toLowerCase())),
    allowedGroups: Object.freeze(same.allowedGroups ?? []),
    clientSigningKeyArn: Object.freeze(same.clientSigningKeyArn ?? []),
    sessionClaims: Object.freeze(same.sessionClaims ?? []),
    authorizerClaims: Object.freeze([...new Set(['sub', ...authorizerClaims])]),
  }) as Config;
}
