/**
 * The parts every function is wired from: the composition root for Lambda, the local runtime and
 * the tests alike. Each part is built on first use and kept for the life of the instance (warm
 * invocations reuse clients, metadata and keys). Parts are separate functions so a handler's
 * bundle holds only what that handler uses: /api never loads the sign-in code. The `@__PURE__`
 * marks let the bundler drop the parts a handler never calls, which it cannot prove side-effect
 * free by itself.
 *
 * Which parts each function uses is said once, in its entry (`functions/<name>.ts`). The local
 * runtime and the tests run those same entries; a test replaces parts (a store, a clock, a
 * provider) for the work it runs (see `local/parts-scope.ts`), never the wiring.
 */
import { dynamoDbApi, type DynamoDbApi } from '../adapters/dynamodb/dynamodb-api';
import { staticClientSecret, SecretsManagerClientSecret } from '../adapters/secrets-manager/client-secret';
import { parseClientKeys, type ClientKeys } from '../adapters/oauth/client-keys';
import { KmsClientKeys } from '../adapters/kms/kms-client-keys';
import { KmsHttpApi, type KmsApi } from '../adapters/kms/kms-api';
import { DynamoDbSessionStore, DynamoDbStore } from '../adapters/dynamodb/dynamodb-store';
import { DynamoDbUserSessions } from '../adapters/dynamodb/user-session-index';
import { OAuthLogoutTokens } from '../adapters/oauth/logout-token';
import { parseKeyring, type Keyring } from '../adapters/encryption/keyring';
import { OAuthConnection, type ClientCredential } from '../adapters/oauth/oauth-connection';
import { issuerOf, unverifiedIssuer } from '../adapters/oauth/provider-issuer';
import type { PublishedKey } from '../adapters/oauth/client-assertion';
import { OAuthSessionTokens, OAuthTokenRefresh } from '../adapters/oauth/oauth-session-tokens';
import { OAuthSignIn } from '../adapters/oauth/oauth-sign-in';
import { SecretsManagerSecret, secretsManagerApi, staticSecret, type SecretSource } from '../adapters/secrets-manager/secrets-manager-secret';
import { KeyringTokenVault } from '../adapters/encryption/token-vault';
import { HttpUpstream } from '../adapters/upstream/upstream-http';
import { EventBridgePublisher, eventBridgeApi, type EventBridgeApi } from '../adapters/eventbridge/eventbridge-publisher';
import { logger } from '../adapters/logs/logger';
import { setMetricsNamespace } from '../adapters/metrics/embedded-metrics';
import { setHomeLink } from '../adapters/api-gateway/response';
import type { EventPublisher, PublishOptions } from '../core/session-events/publish-session-events';
import { loadConfig, type Config, type ProviderProfile } from '../settings/config';
import { loadEventsConfig, type EventsConfig } from '../settings/events-config';
import { loadFrontDoorConfig } from '../settings/front-door-config';
import { parseOriginSecret } from '../adapters/api-gateway/front-door-handler';
import type { OriginSecret } from '../core/front-door/origin-check';
import { ServiceError } from '../core/errors';
import {
  systemClock,
  type Clock,
  type IdentityProvider,
  type LoginTransactionStore,
  type LogoutTokenVerifier,
  type ReplayGuard,
  type SessionStore,
  type TokenVault,
  type Upstream,
  type UserSessionIndex,
} from '../core/ports';
import type { TokenDependencies } from '../core/sessions/session-tokens';
import type { RevocationDependencies } from '../core/sessions/revocation';

