/**
 * The bench's report: its shape (the JSON the run prints), the text tables of bundles, cold starts,
 * warm latency, calls per request and cost, and docs/bench-latest.md. The goals are printed next to
 * the figures, never asserted.
 */
import type { UserSessionsResult } from './user-sessions';
import type { BuiltBundle } from './bundles';
import type { ColdStart } from './cold-start';
import { ASSUMPTIONS, type ClientAuthCost, type CostPart, type CostRow, type EndingCost, type MemoryChoice } from './cost-model';
import type { VariantsResult } from './variants';
import { formatPeer, type PeerResult } from './peer/peer';
import { formatThroughput, type ThroughputResult } from './throughput';
import { formatProfile, type ProfileResult } from './profile';
import type { CallsPerRequest, Endpoint, WarmResult } from './warm';

export interface BenchReport {
  readonly environment: Readonly<Record<string, string | number>>;
  readonly bundles: readonly Omit<BuiltBundle, 'file'>[];
  /** Per function: is the bench's bundle byte for byte one of the Lambda assets `cdk synth` made? */
  readonly sameAsCdkSynth: Readonly<Record<string, boolean>> | { readonly skipped: string };
  /** Per runtime, Lambda's Node.js 22 first, then the machine's: each bundle against the floor, interleaved within a runtime. */
  readonly coldStarts: ReadonlyArray<{ readonly runtime: string; readonly version: string; readonly floor: ColdStart; readonly functions: Readonly<Record<string, ColdStart & { ratio: number }>> }>;
  readonly warm: WarmResult;
  /** Dollars, from us-east-1 list prices and the calls and times above (bench/cost-model.ts). */
  readonly cost: readonly CostRow[];
  /** This service's cost by part (API Gateway, Lambda, DynamoDB, logs, secrets). */
  readonly costBreakdown: readonly CostPart[];
  /** The cost and the /api handler's time at each memory size. */
  readonly memoryChoices: readonly MemoryChoice[];
  /** What authenticating the client adds, by credential (bench/client-auth.ts, bench/cost-model.ts), with the in-process signing times measured. */
  readonly clientAuth: { readonly signMs: { readonly RS256: number; readonly ES256: number }; readonly par: boolean; readonly rows: readonly ClientAuthCost[] };
  /** With BENCH_VARIANTS=1: each build setting undone in turn. */
  readonly variants?: VariantsResult;
  /** Every session of one user ended at once (bench/user-sessions.ts), on DynamoDB Local, and what it costs (bench/cost-model.ts). */
  readonly userSessions?: UserSessionsResult & { readonly cost: EndingCost };
  /** The Express + express-openid-connect + DynamoDB session store peer (bench/peer), measured in the same run. */
  readonly peer?: PeerResult;
  /** One warm /api instance's requests per second and per CPU-second, p99 and memory over a bounded run (bench/throughput.ts). */
  readonly throughput?: ThroughputResult;
  /** Where a warm /api request's CPU time goes (bench/profile.ts). */
  readonly profile?: ProfileResult;
}

/** The performance goals, printed next to the figures (not asserted: timings are too noisy for tests). */
export const GOALS = { coldStartRatio: 1.5, apiOverheadMs: 2, perMillionLogins: 5, perMillionApiCalls: 1.5 } as const;

/** The cold-start row of an empty handler that loads node:https (bench/https-handler.ts). */
export const HTTPS_FLOOR = '(empty + node:https)';

const kb = (bytes: number): string => `${(bytes / 1000).toFixed(1)} KB`;

function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)].join('\n');
}

function coldRow(name: string, cold: ColdStart & { ratio: number }): string[] {
  const flag = cold.ratio <= GOALS.coldStartRatio ? '' : ` (goal ≤ ${GOALS.coldStartRatio})`;
  return [name, '', '', `${cold.processMs.median} ms`, `${cold.processMs.p90} ms`, `${cold.ratio.toFixed(2)}${flag}`, `${cold.importMs.median} ms`, `${cold.peakRssMb} MB`];
}

function calls(c: CallsPerRequest): string {
  const dynamodb = Object.entries(c.dynamodb).map(([operation, count]) => `${count}×${operation}`).join(' + ') || '0';
  return `DDB ${dynamodb}; SM ${c.secretsManager}; IdP ${c.provider}; API ${c.upstream}`;
}

