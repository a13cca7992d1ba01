/**
 * What a deployed function talks to, on 127.0.0.1 for the bench, each counting the calls that reach
 * it: DynamoDB behind a counting proxy, a Secrets Manager endpoint, the development provider and an
 * upstream API. Sets the functions' environment for them and restores it on close.
 */
import { randomBytes } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createServer, type Server } from 'node:http';
import { createTestTable } from '../test/support/dynamodb-local';
import { startSecretsManagerEndpoint, type SecretsManagerEndpoint } from '../test/support/secrets-manager-endpoint';
import { startDevProvider, type DevProvider } from '../local/dev-idp';
import { FUNCTION_TABLE } from '../infra/route-table';
import { closeInOrder, setEnvironment } from '../local/local-environment';
import { closeServer, listenOnLoopback, LOOPBACK_HOST, loopbackUrl } from '../local/server-lifecycle';
import { startCountingProxy, type AwsCall, type CountingProxy } from './counting-proxy';

export const CLIENT_ID = 'bench-client';
const CLIENT_SECRET = 'bench-client-secret-long-enough-for-hmac-checks';
/** What a browser-facing origin would be; only used to build the redirect URI, nothing listens on it. */
export const PUBLIC_BASE_URL = 'http://127.0.0.1:9';

/** Everything one request did outside the function, counted where it arrived. */
export interface CallCounts {
  readonly dynamodb: readonly AwsCall[];
  /** New TCP connections to DynamoDB. */
  readonly dynamodbConnections: number;
  readonly secretsManager: number;
  readonly provider: number;
  readonly upstream: number;
}

export interface LocalServices {
  readonly issuer: string;
  /** The calls since the last `take`, and forgets them. */
  take(): CallCounts;
  close(): Promise<void>;
}

export interface LocalServicesOptions {
  /** A running DynamoDB Local or dynalite; a fresh table is created in it. */
  readonly dynamodbEndpoint: string;
  /** Access token lifetime at the development provider; default 3600 s. */
  readonly accessTokenTtlSeconds?: number;
  /** Extra environment for the functions (e.g. SECRET_REFRESH_SECONDS). */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * With more than one, OAUTH_PROVIDERS lists that many: `p1` the development provider (its redirect
   * URI /callback/p1), the others providers on addresses that no request may reach.
   */
  readonly providers?: number;
}

/**
 * The parts a deployed function talks to, on 127.0.0.1, each counting what reaches it: DynamoDB
 * behind a counting proxy, a Secrets Manager endpoint holding the client secret (the functions
 * read it through the real SDK client, as on AWS), the development OpenID provider and a small
 * upstream API. Sets the functions' environment; `close` stops everything and restores it.
 */
export async function startLocalServices(options: LocalServicesOptions): Promise<LocalServices> {
  const closers: Array<() => unknown> = [];
  try {
    const tableName = await createTestTable(options.dynamodbEndpoint);
    const proxy: CountingProxy = await startCountingProxy(options.dynamodbEndpoint);
    closers.push(() => proxy.close());

    const secrets: SecretsManagerEndpoint = await startSecretsManagerEndpoint();
    closers.push(() => secrets.close());
    const secretArn = secrets.setSecret('bench-client-secret', CLIENT_SECRET);
    // The session keyring comes from Secrets Manager too, as on Lambda.
    const keysArn = secrets.setSecret('bench-session-keys', JSON.stringify({ current: 'k1', k1: randomBytes(32).toString('base64url') }));

    const idp: DevProvider = await startDevProvider({
      clients: [{ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUris: [`${PUBLIC_BASE_URL}/callback`, `${PUBLIC_BASE_URL}/callback/p1`], postLogoutRedirectUris: [`${PUBLIC_BASE_URL}${FUNCTION_TABLE.LogoutDone.route.path}`] }],
      ...(options.accessTokenTtlSeconds ? { accessTokenTtlSeconds: options.accessTokenTtlSeconds } : {}),
      // As oidc-provider, Okta and Keycloak offer by default: /login pushes its request (RFC 9126).
      par: 'offered',
    });
    closers.push(() => idp.close());
    // Counted as they arrive at the provider's HTTP server. The browser's steps at the provider run
    // between invocations, and `take` is called around each invocation, so they are not counted.
    let providerCalls = 0;
    const providerPort = Number(new URL(idp.issuer).port);
    const onRequest = (message: unknown): void => {
      const address = (message as { server?: Server }).server?.address();
      if (address && typeof address === 'object' && address.port === providerPort) providerCalls += 1;
    };
    subscribe('http.server.request.start', onRequest);
    closers.push(() => unsubscribe('http.server.request.start', onRequest));

    let upstreamCalls = 0;
    const upstream = createServer((incoming, outgoing) => {
      upstreamCalls += 1;
      incoming.resume();
      incoming.once('end', () => {
        outgoing.writeHead(200, { 'content-type': 'application/json' });
        outgoing.end('{"ok":true}');
      });
    });
    const upstreamUrl = loopbackUrl(LOOPBACK_HOST, await listenOnLoopback(upstream, 0));
    closers.push(() => closeServer(upstream));

    let secretsBefore = secrets.calls;
    let connectionsBefore = proxy.connections;
    const restore = setEnvironment({
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      // The Secrets Manager client finds its endpoint the standard way (service-specific endpoint variable).
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.endpoint,
      ...((options.providers ?? 1) > 1
        ? {
            OAUTH_ISSUER: '', OAUTH_CLIENT_ID: '', OAUTH_CLIENT_SECRET_ARN: '',
            OAUTH_PROVIDERS: JSON.stringify(Array.from({ length: options.providers! }, (_, i) => ({
              name: `p${i + 1}`, issuer: i === 0 ? idp.issuer : `https://idp-${i + 1}.example.invalid`, clientId: i === 0 ? CLIENT_ID : `client-${i + 1}`, clientSecretArn: secretArn,
            }))),
          }
        : { OAUTH_ISSUER: idp.issuer, OAUTH_CLIENT_ID: CLIENT_ID, OAUTH_CLIENT_SECRET_ARN: secretArn }),
      SESSION_KEYS_SECRET_ARN: keysArn,
      SESSION_KEYS: '', // the test runs' own keyring (test/support/env.ts) would clash with the one above
      PUBLIC_BASE_URL,
      UPSTREAM_API_URL: upstreamUrl,
      TABLE_NAME: tableName,
      DYNAMODB_ENDPOINT: proxy.url,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'SILENT',
      // The format a deployment sets once no earlier version runs (docs/sessions.md), which the cost model counts.
      SESSION_TOKEN_FORMAT: 'v2',
      ...options.environment,
    });
    closers.unshift(restore);

    return {
      issuer: idp.issuer,
      take() {
        const counts = {
          dynamodb: proxy.take(),
          dynamodbConnections: proxy.connections - connectionsBefore,
          secretsManager: secrets.calls - secretsBefore,
          provider: providerCalls,
          upstream: upstreamCalls,
        };
        secretsBefore = secrets.calls;
        connectionsBefore = proxy.connections;
        providerCalls = 0;
        upstreamCalls = 0;
        return counts;
      },
      close: () => closeInOrder(closers),
    };
  } catch (error) {
    await closeInOrder(closers).catch(() => undefined);
    throw error;
  }
}