/** The parts a test or the local runtime may replace, by name. */
export interface ReplaceableParts {
  /** The settings; built from the environment, they also set the logs' level, the metrics' namespace and the error pages' home link (a replacement sets none). */
  readonly config: Config;
  /** The client every DynamoDB store is built on. */
  readonly dynamoDb: DynamoDbApi;
  /** Login transactions and sessions; also serves as `sessionStore` unless that is replaced too. */
  readonly store: LoginTransactionStore & SessionStore;
  readonly sessionStore: SessionStore;
  readonly vault: TokenVault;
  /** The identity provider for every step: sign-in, refresh, revocation and logout. */
  readonly provider: IdentityProvider;
  readonly upstream: Upstream;
  readonly clock: Clock;
  /** How long a refresh lease holds, and how long others wait for it. */
  readonly refreshTiming: { readonly leaseMs: number; readonly waitMs: number };
  /** The events function's settings (built from the environment, they also set the logs' level), and where it publishes. */
  readonly eventsConfig: EventsConfig;
  /** The KMS calls that sign with the client's KMS keys (private_key_jwt with OAUTH_CLIENT_SIGNING_KEY_ARN); tests point them at an emulator. */
  readonly kms: KmsApi;
  /** Each provider's keys for private_key_jwt, by provider name, as the settings name them; a test swaps them for a rollover. */
  readonly clientKeys: (provider: string) => SecretSource<ClientKeys>;
  /** The client the publisher is built on, unless the publisher is replaced. */
  readonly eventBridge: EventBridgeApi;
  readonly publisher: EventPublisher;
  /** How often the events function sends the entries EventBridge refused within one invocation, and how long it waits between. */
  readonly publishRetry: PublishOptions;
}

type PartName = keyof ReplaceableParts;

/** Parts replaced for a stretch of work (one local server, one test), and what was built from them there. */
export interface PartsScope {
  readonly replacements: Partial<ReplaceableParts>;
  readonly built: Map<object, unknown>;
}

let activeScope: () => PartsScope | undefined = () => undefined;

/** How the local runtime tells which scope the work under way belongs to. Never called on Lambda. */
export function usePartsScopes(current: () => PartsScope | undefined): void {
  activeScope = current;
}

/**
 * A part built once from `build`. Within a scope: the scope's replacement for `name` (or, failing
 * that, for `alias`), else built once for that scope, from the scope's other parts.
 */
function part<T>(name: PartName | undefined, build: () => T, alias?: PartName): () => T {
  let value: T | undefined;
  let built = false;
  const key = {};
  return () => {
    const scope = activeScope();
    if (scope) {
      const replacement = (name && scope.replacements[name]) ?? (alias && scope.replacements[alias]);
      if (replacement !== undefined) return replacement as T;
      if (!scope.built.has(key)) scope.built.set(key, build());
      return scope.built.get(key) as T;
    }
    if (!built) {
      value = build();
      built = true;
    }
    return value as T;
  };
}

/** A building block of parts, never replaced itself (its replacement is that of the parts it serves). */
function once<T>(build: () => T): () => T {
  return part(undefined, build);
}

/** The settings, read once; the logs' level, the metrics' namespace and the error pages' home link follow them from then on. */
export const config = /* @__PURE__ */ part('config', (): Config => {
  const loaded = loadConfig(process.env);
  logger.setLogLevel(loaded.logLevel);
  setMetricsNamespace(loaded.metricsNamespace);
  setHomeLink(loaded.homeUrl);
  return loaded;
});

export const dynamoDb = /* @__PURE__ */ part('dynamoDb', (): DynamoDbApi => {
  const { dynamodbEndpoint } = config();
  return dynamoDbApi(dynamodbEndpoint ? { endpoint: dynamodbEndpoint } : {});
});

/** Login transactions and sessions (/login, /callback, /session, /logout). */
export const store = /* @__PURE__ */ part('store', (): LoginTransactionStore & SessionStore => new DynamoDbStore(dynamoDb(), config().tableName, config().storeTimeoutMs));

/** Sessions only (/api, /session, the authorizer): the login transaction writes stay out of their bundles. */
export const sessionStore = /* @__PURE__ */ part('sessionStore', (): SessionStore => new DynamoDbSessionStore(dynamoDb(), config().tableName, config().storeTimeoutMs), 'store');

/** Sessions found by their user, and one-time logout token ids (/backchannel-logout): the index queries stay out of the other bundles. */
export const userSessions = /* @__PURE__ */ part(undefined, (): SessionStore & UserSessionIndex & ReplayGuard => new DynamoDbUserSessions(dynamoDb(), config().tableName, config().storeTimeoutMs), 'store');

