/**
 * `npm start` against a provider of the developer's choice (OAUTH_ISSUER or explicit endpoints set):
 * the same handlers, that provider and that upstream API. Only DynamoDB may still be embedded.
 */
import { loadConfig } from '../functions/settings/config';
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