/** The cold-start table of one runtime, with the bundles' sizes. */
function coldTable(report: BenchReport, cold: BenchReport['coldStarts'][number]): string {
  const { floor, functions } = cold;
  return `Cold starts on ${cold.runtime}, ${cold.version}:\n` + table(
    ['function', 'minified', 'gzip', 'cold process p50', 'p90', 'ratio to floor', 'import p50', 'peak RSS'],
    [
      ['(empty handler)', '', '', `${floor.processMs.median} ms`, `${floor.processMs.p90} ms`, '1.00', `${floor.importMs.median} ms`, `${floor.peakRssMb} MB`],
      coldRow(HTTPS_FLOOR, functions[HTTPS_FLOOR]!),
      ...report.bundles.map((bundle) => {
        const [name, , , ...rest] = coldRow(bundle.name, functions[bundle.name]!);
        return [name ?? bundle.name, kb(bundle.bytes), kb(bundle.gzipBytes), ...rest];
      }),
    ],
  );
}

export function formatReport(report: BenchReport): string {
  const sections = [
    `Environment: ${Object.entries(report.environment).map(([key, value]) => `${key}=${value}`).join(', ')}`,
    `Bundles identical to the Lambda assets of cdk synth: ${
      'skipped' in report.sameAsCdkSynth
        ? `not checked (${String(report.sameAsCdkSynth.skipped)})`
        : Object.entries(report.sameAsCdkSynth).map(([name, same]) => `${name} ${same ? 'yes' : 'NO'}`).join(', ')
    }`,
    ...report.coldStarts.map((cold) => coldTable(report, cold)),
    table(
      ['endpoint', 'n', 'p50', 'p99', 'calls per warm request', 'first request on a new instance', 'statuses', 'new DDB connections', 'peak RSS'],
      (Object.entries(report.warm.endpoints) as Array<[Endpoint, NonNullable<WarmResult['endpoints'][Endpoint]>]>).map(([endpoint, result]) => [
        endpoint,
        String(result.latencyMs.n),
        `${result.latencyMs.median} ms`,
        `${result.latencyMs.p99} ms`,
        calls(result.warmCalls),
        calls(result.coldCalls),
        Object.entries(result.statuses).map(([status, count]) => `${status}×${count}`).join(' '),
        String(result.newDynamodbConnections),
        `${result.peakRssMb} MB`,
      ]),
    ),
    `Warm /api by the number of providers configured (OAUTH_PROVIDERS; the session's is the first): ` +
      report.warm.apiByProviders.map(({ providers, result }) => `${providers}: p50 ${result.latencyMs.median} ms, p99 ${result.latencyMs.p99} ms, ${calls(result.warmCalls)}`).join('; '),
    `/api overhead beyond the DynamoDB and upstream round trips: p50 ${report.warm.apiOverheadMs.median} ms, p99 ${report.warm.apiOverheadMs.p99} ms ` +
      `(goal < ${GOALS.apiOverheadMs} ms; bare upstream round trip p50 ${report.warm.upstreamRoundTripMs.median} ms)`,
    table(
      ['setup (us-east-1 list prices)', '$ per million logins', '$ per million API calls'],
      report.cost.map((row) => [row.setup, row.perMillionLogins.toFixed(2), row.perMillionApiCalls.toFixed(2)]),
    ),
    `This service by part (goals: ≤ $${GOALS.perMillionLogins.toFixed(2)} per million logins, ≤ $${GOALS.perMillionApiCalls.toFixed(2)} per million API calls):`,
    table(
      ['part', '$ per million logins', '$ per million API calls'],
      report.costBreakdown.map((row) => [row.part, row.perMillionLogins.toFixed(2), row.perMillionApiCalls.toFixed(2)]),
    ),
    `By memory size (Lambda's CPU share is memory/${ASSUMPTIONS.fullCpuMb} MB of a vCPU; the warm /api handler time measured on a whole core, scaled):`,
    table(
      ['memory', '$ per million logins', '$ per million API calls', 'warm /api handler'],
      report.memoryChoices.map((row) => [`${row.memoryMb} MB`, row.perMillionLogins.toFixed(2), row.perMillionApiCalls.toFixed(2), `${row.apiHandlerMs} ms`]),
    ),
    `Client authentication, on top of the above (${report.clientAuth.par ? 'with PAR: two authenticated requests per login' : 'one per login'}; ` +
      `in-process signing p50 RS256 ${report.clientAuth.signMs.RS256} ms, ES256 ${report.clientAuth.signMs.ES256} ms; KMS Sign round trip ${ASSUMPTIONS.roundTripMs.kmsSign} ms assumed):`,
    table(
      ['credential', '$ per million logins', '$ per million refreshes', '$ per month'],
      report.clientAuth.rows.map((row) => [row.option, row.perMillionLogins.toFixed(2), row.perMillionRefreshes.toFixed(2), row.perMonth.toFixed(2)]),
    ),
  ];
  if (report.userSessions) sections.push(formatUserSessions(report.userSessions));
  if (report.variants) {
    sections.push(formatVariants(report.variants));
  }
  if (report.peer) sections.push(`The usual alternative, measured in the same run (bench/peer):\n${formatPeer(report.peer)}`);
  if (report.throughput) sections.push(formatThroughput(report.throughput));
  if (report.profile) sections.push(formatProfile(report.profile));
  return sections.join('\n\n');
}

