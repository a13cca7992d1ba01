/**
 * What the bench's standalone entries share (`npx tsx bench/throughput.ts`, `npx tsx bench/profile.ts`):
 * the bundles `/api` needs built with the stack's options into a temporary folder, DynamoDB Local
 * (or DYNAMODB_LOCAL_ENDPOINT), the runtime the function's process runs on, a table and the JSON on
 * stdout, and a hard deadline (BENCH_TIMEOUT_SECONDS) after which everything started here is stopped.
 *
 * BENCH_RUNTIME=lambda (default: Node.js 22, bench/runtimes.ts) or machine (the `node` running this).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { startDynamoDbLocal, type DynamoDbLocal } from '../test/support/dynamodb-local';
import { buildBundle } from './bundles';
import { lambdaRuntime, machineRuntime, type Runtime } from './runtimes';
import type { ApiBundles } from './warm-api';

export interface StandaloneContext {
  readonly bundles: ApiBundles;
  /** Bytes of the minified `/api` bundle. */
  readonly apiBundleBytes: number;
  readonly dynamodbEndpoint: string;
  readonly runtime: Runtime;
  /** A folder removed at the end, for files the run writes (profiles). */
  readonly workDir: string;
  log(message: string): void;
}

const oneMinuteLoad = (): number => Number((loadavg()[0] ?? 0).toFixed(2));

/** A whole number from the environment, within [min, max]. */
export function environmentInteger(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`${name} must be a whole number from ${min} to ${max}`);
  return value;
}

/**
 * Runs `measure` with the bundles built and DynamoDB Local up, prints `format(result)` and the JSON,
 * then stops everything and exits: 0 when done, 1 on an error, 2 past BENCH_TIMEOUT_SECONDS.
 */
export function runStandalone<T>(name: string, measure: (context: StandaloneContext) => Promise<T>, format: (result: T) => string, defaultTimeoutSeconds = 300): void {
  const log = (message: string): void => {
    process.stderr.write(`${name}: ${message}\n`);
  };
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  let dynamodb: DynamoDbLocal | undefined;
  let workDir: string | undefined;
  const cleanUp = async (): Promise<void> => {
    await dynamodb?.stop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  };

  const run = async (): Promise<void> => {
    const startedAt = new Date();
    const loadAtStart = oneMinuteLoad();
    const choice = process.env.BENCH_RUNTIME ?? 'lambda';
    if (choice !== 'lambda' && choice !== 'machine') throw new Error('BENCH_RUNTIME must be lambda or machine');
    const runtime = choice === 'lambda' ? lambdaRuntime(log) : machineRuntime();
    workDir = mkdtempSync(path.join(tmpdir(), `login-service-${name}-`));
    log(`building the /login, /callback and /api bundles into ${workDir}`);
    const [login, callback, api] = await Promise.all((['Login', 'Callback', 'Api'] as const).map((bundle) => buildBundle(bundle, workDir)));
    let dynamodbEndpoint = process.env.DYNAMODB_LOCAL_ENDPOINT;
    if (!dynamodbEndpoint) {
      log('starting DynamoDB Local');
      dynamodb = await startDynamoDbLocal();
      dynamodbEndpoint = dynamodb.endpoint;
    }
    log(`function process on ${runtime.label} ${runtime.version}`);
    const result = await measure({
      bundles: { login: login!.file, callback: callback!.file, api: api!.file },
      apiBundleBytes: api!.bytes,
      dynamodbEndpoint,
      runtime,
      workDir,
      log,
    });
    const [core] = cpus();
    const environment = {
      date: startedAt.toISOString(),
      functionRuntime: runtime.version,
      benchRuntime: process.version,
      machine: `${cpus().length} × ${core?.model ?? 'unknown CPU'}`,
      loadAverage1m: { atStart: loadAtStart, atEnd: oneMinuteLoad() },
      dynamodb: dynamodb ? 'DynamoDB Local (started here)' : 'DynamoDB Local (DYNAMODB_LOCAL_ENDPOINT)',
      apiBundleBytes: api!.bytes,
    };
    process.stdout.write(`\n${format(result)}\n\n${JSON.stringify({ environment, result }, null, 2)}\n`);
  };

  const timeoutSeconds = environmentInteger('BENCH_TIMEOUT_SECONDS', defaultTimeoutSeconds, 10, 3600);
  const deadline = setTimeout(() => {
    log(`gave up after ${timeoutSeconds} s (BENCH_TIMEOUT_SECONDS)`);
    // The function processes exit when this process goes (their IPC channel closes).
    void Promise.race([cleanUp(), new Promise((resolve) => setTimeout(resolve, 5_000))]).finally(() => process.exit(2));
  }, timeoutSeconds * 1000);
  deadline.unref();

  run()
    .then(
      () => 0,
      (error: unknown) => {
        log(error instanceof Error ? (error.stack ?? error.message) : String(error));
        return 1;
      },
    )
    .then(async (code) => {
      await cleanUp().catch(() => undefined);
      process.exit(code);
    });
}
