/**
 * Warm latency and calls per request of every endpoint: each production bundle in a process of its own
 * against the bench's local services; the first request of each function is counted apart as its cold
 * one, and `/api` is measured again once the access token has expired.
 */
import type { RouteEntry } from '../infra/route-table';
import { FunctionClient, type Answer, type Invoke } from './function-client';
import { FunctionProcess } from './function-process';
import { startLocalServices, type CallCounts, type LocalServices } from './local-services';
import { summarize, type Summary } from './stats';

export type Endpoint = RouteEntry | 'api (expired token)';

/** Calls per request, as counted where they arrived. */
export interface CallsPerRequest {
  /** DynamoDB operations, e.g. `{ GetItem: 1 }`; conditional writes as `PutItem (conditional)`. */
  readonly dynamodb: Readonly<Record<string, number>>;
  readonly secretsManager: number;
  readonly provider: number;
  readonly upstream: number;
}

export interface EndpointResult {
  readonly latencyMs: Summary;
  /** The first request on a fresh instance (provider metadata, keys and client secret not cached yet). */
  readonly coldCalls: CallsPerRequest;
  /** Mean per request over the warm run (whole numbers when every request made the same calls). */
  readonly warmCalls: CallsPerRequest;
  readonly statuses: Readonly<Record<string, number>>;
  /** TCP connections to DynamoDB opened during the warm run: keep-alive makes it 0 or 1. */
  readonly newDynamodbConnections: number;
  /** Peak resident memory of the function's process after the run, MB. */
  readonly peakRssMb: number;
}

export interface WarmResult {
  readonly endpoints: Partial<Record<Endpoint, EndpointResult>>;
  /** /api: handler time minus the DynamoDB round trips (seen at the proxy) and minus a bare upstream round trip. */
  readonly apiOverheadMs: Summary;
  /** A plain request from this process to the upstream, for the overhead above. */
  readonly upstreamRoundTripMs: Summary;
  /** Warm /api with one provider configured and with five (OAUTH_PROVIDERS), interleaved, on the same instances' kind. */
  readonly apiByProviders: readonly { readonly providers: number; readonly result: EndpointResult }[];
}

const ROUTES: readonly RouteEntry[] = ['login', 'callback', 'api', 'session', 'logout'];

/** A new instance of each function, each in a process of its own; started with the current environment. */
async function startInstances(bundles: Readonly<Record<RouteEntry, string>>): Promise<Record<RouteEntry, FunctionProcess>> {
  const started = await Promise.all(ROUTES.map((route) => FunctionProcess.start(bundles[route])));
  return Object.fromEntries(ROUTES.map((route, i) => [route, started[i]])) as Record<RouteEntry, FunctionProcess>;
}

const invokeOn = (instances: Record<RouteEntry, FunctionProcess>): Invoke => (route, event) => instances[route].invoke(event);

async function stopAll(instances: Record<RouteEntry, FunctionProcess> | undefined): Promise<void> {
  if (instances) await Promise.all(Object.values(instances).map((instance) => instance.stop()));
}

/** The calls one request made, by kind; conditional DynamoDB writes apart. */
export function callsOf(counts: CallCounts): CallsPerRequest {
  const dynamodb: Record<string, number> = {};
  for (const call of counts.dynamodb) {
    const name = call.input.ConditionExpression ? `${call.operation} (conditional)` : call.operation;
    dynamodb[name] = (dynamodb[name] ?? 0) + 1;
  }
  return { dynamodb, secretsManager: counts.secretsManager, provider: counts.provider, upstream: counts.upstream };
}

/** The mean calls per request of a run. */
export function meanCalls(list: readonly CallsPerRequest[]): CallsPerRequest {
  const mean = (pick: (calls: CallsPerRequest) => number): number => Math.round((list.reduce((sum, calls) => sum + pick(calls), 0) / list.length) * 1000) / 1000;
  const operations = new Set(list.flatMap((calls) => Object.keys(calls.dynamodb)));
  return {
    dynamodb: Object.fromEntries([...operations].map((name) => [name, mean((calls) => calls.dynamodb[name] ?? 0)])),
    secretsManager: mean((calls) => calls.secretsManager),
    provider: mean((calls) => calls.provider),
    upstream: mean((calls) => calls.upstream),
  };
}

