/**
 * The service under test, started the one way every flow file needs it: the real handlers behind
 * the local API Gateway server (`local/server.ts`), a fresh DynamoDB Local table, recording upstream
 * APIs and an identity provider, all on 127.0.0.1. A file asks for what it needs (which provider,
 * settings through the environment or as a `Config` part, replaced parts, more upstreams) in its
 * `beforeAll` and closes the handles in its `afterAll`. Tests replace parts, never the wiring.
 */
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDbStore } from '../../functions/adapters/dynamodb/dynamodb-store';
import { loadConfig, type Config } from '../../functions/settings/config';
import type { ReplaceableParts } from '../../functions/wiring/parts';
import { closeInOrder } from '../../local/local-environment';
import { startLocalServer, type LocalServer } from '../../local/server';
import { createTestTable, dynamoDbClient, dynamoDbLocalEndpoint } from './dynamodb-local';
import { enableStream } from './dynamodb-stream-reader';
import { freePort } from './free-port';
import { startChosenProvider, type DevProviderChoice, type ProviderChoice, type ProviderHandle, type StartedProvider } from './harness-provider';
import { startRecordingUpstream, type RecordingUpstream } from './recording-upstream';
import { pathAndQuery, TestBrowser, type TestResponse } from './test-browser';
import { storeApi } from './dynamodb-local';

export type { MisbehavingProviderChoice } from './harness-provider';

/** Settings by variable name; `undefined` leaves a setting out (and removes it from the environment). */
export type Settings = Readonly<Record<string, string | undefined>>;

/** What is running before the settings are made, for settings that name it. */
export interface Dependencies {
  readonly baseUrl: string;
  readonly tableName: string;
  readonly upstreams: Readonly<Record<string, RecordingUpstream>>;
}

export type PartsOption = Partial<ReplaceableParts> | ((config: Config) => Partial<ReplaceableParts>);

export interface ServiceOptions<C extends ProviderChoice> {
  /** Default: the certified oidc-provider with one client for the service. */
  readonly provider?: C;
  /**
   * 'environment' (default): the settings go into `process.env` and the handlers read them there,
   * as on Lambda. 'config': the handlers get a `Config` built from them with `loadConfig` as a
   * part, and `process.env` is left alone (the keyring is the test run's, test/support/env.ts).
   */
  readonly settingsVia?: 'environment' | 'config';
  /** Settings beyond (or instead of) the ones the harness makes. */
  readonly env?: Settings | ((running: Dependencies) => Settings);
  /** Parts the server's invocations use instead of those built from the settings. */
  readonly parts?: PartsOption;
  /** The recording upstream behind `UPSTREAM_API_URL`, below `path` (default `/v1`); false for none. */
  readonly upstream?: { readonly path?: string } | false;
  /** More recording upstreams, by name, for `UPSTREAM_APIS` (see `env` as a function). */
  readonly upstreams?: readonly string[];
  /** Turn on the table's stream (new and old images), as the stack does. */
  readonly tableStream?: boolean;
  /** Where the service reaches DynamoDB, e.g. a fault proxy in front of DynamoDB Local; default DynamoDB Local. */
  readonly storeEndpoint?: string;
  /** The service's port, for a file that starts providers of its own that must know the redirect URIs first; default a free one. */
  readonly port?: number;
}

type Item = Record<string, { S?: string; N?: string }>;

/** Another server of the same service (its table, provider and upstreams), with some settings or parts changed. */
export interface Variant {
  /** Where this server listens; its PUBLIC_BASE_URL stays the service's unless changed. */
  readonly url: string;
  readonly config: Config;
  browser(): TestBrowser;
}