const secretsManager = /* @__PURE__ */ once(() => secretsManagerApi());

const kms = /* @__PURE__ */ part('kms', (): KmsApi => new KmsHttpApi());

/**
 * Something built once per provider, on first use: the provider named (unnamed: the one provider of
 * the OAUTH_ variables), or else ServiceError `unknown`. Discovery, keys and credentials are so read
 * for the providers a request uses only.
 */
function perProvider<T>(build: (profile: ProviderProfile) => T, unknown: 'unknown_provider' | 'session_ended' = 'unknown_provider'): (name?: string) => T {
  const built = new Map<string, T>();
  return (name) => {
    const { providers, namedProviders } = config();
    // Unnamed means the one provider of the OAUTH_ variables; with OAUTH_PROVIDERS every login and
    // session names its provider, so one that names none (from before the list) matches none.
    const profile = name === undefined ? (namedProviders ? undefined : providers[0]) : providers.find((candidate) => candidate.name === name);
    // A session of a provider since removed from the configuration cannot go on: it ends.
    if (!profile) throw new ServiceError(unknown, { detail: 'provider no longer configured' });
    if (!built.has(profile.name)) built.set(profile.name, build(profile));
    return built.get(profile.name)!;
  };
}

/** A provider's own keys (private_key_jwt): in KMS, or used in process from the secret (or, in local runs, the setting) that holds them. */
function keysOf(profile: ProviderProfile): SecretSource<ClientKeys> {
  const { clientPrivateKey: key, clientSigningKeyArn: keyArns } = profile;
  const { providerTimeoutMs } = config();
  if (keyArns.length > 0) return new KmsClientKeys(kms(), keyArns, providerTimeoutMs);
  if (!key) return staticSecret<ClientKeys>({ clientAuth: () => () => Promise.reject(new ServiceError('client_misconfigured', { detail: 'no client key' })), publicKeys: [] });
  if (key.source === 'environment') {
    let parsed: ClientKeys | undefined;
    const read = async () => (parsed ??= parseClientKeys(key.value));
    return { get: read, refresh: read };
  }
  return new SecretsManagerSecret(secretsManager(), key.secretId, (text) => parseClientKeys(text ?? ''), key.refreshSeconds, providerTimeoutMs, systemClock);
}

/** Each provider's keys for private_key_jwt, by name, read on first use. */
const clientKeys = /* @__PURE__ */ part('clientKeys', (): ((provider: string) => SecretSource<ClientKeys>) => perProvider(keysOf));

/**
 * Every public key /.well-known/jwks.json publishes: those of each provider the client
 * authenticates at with private_key_jwt, each key once.
 */
export const publishedKeys = /* @__PURE__ */ once(() => async (): Promise<readonly PublishedKey[]> => {
  const keyed = config().providers.filter((profile) => profile.clientAuthMethod === 'private_key_jwt');
  const sets = await Promise.all(keyed.map((profile) => clientKeys()(profile.name).get()));
  return [...new Map(sets.flatMap((keys) => keys.publicKeys).map((key) => [key.kid, key])).values()];
});

/** A provider's credential where a request authenticates the client: its secret, or its keys (private_key_jwt). Built on first use. */
const credentialsOf = /* @__PURE__ */ once(() => perProvider((profile): SecretSource<ClientCredential> => {
  let built: SecretSource<ClientCredential> | undefined;
  const source = (): SecretSource<ClientCredential> => {
    if (built) return built;
    const { clientAuthMethod, clientSecret: secret } = profile;
    if (clientAuthMethod === 'private_key_jwt') return (built = clientKeys()(profile.name));
    if (!secret) throw new ServiceError('client_misconfigured', { detail: 'no client secret' });
    if (secret.source === 'environment') return (built = staticClientSecret(secret.value));
    return (built = new SecretsManagerClientSecret(secretsManager(), secret.secretId, secret.refreshSeconds, config().providerTimeoutMs, systemClock));
  };
  // A route that only may authenticate the client (/login, with PAR) builds no client before it does.
  return { get: () => source().get(), refresh: () => source().refresh() };
}));

