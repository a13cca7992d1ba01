import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { staticClientSecret, SecretsManagerClientSecret, type ClientSecretSource } from './adapters/client-secret';
import { DynamoDbStore } from './adapters/dynamodb-store';
import { OAuthIdentityProvider } from './adapters/oauth-provider';
import { HttpUpstream } from './adapters/upstream-http';
import { loadConfig, type Config } from './config';
import { systemClock } from './core/ports';

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

export const store = /* @__PURE__ */ once(() => {
  const { dynamodbEndpoint, tableName, storeTimeoutMs } = config();
  const client = new DynamoDBClient({ ...(dynamodbEndpoint ? { endpoint: dynamodbEndpoint } : {}), maxAttempts: 2 });
  return new DynamoDbStore(client, tableName, storeTimeoutMs);
});

const clientSecret = /* @__PURE__ */ once((): ClientSecretSource => {
  const { clientSecret: secret, providerTimeoutMs } = config();
  if (secret.source === 'environment') return staticClientSecret(secret.value);
  return new SecretsManagerClientSecret(new SecretsManagerClient({ maxAttempts: 2 }), secret.secretId, secret.refreshSeconds, providerTimeoutMs, systemClock);
});

export const identityProvider = /* @__PURE__ */ once(() => new OAuthIdentityProvider(config(), clientSecret()));

export const upstream = /* @__PURE__ */ once(() => new HttpUpstream(config().upstreamTimeoutMs));

export const clock = systemClock;

/** Where login and logout may send the browser afterwards: this origin, plus the allow-listed ones. */
export function returnToPolicy(): { ownOrigin: string; returnToAllowedOrigins: readonly string[] } {
  const { publicBaseUrl, returnToAllowedOrigins } = config();
  return { ownOrigin: publicBaseUrl.origin, returnToAllowedOrigins };
}
