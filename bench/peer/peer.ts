/**
 * The bench's peer, measured the way the bench measures the service: bench/peer/app.mjs (Express,
 * express-openid-connect, sessions in DynamoDB through connect-dynamodb, on Lambda through
 * @codegenie/serverless-express) bundled with the service's build settings, weighed, cold-started
 * against the same empty-handler floor in interleaved rounds (bench/cold-start.ts), and its warm
 * `/api` timed inside its own process (bench/function-process.ts) after a real sign-in at the
 * bench's development provider, against DynamoDB Local behind the counting proxy and the bench's
 * upstream (bench/local-services.ts). Test-only: nothing here is part of the service.
 *
 * Its packages live in bench/peer/package.json and package-lock.json and are installed there with
 * `npm ci` on first use, so none of them reaches the root package or the service's bundles.
 */
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { CreateTableCommand, DynamoDBClient, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { setEnvironment } from '../../local/local-environment';
import { measureColdStarts } from '../cold-start';
import { FunctionClient, type Answer, type Invoke } from '../function-client';
import { FunctionProcess } from '../function-process';
import { CLIENT_ID, PUBLIC_BASE_URL, startLocalServices, type LocalServices } from '../local-services';
import { summarize, type Summary } from '../stats';
import { callsOf, meanCalls, type CallsPerRequest } from '../warm';

import { buildPeer, installPeer, peerVersions, PEER_ENTRY } from './peer-build';

export { buildPeer, installPeer, peerVersions, type BuiltPeer } from './peer-build';

/** A `node` to cold-start on. */
export interface PeerBinary {
  readonly label: string;
  readonly binary: string;
  readonly version?: string;
}

/** The service's bundles whose warm `/api` is timed interleaved with the peer's, in the same run. */
export interface ServiceBundles {
  readonly login: string;
  readonly callback: string;
  readonly api: string;
}

export interface PeerOptions {
  /** Where the peer's bundle is written (`<outDir>/Peer/index.mjs`). */
  readonly outDir: string;
  /** The empty handler, bundled with the service's settings: the cold starts' floor. */
  readonly floorFile: string;
  /** Cold-start rounds per runtime. */
  readonly rounds: number;
  /** The runtimes to cold-start on, each against its own floor. */
  readonly binaries: readonly PeerBinary[];
  /** A running DynamoDB Local; a session table is created in it. */
  readonly dynamodbEndpoint: string;
  /** Timed warm `/api` requests. */
  readonly invocations: number;
  /** More bundles cold-started in the same rounds (e.g. the service's `/api`), by the name they are reported under. */
  readonly coldReferences?: Readonly<Record<string, string>>;
  /** With these, the service's warm `/api` is timed too, alternating request by request with the peer's. */
  readonly service?: ServiceBundles;
  readonly log?: (message: string) => void;
  /** Aborting stops the functions' processes and the local services and fails the measurement. */
  readonly signal?: AbortSignal;
}

export interface PeerColdStart {
  readonly runtime: string;
  readonly version?: string;
  /** The empty handler's process, median, ms. */
  readonly floorMs: number;
  /** The peer's process (start, import of the bundle, exit): median and p90, ms. */
  readonly processMs: number;
  readonly p90Ms: number;
  /** The `import()` of the bundle alone, median, ms. */
  readonly importMs: number;
  /** processMs over floorMs. */
  readonly ratio: number;
  readonly peakRssMb: number;
  /** The bundles of `coldReferences`, measured in the same rounds. */
  readonly references: Readonly<Record<string, { readonly processMs: number; readonly importMs: number; readonly ratio: number; readonly peakRssMb: number }>>;
}

/** Warm `/api` of one implementation on one instance, with a fresh access token. */
export interface WarmApi {
  /** The handler call, timed in the function's process. */
  readonly latencyMs: Summary;
  /** The handler time less its DynamoDB round trips (seen at the proxy) and a bare upstream round trip. */
  readonly overheadMs: Summary;
  /** Mean calls per warm request, counted where they arrived. */
  readonly calls: CallsPerRequest;
  /** The calls of the first `/api` of the instance. */
  readonly firstCalls: CallsPerRequest;
  /** The first request of each route on a new instance (module state, discovery, keys not there yet), ms. */
  readonly firstRequestMs: { readonly login: number; readonly callback: number; readonly api: number };
  readonly statuses: Readonly<Record<string, number>>;
  /** New TCP connections to DynamoDB during the timed requests. */
  readonly newDynamodbConnections: number;
  /** Peak resident memory of the `/api` process after the run, MB. */
  readonly peakRssMb: number;
}

export interface PeerResult {
  readonly versions: Readonly<Record<string, string>>;
  readonly bytes: number;
  readonly gzipBytes: number;
  readonly packages: Readonly<Record<string, number>>;
  readonly coldStarts: readonly PeerColdStart[];
  /** The peer's warm `/api` handler time. */
  readonly warmApi: Summary;
  readonly peer: WarmApi;
  /** The service's warm `/api`, alternating with the peer's (with `service`). */
  readonly service?: WarmApi;
  /** A plain request from the bench's process to the upstream, for the overheads. */
  readonly upstreamRoundTripMs: Summary;
  readonly invocations: number;
  readonly rounds: number;
}

/** What a measurement started, stopped in reverse order when it ends or is aborted. */
class Resources {
  private readonly closers: Array<() => Promise<unknown> | unknown> = [];
  private closing: Promise<void> | undefined;

  add(close: () => Promise<unknown> | unknown): void {
    this.closers.unshift(close);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const close of this.closers) {
        try {
          await close();
        } catch {
          // The others are stopped all the same.
        }
      }
    })();
    return this.closing;
  }
}