/** One provider's connection: its settings over the service's, its credential. */
const connectionTo = (profile: ProviderProfile, credentials: SecretSource<ClientCredential>) => new OAuthConnection({ ...config(), ...profile }, credentials);

const keyring = /* @__PURE__ */ once((): SecretSource<Keyring> => {
  const { sessionKeys, providerTimeoutMs } = config();
  if (sessionKeys.source === 'environment') return staticSecret(parseKeyring(sessionKeys.value));
  const parse = (text: string | undefined) => {
    try {
      return parseKeyring(text);
    } catch (error) {
      throw new ServiceError('client_misconfigured', { cause: error, detail: 'the session keyring secret is not usable' });
    }
  };
  return new SecretsManagerSecret(secretsManager(), sessionKeys.secretId, parse, sessionKeys.refreshSeconds, providerTimeoutMs, systemClock);
});

export const vault = /* @__PURE__ */ part('vault', (): TokenVault => new KeyringTokenVault(keyring(), config().sessionTokenFormat));

/** The providers' connections that authenticate the client, one per provider, shared by the adapters a function uses. */
const connections = /* @__PURE__ */ once(() => perProvider((profile) => connectionTo(profile, credentialsOf()(profile.name))));

/** Sign-in at the login's provider: a connection of its own per provider (/login and /callback are separate functions). */
function signInAt(connection: (name?: string) => OAuthConnection): Pick<IdentityProvider, 'createAuthorizationRequest' | 'completeLogin'> {
  const at = perProvider((profile) => new OAuthSignIn(connection(profile.name)));
  return {
    createAuthorizationRequest: async (options) => at(options?.provider).createAuthorizationRequest(options),
    completeLogin: async (check) => at(check.provider).completeLogin(check),
  };
}

/** Completes sign-ins (/callback). */
export const signIn = /* @__PURE__ */ part(undefined, (): Pick<IdentityProvider, 'createAuthorizationRequest' | 'completeLogin'> => signInAt(connections()), 'provider');

/** A session's refreshes and revocations at its own provider; a provider no longer listed ends the session. */
function tokensAt<T extends OAuthTokenRefresh>(build: (connection: OAuthConnection) => T): { at: (name?: string) => T } & Pick<IdentityProvider, 'refresh' | 'revoke'> {
  const at = perProvider((profile) => build(connections()(profile.name)), 'session_ended');
  return {
    at,
    refresh: async (refreshToken, target, provider) => at(provider).refresh(refreshToken, target),
    revoke: async (token, hint, provider) => at(provider).revoke(token, hint),
  };
}

/** Revokes tokens and ends sessions at the session's provider (/logout). */
export const sessionTokens = /* @__PURE__ */ part(undefined, (): Pick<IdentityProvider, 'endSessionUrl' | 'revoke' | 'refresh'> => {
  const { at, ...tokens } = tokensAt((connection) => new OAuthSessionTokens(connection));
  return { ...tokens, endSessionUrl: async (options) => at(options.provider).endSessionUrl(options) };
}, 'provider');

/** Refreshes tokens at the session's provider (/api): without the logout step. */
const tokenRefresh = /* @__PURE__ */ part(undefined, (): Pick<IdentityProvider, 'refresh' | 'revoke'> => {
  const { at: _at, ...tokens } = tokensAt((connection) => new OAuthTokenRefresh(connection));
  return tokens;
}, 'provider');

/** For requests that never authenticate the client (/backchannel-logout): no secret or key client in that bundle. */
const refuseCredential = () => Promise.reject(new ServiceError('client_misconfigured', { detail: 'this route has no client credential' }));
const noCredential: SecretSource<ClientCredential> = { get: refuseCredential, refresh: refuseCredential };

/**
 * Validates the providers' logout tokens (/backchannel-logout): each with the keys of the provider
 * its `iss` names, no client secret. A token naming none of them is refused.
 */
