/**
 * The service under test against the certified oidc-provider, configured through the environment:
 * the shape some files already use, now a call of `startService` (test/support/harness.ts).
 */
import type { DevProvider, DevProviderOptions } from '../../local/dev-idp';
import { startService } from './harness';
import type { RecordingUpstream } from './recording-upstream';

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
  const service = await startService({
    provider: {
      kind: 'dev',
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      ...(options.provider ? { options: options.provider } : {}),
      ...(options.postLogoutRedirect === undefined ? {} : { postLogoutRedirect: options.postLogoutRedirect }),
    },
    ...(options.env ? { env: options.env } : {}),
  });
  return { baseUrl: service.baseUrl, idp: service.provider, upstream: service.upstream, tableName: service.tableName, close: () => service.close() };
}