function checkSignal(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new Error('the peer measurement was stopped');
}

/** The cold starts of the peer (and the references) on each runtime, interleaved with the floor. */
async function coldStarts(peerFile: string, options: PeerOptions): Promise<PeerColdStart[]> {
  const list: PeerColdStart[] = [];
  const references = options.coldReferences ?? {};
  for (const runtime of options.binaries) {
    checkSignal(options.signal);
    options.log?.(`peer: cold starts on ${runtime.label}, ${options.rounds} rounds of ${Object.keys(references).length + 2} fresh processes`);
    const cold = await measureColdStarts(options.floorFile, { ...references, '(peer)': peerFile }, options.rounds, runtime.binary);
    const floorMs = cold.floor.processMs.median;
    const ratio = (ms: number): number => Math.round((ms / floorMs) * 100) / 100;
    const peer = cold.functions['(peer)']!;
    list.push({
      runtime: runtime.label,
      ...(runtime.version ? { version: runtime.version } : {}),
      floorMs,
      processMs: peer.processMs.median,
      p90Ms: peer.processMs.p90,
      importMs: peer.importMs.median,
      ratio: ratio(peer.processMs.median),
      peakRssMb: peer.peakRssMb,
      references: Object.fromEntries(
        Object.keys(references).map((name) => {
          const measured = cold.functions[name]!;
          return [name, { processMs: measured.processMs.median, importMs: measured.importMs.median, ratio: ratio(measured.processMs.median), peakRssMb: measured.peakRssMb }];
        }),
      ),
    });
  }
  return list;
}

/** One implementation's instances and browser, and what its requests did. */
class Subject {
  private readonly durations: number[] = [];
  private readonly overheads: number[] = [];
  private readonly calls: CallsPerRequest[] = [];
  private readonly statuses: Record<string, number> = {};
  private readonly first: Partial<Record<'login' | 'callback' | 'api', number>> = {};
  private firstCalls: CallsPerRequest | undefined;
  private connections = 0;
  readonly browser: FunctionClient;

  constructor(
    readonly name: string,
    private readonly services: LocalServices,
    invoke: Invoke,
    private readonly apiProcess: FunctionProcess,
  ) {
    this.browser = new FunctionClient(invoke);
  }

  /** `/login`, the provider's pages, `/callback`: the first request of each route, timed apart. */
  async signIn(): Promise<void> {
    const login = await this.browser.get('/login?returnTo=%2F');
    this.first.login = login.durationMs;
    const callback = await this.browser.get(await this.browser.atProvider(login));
    if (callback.status !== 302) throw new Error(`${this.name} /callback answered ${callback.status}`);
    this.first.callback = callback.durationMs;
    this.services.take();
    const api = await this.api();
    this.firstCalls = callsOf(this.services.take());
    if (api.status !== 200) throw new Error(`${this.name} /api answered ${api.status} after signing in`);
    this.first.api = api.durationMs;
  }

  /** One timed warm `/api`, with the counters cleared before it and read after it. */
  async record(upstreamMs: number): Promise<void> {
    this.services.take();
    const answer = await this.api();
    const counts = this.services.take();
    this.durations.push(answer.durationMs);
    this.overheads.push(answer.durationMs - counts.dynamodb.reduce((sum, call) => sum + call.durationMs, 0) - upstreamMs);
    this.calls.push(callsOf(counts));
    this.connections += counts.dynamodbConnections;
    this.statuses[answer.status] = (this.statuses[answer.status] ?? 0) + 1;
  }

  async result(): Promise<WarmApi> {
    if (!this.firstCalls) throw new Error(`${this.name}: no sign-in before the results`);
    return {
      latencyMs: summarize(this.durations),
      overheadMs: summarize(this.overheads),
      calls: meanCalls(this.calls),
      firstCalls: this.firstCalls,
      firstRequestMs: { login: round(this.first.login), callback: round(this.first.callback), api: round(this.first.api) },
      statuses: this.statuses,
      newDynamodbConnections: this.connections,
      peakRssMb: await this.apiProcess.peakRssMb(),
    };
  }