export const logoutTokens = /* @__PURE__ */ part(undefined, (): LogoutTokenVerifier => {
  const at = perProvider((profile) => new OAuthLogoutTokens(connectionTo(profile, noCredential), clock(), config().logoutTokenMaxAgeSeconds));
  return {
    async verify(logoutToken) {
      const [profile] = config().providers.length === 1 ? config().providers : config().providers.filter((candidate) => issuerOf(candidate) === unverifiedIssuer(logoutToken));
      if (!profile) throw new ServiceError('invalid_request', { detail: 'logout token of no configured provider' });
      return at(profile.name).verify(logoutToken);
    },
  };
});

/** Starts sign-ins (/login): the client authenticates only to push the request (RFC 9126), where the provider takes it. */
export const authorizationRequests = /* @__PURE__ */ part(undefined, (): Pick<IdentityProvider, 'createAuthorizationRequest'> =>
  signInAt(perProvider((profile) => connectionTo(profile, credentialsOf()(profile.name)))), 'provider');

export const upstream = /* @__PURE__ */ part('upstream', (): Upstream => new HttpUpstream(config().upstreamTimeoutMs));

export const clock = /* @__PURE__ */ part('clock', (): Clock => systemClock);

/**
 * A refresh lease outlives any request that could hold it (API Gateway ends every request at
 * 30 s), so two refreshes of one session can never overlap. Others wait about one provider call.
 */
const REFRESH_LEASE_MS = 30_000;

const refreshTiming = /* @__PURE__ */ part('refreshTiming', () => ({ leaseMs: REFRESH_LEASE_MS, waitMs: config().providerTimeoutMs + 1_000 }));

/** What reading a session's tokens (and refreshing them) needs: /api. */
export function tokenDependencies(): TokenDependencies {
  return {
    sessions: sessionStore(),
    vault: vault(),
    provider: tokenRefresh(),
    clock: clock(),
    refreshSkewSeconds: config().tokenRefreshSkewSeconds,
    accessRules: config(),
    ...refreshTiming(),
  };
}

/** What revoking an ended session's tokens needs: back-channel logout, the kill switch, the user's own sessions. */
export function revocation(): RevocationDependencies {
  return { provider: tokenRefresh(), vault: vault() };
}

/** Where login and logout may send the browser afterwards: this origin, plus the allow-listed ones; home without a returnTo. */
export function returnToPolicy(): { ownOrigin: string; returnToAllowedOrigins: readonly string[]; homeUrl: string } {
  const { publicBaseUrl, returnToAllowedOrigins, homeUrl } = config();
  return { ownOrigin: publicBaseUrl.origin, returnToAllowedOrigins, homeUrl };
}

/** The events function's settings: none of the sign-in ones, so it starts without them. The logs' level follows them. */
export const eventsConfig = /* @__PURE__ */ part('eventsConfig', (): EventsConfig => {
  const loaded = loadEventsConfig(process.env);
  logger.setLogLevel(loaded.logLevel);
  return loaded;
});

const eventBridge = /* @__PURE__ */ part('eventBridge', () => eventBridgeApi());

/** Session events to EventBridge (the events function only). */
export const publisher = /* @__PURE__ */ part('publisher', (): EventPublisher => {
  const { eventBusName, source, publishTimeoutMs } = eventsConfig();
  return new EventBridgePublisher(eventBridge(), eventBusName, source, publishTimeoutMs);
});

/** Entries EventBridge refused are sent again twice within the invocation, before the stream delivers the batch again. */
export const publishRetry = /* @__PURE__ */ part('publishRetry', (): PublishOptions => ({ attempts: 3, backoffMs: 100 }));

/** The front-door function's settings (none of the sign-in ones); the logs' level follows them. */
const frontDoorConfig = /* @__PURE__ */ once(() => {
  const loaded = loadFrontDoorConfig(process.env);
  logger.setLogLevel(loaded.logLevel);
  return loaded;
});

/** The values CloudFront's origin header may carry (the front-door function only), re-read like every secret. */
export const originSecret = /* @__PURE__ */ once((): SecretSource<OriginSecret> => {
  const { originSecret: secret, timeoutMs } = frontDoorConfig();
  if (secret.source === 'environment') return staticSecret(parseOriginSecret(secret.value));
  return new SecretsManagerSecret(secretsManager(), secret.secretId, parseOriginSecret, secret.refreshSeconds, timeoutMs, systemClock);
});