/** Collects the answers and calls of one endpoint's requests. */
class Recorder {
  private readonly durations: number[] = [];
  private readonly calls: CallsPerRequest[] = [];
  private readonly statuses: Record<string, number> = {};
  private cold?: CallsPerRequest;
  private connections = 0;

  constructor(private readonly services: LocalServices) {}

  /** Runs one request with the counters cleared before it and read after it. */
  async record(request: () => Promise<Answer>, options: { cold?: boolean } = {}): Promise<{ answer: Answer; counts: CallCounts }> {
    this.services.take();
    const answer = await request();
    const counts = this.services.take();
    if (options.cold) this.cold = callsOf(counts);
    else {
      this.durations.push(answer.durationMs);
      this.calls.push(callsOf(counts));
      this.connections += counts.dynamodbConnections;
    }
    this.statuses[answer.status] = (this.statuses[answer.status] ?? 0) + 1;
    return { answer, counts };
  }

  result(peakRssMb: number): EndpointResult {
    return {
      latencyMs: summarize(this.durations),
      coldCalls: this.cold ?? meanCalls(this.calls.slice(0, 1)),
      warmCalls: meanCalls(this.calls),
      statuses: this.statuses,
      newDynamodbConnections: this.connections,
      peakRssMb,
    };
  }
}

const API_HEADERS = { 'x-csrf': '1' };

/**
 * Warm latency and calls per request of every endpoint: each production bundle runs in a process of
 * its own (one warm Lambda instance each), against DynamoDB behind a counting proxy, a local
 * Secrets Manager endpoint, the development provider and an upstream, all in this process.
 */
export async function measureWarm(bundles: Readonly<Record<RouteEntry, string>>, dynamodbEndpoint: string, invocations: number): Promise<WarmResult> {
  const services = await startLocalServices({ dynamodbEndpoint });
  const endpoints: Partial<Record<Endpoint, EndpointResult>> = {};
  const overhead: number[] = [];
  const upstreamRoundTrips: number[] = [];
  let instances: Record<RouteEntry, FunctionProcess> | undefined;
  try {
    instances = await startInstances(bundles);
    const handlers = invokeOn(instances);
    const recorders = Object.fromEntries((['login', 'callback', 'api', 'session', 'logout'] as const).map((route) => [route, new Recorder(services)])) as Record<RouteEntry, Recorder>;

    // The first request of each function is its cold one.
    const first = new FunctionClient(handlers);
    let { answer: login } = await recorders.login.record(() => first.get('/login?returnTo=%2F'), { cold: true });
    let callbackTarget = await first.atProvider(login);
    await recorders.callback.record(() => first.get(callbackTarget), { cold: true });
    await recorders.session.record(() => first.get('/session'), { cold: true });
    await recorders.api.record(() => first.get('/api/items', API_HEADERS), { cold: true });

    const browsers: FunctionClient[] = [];
    for (let i = 0; i < invocations; i++) {
      const browser = new FunctionClient(handlers);
      ({ answer: login } = await recorders.login.record(() => browser.get('/login?returnTo=%2F')));
      callbackTarget = await browser.atProvider(login);
      await recorders.callback.record(() => browser.get(callbackTarget));
      browsers.push(browser);
    }
    for (let i = 0; i < invocations; i++) await recorders.session.record(() => first.get('/session'));

    const upstreamUrl = `${process.env.UPSTREAM_API_URL}/items`;
    for (let i = 0; i < 200; i++) {
      const started = performance.now();
      await (await fetch(upstreamUrl)).arrayBuffer();
      upstreamRoundTrips.push(performance.now() - started);
    }
    const upstreamRoundTripMs = summarize(upstreamRoundTrips);
    for (let i = 0; i < invocations; i++) {
      const { answer, counts } = await recorders.api.record(() => first.get('/api/items', API_HEADERS));
      const dynamodbMs = counts.dynamodb.reduce((sum, call) => sum + call.durationMs, 0);
      overhead.push(answer.durationMs - dynamodbMs - upstreamRoundTripMs.median);
    }

    // Each logout ends one of the sessions made above; the sid comes from /session, not timed.
    const firstSid = await first.sid();
    await recorders.logout.record(() => first.get(`/logout?sid=${encodeURIComponent(firstSid)}`), { cold: true });
    for (const browser of browsers) {
      const sid = await browser.sid();
      await recorders.logout.record(() => browser.get(`/logout?sid=${encodeURIComponent(sid)}`));
    }
    for (const route of ROUTES) endpoints[route] = recorders[route].result(await instances[route].peakRssMb());
  } finally {
    await stopAll(instances);
    await services.close();
  }
  endpoints['api (expired token)'] = await measureExpiredToken(bundles, dynamodbEndpoint);
  const apiByProviders = [];
  for (const providers of [1, 5]) apiByProviders.push({ providers, result: await measureApiWith(providers, bundles, dynamodbEndpoint, invocations) });
  return {
    endpoints,
    apiOverheadMs: summarize(overhead),
    upstreamRoundTripMs: summarize(upstreamRoundTrips),
    apiByProviders,
  };
}