  // The same request the bench sends the service's /api (its CSRF header included; the peer ignores it).
  private api(): Promise<Answer> {
    return this.browser.get('/api/items', { 'x-csrf': '1' });
  }
}

const round = (value: number | undefined): number => Math.round((value ?? Number.NaN) * 100) / 100;

/** A table for the peer's sessions as an IaC stack would make it: key `id`, on demand, TTL on `expires`. */
async function createSessionTable(endpoint: string): Promise<string> {
  const tableName = `peer-sessions-${randomBytes(6).toString('hex')}`;
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await client.send(new UpdateTimeToLiveCommand({ TableName: tableName, TimeToLiveSpecification: { AttributeName: 'expires', Enabled: true } }));
  } finally {
    client.destroy();
  }
  return tableName;
}

/**
 * The client secret the bench's provider knows the client by, read where the service reads it:
 * the local Secrets Manager endpoint that bench/local-services.ts started (GetSecretValue).
 */
async function benchClientSecret(): Promise<string> {
  const endpoint = process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER;
  const secretId = process.env.OAUTH_CLIENT_SECRET_ARN;
  if (!endpoint || !secretId) throw new Error('the local services set no Secrets Manager endpoint or client secret');
  const answer = await fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.GetSecretValue' },
    body: JSON.stringify({ SecretId: secretId }),
  });
  if (!answer.ok) throw new Error(`GetSecretValue of the client secret answered ${answer.status}`);
  const { SecretString } = (await answer.json()) as { SecretString?: string };
  if (!SecretString) throw new Error('the client secret is empty');
  return SecretString;
}

/** Warm `/api` of the peer (and of the service, alternating), each on one instance with one signed-in browser. */
async function warmApi(peerFile: string, options: PeerOptions, resources: Resources): Promise<Pick<PeerResult, 'peer' | 'service' | 'upstreamRoundTripMs'>> {
  const services = await startLocalServices({ dynamodbEndpoint: options.dynamodbEndpoint });
  resources.add(() => services.close());
  checkSignal(options.signal);

  const subjects: Subject[] = [];
  if (options.service) {
    const bundles = options.service;
    const started = await Promise.all([FunctionProcess.start(bundles.login), FunctionProcess.start(bundles.callback), FunctionProcess.start(bundles.api)]);
    for (const instance of started) resources.add(() => instance.stop());
    const [login, callback, api] = started as [FunctionProcess, FunctionProcess, FunctionProcess];
    const byRoute: Readonly<Record<string, FunctionProcess>> = { login, callback, api };
    const invoke: Invoke = (route, event) => {
      const instance = byRoute[route];
      if (!instance) throw new Error(`the service has no ${route} instance here`);
      return instance.invoke(event);
    };
    subjects.push(new Subject('service', services, invoke, api));
  }

  // The peer's settings go into its process's environment only (FunctionProcess copies it at start).
  const restore = setEnvironment({
    ISSUER_BASE_URL: services.issuer,
    BASE_URL: PUBLIC_BASE_URL,
    CLIENT_ID,
    CLIENT_SECRET: await benchClientSecret(),
    SECRET: randomBytes(32).toString('base64url'),
    SESSION_TABLE: await createSessionTable(options.dynamodbEndpoint),
  });
  let peer: FunctionProcess;
  try {
    peer = await FunctionProcess.start(peerFile);
  } finally {
    restore();
  }
  resources.add(() => peer.stop());
  // One instance serves every route, as one Lambda function behind the adapter does.
  subjects.unshift(new Subject('peer', services, (_route, event) => peer.invoke(event), peer));

  for (const subject of subjects) {
    checkSignal(options.signal);
    options.log?.(`${subject.name}: signing in at the development provider`);
    await subject.signIn();
  }

  const upstreamUrl = `${process.env.UPSTREAM_API_URL}/items`;
  const roundTrips: number[] = [];
  for (let i = 0; i < 200; i++) {
    const started = performance.now();
    await (await fetch(upstreamUrl)).arrayBuffer();
    roundTrips.push(performance.now() - started);
  }
  const upstreamRoundTripMs = summarize(roundTrips);

  options.log?.(`warm /api: ${options.invocations} requests${subjects.length > 1 ? ' each, the peer and the service in turn' : ''}`);
  for (let i = 0; i < options.invocations; i++) {
    if (i % 100 === 0) checkSignal(options.signal);
    // Alternating which goes first, so neither always follows the other.
    const order = i % 2 === 0 ? subjects : [...subjects].reverse();
    for (const subject of order) await subject.record(upstreamRoundTripMs.median);
  }

  const [peerSubject, serviceSubject] = subjects as [Subject, Subject | undefined];
  return {
    peer: await peerSubject.result(),
    ...(serviceSubject ? { service: await serviceSubject.result() } : {}),
    upstreamRoundTripMs,
  };
}

