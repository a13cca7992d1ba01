/**
 * `npm run bench`: builds the production bundles with the CDK stack's options, then measures their
 * size, cold start against an empty handler (on Node.js 22, Lambda's runtime, and on the machine's
 * Node: bench/runtimes.ts), warm latency and calls per request, all on 127.0.0.1.
 * Prints a table and the same figures as JSON. Stops by itself; BENCH_TIMEOUT_SECONDS bounds it.
 *
 * BENCH_INVOCATIONS (default 1000) warm requests per endpoint; BENCH_COLD_ROUNDS (default 25) cold
 * starts per bundle; DYNAMODB_LOCAL_ENDPOINT reuses a running DynamoDB Local instead of starting one;
 * BENCH_CDK_SYNTH=0 skips comparing the bundles with the assets of `cdk synth` (about 15 s);
 * BENCH_VARIANTS=1 adds what each build setting is worth (bench/variants.ts); BENCH_USER_SESSIONS
 * (default 2000, at most 20,000) sessions of one user are ended at once (bench/user-sessions.ts).
 * BENCH_PEER=0 skips the Express + express-openid-connect peer (bench/peer; its packages are installed
 * there on first use); BENCH_THROUGHPUT=0 skips the throughput run and the CPU profile of warm /api
 * (bench/throughput.ts, bench/profile.ts), which run on Node.js 22.
 * BENCH_ONLY=variants prints the variants table alone (Node.js 22, a few minutes).
 * BENCH_ONLY=user-sessions runs that part alone (DynamoDB Local, no bundles; about half a minute)
 * and prints its figures, leaving docs/bench-latest.md as it is.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { esbuildOptions } from '../infra/bundling';
import { startDynamoDbLocal, type DynamoDbLocal } from '../test/support/dynamodb-local';
import type { RouteEntry } from '../infra/route-table';
import { buildBundle, FUNCTION_NAMES, type BuiltBundle } from './bundles';
import { compareWithCdkAssets } from './cdk-check';
import { measureColdStarts } from './cold-start';
import { lambdaRuntime, machineRuntime } from './runtimes';
import { clientAuthCosts, costBreakdown, costModel, endingCost, memoryChoices } from './cost-model';
import { logBytesPerRequest } from './log-bytes';
import { assertionSignMs } from './client-auth';
import { formatReport, formatUserSessions, formatVariants, HTTPS_FLOOR, latestRunPage, type BenchReport } from './report';
import { measureUserSessions } from './user-sessions';
import { measureVariants } from './variants';
import { measureWarm } from './warm';
import { measurePeer } from './peer/peer';
import { measureThroughput } from './throughput';
import { profileWarmApi } from './profile';

const ROUTE_OF = { Login: 'login', Callback: 'callback', Api: 'api', Session: 'session', Logout: 'logout' } as const satisfies Record<string, RouteEntry>;

function positiveInteger(name: string, fallback: number, min: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be a whole number of at least ${min}`);
  return value;
}

// The SDK clients of the local stand-ins run here too; their Node version notice is not a finding.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

let dynamodb: DynamoDbLocal | undefined;

/** DYNAMODB_LOCAL_ENDPOINT, or a DynamoDB Local started here (stopped at the end). */
async function dynamodbEndpoint(): Promise<string> {
  const reused = process.env.DYNAMODB_LOCAL_ENDPOINT;
  if (reused) return reused;
  log('starting DynamoDB Local');
  dynamodb = await startDynamoDbLocal();
  return dynamodb.endpoint;
}

const dynamodbName = (): string => (dynamodb ? 'DynamoDB Local (started by the bench)' : 'DynamoDB Local (DYNAMODB_LOCAL_ENDPOINT)');

function userSessionCount(): number {
  const count = positiveInteger('BENCH_USER_SESSIONS', 2000, 1);
  if (count > 20_000) throw new Error('BENCH_USER_SESSIONS must be at most 20000');
  return count;
}

async function userSessionsFigures(endpoint: string, count: number): Promise<NonNullable<BenchReport['userSessions']>> {
  log(`ending every session of one user: ${count} sessions`);
  const measured = await measureUserSessions(endpoint, count);
  return { ...measured, cost: endingCost(measured) };
}