/**
 * Warm /api of one session on new instances, with `providers` configured: the session's provider
 * is the first; the others are on addresses no request may reach, so any call to them would fail.
 */
async function measureApiWith(providers: number, bundles: Readonly<Record<RouteEntry, string>>, dynamodbEndpoint: string, invocations: number): Promise<EndpointResult> {
  const services = await startLocalServices({ dynamodbEndpoint, providers });
  let instances: Record<RouteEntry, FunctionProcess> | undefined;
  try {
    instances = await startInstances(bundles);
    const browser = new FunctionClient(invokeOn(instances));
    const login = await browser.get(providers > 1 ? '/login?provider=p1&returnTo=%2F' : '/login?returnTo=%2F');
    const callback = await browser.get(await browser.atProvider(login));
    if (callback.status !== 302) throw new Error(`/callback answered ${callback.status}`);
    const recorder = new Recorder(services);
    await recorder.record(() => browser.get('/api/items', API_HEADERS), { cold: true });
    for (let i = 0; i < invocations; i++) await recorder.record(() => browser.get('/api/items', API_HEADERS));
    return recorder.result(await instances.api.peakRssMb());
  } finally {
    await stopAll(instances);
    await services.close();
  }
}

const EXPIRED_SAMPLES = 20;

/**
 * /api once the access token has expired, against a provider that issues one-second tokens, on new
 * instances of the functions. Whatever the function does then (refuse, or refresh) is what is counted.
 */
async function measureExpiredToken(bundles: Readonly<Record<RouteEntry, string>>, dynamodbEndpoint: string): Promise<EndpointResult> {
  const services = await startLocalServices({ dynamodbEndpoint, accessTokenTtlSeconds: 1 });
  let instances: Record<RouteEntry, FunctionProcess> | undefined;
  try {
    instances = await startInstances(bundles);
    const handlers = invokeOn(instances);
    const browsers: FunctionClient[] = [];
    for (let i = 0; i < EXPIRED_SAMPLES + 1; i++) {
      const browser = new FunctionClient(handlers);
      await browser.signIn();
      browsers.push(browser);
    }
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    const recorder = new Recorder(services);
    const [cold, ...warm] = browsers;
    await recorder.record(() => cold!.get('/api/items', API_HEADERS), { cold: true });
    for (const browser of warm) await recorder.record(() => browser.get('/api/items', API_HEADERS));
    return recorder.result(await instances.api.peakRssMb());
  } finally {
    await stopAll(instances);
    await services.close();
  }
}