/**
 * Builds the peer, weighs it, cold-starts it on each runtime against the floor (and the
 * references, in the same rounds), then times its warm `/api` on one instance after a real
 * sign-in. Installs its packages first when needed. Everything it starts is stopped before it returns.
 */
export async function measurePeer(options: PeerOptions): Promise<PeerResult> {
  installPeer(options.log);
  const resources = new Resources();
  const onAbort = (): void => void resources.close();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    options.log?.(`peer: building ${path.relative(process.cwd(), PEER_ENTRY)}`);
    const built = await buildPeer(options.outDir);
    const cold = await coldStarts(built.file, options);
    checkSignal(options.signal);
    const warm = await warmApi(built.file, options, resources);
    return {
      versions: peerVersions(),
      bytes: built.bytes,
      gzipBytes: built.gzipBytes,
      packages: built.packages,
      coldStarts: cold,
      warmApi: warm.peer.latencyMs,
      ...warm,
      invocations: options.invocations,
      rounds: options.rounds,
    };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await resources.close();
  }
}

const kb = (bytes: number): string => `${(bytes / 1000).toFixed(1)} KB`;
const ms = (value: number): string => `${value.toFixed(2)} ms`;

function markdownTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const line = (cells: readonly string[]): string => `| ${cells.map((cell) => cell.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function callsText(calls: CallsPerRequest): string {
  const dynamodb = Object.entries(calls.dynamodb).map(([operation, count]) => `${count} ${operation}`).join(', ') || 'none';
  return `DynamoDB: ${dynamodb}; Secrets Manager ${calls.secretsManager}; provider ${calls.provider}; upstream ${calls.upstream}`;
}

/** The peer's figures as markdown tables: size and cold starts, then warm `/api` (beside the service's when measured). */
export function formatPeer(result: PeerResult): string {
  const referenceNames = [...new Set(result.coldStarts.flatMap((cold) => Object.keys(cold.references)))];
  const coldRows: string[][] = [];
  for (const cold of result.coldStarts) {
    coldRows.push([cold.runtime, 'peer', kb(result.bytes), kb(result.gzipBytes), ms(cold.floorMs), ms(cold.processMs), ms(cold.p90Ms), cold.ratio.toFixed(2), ms(cold.importMs), `${cold.peakRssMb} MB`]);
    for (const name of referenceNames) {
      const reference = cold.references[name];
      if (reference) coldRows.push([cold.runtime, name, '', '', ms(cold.floorMs), ms(reference.processMs), '', reference.ratio.toFixed(2), ms(reference.importMs), `${reference.peakRssMb} MB`]);
    }
  }
  const warm = [['peer', result.peer] as const, ...(result.service ? [['service', result.service] as const] : [])];
  const warmRows = warm.map(([name, figures]) => [
    name,
    ms(figures.latencyMs.median),
    ms(figures.latencyMs.p90),
    ms(figures.latencyMs.p99),
    ms(figures.overheadMs.median),
    callsText(figures.calls),
    `${figures.peakRssMb} MB`,
  ]);
  const firstRows = warm.map(([name, figures]) => [name, ms(figures.firstRequestMs.login), ms(figures.firstRequestMs.callback), ms(figures.firstRequestMs.api), callsText(figures.firstCalls)]);
  const largest = Object.entries(result.packages).slice(0, 8).map(([name, bytes]) => `${name} ${kb(bytes)}`).join(', ');
  return [
    `Peer: ${Object.entries(result.versions).map(([name, version]) => `${name} ${version}`).join(', ')}`,
    '',
    `Cold starts (${result.rounds} interleaved rounds per runtime, medians unless p90):`,
    '',
    markdownTable(['runtime', 'bundle', 'minified', 'gzip', 'floor', 'cold process', 'p90', 'ratio to floor', 'import', 'peak RSS'], coldRows),
    '',
    `Largest parts of the peer's bundle: ${largest}`,
    '',
    `Warm /api, ${result.invocations} requests on one instance each${result.service ? ', alternating' : ''} (upstream round trip alone ${ms(result.upstreamRoundTripMs.median)}):`,
    '',
    markdownTable(['implementation', 'p50', 'p90', 'p99', 'beyond DynamoDB and upstream, p50', 'calls per warm request', 'peak RSS'], warmRows),
    '',
    'First request of each route on a new instance:',
    '',
    markdownTable(['implementation', '/login', '/callback', '/api', 'calls of the first /api'], firstRows),
  ].join('\n');
}
