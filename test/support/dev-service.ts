/**
 * The service under test as most flow tests want it: the real handlers behind the local server,
 * configured through the environment as on Lambda, against the certified oidc-provider (the
 * development provider of `local/dev-idp.ts`), a fresh DynamoDB Local table and a recording
 * upstream API at `/v1`, all on 127.0.0.1. One per test file, started in `beforeAll`.
 */
import { startDevProvider, type DevProvider, type DevProviderOptions } from '../../local/dev-idp';
import { startLocalServer, type LocalServer } from '../../local/server';
import { createTestTable, dynamoDbLocalEndpoint } from './dynamodb-local';
import { freePort } from './free-port';
import { startRecordingUpstream, type RecordingUpstream } from './recording-upstream';

export interface DevServiceOptions {
  readonly clientId: string;
  readonly clientSecret: string;
  /** Passed on to the development provider (token lifetimes, refresh token rotation). */
  readonly provider?: Omit<DevProviderOptions, 'port' | 'clients'>;
  /** Registered with the provider as the client's post-logout redirect URIs: the service's `/`. */
  readonly postLogoutRedirect?: boolean;
  /** Settings beyond the ones this harness sets. */
  readonly env?: Readonly<Record<string, string>>;
}

export interface DevService {
  readonly baseUrl: string;
  readonly idp: DevProvider;
  readonly upstream: RecordingUpstream;
  readonly tableName: string;
  close(): Promise<void>;
}

export async function startDevService(options: DevServiceOptions): Promise<DevService> {
  const endpoint = dynamoDbLocalEndpoint();
  const tableName = await createTestTable(endpoint);
  const upstream = await startRecordingUpstream();
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const idp = await startDevProvider({
    ...options.provider,
    port: 0,
    clients: [{
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      redirectUris: [`${baseUrl}/callback`],
      ...(options.postLogoutRedirect === false ? {} : { postLogoutRedirectUris: [`${baseUrl}/`] }),
    }],
  });
  Object.assign(process.env, {
    OAUTH_ISSUER: idp.issuer,
    OAUTH_CLIENT_ID: options.clientId,
    OAUTH_CLIENT_SECRET: options.clientSecret,
    PUBLIC_BASE_URL: baseUrl,
    UPSTREAM_API_URL: `${upstream.url}/v1`,
    TABLE_NAME: tableName,
    DYNAMODB_ENDPOINT: endpoint,
    ...options.env,
  });
  const server: LocalServer = await startLocalServer({ port, demoPage: false });
  return {
    baseUrl,
    idp,
    upstream,
    tableName,
    async close() {
      await server.close();
      await idp.close();
      await upstream.close();
    },
  };
}
