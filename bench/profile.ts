/**
 * Where the CPU time of one warm `/api` request goes: a V8 CPU profile taken inside the function's
 * process (node:inspector) over a batch of warm requests, its self time attributed to the service's
 * own code and each package (through the bundle's source map, index.mjs.map next to it), Node's
 * internals, V8's native functions, GC and the bench's own IPC. `npx tsx bench/profile.ts` runs it alone.
 *
 * BENCH_PROFILE_REQUESTS (default 500, at most 20,000) profiled requests, BENCH_PROFILE_INTERVAL_US
 * (default 50) the sampling interval, BENCH_PROFILE_FILE where the profile is kept
 * (default .bench/api-warm.cpuprofile, for Chrome DevTools), BENCH_TIMEOUT_SECONDS (300) of the whole entry.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { SourceMap, type SourceMapPayload } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { environmentInteger, runStandalone } from './standalone';
import { openApiSession, type ApiBundles } from './warm-api';

export interface ProfileOptions {
  /** Profiled requests; default 500. */
  readonly requests?: number;
  /** Requests before the profile on the new instance, after its first; default 500. */
  readonly warmup?: number;
  /** Sampling interval of the profiler, µs; default 50. */
  readonly intervalUs?: number;
  /** Where the profile is written (`.cpuprofile` JSON); default a file next to the bundle. */
  readonly profileFile?: string;
  /** The `node` the function's process runs on; default this process's. */
  readonly binary?: string;
  /** How many entries and functions the result lists; default 15. */
  readonly top?: number;
}

/** Where self time went: the kinds of code a category belongs to. */
export type Group = 'service' | 'package' | 'node' | 'native' | 'gc' | 'program' | 'idle' | 'bench harness';

export interface ProfileEntry {
  readonly name: string;
  readonly group: Group;
  /** Share of the main thread's busy samples (idle left out), %. */
  readonly percent: number;
  /** That share of the unprofiled CPU time per request, µs. */
  readonly us: number;
  /** Sampled time per request, µs: wall time on the main thread, including any wait for a core. */
  readonly sampledUs: number;
}

export interface ProfileResult {
  readonly nodeVersion: string;
  readonly requests: number;
  readonly intervalUs: number;
  readonly samples: number;
  /**
   * `process.cpuUsage()` of the function's process per request (all its threads) over a batch of the
   * same size just before the profiled one, without the profiler: the figure the shares divide.
   */
  readonly cpuUsPerRequest: number;
  /** The same without the bench's share (the event's and the answer's trip over IPC), which Lambda's runtime does its own way. */
  readonly cpuUsPerRequestWithoutHarness: number;
  /** `process.cpuUsage()` per request over the profiled batch: the profiler's own cost included. */
  readonly profiledCpuUsPerRequest: number;
  /** The main thread's samples that were not idle, per request, µs: wall time, so on a loaded machine more than its CPU time. */
  readonly sampledBusyUsPerRequest: number;
  /** Idle samples per request, µs (waiting for DynamoDB and the upstream). */
  readonly sampledIdleUsPerRequest: number;
  /** Wall time per request, ms, without and with the profiler. */
  readonly wallMsPerRequest: { readonly unprofiled: number; readonly profiled: number };
  /** Self time per group, idle last. */
  readonly groups: readonly ProfileEntry[];
  /** Self time per category, by the frame itself: a package, a folder of the service, a Node module, a native function. */
  readonly entries: readonly ProfileEntry[];
  /**
   * Self time per category with Node's internals and native functions counted for the nearest frame
   * of the bundle or the harness that called them; where the stack has none (work resumed from Node's
   * queues), for the nearest Node module that is not the event loop's own.
   */
  readonly byCaller: readonly ProfileEntry[];
  /** The functions with the most self time; bundle frames named by their original source and line. */
  readonly functions: readonly (ProfileEntry & { readonly category: string; readonly where: string })[];
  readonly profileFile: string;
}

/** The part of a `.cpuprofile` read here (the Profiler domain's Profile). */
interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number; readonly columnNumber: number };
    readonly children?: readonly number[];
  }[];
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

interface Frame {
  readonly group: Group;
  readonly category: string;
  /** The function: its original name and place where the source map knows them. */
  readonly function: string;
  readonly where: string;
}

const REPOSITORY = path.join(__dirname, '..');
/** Node's modules that run every continuation: a frame of theirs says nothing of whose work it is. */
const EVENT_LOOP = new Set(['node:process', 'node:async_hooks', 'node:timers', 'node:events']);
const SPECIAL: Readonly<Record<string, Group>> = { '(garbage collector)': 'gc', '(idle)': 'idle', '(program)': 'program', '(root)': 'program' };

