/**
 * Throughput of one warm `/api` instance: a fixed number of requests of one signed-in browser, a
 * fixed number in flight (Lambda sends one at a time per instance), with the function's process CPU
 * time per request and its memory over the run. `npx tsx bench/throughput.ts` runs it alone.
 *
 * BENCH_THROUGHPUT_REQUESTS (default 5000, at most 100,000) per run, BENCH_THROUGHPUT_CONCURRENCY
 * (default `1,4`: one run per figure, each on a new instance), BENCH_THROUGHPUT_SECONDS (default
 * 120) the time limit of each run, BENCH_TIMEOUT_SECONDS (300) of the whole entry.
 */
import type { ProcessUsage } from './function-process';
import { environmentInteger, runStandalone } from './standalone';
import { summarize, type Summary } from './stats';
import type { LocalServices } from './local-services';
import { openApiSession, type ApiBundles, type WarmApi } from './warm-api';

export interface ThroughputOptions {
  /** Requests per run; default 5000. */
  readonly requests?: number;
  /** Requests in flight, one run each on a new instance; default [1, 4]. */
  readonly concurrencies?: readonly number[];
  /** Requests before the measured ones on each new instance, after its first; default 500. */
  readonly warmup?: number;
  /** Each run stops at this limit even when not all its requests are made; default 120 s. */
  readonly timeLimitSeconds?: number;
  /** Points at which memory is read (after a full GC); default 20. */
  readonly memorySamples?: number;
  /** The `node` the function's process runs on; default this process's. */
  readonly binary?: string;
}

/** First, last and largest value of a series, and how much the mean of its last quarter exceeds that of its second quarter. */
export interface Series {
  readonly first: number;
  readonly last: number;
  readonly max: number;
  readonly growthQ2ToQ4: number;
}

export interface MemorySample {
  /** Measured requests made before this sample. */
  readonly afterRequests: number;
  readonly rssMb: number;
  readonly heapUsedMb: number;
}

export interface ThroughputRun {
  readonly concurrency: number;
  /** Measured requests made (the warm-up not counted). */
  readonly requests: number;
  readonly stoppedBy: 'count' | 'time limit';
  /** Wall time of the measured requests, the pauses for the memory samples left out. */
  readonly seconds: number;
  readonly requestsPerSecond: number;
  /** CPU time of the function's process (user and system, all its threads) per request, forced GCs left out. */
  readonly cpuUsPerRequest: number;
  readonly userUsPerRequest: number;
  readonly systemUsPerRequest: number;
  /** Requests per second of the function's CPU time: requests per second one core would serve. */
  readonly requestsPerCpuSecond: number;
  /** The function's CPU time over the wall time: the share of one core it used. */
  readonly coreShare: number;
  /** CPU time per request of this process: the browser and the local services, but not DynamoDB Local. */
  readonly benchCpuUsPerRequest: number;
  /** Handler call alone, timed in the function's process. */
  readonly handlerMs: Summary;
  /** Seen from here: the event's trip over IPC, the handler, the answer's trip back. */
  readonly roundTripMs: Summary;
  readonly statuses: Readonly<Record<string, number>>;
  /** Calls per request that reached the local services. */
  readonly callsPerRequest: { readonly dynamodb: number; readonly upstream: number; readonly provider: number; readonly secretsManager: number };
  readonly newDynamodbConnections: number;
  /** Whether the memory samples were read after a full GC. */
  readonly gcForced: boolean;
  readonly memory: { readonly rssMb: Series; readonly heapUsedMb: Series; readonly samples: readonly MemorySample[] };
}

export interface ThroughputResult {
  /** `process.version` of the function's process. */
  readonly nodeVersion: string;
  readonly warmup: number;
  readonly runs: readonly ThroughputRun[];
}

const MB = 1024 * 1024;
const round = (value: number, digits = 2): number => Math.round(value * 10 ** digits) / 10 ** digits;
const mean = (values: readonly number[]): number => values.reduce((sum, value) => sum + value, 0) / values.length;