/** BENCH_ONLY=user-sessions: the kill switch's figures alone. */
async function userSessionsOnly(): Promise<void> {
  try {
    const userSessions = await userSessionsFigures(await dynamodbEndpoint(), userSessionCount());
    const environment = { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model ?? 'unknown', loadAverage1m: Math.round((loadavg()[0] ?? 0) * 100) / 100, dynamodb: dynamodbName() };
    process.stdout.write(`\n${formatUserSessions(userSessions)}\n\n${JSON.stringify({ environment, userSessions }, null, 2)}\n`);
  } finally {
    await dynamodb?.stop();
  }
}

/** Builds the floors' bundles (an empty handler, and one that loads node:https) into `outDir`. */
async function buildFloors(outDir: string): Promise<{ floorFile: string; httpsFloorFile: string }> {
  const floorFile = path.join(outDir, 'EmptyHandler', 'index.mjs');
  const httpsFloorFile = path.join(outDir, 'HttpsHandler', 'index.mjs');
  for (const [file, entry] of [[floorFile, 'empty-handler.ts'], [httpsFloorFile, 'https-handler.ts']] as const) {
    await build({ ...esbuildOptions('Api', file), entryPoints: [path.join(__dirname, entry)], logLevel: 'error' });
  }
  return { floorFile, httpsFloorFile };
}