/** The variants table: each lever's bytes, and /api's cold start with it on Lambda's runtime. */
export function formatVariants(variants: VariantsResult): string {
  const { rows, floorMs, oauthRefreshBytes, runtime } = variants;
  return [
    `Levers, one at a time (cold starts of /api on ${runtime}, ${'interleaved with the floor'}):`,
    table(
      ['function', 'variant', 'minified', `cold process p50 (floor ${floorMs} ms)`, 'ratio', 'import p50'],
      rows.map((row) => [
        row.fn,
        row.variant,
        kb(row.bytes),
        row.coldProcessMs === undefined ? '' : `${row.coldProcessMs} ms`,
        row.ratio === undefined ? '' : row.ratio.toFixed(2),
        row.importMs === undefined ? '' : `${row.importMs} ms`,
      ]),
    ),
    `oauth4webapi for a refresh alone (request and response checks): ${kb(oauthRefreshBytes)}`,
  ].join('\n');
}

/** The kill switch's figures: a few lines, as `npm run bench` and `BENCH_ONLY=user-sessions` print them. */
export function formatUserSessions(u: NonNullable<BenchReport['userSessions']>): string {
  const units = (c: UserSessionsResult['units']) => `${c.write} write (table ${c.tableWrite}, indexes ${c.indexWrite}), ${c.read} read`;
  return [
    `Ending every session of one user (the kill switch's request; ${u.sessions} sessions, items of ${u.itemBytes} bytes with ${u.sealedTokensBytes} of sealed tokens, ${u.inFlight} endings in flight):`,
    `  ${u.ended} ended in ${u.totalMs} ms (${u.queries} index queries: ${u.queryMs} ms), ${u.sessionsPerSecond} sessions/s on DynamoDB Local (its speed, not DynamoDB's)`,
    `  capacity units per session ended, ${u.unitsSource}: ${units(u.units)}; DynamoDB's documented rules give ${units(u.computedUnits)}`,
    `  $ per million sessions ended, their tokens revoked: ${u.cost.perMillionSessionsEnded.toFixed(2)} (DynamoDB ${u.cost.perMillionSessionsEndedDynamodb.toFixed(2)}); ` +
      `per million users offboarded with ${ASSUMPTIONS.sessionsPerOffboardedUser} sessions each: ${u.cost.perMillionUsersOffboarded.toFixed(2)}`,
  ].join('\n');
}

/** docs/bench-latest.md: the report of one run, with when, where and how to run it again. */
export function latestRunPage(report: BenchReport, at: Date): string {
  const { node, cpus, cpu } = report.environment;
  return [
    '# The latest bench run',
    '',
    `Written by \`npm run bench\` on ${at.toISOString().slice(0, 10)} (Node ${node}, ${cpus} × ${cpu}). Run it again to refresh`,
    'this page; `BENCH_VARIANTS=1 npm run bench` adds the variants table. What the figures mean: [performance](performance.md).',
    '',
    '```',
    formatReport(report),
    '```',
    '',
  ].join('\n');
}
