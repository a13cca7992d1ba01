/**
 * `npx tsx bench/peer/run-peer.ts`: the bench's peer alone (bench/peer/peer.ts). Builds the
 * cold starts' floor as `npm run bench` does (bench/empty-handler.ts with the service's esbuild
 * settings) and the service's `/login`, `/callback` and `/api` bundles, then measures the peer:
 * its size, its cold starts on Node.js 22 (Lambda's runtime, bench/runtimes.ts) and on the
 * machine's Node, interleaved with the floor and the service's `/api`, and its warm `/api`
 * alternating request by request with the service's. Prints markdown tables and the same figures
 * as JSON; stops everything it started and stops by itself.
 *
 * BENCH_INVOCATIONS (default 1000) warm requests each; BENCH_COLD_ROUNDS (default 25) rounds per
 * runtime; BENCH_TIMEOUT_SECONDS (default 600) bounds the run; DYNAMODB_LOCAL_ENDPOINT reuses a
 * running DynamoDB Local; PEER_SERVICE=0 leaves the service out (the peer's figures alone).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { build } from 'esbuild';
import { esbuildOptions } from '../../infra/bundling';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../test/support/dynamodb-local';
import { buildBundle } from '../bundles';
import { lambdaRuntime, machineRuntime } from '../runtimes';
import { formatPeer, measurePeer } from './peer';

function positiveInteger(name: string, fallback: number, min: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be a whole number of at least ${min}`);
  return value;
}

function log(message: string): void {
  process.stderr.write(`bench peer: ${message}\n`);
}

// The SDK clients of the local stand-ins run here too; their Node version notice is not a finding.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const stop = new AbortController();
let dynamodb: DynamoDbLocal | undefined;

async function main(): Promise<void> {
  const invocations = positiveInteger('BENCH_INVOCATIONS', 1000, 1);
  const rounds = positiveInteger('BENCH_COLD_ROUNDS', 25, 1);
  const withService = process.env.PEER_SERVICE !== '0';
  const outDir = mkdtempSync(path.join(tmpdir(), 'login-service-peer-'));
  try {
    log(`building the floor${withService ? " and the service's /login, /callback and /api" : ''} into ${outDir}`);
    const floorFile = path.join(outDir, 'EmptyHandler', 'index.mjs');
    await build({ ...esbuildOptions('Api', floorFile), entryPoints: [path.join(__dirname, '..', 'empty-handler.ts')], logLevel: 'error' });
    const service = withService
      ? { login: (await buildBundle('Login', outDir)).file, callback: (await buildBundle('Callback', outDir)).file, api: (await buildBundle('Api', outDir)).file }
      : undefined;

    const endpoint = process.env.DYNAMODB_LOCAL_ENDPOINT || (await (async () => {
      log('starting DynamoDB Local');
      dynamodb = await startDynamoDbLocal();
      return dynamodb.endpoint;
    })());
    const runtimes = [lambdaRuntime(log), machineRuntime()];
    const result = await measurePeer({
      outDir,
      floorFile,
      rounds,
      binaries: runtimes.map(({ label, binary, version }) => ({ label, binary, version })),
      dynamodbEndpoint: endpoint,
      invocations,
      ...(service ? { coldReferences: { 'service /api': service.api }, service } : {}),
      log,
      signal: stop.signal,
    });
    const environment = {
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      cpu: cpus()[0]?.model ?? 'unknown',
      loadAverage1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
      dynamodb: dynamodb ? 'DynamoDB Local (started here)' : 'DynamoDB Local (DYNAMODB_LOCAL_ENDPOINT)',
    };
    process.stdout.write(`\n${formatPeer(result)}\n\n${JSON.stringify({ environment, ...result }, null, 2)}\n`);
  } finally {
    await dynamodb?.stop();
    rmSync(outDir, { recursive: true, force: true });
  }
}

const timeoutSeconds = positiveInteger('BENCH_TIMEOUT_SECONDS', 600, 10);
const deadline = setTimeout(() => {
  log(`gave up after ${timeoutSeconds} s (BENCH_TIMEOUT_SECONDS)`);
  // Aborting stops the functions' processes and the local services; then DynamoDB Local.
  stop.abort();
  const stopped = new Promise((resolve) => setTimeout(resolve, 1_000)).then(() => dynamodb?.stop());
  void Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, 5_000))]).finally(() => process.exit(2));
}, timeoutSeconds * 1000);
deadline.unref();

main().then(
  () => process.exit(0),
  (error: unknown) => {
    // After the deadline the failure is only the stop's consequence; its message was logged.
    if (stop.signal.aborted) process.exit(2);
    log(error instanceof Error ? (error.stack ?? error.message) : String(error));
    process.exit(1);
  },
);