export interface Service<P> {
  readonly baseUrl: string;
  /** The provider as it runs now: `DevProvider`, `MisbehavingProvider`, or what the file named. */
  readonly provider: P;
  readonly issuer: string | undefined;
  readonly client: { readonly clientId: string; readonly clientSecret: string };
  /** The default upstream (throws when the file asked for none). */
  readonly upstream: RecordingUpstream;
  readonly upstreams: Readonly<Record<string, RecordingUpstream>>;
  readonly tableName: string;
  /** DynamoDB Local, for reading and writing the table directly. */
  readonly endpoint: string;
  /** The settings the handlers read, as given to `loadConfig`. */
  readonly settings: Settings;
  /** The settings as the handlers read them (built on first use). */
  readonly config: Config;
  /** The table as the service's store, for reading or planting sessions. */
  readonly store: DynamoDbStore;
  browser(): TestBrowser;
  /** /login (with `returnTo` when given) in `browser`, then the provider's approval of `user` (default `user`): the callback URL, not yet visited. */
  authorize(browser: TestBrowser, options?: { returnTo?: string; user?: string }): Promise<URL>;
  /** Visits a callback URL from `authorize` (possibly tampered with) in `browser`. */
  callback(browser: TestBrowser, url: URL | string): Promise<TestResponse>;
  /** A browser (a new one unless given) with a fresh session of `user`. */
  signIn(user?: string, options?: { browser?: TestBrowser; returnTo?: string }): Promise<TestBrowser>;
  /** Every item in the table, read consistently. */
  items(): Promise<Item[]>;
  sessionCount(): Promise<number>;
  /**
   * Another server of this service (a second instance: parts built afresh, nothing cached), given
   * its settings as a `Config` part; the service's `parts`, then these, replace parts. Closed with the service.
   */
  startVariant(options: { env?: Settings; parts?: PartsOption }): Promise<Variant>;
  /** The development provider stopped (if still running) and started again on its port. */
  restartProvider(): Promise<void>;
  close(): Promise<void>;
}

export async function startService<C extends ProviderChoice = DevProviderChoice>(
  options: ServiceOptions<C> = {},
): Promise<Service<StartedProvider<C>>> {
  const endpoint = dynamoDbLocalEndpoint();
  const tableName = await createTestTable(endpoint);
  if (options.tableStream) await enableStream(endpoint, tableName);
  // What is already running is stopped again when a later step fails, so a failed start leaves no open handle.
  const running: Array<{ close(): Promise<unknown> }> = [];
  const servers: LocalServer[] = [];
  const serve = async (onPort: number, parts: Partial<ReplaceableParts>) => {
    const server = await startLocalServer({ port: onPort, demoPage: false, parts });
    servers.push(server);
    return server;
  };
  const port = options.port ?? (await freePort());
  const baseUrl = `http://127.0.0.1:${port}`;
  let provider: ProviderHandle<StartedProvider<C>>;
  let upstream: RecordingUpstream | undefined;
  let named: Record<string, RecordingUpstream>;
  let settings: Settings;
  let config: Config | undefined;
  const configOf = () => (config ??= loadConfig(defined(settings)));
  try {
    const upstreamNames = [...(options.upstream === false ? [] : ['default']), ...(options.upstreams ?? [])];
    const upstreams = Object.fromEntries(await Promise.all(upstreamNames.map(async (name) => {
      const started = await startRecordingUpstream();
      running.push(started);
      return [name, started] as const;
    })));
    ({ default: upstream, ...named } = upstreams);
    provider = await startChosenProvider((options.provider ?? { kind: 'dev' }) as C, baseUrl);
    running.push(provider);
    settings = {
      OAUTH_ISSUER: provider.issuer,
      OAUTH_CLIENT_ID: provider.clientId,
      OAUTH_CLIENT_SECRET: provider.clientSecret,
      PUBLIC_BASE_URL: baseUrl,
      ...(upstream ? { UPSTREAM_API_URL: `${upstream.url}${(options.upstream || {}).path ?? '/v1'}` } : {}),
      TABLE_NAME: tableName,
      DYNAMODB_ENDPOINT: options.storeEndpoint ?? endpoint,
      ...(options.settingsVia === 'config' ? { SESSION_KEYS: process.env.SESSION_KEYS } : {}),
      ...(typeof options.env === 'function' ? options.env({ baseUrl, tableName, upstreams: named }) : options.env),
    };
    if (options.settingsVia !== 'config') applyToEnvironment(settings);
    // Through the environment the handlers read the settings themselves; `Config` is built here only when parts are made from it.
    const asPart = options.settingsVia === 'config';
    await serve(port, { ...(asPart ? { config: configOf() } : {}), ...partsFrom(options.parts, configOf) });
  } catch (error) {
    await Promise.allSettled(running.map((started) => started.close()));
    throw error;
  }

  const client = dynamoDbClient(endpoint);
  const store = new DynamoDbStore(storeApi(endpoint), tableName, 2000);
  const items = async () => ((await client.send(new ScanCommand({ TableName: tableName, ConsistentRead: true }))).Items ?? []) as Item[];

  const service: Service<StartedProvider<C>> = {
    baseUrl,
    get provider() {
      return provider.current();
    },
    issuer: provider.issuer,
    client: { clientId: provider.clientId, clientSecret: provider.clientSecret },
    get upstream(): RecordingUpstream {
      if (!upstream) throw new Error('this service has no default upstream (upstream: false)');
      return upstream;
    },
    upstreams: named,
    tableName,
    endpoint,
    settings,
    get config() {
      return configOf();
    },
    store,
    browser: () => new TestBrowser(baseUrl),
    async authorize(browser, { returnTo, user = 'user' } = {}) {
      const login = await browser.get(returnTo === undefined ? '/login' : `/login?returnTo=${encodeURIComponent(returnTo)}`);
      if (login.status !== 302 || !login.location) throw new Error(`/login answered ${login.status}`);
      return provider.approve(new URL(login.location), user);
    },
    callback: (browser, url) => browser.get(pathAndQuery(typeof url === 'string' ? url : url.href)),
    async signIn(user = 'user', { browser = service.browser(), returnTo } = {}) {
      const response = await service.callback(browser, await service.authorize(browser, { user, ...(returnTo === undefined ? {} : { returnTo }) }));
      if (response.status !== 302) throw new Error(`callback answered ${answerSummary(response)}`);
      return browser;
    },
    items,
    sessionCount: async () => (await items()).filter((item) => item.pk?.S?.startsWith('session#')).length,
    async startVariant({ env, parts }) {
      const variantConfig = loadConfig(defined({ ...settings, SESSION_KEYS: settings.SESSION_KEYS ?? process.env.SESSION_KEYS, ...env }));
      const server = await serve(0, { config: variantConfig, ...partsFrom(options.parts, () => variantConfig), ...partsFrom(parts, () => variantConfig) });
      return { url: server.url, config: variantConfig, browser: () => new TestBrowser(server.url) };
    },
    restartProvider: () => provider.restart(),
    // Every server, then the provider and upstreams, then the DynamoDB client: each closed even when an earlier close fails.
    close: () => closeInOrder([
      ...servers.map((server) => () => server.close()),
      ...running.map((started) => () => started.close()),
      () => client.destroy(),
    ]),
  };
  return service;
}

