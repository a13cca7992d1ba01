/**
 * `npm start` against a provider of the developer's choice (OAUTH_ISSUER or explicit endpoints set):
 * the same handlers, that provider and that upstream API. Only DynamoDB may still be embedded. The
 * provider's discovery document is read before anything starts, so an issuer it does not name
 * stops the start with what to set instead.
 */
import { OAuthConnection } from '../functions/adapters/oauth/oauth-connection';
import { issuerProblem } from '../functions/adapters/oauth/issuer-mismatch';
import type { ServiceError } from '../functions/core/errors';
import { ConfigError, loadConfig, type Config } from '../functions/settings/config';
import { ensureTable, startEmbeddedDynamoDb } from './embedded-dynamodb';
import { closeInOrder, LOCAL_TABLE_NAME, localAwsDefaults, localSessionKeys, setEnvironment, type LocalStack } from './local-environment';
import type { Frontend } from './frontend';
import { localFunctions } from './local-functions';
import { startLocalServer } from './server';
import { loopbackUrl, LOOPBACK_HOST } from './server-lifecycle';

export interface ConfiguredStackOptions {
  /** Port of the local server; PUBLIC_BASE_URL defaults to http://127.0.0.1:<port>. */
  readonly port: number;
  /** Default: true unless a frontend is given. */
  readonly demoPage?: boolean;
  /** The team's web app on the same origin (FRONTEND_URL or FRONTEND_DIR: local/frontend.ts). */
  readonly frontend?: Frontend;
  /** Where the session events are printed; default nowhere. */
  readonly print?: (line: string) => void;
}

export interface ConfiguredStack extends LocalStack {
  /** Set when DYNAMODB_ENDPOINT was not given and an in-memory DynamoDB was started. */
  readonly embeddedDynamoDb: boolean;
}

export async function startConfiguredStack(options: ConfiguredStackOptions): Promise<ConfiguredStack> {
  const env = process.env;
  const defaults: Record<string, string> = { ...localAwsDefaults(env), ...localSessionKeys(env) };
  if (!env.PUBLIC_BASE_URL?.trim()) defaults.PUBLIC_BASE_URL = loopbackUrl(LOOPBACK_HOST, options.port);
  if (!env.TABLE_NAME?.trim()) defaults.TABLE_NAME = LOCAL_TABLE_NAME;
  const restoreEnvironment = setEnvironment(defaults);
  const closers: Array<() => unknown> = [restoreEnvironment];
  try {
    // Every configuration problem is reported before anything starts.
    const config = loadConfig(process.env);
    await checkDiscovery(config);
    const embedded = config.dynamodbEndpoint === undefined;
    if (embedded) {
      const dynamodb = await startEmbeddedDynamoDb({ tableName: config.tableName });
      closers.unshift(() => dynamodb.close());
      closers.unshift(setEnvironment({ DYNAMODB_ENDPOINT: dynamodb.endpoint }));
    } else {
      await ensureTable(config.dynamodbEndpoint!, config.tableName);
    }
    const functions = localFunctions(options.print);
    functions.connect(loadConfig(process.env));
    const server = await startLocalServer({
      port: options.port,
      demoPage: options.demoPage ?? !options.frontend,
      frontend: options.frontend,
      parts: functions.parts,
      authorizedApi: functions.authorizedApi,
      eventLog: functions.eventLog,
    });
    closers.unshift(() => server.close());
    return { url: server.url, embeddedDynamoDb: embedded, close: () => closeInOrder(closers) };
  } catch (error) {
    await closeInOrder(closers).catch(() => undefined);
    throw error;
  }
}

/**
 * The provider's discovery document, read once: an issuer the document does not name is a
 * configuration problem (a ConfigError, as `npm start` reports every other one). A provider that
 * cannot be reached yet is only reported: every sign-in reads the document again until it can.
 * An issuer without a path is one URL with or without its slash, so sign-in works either way; the
 * session events name the issuer as written, though, and subscribers compare it with tokens' `iss`.
 */
async function checkDiscovery(config: Config, written = process.env.OAUTH_ISSUER?.trim()): Promise<void> {
  if (config.provider.kind !== 'discovery') return;
  const noSecret = () => Promise.reject(new Error('discovery needs no client secret'));
  try {
    const { issuer } = await new OAuthConnection(config, { get: noSecret, refresh: noSecret }).metadata();
    if (written !== issuer) console.warn(`OAUTH_ISSUER is ${written} and the provider's discovery document writes ${issuer}: the same URL, but session events name the issuer as OAUTH_ISSUER writes it; set OAUTH_ISSUER=${issuer}`);
  } catch (error) {
    const problem = issuerProblem(error, config.provider);
    if (problem !== undefined) throw new ConfigError([problem]);
    console.warn(`The provider's discovery document could not be read yet (${(error as ServiceError).code ?? 'unknown error'}); sign-in reads it again.`);
  }
}
