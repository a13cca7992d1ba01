/**
 * Everything `npm start` needs with no configuration at all: DynamoDB in memory, the development
 * identity provider, the demo protected API and the local API Gateway server, wired together through
 * the same environment variables the handlers read on Lambda.
 */
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../functions/settings/config';
import { startDemoApi } from './demo-api';
import { startDevProvider } from './dev-idp';
import { startEmbeddedDynamoDb } from './embedded-dynamodb';
import { closeInOrder, LOCAL_TABLE_NAME, localAwsDefaults, localSessionKeys, setEnvironment, type LocalStack } from './local-environment';
import type { Frontend } from './frontend';
import { localFunctions } from './local-functions';
import { startLocalServer, type RouteHandlers } from './server';
import { FUNCTION_TABLE } from '../infra/route-table';

export const LOCAL_CLIENT_ID = 'local-demo';

export interface EmbeddedStackOptions {
  /** Default 3000; 0 picks a free port. */
  readonly port?: number;
  /** Default: true unless a frontend is given. */
  readonly demoPage?: boolean;
  /** The team's web app on the same origin (FRONTEND_URL or FRONTEND_DIR: local/frontend.ts). */
  readonly frontend?: Frontend;
  /** Default: the handlers in functions/. */
  readonly handlers?: RouteHandlers;
  /** Where the session events are printed; default nowhere (they are still kept for the demo page). */
  readonly print?: (line: string) => void;
}

export interface EmbeddedStack extends LocalStack {
  readonly issuer: string;
  readonly upstreamUrl: string;
  readonly dynamodbEndpoint: string;
  readonly tableName: string;
}

export async function startEmbeddedStack(options: EmbeddedStackOptions = {}): Promise<EmbeddedStack> {
  const closers: Array<() => unknown> = [];
  // Stops what has started so far when starting fails part way.
  const stop = () => closeInOrder([...closers].reverse());
  try {
    // The server comes first because the redirect URI contains its port. Nobody knows its URL until
    // this function returns, so no request reaches a handler before the environment below is set.
    const functions = localFunctions(options.print);
    const server = await startLocalServer({
      port: options.port ?? 3000,
      demoPage: options.demoPage ?? !options.frontend,
      frontend: options.frontend,
      ...(options.handlers ? { handlers: options.handlers } : {}),
      parts: functions.parts,
      authorizedApi: functions.authorizedApi,
      eventLog: functions.eventLog,
    });
    closers.push(() => server.close());

    const tableName = LOCAL_TABLE_NAME;
    const dynamodb = await startEmbeddedDynamoDb({ tableName });
    closers.push(() => dynamodb.close());

    // A fresh secret per start: nothing outside this process ever needs it.
    const clientSecret = randomBytes(32).toString('base64url');
    const idp = await startDevProvider({
      clients: [
        {
          clientId: LOCAL_CLIENT_ID,
          clientSecret,
          redirectUris: [`${server.url}/callback`],
          postLogoutRedirectUris: [`${server.url}${FUNCTION_TABLE.LogoutDone.route.path}`],
          backchannelLogoutUri: `${server.url}${FUNCTION_TABLE.BackchannelLogout.route.path}`,
        },
      ],
    });
    closers.push(() => idp.close());

    const api = await startDemoApi({ issuer: idp.issuer });
    closers.push(() => api.close());

    const restoreEnvironment = setEnvironment({
      ...localAwsDefaults(process.env),
      ...localSessionKeys(process.env),
      OAUTH_ISSUER: idp.issuer,
      OAUTH_CLIENT_ID: LOCAL_CLIENT_ID,
      OAUTH_CLIENT_SECRET: clientSecret,
      PUBLIC_BASE_URL: server.url,
      UPSTREAM_API_URL: api.url,
      TABLE_NAME: tableName,
      DYNAMODB_ENDPOINT: dynamodb.endpoint,
    });
    closers.unshift(restoreEnvironment);
    // Settings the developer left in the environment (scopes, timeouts) still apply; check them now
    // rather than on the first request.
    functions.connect(loadConfig(process.env));

    return {
      url: server.url,
      issuer: idp.issuer,
      upstreamUrl: api.url,
      dynamodbEndpoint: dynamodb.endpoint,
      tableName,
      // The server first, so no request arrives at a handler whose dependencies are gone.
      close: () => closeInOrder([() => server.close(), () => api.close(), () => idp.close(), () => dynamodb.close(), restoreEnvironment]),
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}