/**
 * The HTTP Basic credentials of a client at the provider's token endpoint (RFC 6749 2.3.1): the
 * client id and the secret each application/x-www-form-urlencoded, then `id:secret` in base64.
 */
export function basicAuthorization(client: { readonly clientId: string; readonly clientSecret: string }): string {
  return `Basic ${Buffer.from(`${formUrlEncoded(client.clientId)}:${formUrlEncoded(client.clientSecret)}`).toString('base64')}`;
}

/** A token revoked at the service's provider (RFC 7009) with the service's client credentials: the provider's answer. */
export function revokeAtProvider(
  service: Pick<Service<unknown>, 'issuer' | 'client'>,
  token: string,
  hint: 'refresh_token' | 'access_token' = 'refresh_token',
): Promise<Response> {
  if (!service.issuer) throw new Error('the service has no issuer to revoke the token at');
  return fetch(`${service.issuer}/token/revocation`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuthorization(service.client) },
    body: new URLSearchParams({ token, token_type_hint: hint }),
  });
}

function formUrlEncoded(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice('v='.length);
}

/**
 * An unexpected answer as an error message may carry it: the status and the error code the page
 * (`Error code: <code>`) or the JSON body (`error`) names, never the body itself, which may hold a code or a token.
 */
function answerSummary(response: TestResponse): string {
  const code = /Error code: ([a-z][a-z0-9_]{0,63})\b/.exec(response.text)?.[1] ?? jsonErrorCode(response.text);
  return code === undefined ? String(response.status) : `${response.status} (error code ${code})`;
}

function jsonErrorCode(text: string): string | undefined {
  try {
    const error: unknown = (JSON.parse(text) as { error?: unknown } | null)?.error;
    return typeof error === 'string' && /^[a-z][a-z0-9_]{0,63}$/.test(error) ? error : undefined;
  } catch {
    return undefined;
  }
}

function partsFrom(parts: PartsOption | undefined, config: () => Config): Partial<ReplaceableParts> {
  return typeof parts === 'function' ? parts(config()) : parts ?? {};
}

function defined(settings: Settings): Record<string, string> {
  return Object.fromEntries(Object.entries(settings).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** Unlike `setEnvironment` (local/local-environment.ts), a setting given as `undefined` removes the variable; nothing is restored. */
function applyToEnvironment(settings: Settings): void {
  for (const [name, value] of Object.entries(settings)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
}