/** A package's name from a path inside node_modules (`@smithy/core`, `oauth4webapi`). */
function packageOf(source: string): string | undefined {
  const match = /.*node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(source);
  return match?.[1];
}

/** Node's own modules by their public name: `node:internal/deps/undici/undici` is undici, `node:_http_client` http. */
function nodeModuleOf(url: string): string {
  const [first = url] = url.replace(/^node:/, '').replace(/^internal\//, '').replace(/^deps\//, '').split('/');
  return first.startsWith('_') ? (first.slice(1).split('_')[0] ?? first) : first;
}

/** Names the frames of a profile taken of `bundleFile`, whose source map is `<bundleFile>.map`. */
function frameNamer(bundleFile: string): (callFrame: CpuProfile['nodes'][number]['callFrame']) => Frame {
  const mapFile = `${bundleFile}.map`;
  const payload = JSON.parse(readFileSync(mapFile, 'utf8')) as SourceMapPayload;
  const map = new SourceMap(payload);
  const mapDir = path.resolve(path.dirname(mapFile), payload.sourceRoot ?? '');
  const bundleUrl = pathToFileURL(bundleFile).href;
  return ({ functionName, url, lineNumber, columnNumber }) => {
    const special = SPECIAL[functionName];
    if (special && url === '') return { group: special, category: functionName, function: functionName, where: '' };
    if (url === bundleUrl) {
      const entry = map.findEntry(lineNumber, columnNumber) as { originalSource?: string; originalLine?: number; name?: string };
      if (!entry.originalSource) return { group: 'service', category: 'bundle (unmapped)', function: functionName || '(anonymous)', where: `index.mjs:${lineNumber + 1}:${columnNumber + 1}` };
      const source = path.relative(REPOSITORY, path.resolve(mapDir, entry.originalSource.replace(/^file:\/\//, '')));
      const where = `${source.replace(/.*node_modules\//, '')}:${(entry.originalLine ?? 0) + 1}`;
      const name = entry.name ?? (functionName || '(anonymous)');
      const pkg = packageOf(source);
      if (pkg) return { group: 'package', category: pkg, function: name, where };
      const folder = path.dirname(source).split(path.sep).slice(0, 3).join('/');
      return { group: 'service', category: `service: ${folder}`, function: name, where };
    }
    const name = functionName || '(anonymous)';
    if (url.startsWith('node:internal/child_process') || url.includes('[eval')) return { group: 'bench harness', category: 'bench harness (IPC, the invoking script)', function: name, where: url };
    if (url.startsWith('node:')) return { group: 'node', category: `node:${nodeModuleOf(url)}`, function: name, where: `${url}:${lineNumber + 1}` };
    if (url === '') return { group: 'native', category: `native: ${name}`, function: name, where: '(native)' };
    // In these processes only Node's fetch (undici) runs WebAssembly: its HTTP parser, llhttp.
    if (url.startsWith('wasm://')) return { group: 'native', category: 'WebAssembly (undici\'s llhttp)', function: name, where: url };
    const pkg = packageOf(url);
    return pkg ? { group: 'package', category: pkg, function: name, where: url } : { group: 'program', category: `other: ${url}`, function: name, where: url };
  };
}

interface Tally {
  readonly byCategory: Map<string, { group: Group; us: number }>;
  readonly byCaller: Map<string, { group: Group; us: number }>;
  readonly byFunction: Map<string, { group: Group; category: string; function: string; where: string; us: number }>;
  readonly byGroup: Map<Group, number>;
}

function add(map: Map<string, { group: Group; us: number }>, key: string, group: Group, us: number): void {
  const entry = map.get(key) ?? { group, us: 0 };
  entry.us += us;
  map.set(key, entry);
}

/** Self time of each node (the time until the next sample is the sample's), summed by category, caller and function. */
function tally(profile: CpuProfile, name: ReturnType<typeof frameNamer>): Tally {
  const frames = new Map(profile.nodes.map((node) => [node.id, name(node.callFrame)]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  // Node's internals and native functions count for the nearest frame of the bundle or the harness
  // above them, or else for the nearest Node module that is not the event loop's own.
  const callerOf = new Map<number, Frame>();
  const internal = (frame: Frame): boolean => frame.group === 'node' || frame.group === 'native';
  const caller = (id: number): Frame => {
    const known = callerOf.get(id);
    if (known) return known;
    const frame = frames.get(id)!;
    let found = frame;
    if (internal(frame)) {
      let fallback: Frame | undefined = frame.group === 'node' && !EVENT_LOOP.has(frame.category) ? frame : undefined;
      let above = parents.get(id);
      found = frame;
      while (above !== undefined) {
        const candidate = frames.get(above)!;
        if (!internal(candidate)) break;
        if (!fallback && candidate.group === 'node' && !EVENT_LOOP.has(candidate.category)) fallback = candidate;
        above = parents.get(above);
      }
      const outer = above === undefined ? undefined : frames.get(above);
      found = outer && outer.group !== 'program' ? outer : (fallback ?? frame);
    }
    callerOf.set(id, found);
    return found;
  };
  const result: Tally = { byCategory: new Map(), byCaller: new Map(), byFunction: new Map(), byGroup: new Map() };
  let at = profile.startTime;
  const stamps = profile.timeDeltas.map((delta) => (at += delta));
  profile.samples.forEach((id, i) => {
    const us = (stamps[i + 1] ?? profile.endTime) - (stamps[i] ?? profile.startTime);
    if (us <= 0) return;
    const frame = frames.get(id)!;
    add(result.byCategory, frame.category, frame.group, us);
    const by = caller(id);
    add(result.byCaller, by.category, by.group, us);
    const key = `${frame.category}\u0000${frame.function}\u0000${frame.where}`;
    const entry = result.byFunction.get(key) ?? { group: frame.group, category: frame.category, function: frame.function, where: frame.where, us: 0 };
    entry.us += us;
    result.byFunction.set(key, entry);
    result.byGroup.set(frame.group, (result.byGroup.get(frame.group) ?? 0) + us);
  });
  return result;
}

const round = (value: number, digits = 1): number => Math.round(value * 10 ** digits) / 10 ** digits;

/**
 * Profiles warm `/api`: a new instance, its first request and the warm-up, then the V8 CPU profiler
 * started inside its process, `requests` requests of one signed-in browser one at a time (as Lambda
 * sends them), the profiler stopped and its profile attributed.
 */
export async function profileWarmApi(bundles: ApiBundles, dynamodbEndpoint: string, options: ProfileOptions = {}): Promise<ProfileResult> {
  const requests = options.requests ?? 500;
  const intervalUs = options.intervalUs ?? 50;
  const top = options.top ?? 15;
  const profileFile = path.resolve(options.profileFile ?? path.join(path.dirname(bundles.api), 'api-warm.cpuprofile'));
  const name = frameNamer(bundles.api);
  const session = await openApiSession(bundles, dynamodbEndpoint);
  let measured: { nodeVersion: string; cpuUs: number; profiledCpuUs: number; wallMs: number; profiledWallMs: number };
  try {
    const api = await session.startApi(options.warmup ?? 500, options.binary ? { binary: options.binary } : {});
    try {
      const batch = async (): Promise<{ cpuUs: number; wallMs: number }> => {
        const before = await api.instance.usage();
        const started = performance.now();
        for (let i = 0; i < requests; i++) {
          const answer = await api.request();
          if (answer.status !== 200) throw new Error(`/api answered ${answer.status}`);
        }
        const wallMs = performance.now() - started;
        const after = await api.instance.usage();
        return { cpuUs: after.userUs + after.systemUs - before.userUs - before.systemUs, wallMs };
      };
      const unprofiled = await batch();
      await api.instance.startProfile(intervalUs);
      const profiled = await batch();
      await api.instance.stopProfile(profileFile);
      measured = {
        nodeVersion: (await api.instance.usage()).nodeVersion,
        cpuUs: unprofiled.cpuUs,
        wallMs: unprofiled.wallMs,
        profiledCpuUs: profiled.cpuUs,
        profiledWallMs: profiled.wallMs,
      };
    } finally {
      await api.stop();
    }
  } finally {
    await session.close();
  }

  const profile = JSON.parse(readFileSync(profileFile, 'utf8')) as CpuProfile;
  const totals = tally(profile, name);
  const idleUs = totals.byGroup.get('idle') ?? 0;
  const busyUs = [...totals.byGroup.values()].reduce((sum, us) => sum + us, 0) - idleUs;
  // The harness's share with the native work it calls (writing and parsing the IPC messages).
  const harnessUs = [...totals.byCaller.values()].filter((value) => value.group === 'bench harness').reduce((sum, value) => sum + value.us, 0);
  const harnessShare = harnessUs / busyUs;
  const cpuUsPerRequest = measured.cpuUs / requests;
  const entry = (entryName: string, group: Group, us: number): ProfileEntry => ({
    name: entryName,
    group,
    percent: group === 'idle' ? 0 : round((us / busyUs) * 100),
    us: group === 'idle' ? 0 : round((us / busyUs) * cpuUsPerRequest),
    sampledUs: round(us / requests),
  });
  const ranked = (map: Map<string, { group: Group; us: number }>): ProfileEntry[] =>
    [...map].filter(([, value]) => value.group !== 'idle').sort((a, b) => b[1].us - a[1].us).slice(0, top).map(([key, value]) => entry(key, value.group, value.us));
  return {
    nodeVersion: measured.nodeVersion,
    requests,
    intervalUs,
    samples: profile.samples.length,
    cpuUsPerRequest: round(cpuUsPerRequest),
    cpuUsPerRequestWithoutHarness: round(cpuUsPerRequest * (1 - harnessShare)),
    profiledCpuUsPerRequest: round(measured.profiledCpuUs / requests),
    sampledBusyUsPerRequest: round(busyUs / requests),
    sampledIdleUsPerRequest: round(idleUs / requests),
    wallMsPerRequest: { unprofiled: round(measured.wallMs / requests, 3), profiled: round(measured.profiledWallMs / requests, 3) },
    groups: [...totals.byGroup].sort((a, b) => (a[0] === 'idle' ? 1 : b[0] === 'idle' ? -1 : b[1] - a[1])).map(([group, us]) => entry(group, group, us)),
    entries: ranked(totals.byCategory),
    byCaller: ranked(totals.byCaller),
    functions: [...totals.byFunction.values()]
      .filter((value) => value.group !== 'idle')
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((value) => ({ ...entry(value.function, value.group, value.us), category: value.category, where: value.where })),
    profileFile,
  };
}

const cell = (text: string): string => text.replace(/\|/g, '\\|');
const figures = (row: ProfileEntry): string => (row.group === 'idle' ? `| | | ${row.sampledUs} |` : `| ${row.us} | ${row.percent} | ${row.sampledUs} |`);

function table(title: string, rows: readonly ProfileEntry[], withGroup = true): string[] {
  return [
    `| ${title} |${withGroup ? ' group |' : ''} CPU µs per request | % | sampled µs per request |`,
    `| --- |${withGroup ? ' --- |' : ''} ---: | ---: | ---: |`,
    ...rows.map((row) => `| ${cell(row.name)} |${withGroup ? ` ${row.group} |` : ''} ${figures(row).slice(2)}`),
  ];
}

/** The profile's attribution as markdown tables. */
export function formatProfile(result: ProfileResult): string {
  return [
    `CPU profile of warm /api (${result.nodeVersion}): ${result.requests} requests one at a time, sampled every ${result.intervalUs} µs (${result.samples} samples).`,
    `Per request: ${result.cpuUsPerRequest} µs of CPU in the function's process without the profiler (${result.cpuUsPerRequestWithoutHarness} µs without the bench's IPC), ` +
      `${result.profiledCpuUsPerRequest} µs with it; wall ${result.wallMsPerRequest.unprofiled} ms (${result.wallMsPerRequest.profiled} ms profiled). ` +
      `CPU µs are the unprofiled CPU time apportioned by the profile's shares; sampled µs are the profile's own (wall time on the main thread: ${result.sampledBusyUsPerRequest} µs busy, ${result.sampledIdleUsPerRequest} µs idle).`,
    '',
    ...table('group', result.groups, false),
    '',
    ...table('category (the frame itself)', result.entries),
    '',
    ...table("category (Node's internals and native functions counted for their caller)", result.byCaller),
    '',
    '| function | category | where | CPU µs per request | % | sampled µs per request |',
    '| --- | --- | --- | ---: | ---: | ---: |',
    ...result.functions.map((row) => `| ${cell(row.name)} | ${cell(row.category)} | ${cell(row.where)} ${figures(row)}`),
    '',
    `Profile: ${result.profileFile}`,
  ].join('\n');
}

if (require.main === module) {
  runStandalone(
    'profile',
    ({ bundles, dynamodbEndpoint, runtime, log }) => {
      const requests = environmentInteger('BENCH_PROFILE_REQUESTS', 500, 1, 20_000);
      const intervalUs = environmentInteger('BENCH_PROFILE_INTERVAL_US', 50, 10, 10_000);
      const profileFile = path.resolve(process.env.BENCH_PROFILE_FILE ?? path.join(REPOSITORY, '.bench', 'api-warm.cpuprofile'));
      mkdirSync(path.dirname(profileFile), { recursive: true });
      log(`profiling ${requests} warm /api requests, sampled every ${intervalUs} µs`);
      return profileWarmApi(bundles, dynamodbEndpoint, { requests, intervalUs, profileFile, binary: runtime.binary });
    },
    formatProfile,
  );
}