/** BENCH_ONLY=variants: the levers' table alone, on Node.js 22. */
async function variantsOnly(): Promise<void> {
  const outDir = mkdtempSync(path.join(tmpdir(), 'login-service-bench-'));
  try {
    const { floorFile } = await buildFloors(outDir);
    const runtime = lambdaRuntime(log);
    log(`variants on ${runtime.label}`);
    const variants = await measureVariants(outDir, floorFile, positiveInteger('BENCH_COLD_ROUNDS', 25, 1), runtime.binary);
    process.stdout.write(`\n${formatVariants(variants)}\n\n${JSON.stringify(variants, null, 2)}\n`);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY;
  if (only !== undefined) {
    if (only === 'variants') return variantsOnly();
    if (only !== 'user-sessions') throw new Error('BENCH_ONLY may only be user-sessions or variants');
    return userSessionsOnly();
  }
  const invocations = positiveInteger('BENCH_INVOCATIONS', 1000, 1);
  const coldRounds = positiveInteger('BENCH_COLD_ROUNDS', 25, 1);
  const sessionsOfOneUser = userSessionCount();
  const outDir = mkdtempSync(path.join(tmpdir(), 'login-service-bench-'));
  try {
    log(`building the bundles into ${outDir}`);
    const bundles: BuiltBundle[] = [];
    for (const name of FUNCTION_NAMES) bundles.push(await buildBundle(name, outDir));
    let sameAsCdk: BenchReport['sameAsCdkSynth'] = { skipped: 'BENCH_CDK_SYNTH=0' };
    if (process.env.BENCH_CDK_SYNTH !== '0') {
      log('cdk synth, to compare its Lambda assets with these bundles');
      sameAsCdk = await compareWithCdkAssets(Object.fromEntries(bundles.map((bundle) => [bundle.name, bundle.file])));
    }
    const { floorFile, httpsFloorFile } = await buildFloors(outDir);

    // Lambda's runtime first: the figures that count; then the machine's, as every figure before was measured.
    const coldStarts: BenchReport['coldStarts'][number][] = [];
    const runtimes = [lambdaRuntime(log), machineRuntime()] as const;
    for (const runtime of runtimes) {
      log(`cold starts on ${runtime.label}: ${coldRounds} rounds of ${bundles.length + 2} fresh processes`);
      const cold = await measureColdStarts(
        floorFile,
        { [HTTPS_FLOOR]: httpsFloorFile, ...Object.fromEntries(bundles.map((bundle) => [bundle.name, bundle.file])) },
        coldRounds,
        runtime.binary,
      );
      coldStarts.push({
        runtime: runtime.label,
        version: runtime.version,
        floor: cold.floor,
        functions: Object.fromEntries(
          Object.entries(cold.functions).map(([name, result]) => [name, { ...result, ratio: Math.round((result.processMs.median / cold.floor.processMs.median) * 100) / 100 }]),
        ),
      });
    }

    let variants: BenchReport['variants'];
    if (process.env.BENCH_VARIANTS === '1') {
      log('variants: each build setting undone in turn');
      variants = await measureVariants(outDir, floorFile, coldRounds, runtimes[0].binary);
    }

    const endpoint = await dynamodbEndpoint();
    log(`warm: ${invocations} requests per endpoint`);
    // The warm requests go to the routes; the authorizer and the events function serve none.
    const routed = bundles.filter((bundle): bundle is BuiltBundle & { name: keyof typeof ROUTE_OF } => bundle.name in ROUTE_OF);
    const files = Object.fromEntries(routed.map((bundle) => [ROUTE_OF[bundle.name], bundle.file])) as Record<RouteEntry, string>;
    const warm = await measureWarm(files, endpoint, invocations);
    const userSessions = await userSessionsFigures(endpoint, sessionsOfOneUser);
    const apiBundles = { login: files.login, callback: files.callback, api: files.api };
    let peer: BenchReport['peer'];
    if (process.env.BENCH_PEER !== '0') {
      log('the Express + express-openid-connect peer: bundle, cold starts on both runtimes, warm /api beside the service');
      peer = await measurePeer({
        outDir,
        floorFile,
        rounds: coldRounds,
        binaries: runtimes.map((runtime) => ({ label: runtime.label, binary: runtime.binary, version: runtime.version })),
        dynamodbEndpoint: endpoint,
        invocations,
        coldReferences: { 'service /api': files.api },
        service: apiBundles,
        log,
      });
    }
    let throughput: BenchReport['throughput'];
    let profile: BenchReport['profile'];
    if (process.env.BENCH_THROUGHPUT !== '0') {
      log(`throughput of one warm /api instance on ${runtimes[0].label}`);
      throughput = await measureThroughput(apiBundles, endpoint, { binary: runtimes[0].binary });
      log(`CPU profile of warm /api on ${runtimes[0].label}`);
      profile = await profileWarmApi(apiBundles, endpoint, { binary: runtimes[0].binary, profileFile: path.join(outDir, 'api-warm.cpuprofile') });
    }
    const measured = (name: 'login' | 'callback' | 'api') => {
      const result = warm.endpoints[name];
      if (!result) throw new Error(`no warm figures for ${name}`);
      return result;
    };

    const costEndpoints = { login: measured('login'), callback: measured('callback'), api: measured('api') };
    const costInputs = { logBytes: await logBytesPerRequest(), sessionWriteUnits: userSessions.units.tableWrite };
    const report: BenchReport = {
      environment: {
        node: process.version,
        cpus: cpus().length,
        cpu: cpus()[0]?.model ?? 'unknown',
        loadAverage1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
        dynamodb: dynamodbName(),
        invocations,
        coldRounds,
      },
      bundles: bundles.map(({ file: _file, ...rest }) => rest),
      sameAsCdkSynth: sameAsCdk,
      coldStarts,
      warm,
      cost: costModel(costEndpoints, costInputs),
      costBreakdown: costBreakdown(costEndpoints, costInputs),
      memoryChoices: memoryChoices(costEndpoints, costInputs),
      clientAuth: await (async () => {
        const signMs = await assertionSignMs();
        // The bench's provider offers PAR, as oidc-provider, Okta and Keycloak do by default.
        return { signMs, par: true, rows: clientAuthCosts(signMs, true) };
      })(),
      ...(variants ? { variants } : {}),
      userSessions,
      ...(peer ? { peer } : {}),
      ...(throughput ? { throughput } : {}),
      ...(profile ? { profile } : {}),
    };
    process.stdout.write(`\n${formatReport(report)}\n\n${JSON.stringify(report, null, 2)}\n`);
    // The figures docs/performance.md refers to: the latest run, with its date and machine.
    const page = path.join(__dirname, '..', 'docs', 'bench-latest.md');
    writeFileSync(page, latestRunPage(report, new Date()));
    log(`wrote ${path.relative(process.cwd(), page)}`);
  } finally {
    await dynamodb?.stop();
    rmSync(outDir, { recursive: true, force: true });
  }
}

function log(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

const timeoutSeconds = positiveInteger('BENCH_TIMEOUT_SECONDS', 900, 10);
const deadline = setTimeout(() => {
  log(`gave up after ${timeoutSeconds} s (BENCH_TIMEOUT_SECONDS)`);
  const stopped = dynamodb ? dynamodb.stop() : Promise.resolve();
  void Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, 5_000))]).finally(() => process.exit(2));
}, timeoutSeconds * 1000);
deadline.unref();

main().then(
  () => process.exit(0),
  (error: unknown) => {
    log(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
