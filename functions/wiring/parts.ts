import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { staticClientSecret, SecretsManagerClientSecret, type ClientSecretSource } from '../adapters/secrets-manager/client-secret';
import { DynamoDbSessionStore, DynamoDbStore } from '../adapters/dynamodb/dynamodb-store';
import { parseKeyring, type Keyring } from '../adapters/encryption/keyring';
import { OAuthConnection } from '../adapters/oauth/oauth-connection';
import { OAuthSessionTokens, OAuthTokenRefresh } from '../adapters/oauth/oauth-session-tokens';
import { OAuthSignIn } from '../adapters/oauth/oauth-sign-in';
import { SecretsManagerSecret, staticSecret, type SecretSource } from '../adapters/secrets-manager/secrets-manager-secret';
import { KeyringTokenVault } from '../adapters/encryption/token-vault';
import { HttpUpstream } from '../adapters/upstream/upstream-http';
import { loadConfig, type Config } from '../settings/config';
import { ServiceError } from '../core/errors';
import { systemClock } from '../core/ports';
import type { TokenDependencies } from '../core/sessions/session-tokens';

/**
 * The composition root for Lambda and the local server: each piece is built on first use and
 * kept for the life of the instance (warm invocations reuse clients, metadata and keys). Pieces
 * are separate functions so a handler's bundle holds only what that handler uses: /api never
 * loads the OAuth library. The `@__PURE__` marks let the bundler drop the pieces a handler never
 * calls, which it cannot prove side-effect free by itself.
 */
function once<T>(build: () => T): () => T {
  let value: T | undefined;
  let built = false;
  return () => {
    if (!built) {
      value = build();
      built = true;
    }
    return value as T;
  };
}

export const config = /* @__PURE__ */ once((): Config => loadConfig(process.env));

const dynamoDb = /* @__PURE__ */ once(() => {
  const { dynamodbEndpoint } = config();
  return new DynamoDBClient({ ...(dynamodbEndpoint ? { endpoint: dynamodbEndpoint } : {}), maxAttempts: 2 });
});

/** Login transactions and sessions (/login, /callback, /session, /logout). */
export const store = /* @__PURE__ */ once(() => new DynamoDbStore(dynamoDb(), config().tableName, config().storeTimeoutMs));

/** Sessions only (/api): the login transaction writes stay out of its bundle. */
const sessionStore = /* @__PURE__ */ once(() => new DynamoDbSessionStore(dynamoDb(), config().tableName, config().storeTimeoutMs));

const secretsManager = /* @__PURE__ */ once(() => new SecretsManagerClient({ maxAttempts: 2 }));

const clientSecret = /* @__PURE__ */ once((): ClientSecretSource => {
  const { clientSecret: secret, providerTimeoutMs } = config();
  if (secret.source === 'environment') return staticClientSecret(secret.value);
  return new SecretsManagerClientSecret(secretsManager(), secret.secretId, secret.refreshSeconds, providerTimeoutMs, systemClock);
});

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

export const vault = /* @__PURE__ */ once(() => new KeyringTokenVault(keyring()));

const connection = /* @__PURE__ */ once(() => new OAuthConnection(config(), clientSecret()));

/** Completes sign-ins (/callback). */
export const signIn = /* @__PURE__ */ once(() => new OAuthSignIn(connection()));

/** Revokes tokens and ends sessions at the provider (/logout). */
export const sessionTokens = /* @__PURE__ */ once(() => new OAuthSessionTokens(connection()));

/** Refreshes tokens (/api): without the logout step. */
const tokenRefresh = /* @__PURE__ */ once(() => new OAuthTokenRefresh(connection()));

/** For requests that never authenticate the client (/login): the Secrets Manager client stays out of that bundle. */
const refuseClientSecret = () => Promise.reject(new ServiceError('client_misconfigured', { detail: 'this route has no client secret' }));
const noClientSecret: ClientSecretSource = { get: refuseClientSecret, refresh: refuseClientSecret };

/** Starts sign-ins (/login): an authorization request needs no client authentication. */
export const authorizationRequests = /* @__PURE__ */ once(() => new OAuthSignIn(new OAuthConnection(config(), noClientSecret)));

export const upstream = /* @__PURE__ */ once(() => new HttpUpstream(config().upstreamTimeoutMs));

export const clock = systemClock;

/**
 * A refresh lease outlives any request that could hold it (API Gateway ends every request at
 * 30 s), so two refreshes of one session can never overlap. Others wait about one provider call.
 */
const REFRESH_LEASE_MS = 30_000;

/** What reading a session's tokens (and refreshing them) needs: /api and the authorizer-style routes. */
export function tokenDependencies(): TokenDependencies {
  const { tokenRefreshSkewSeconds, providerTimeoutMs } = config();
  return {
    sessions: sessionStore(),
    vault: vault(),
    provider: tokenRefresh(),
    clock,
    refreshSkewSeconds: tokenRefreshSkewSeconds,
    leaseMs: REFRESH_LEASE_MS,
    waitMs: providerTimeoutMs + 1_000,
  };
}

/** Where login and logout may send the browser afterwards: this origin, plus the allow-listed ones. */
export function returnToPolicy(): { ownOrigin: string; returnToAllowedOrigins: readonly string[] } {
  const { publicBaseUrl, returnToAllowedOrigins } = config();
  return { ownOrigin: publicBaseUrl.origin, returnToAllowedOrigins };
}
