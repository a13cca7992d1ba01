/**
 * The identity provider a test file's service signs in at (test/support/harness.ts): the certified
 * oidc-provider of the local runtime (`local/dev-idp.ts`), the test-only misbehaving provider
 * (`misbehaving-provider.ts`), or one the file runs itself (or a dead address), which the service
 * is only told about. Each knows how to approve an authorization request for a user, so the
 * harness can sign users in the same way whichever provider a file chose.
 */
import { startDevProvider, type DevClient, type DevProvider, type DevProviderOptions } from '../../local/dev-idp';
import { FUNCTION_TABLE } from '../../infra/route-table';
import { completeDevLogin } from './dev-idp-login';
import { startMisbehavingProvider, type MisbehavingProvider, type MisbehavingProviderOptions } from './misbehaving-provider';

/** The certified oidc-provider, with the service registered as a client (redirect URI `<base>/callback`). */
export interface DevProviderChoice {
  readonly kind: 'dev';
  readonly clientId?: string;
  readonly clientSecret?: string;
  /** Default true: the service's `/logout/done` is registered as the client's post-logout redirect URI. */
  readonly postLogoutRedirect?: boolean;
  readonly tokenEndpointAuthMethod?: DevClient['tokenEndpointAuthMethod'];
  /** Default the service's `/backchannel-logout`: where the provider posts its logout tokens. */
  readonly backchannelLogoutUri?: string;
  /** Token lifetimes, refresh token rotation, strict claims, resource servers (`local/dev-idp.ts`). */
  readonly options?: Omit<DevProviderOptions, 'port' | 'clients'>;
  /** Other clients registered beside the service. */
  readonly otherClients?: readonly DevClient[];
  /** Called with the provider at each start (`restartProvider` too), e.g. to count its grants. */
  readonly onStart?: (provider: DevProvider) => void;
}

/** The test-only provider that breaks its answers on demand; it approves every authorization at once. */
export interface MisbehavingProviderChoice extends MisbehavingProviderOptions {
  readonly kind: 'misbehaving';
}

/** A provider the harness does not start: the settings name it (no issuer: the file gives explicit endpoints). */
export interface ExternalProviderChoice {
  readonly kind: 'external';
  readonly issuer?: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

export type ProviderChoice = DevProviderChoice | MisbehavingProviderChoice | ExternalProviderChoice;

/** What the service is told about a provider the file runs itself. */
export interface ExternalProvider {
  readonly issuer?: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

export type StartedProvider<C extends ProviderChoice> =
  C extends MisbehavingProviderChoice ? MisbehavingProvider : C extends ExternalProviderChoice ? ExternalProvider : DevProvider;

export interface ProviderHandle<P> {
  /** The provider as now running (a new object after `restart`). */
  current(): P;
  readonly issuer: string | undefined;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The authorization request approved for `user`: the callback URL the provider redirects to. */
  approve(authorizeUrl: URL, user: string): Promise<URL>;
  /** Stopped, if still running, and started again on its port: same issuer and clients, fresh keys and grants. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

const DEFAULT_DEV_CLIENT = { clientId: 'service-client', clientSecret: 'service-client-secret-that-is-long-enough' } as const;

export async function startChosenProvider<C extends ProviderChoice>(choice: C, baseUrl: string): Promise<ProviderHandle<StartedProvider<C>>> {
  const started = choice.kind === 'dev' ? await startDev(choice, baseUrl)
    : choice.kind === 'misbehaving' ? await startMisbehaving(choice)
    : external(choice);
  return started as ProviderHandle<StartedProvider<C>>;
}

async function startDev(choice: DevProviderChoice, baseUrl: string): Promise<ProviderHandle<DevProvider>> {
  const clientId = choice.clientId ?? DEFAULT_DEV_CLIENT.clientId;
  const clientSecret = choice.clientSecret ?? DEFAULT_DEV_CLIENT.clientSecret;
  const keyed = choice.tokenEndpointAuthMethod === 'private_key_jwt';
  const service: DevClient = {
    clientId,
    // private_key_jwt: no secret at the provider, the service's published keys instead.
    ...(keyed ? { jwksUri: `${baseUrl}${FUNCTION_TABLE.Jwks.route.path}` } : { clientSecret }),
    redirectUris: [`${baseUrl}/callback`],
    ...(choice.postLogoutRedirect === false ? {} : { postLogoutRedirectUris: [`${baseUrl}${FUNCTION_TABLE.LogoutDone.route.path}`] }),
    backchannelLogoutUri: choice.backchannelLogoutUri ?? `${baseUrl}${FUNCTION_TABLE.BackchannelLogout.route.path}`,
    ...(choice.tokenEndpointAuthMethod ? { tokenEndpointAuthMethod: choice.tokenEndpointAuthMethod } : {}),
  };
  const start = async (port: number) => {
    const provider = await startDevProvider({ ...choice.options, port, clients: [service, ...(choice.otherClients ?? [])] });
    choice.onStart?.(provider);
    return provider;
  };
  let provider = await start(0);
  const issuer = provider.issuer;
  return {
    current: () => provider,
    issuer,
    clientId,
    clientSecret,
    approve: async (authorizeUrl, user) => new URL((await completeDevLogin(authorizeUrl.href, user)).callbackUrl),
    async restart() {
      await provider.close();
      // The issuer holds the port: the same port keeps the issuer the service was configured with.
      provider = await start(Number(new URL(issuer).port));
    },
    close: () => provider.close(),
  };
}

async function startMisbehaving(choice: MisbehavingProviderChoice): Promise<ProviderHandle<MisbehavingProvider>> {
  const { kind: _kind, ...options } = choice;
  const provider = await startMisbehavingProvider(options);
  return {
    current: () => provider,
    issuer: provider.issuer,
    clientId: provider.clientId,
    clientSecret: provider.clientSecret,
    async approve(authorizeUrl, user) {
      // The misbehaving provider approves at once, for the user named by `login_hint`.
      const url = new URL(authorizeUrl);
      url.searchParams.set('login_hint', user);
      const approved = await fetch(url, { redirect: 'manual' });
      const location = approved.headers.get('location');
      if (approved.status !== 302 || !location) throw new Error(`authorize answered ${approved.status}`);
      return new URL(location);
    },
    restart: () => Promise.reject(new Error('the misbehaving provider is not restarted: reset() it instead')),
    close: () => provider.close(),
  };
}

function external(choice: ExternalProviderChoice): ProviderHandle<ExternalProvider> {
  const provider: ExternalProvider = {
    ...(choice.issuer ? { issuer: choice.issuer } : {}),
    clientId: choice.clientId,
    clientSecret: choice.clientSecret,
  };
  const notHere = (what: string) => Promise.reject(new Error(`the harness cannot ${what} a provider it did not start`));
  return {
    current: () => provider,
    issuer: choice.issuer,
    clientId: choice.clientId,
    clientSecret: choice.clientSecret,
    approve: () => notHere('sign in at'),
    restart: () => notHere('restart'),
    close: () => Promise.resolve(),
  };
}