function series(values: readonly number[]): Series {
  const quarter = (index: number): number[] => values.filter((_, i) => Math.floor((i * 4) / values.length) === index);
  const second = quarter(1);
  const fourth = quarter(3);
  return {
    first: round(values[0] ?? 0),
    last: round(values[values.length - 1] ?? 0),
    max: round(Math.max(...values)),
    growthQ2ToQ4: second.length > 0 && fourth.length > 0 ? round(mean(fourth) - mean(second)) : 0,
  };
}

const memorySample = (afterRequests: number, usage: ProcessUsage): MemorySample => ({
  afterRequests,
  rssMb: round(usage.rssBytes / MB),
  heapUsedMb: round(usage.heapUsedBytes / MB),
});

/** Makes up to `total` requests, `concurrency` at a time, stopping early at `deadline`; returns how many were made. */
async function inFlight(concurrency: number, total: number, deadline: number, send: () => Promise<void>): Promise<number> {
  let started = 0;
  const worker = async (): Promise<void> => {
    while (started < total && performance.now() < deadline) {
      started += 1;
      await send();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return started;
}

/**
 * One run on a warm instance: the requests in segments, with the memory read between segments after
 * a full GC (no request in flight then); CPU and wall time are summed over the segments only.
 */
async function measureRun(api: WarmApi, services: LocalServices, concurrency: number, requests: number, timeLimitSeconds: number, samples: number): Promise<ThroughputRun> {
  const deadline = performance.now() + timeLimitSeconds * 1000;
  const perSegment = Math.max(1, Math.ceil(requests / samples));
  const handlerMs: number[] = [];
  const roundTripMs: number[] = [];
  const statuses: Record<string, number> = {};
  let wallMs = 0;
  let userUs = 0;
  let systemUs = 0;
  let benchCpuUs = 0;
  let done = 0;

  const send = async (): Promise<void> => {
    const started = performance.now();
    const answer = await api.request();
    roundTripMs.push(performance.now() - started);
    handlerMs.push(answer.durationMs);
    statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
  };
  let previous = await api.instance.usage({ gc: true });
  const memory: MemorySample[] = [memorySample(0, previous)];
  services.take();
  while (done < requests && performance.now() < deadline) {
    const benchBefore = process.cpuUsage();
    const started = performance.now();
    done += await inFlight(concurrency, Math.min(perSegment, requests - done), deadline, send);
    wallMs += performance.now() - started;
    const bench = process.cpuUsage(benchBefore);
    benchCpuUs += bench.user + bench.system;
    const usage = await api.instance.usage({ gc: true });
    // From after the previous sample's GC to before this one's.
    userUs += usage.userUs - previous.userAfterGcUs;
    systemUs += usage.systemUs - previous.systemAfterGcUs;
    memory.push(memorySample(done, usage));
    previous = usage;
  }
  const counts = services.take();

  const cpuUs = userUs + systemUs;
  const count = Math.max(1, done);
  const perRequest = (value: number, digits = 1): number => round(value / count, digits);
  return {
    concurrency,
    requests: done,
    stoppedBy: done < requests ? 'time limit' : 'count',
    seconds: round(wallMs / 1000, 3),
    requestsPerSecond: round(done / (wallMs / 1000), 1),
    cpuUsPerRequest: perRequest(cpuUs),
    userUsPerRequest: perRequest(userUs),
    systemUsPerRequest: perRequest(systemUs),
    requestsPerCpuSecond: round(done / (cpuUs / 1e6), 1),
    coreShare: round(cpuUs / 1000 / wallMs, 3),
    benchCpuUsPerRequest: perRequest(benchCpuUs),
    handlerMs: summarize(handlerMs),
    roundTripMs: summarize(roundTripMs),
    statuses,
    callsPerRequest: {
      dynamodb: perRequest(counts.dynamodb.length, 3),
      upstream: perRequest(counts.upstream, 3),
      provider: perRequest(counts.provider, 3),
      secretsManager: perRequest(counts.secretsManager, 3),
    },
    newDynamodbConnections: counts.dynamodbConnections,
    gcForced: previous.gcForced,
    memory: {
      rssMb: series(memory.map((sample) => sample.rssMb)),
      heapUsedMb: series(memory.map((sample) => sample.heapUsedMb)),
      samples: memory,
    },
  };
}

/**
 * Warm `/api` throughput on one instance: for each concurrency a new `/api` process (with
 * `--expose-gc`, so memory is read after a full GC), its first request and the warm-up, then the
 * measured requests of one signed-in browser against the local services.
 */
export async function measureThroughput(bundles: ApiBundles, dynamodbEndpoint: string, options: ThroughputOptions = {}): Promise<ThroughputResult> {
  const requests = options.requests ?? 5000;
  const warmup = options.warmup ?? 500;
  const concurrencies = options.concurrencies ?? [1, 4];
  if (!Number.isInteger(requests) || requests < 1) throw new Error('requests must be a whole number of at least 1');
  if (concurrencies.some((concurrency) => !Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64)) throw new Error('each concurrency must be from 1 to 64');
  const session = await openApiSession(bundles, dynamodbEndpoint);
  const runs: ThroughputRun[] = [];
  let nodeVersion = '';
  try {
    for (const concurrency of concurrencies) {
      const api = await session.startApi(warmup, { ...(options.binary ? { binary: options.binary } : {}), execArgv: ['--expose-gc'] });
      try {
        nodeVersion = (await api.instance.usage()).nodeVersion;
        runs.push(await measureRun(api, session.services, concurrency, requests, options.timeLimitSeconds ?? 120, options.memorySamples ?? 20));
      } finally {
        await api.stop();
      }
    }
  } finally {
    await session.close();
  }
  return { nodeVersion, warmup, runs };
}

const seriesCell = (value: Series): string => `${value.first} / ${value.last} / ${value.max} (${value.growthQ2ToQ4 >= 0 ? '+' : ''}${value.growthQ2ToQ4})`;

/** The runs as a markdown table. */
export function formatThroughput(result: ThroughputResult): string {
  const lines = [
    `Warm /api on one instance (${result.nodeVersion}), after ${result.warmup} warm-up requests; CPU is the function's process, memory read after a full GC.`,
    '',
    '| in flight | requests | req/s | CPU µs/request | requests per CPU-second | core share | handler p50 / p99 ms | round trip p50 / p99 ms | RSS MB first / last / max (Q2→Q4) | heapUsed MB first / last / max (Q2→Q4) |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const run of result.runs) {
    const stopped = run.stoppedBy === 'time limit' ? ' (time limit)' : '';
    lines.push(
      `| ${run.concurrency} | ${run.requests}${stopped} | ${run.requestsPerSecond} | ${run.cpuUsPerRequest} | ${run.requestsPerCpuSecond} | ${run.coreShare} | ` +
        `${run.handlerMs.median} / ${run.handlerMs.p99} | ${run.roundTripMs.median} / ${run.roundTripMs.p99} | ${seriesCell(run.memory.rssMb)} | ${seriesCell(run.memory.heapUsedMb)} |`,
    );
  }
  lines.push('', '| in flight | statuses | DynamoDB calls/request | upstream calls/request | new DynamoDB connections | bench process CPU µs/request |', '| ---: | --- | ---: | ---: | ---: | ---: |');
  for (const run of result.runs) {
    const statuses = Object.entries(run.statuses).map(([status, n]) => `${status}: ${n}`).join(', ');
    lines.push(`| ${run.concurrency} | ${statuses} | ${run.callsPerRequest.dynamodb} | ${run.callsPerRequest.upstream} | ${run.newDynamodbConnections} | ${run.benchCpuUsPerRequest} |`);
  }
  return lines.join('\n');
}

if (require.main === module) {
  runStandalone(
    'throughput',
    ({ bundles, dynamodbEndpoint, runtime, log }) => {
      const requests = environmentInteger('BENCH_THROUGHPUT_REQUESTS', 5000, 1, 100_000);
      const concurrencies = (process.env.BENCH_THROUGHPUT_CONCURRENCY ?? '1,4').split(',').map((item) => Number(item.trim()));
      log(`${requests} warm /api requests at ${concurrencies.join(' and ')} in flight`);
      return measureThroughput(bundles, dynamodbEndpoint, {
        requests,
        concurrencies,
        timeLimitSeconds: environmentInteger('BENCH_THROUGHPUT_SECONDS', 120, 1, 1800),
        binary: runtime.binary,
      });
    },
    formatThroughput,
  );
}
