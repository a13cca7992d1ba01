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

/**
 * One identity provider and the service as its client. With the single provider of the OAUTH_
 * variables there is one, named `default`; OAUTH_PROVIDERS gives several.
 */
export interface ProviderProfile {
  /** What `/login?provider=` takes, and what sessions, events and the authorizer name. */
  readonly name: string;
  /** What the page to choose a provider shows: the name unless given. */
  readonly displayName: string;
  readonly provider: ProviderConfig;
  readonly clientId: string;
  readonly clientAuthMethod: ClientAuthMethod;
  readonly clientSecret?: SecretSetting;
  readonly clientPrivateKey?: SecretSetting;
  readonly clientSigningKeyArn: readonly string[];
  readonly clientAssertionAudience: 'issuer' | 'token_endpoint';
  readonly scopes: readonly string[];
  readonly openid: boolean;
  readonly authorizationParameters: readonly (readonly [string, string])[];
  /** `/callback` with one provider; `/callback/<name>` with several, so a response can only come back to its own (RFC 9700 §4.4.2). */
  readonly redirectUri: string;
}

/** The name of the one provider of the OAUTH_ variables. */
export const DEFAULT_PROVIDER = 'default';

export interface Config {
  /** Every provider, in the order configured; several only with OAUTH_PROVIDERS. */
  readonly providers: readonly ProviderProfile[];
  /**
   * OAUTH_PROVIDERS is used, with one entry or several: every login and session records its
   * provider's name, and each provider has its own redirect URI `/callback/<name>`.
   */
  readonly namedProviders: boolean;
  /** The first provider's settings, as with one provider: `providers[0]`. */
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
  /** SESSION_TOKEN_FORMAT: how new sealed tokens are written. */
  readonly sessionTokenFormat: 'v1' | 'v2';
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
  const [profiles, values, names] = serviceSettings(env, problems);
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

  const { publicBaseUrl, dynamodbEndpoint, authorizerClaims, providers: _providers, secretRefreshSeconds: _secretRefreshSeconds, ...same } = values as Required<typeof values>;
  const several = profiles.length > 1 || profiles[0]?.name !== DEFAULT_PROVIDER;
  const providers = profiles.map((profile): ProviderProfile => {
    const { name, displayName = name, scopes = [], clientSigningKeyArn, authorizationParameters, clientAuthMethod, clientAssertionAudience, clientId, clientSecret, clientPrivateKey, ...endpoints } = profile;
    return Object.freeze({
      name,
      displayName,
      provider: (endpoints.authorizationEndpoint ? { kind: 'explicit', ...endpoints } : { kind: 'discovery', issuer: endpoints.issuer! }) as ProviderConfig,
      clientId: clientId!,
      clientAuthMethod: clientAuthMethod as ClientAuthMethod,
      ...(clientSecret ? { clientSecret } : {}),
      ...(clientPrivateKey ? { clientPrivateKey } : {}),
      clientSigningKeyArn: Object.freeze(clientSigningKeyArn ?? []),
      clientAssertionAudience: clientAssertionAudience as ProviderProfile['clientAssertionAudience'],
      scopes: Object.freeze(scopes),
      openid: scopes.includes('openid'),
      authorizationParameters: Object.freeze([...new URLSearchParams(authorizationParameters ?? '')]),
      redirectUri: new URL(several ? `/callback/${name}` : '/callback', publicBaseUrl).href,
    });
  });
  return Object.freeze({
    ...same,
    // The first provider at the top, as the single provider's settings were before there could be several.
    ...providers[0]!,
    providers: Object.freeze(providers),
    namedProviders: several,
    publicBaseUrl,
    upstreamApis: Object.freeze(same.upstreamApis),
    dynamodbEndpoint: dynamodbEndpoint?.href,
    returnToAllowedOrigins: Object.freeze(same.returnToAllowedOrigins ?? []),
    allowedEmailDomains: Object.freeze((same.allowedEmailDomains ?? []).map((domain) => domain.toLowerCase())),
    allowedGroups: Object.freeze(same.allowedGroups ?? []),
    sessionClaims: Object.freeze(same.sessionClaims ?? []),
    authorizerClaims: Object.freeze([...new Set(['sub', ...authorizerClaims])]),
  }) as Config;
}
