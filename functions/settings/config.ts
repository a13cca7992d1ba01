/**
 * Reads and validates the service configuration once. Every problem is collected so that a bad
 * deployment fails at start with one message naming each setting, not one error at a time.
 */
import { keyringProblem } from '../adapters/encryption/keyring';
import { CONTEXT_CLAIMS, type ContextClaim } from '../core/sessions/authorize-session';
import type { UpstreamApi } from '../core/api-proxy/upstream-apis';
import { SCOPE_TOKEN, upstreamApisSetting } from './upstream-apis-setting';

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post';

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

/** A secret read at run time: from Secrets Manager on AWS, from the environment in local runs. */
export type SecretSetting =
  | { readonly source: 'secrets-manager'; readonly secretId: string; readonly refreshSeconds: number }
  | { readonly source: 'environment'; readonly value: string };

export interface Config {
  readonly provider: ProviderConfig;
  readonly clientId: string;
  readonly clientSecret: SecretSetting;
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
  readonly loginTimeoutSeconds: number;
  /** Absolute lifetime: the session ends then, however active. */
  readonly sessionLifetimeSeconds: number;
  /** The session ends after this long without a request. */
  readonly sessionIdleTimeoutSeconds: number;
  /** The access token is refreshed this long before it expires (at most half its lifetime). */
  readonly tokenRefreshSkewSeconds: number;
  readonly providerTimeoutMs: number;
  readonly upstreamTimeoutMs: number;
  readonly storeTimeoutMs: number;
  /** The claims the session authorizer passes to the APIs it protects; `sub` always among them. */
  readonly authorizerClaims: readonly ContextClaim[];
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export function isLoopbackUrl(url: URL): boolean {
  return LOOPBACK_HOSTS.has(url.hostname);
}

type Env = Readonly<Record<string, string | undefined>>;

const KNOWN_VARIABLES = [
  'OAUTH_ISSUER', 'OAUTH_AUTHORIZATION_ENDPOINT', 'OAUTH_TOKEN_ENDPOINT', 'OAUTH_USERINFO_ENDPOINT',
  'OAUTH_REVOCATION_ENDPOINT', 'OAUTH_END_SESSION_ENDPOINT', 'OAUTH_CLIENT_ID', 'OAUTH_CLIENT_SECRET',
  'OAUTH_CLIENT_SECRET_ARN', 'OAUTH_CLIENT_AUTH_METHOD', 'OAUTH_SCOPES', 'PUBLIC_BASE_URL', 'UPSTREAM_API_URL',
  'TABLE_NAME', 'DYNAMODB_ENDPOINT', 'RETURN_TO_ALLOWED_ORIGINS', 'LOGIN_TIMEOUT_SECONDS',
  'SESSION_LIFETIME_SECONDS', 'PROVIDER_TIMEOUT_MS', 'UPSTREAM_TIMEOUT_MS', 'STORE_TIMEOUT_MS',
  'SECRET_REFRESH_SECONDS', 'SESSION_KEYS_SECRET_ARN', 'SESSION_KEYS', 'SESSION_IDLE_TIMEOUT_SECONDS',
  'TOKEN_REFRESH_SKEW_SECONDS', 'AUTHORIZER_CLAIMS', 'UPSTREAM_APIS',
] as const;

export function loadConfig(env: Env): Config {
  const problems: string[] = [];
  type Name = (typeof KNOWN_VARIABLES)[number];
  const read = (name: Name): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const url = (name: (typeof KNOWN_VARIABLES)[number], required: boolean): URL | undefined => {
    const raw = read(name);
    if (raw === undefined) {
      if (required) problems.push(`${name} is required`);
      return undefined;
    }
    return checkedUrl(name, raw);
  };
  const checkedUrl = (name: string, raw: string): URL | undefined => {
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      problems.push(`${name} is not a valid URL`);
      return undefined;
    }
    if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && isLoopbackUrl(parsed))) {
      problems.push(`${name} must use https (http is accepted only on a loopback host)`);
    } else if (parsed.username || parsed.password || parsed.hash) {
      problems.push(`${name} must not contain credentials or a fragment`);
    }
    return parsed;
  };
  const integer = (name: (typeof KNOWN_VARIABLES)[number], fallback: number, min: number, max: number): number => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max}`);
      return fallback;
    }
    return value;
  };

  // A misspelt setting (OAUTH_SCOPE for OAUTH_SCOPES) would otherwise be silently ignored.
  const known = new Set<string>(KNOWN_VARIABLES);
  for (const name of Object.keys(env)) {
    if (name.startsWith('OAUTH_') && !known.has(name)) problems.push(`${name} is not a known setting`);
  }

  const issuer = url('OAUTH_ISSUER', false);
  const authorizationEndpoint = url('OAUTH_AUTHORIZATION_ENDPOINT', false);
  const tokenEndpoint = url('OAUTH_TOKEN_ENDPOINT', false);
  const userinfoEndpoint = url('OAUTH_USERINFO_ENDPOINT', false);
  const revocationEndpoint = url('OAUTH_REVOCATION_ENDPOINT', false);
  const endSessionEndpoint = url('OAUTH_END_SESSION_ENDPOINT', false);
  let provider: ProviderConfig | undefined;
  if (authorizationEndpoint || tokenEndpoint) {
    if (!authorizationEndpoint || !tokenEndpoint) {
      problems.push('OAUTH_AUTHORIZATION_ENDPOINT and OAUTH_TOKEN_ENDPOINT must be set together');
    } else {
      provider = { kind: 'explicit', issuer, authorizationEndpoint, tokenEndpoint, userinfoEndpoint, revocationEndpoint, endSessionEndpoint };
    }
  } else if (issuer) {
    provider = { kind: 'discovery', issuer };
  } else if (!read('OAUTH_ISSUER')) {
    problems.push('OAUTH_ISSUER is required (or OAUTH_AUTHORIZATION_ENDPOINT and OAUTH_TOKEN_ENDPOINT)');
  }

  const clientId = read('OAUTH_CLIENT_ID');
  if (!clientId) problems.push('OAUTH_CLIENT_ID is required');

  const secretRefreshSeconds = integer('SECRET_REFRESH_SECONDS', 300, 10, 86_400);
  /** A secret from Secrets Manager on AWS, or its value in the environment for local runs: exactly one. */
  const secretSetting = (arnName: Name, valueName: Name, problemOf: (value: string) => string | undefined = () => undefined): SecretSetting | undefined => {
    const arn = read(arnName);
    const value = read(valueName);
    if (arn && value) problems.push(`set only one of ${arnName} and ${valueName}`);
    else if (arn) return { source: 'secrets-manager', secretId: arn, refreshSeconds: secretRefreshSeconds };
    else if (value) {
      const problem = problemOf(value);
      if (!problem) return { source: 'environment', value };
      problems.push(`${valueName} ${problem}`);
    } else problems.push(`${arnName} (or, for local runs, ${valueName}) is required`);
    return undefined;
  };
  const clientSecret = secretSetting('OAUTH_CLIENT_SECRET_ARN', 'OAUTH_CLIENT_SECRET');
  // A malformed keyring fails at start, not at the first sign-in.
  const sessionKeys = secretSetting('SESSION_KEYS_SECRET_ARN', 'SESSION_KEYS', keyringProblem);

  const authMethodRaw = read('OAUTH_CLIENT_AUTH_METHOD') ?? 'client_secret_basic';
  if (authMethodRaw !== 'client_secret_basic' && authMethodRaw !== 'client_secret_post') {
    problems.push('OAUTH_CLIENT_AUTH_METHOD must be client_secret_basic or client_secret_post');
  }

  const defaultScopes = provider?.kind === 'explicit' ? '' : 'openid profile email';
  const scopes = (read('OAUTH_SCOPES') ?? defaultScopes).split(/\s+/).filter(Boolean);
  if (scopes.some((scope) => !SCOPE_TOKEN.test(scope))) {
    problems.push('OAUTH_SCOPES contains a character not allowed in a scope');
  }
  const openid = scopes.includes('openid');
  if (!openid && provider?.kind === 'explicit' && !userinfoEndpoint) {
    problems.push('OAUTH_USERINFO_ENDPOINT is required with explicit endpoints: without an ID token it is what identifies the user');
  }
  if (openid && provider?.kind === 'explicit') {
    problems.push('the openid scope needs discovery: set OAUTH_ISSUER without explicit endpoints');
  }

  const publicBaseUrl = url('PUBLIC_BASE_URL', true);
  if (publicBaseUrl && (publicBaseUrl.search || publicBaseUrl.pathname !== '/')) {
    problems.push('PUBLIC_BASE_URL must be an origin without path or query, e.g. https://login.example.com');
  }
  const apiUrl = (name: string, raw: string | undefined): URL | undefined => {
    const parsed = raw === undefined ? undefined : checkedUrl(name, raw);
    if (parsed?.search) problems.push(`${name} must not contain a query`);
    return parsed;
  };
  const upstreamApiUrl = apiUrl('UPSTREAM_API_URL', read('UPSTREAM_API_URL'));
  const upstreamApis = upstreamApisSetting(read('UPSTREAM_APIS'), read('UPSTREAM_API_URL'), { label: 'UPSTREAM_APIS', problems, checkUrl: apiUrl });

  const tableName = read('TABLE_NAME');
  if (!tableName) problems.push('TABLE_NAME is required');
  const dynamodbEndpoint = url('DYNAMODB_ENDPOINT', false);
  if (dynamodbEndpoint && !isLoopbackUrl(dynamodbEndpoint)) problems.push('DYNAMODB_ENDPOINT is for local runs and must be a loopback URL');

  const returnToAllowedOrigins: string[] = [];
  for (const raw of (read('RETURN_TO_ALLOWED_ORIGINS') ?? '').split(',').map((s) => s.trim()).filter(Boolean)) {
    try {
      const origin = new URL(raw);
      if (origin.origin === 'null' || origin.href !== `${origin.origin}/` || (origin.protocol !== 'https:' && !isLoopbackUrl(origin))) throw new Error();
      returnToAllowedOrigins.push(origin.origin);
    } catch {
      problems.push(`RETURN_TO_ALLOWED_ORIGINS entry is not an https origin: ${raw.slice(0, 100)}`);
    }
  }

  const loginTimeoutSeconds = integer('LOGIN_TIMEOUT_SECONDS', 600, 60, 3_600);
  const sessionLifetimeSeconds = integer('SESSION_LIFETIME_SECONDS', 8 * 3_600, 300, 30 * 86_400);
  const sessionIdleTimeoutSeconds = integer('SESSION_IDLE_TIMEOUT_SECONDS', 3_600, 60, 30 * 86_400);
  const tokenRefreshSkewSeconds = integer('TOKEN_REFRESH_SKEW_SECONDS', 60, 0, 600);
  // Caps keep the longest chain of calls in one request (a cold /callback makes six) inside
  // API Gateway's 30 s: the function then answers 504 itself instead of being cut off.
  const providerTimeoutMs = integer('PROVIDER_TIMEOUT_MS', 5_000, 100, 10_000);
  const upstreamTimeoutMs = integer('UPSTREAM_TIMEOUT_MS', 10_000, 100, 25_000);
  const storeTimeoutMs = integer('STORE_TIMEOUT_MS', 2_000, 100, 5_000);

  const claimNames = (read('AUTHORIZER_CLAIMS') ?? 'sub').split(',').map((name) => name.trim()).filter(Boolean);
  const unknownClaims = claimNames.filter((name) => !(CONTEXT_CLAIMS as readonly string[]).includes(name));
  if (unknownClaims.length > 0) problems.push(`AUTHORIZER_CLAIMS may list only ${CONTEXT_CLAIMS.join(', ')}, not ${unknownClaims.join(', ').slice(0, 100)}`);
  const authorizerClaims = CONTEXT_CLAIMS.filter((name) => name === 'sub' || claimNames.includes(name));

  if (problems.length > 0 || !provider || !clientId || !clientSecret || !sessionKeys || !publicBaseUrl || (!upstreamApiUrl && upstreamApis.length === 0) || !tableName) {
    throw new ConfigError(problems);
  }
  return Object.freeze({
    provider,
    clientId,
    clientSecret,
    sessionKeys,
    clientAuthMethod: authMethodRaw as ClientAuthMethod,
    scopes: Object.freeze(scopes),
    openid,
    publicBaseUrl,
    redirectUri: new URL('/callback', publicBaseUrl).href,
    upstreamApiUrl,
    upstreamApis: Object.freeze(upstreamApis),
    tableName,
    dynamodbEndpoint: dynamodbEndpoint?.href,
    returnToAllowedOrigins: Object.freeze(returnToAllowedOrigins),
    loginTimeoutSeconds,
    sessionLifetimeSeconds,
    sessionIdleTimeoutSeconds,
    tokenRefreshSkewSeconds,
    providerTimeoutMs,
    upstreamTimeoutMs,
    storeTimeoutMs,
    authorizerClaims: Object.freeze(authorizerClaims),
  });
}

