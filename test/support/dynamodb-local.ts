/**
 * DynamoDB Local for the tests: the official emulator started in memory on a free port (never
 * outliving the test process), the real SDK client for it, and a fresh table shaped like the
 * production one for each test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  CreateTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { tableDefinition, TABLE_TTL_ATTRIBUTE } from '../../functions/adapters/dynamodb/table-schema';
import { freePort } from './free-port';
import { dynamoDbApi, type DynamoDbApi } from '../../functions/adapters/dynamodb/dynamodb-api';
import { localApiOptions, localClientConfig, type LocalClientOptions } from './local-aws-client';

/** The variable through which jest's global setup hands the endpoint to the test workers. */
export const DYNAMODB_LOCAL_ENDPOINT_VARIABLE = 'DYNAMODB_LOCAL_ENDPOINT';

export interface DynamoDbLocal {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly pid: number;
  /** Ends the Java process and resolves once it has exited. Safe to call twice. */
  stop(): Promise<void>;
}

export interface StartDynamoDbLocalOptions {
  /** How long to wait for the first successful ListTables; default 30 s (a cold JVM on a slow CI machine). */
  readonly startupTimeoutMs?: number;
}

const startAttempts = 3;
const forwardedSignals: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGHUP'];
const keptOutputChars = 4000;

/**
 * Starts the official DynamoDB Local (the jar shipped inside amplify-dynamodb-simulator) in memory
 * on a free port and resolves once it answers ListTables through the real SDK client.
 *
 * `-sharedDb` is added to the documented command line: without it DynamoDB Local keeps one database
 * per access key and region, so a table made here with dummy credentials would be invisible to the
 * code under test, which takes its credentials from the environment.
 */
export async function startDynamoDbLocal(options: StartDynamoDbLocalOptions = {}): Promise<DynamoDbLocal> {
  const timeoutMs = options.startupTimeoutMs ?? 30_000;
  let lastError: unknown;
  // The port can be taken between freePort() and the JVM binding it; a fresh port usually fixes that.
  for (let attempt = 1; attempt <= startAttempts; attempt++) {
    const port = await freePort();
    try {
      return await startOnPort(port, timeoutMs);
    } catch (error) {
      lastError = error;
      if (!(error instanceof EarlyExitError)) break;
    }
  }
  throw lastError;
}

class EarlyExitError extends Error {}

function emulatorDirectory(): string {
  return join(dirname(require.resolve('amplify-dynamodb-simulator/package.json')), 'emulator');
}

async function startOnPort(port: number, timeoutMs: number): Promise<DynamoDbLocal> {
  const emulator = emulatorDirectory();
  const args = [
    `-Djava.library.path=${join(emulator, 'DynamoDBLocal_lib')}`,
    '-jar',
    join(emulator, 'DynamoDBLocal.jar'),
    '-inMemory',
    '-sharedDb',
    '-port',
    String(port),
    '-disableTelemetry',
  ];
  // DynamoDB Local writes a metadata file into its working directory; keep it out of the project.
  const workDirectory = mkdtempSync(join(tmpdir(), 'dynamodb-local-'));
  const removeWorkDirectory = (): void => rmSync(workDirectory, { recursive: true, force: true });
  const child = spawn('java', args, { cwd: workDirectory, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = captureOutput(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // Never let the emulator keep the jest process alive; the teardown stops it explicitly.
  child.unref();

  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (error) => {
      removeWorkDirectory();
      reject(new Error(`DynamoDB Local: cannot run java (${error.message}); install a Java runtime (17+)`, { cause: error }));
    }),
  );
  // Both startup-failure promises outlive the race below; mark them handled so a later exit is not reported.
  spawnError.catch(() => undefined);
  if (child.pid === undefined) await spawnError;
  const pid = child.pid as number;

  const killOnExit = (): void => {
    killQuietly(pid, 'SIGKILL');
    removeWorkDirectory();
  };
  process.once('exit', killOnExit);
  // A signal ends Node without 'exit' handlers; the JVM would outlive a run stopped by `timeout` or CI.
  const killOnSignal = (signal: NodeJS.Signals): void => {
    killOnExit();
    forgetSignals();
    process.kill(process.pid, signal);
  };
  const forgetSignals = (): void => {
    for (const signal of forwardedSignals) process.removeListener(signal, killOnSignal);
  };
  for (const signal of forwardedSignals) process.once(signal, killOnSignal);

  const endpoint = `http://127.0.0.1:${port}`;
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return exited;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) {
      // Referenced again while shutting down: otherwise Node can run out of work and exit before
      // the JVM has gone, leaving it orphaned.
      child.ref();
      killQuietly(pid, 'SIGTERM');
      const forced = setTimeout(() => killQuietly(pid, 'SIGKILL'), 5_000);
      await exited;
      clearTimeout(forced);
    }
    process.removeListener('exit', killOnExit);
    forgetSignals();
    removeWorkDirectory();
  };

  const earlyExit = exited.then(() => {
    throw new EarlyExitError(`DynamoDB Local exited during startup (exit ${child.exitCode ?? child.signalCode}):\n${output()}`);
  });
  earlyExit.catch(() => undefined);
  // A taken port does not end the JVM: Jetty's main thread dies and the process lingers, while
  // whatever owns the port might even answer ListTables. The log line is the only reliable sign.
  const bindFailure = output.failed.then(() => {
    throw new EarlyExitError(`DynamoDB Local could not bind port ${port}:\n${output()}`);
  });
  bindFailure.catch(() => undefined);
  const polling = new AbortController();
  try {
    await Promise.race([waitForDynamoDb(endpoint, timeoutMs, polling.signal), spawnError, earlyExit, bindFailure]);
    if (output.bindFailed()) await bindFailure;
  } catch (error) {
    polling.abort();
    await stop();
    if (error instanceof EarlyExitError) throw error;
    throw new Error(`${(error as Error).message}\n${output()}`, { cause: error });
  }
  return { endpoint, pid, stop };
}

interface CapturedOutput {
  (): string;
  /** Resolves when the log shows that the server socket could not be bound. */
  readonly failed: Promise<void>;
  bindFailed(): boolean;
}

const bindFailurePattern = /Failed to bind|Address already in use|BindException/;

function captureOutput(child: ChildProcess): CapturedOutput {
  let text = '';
  let failed = false;
  let signalFailure: () => void = () => undefined;
  const failedPromise = new Promise<void>((resolve) => {
    signalFailure = resolve;
  });
  const keep = (chunk: Buffer): void => {
    text = (text + chunk.toString('utf8')).slice(-keptOutputChars);
    if (!failed && bindFailurePattern.test(text)) {
      failed = true;
      signalFailure();
    }
  };
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    stream.on('data', keep);
    // The pipes are handles too; they must not hold the event loop open either.
    (stream as unknown as { unref?: () => void }).unref?.();
  }
  return Object.assign(() => text.trim(), { failed: failedPromise, bindFailed: () => failed });
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}

/** Polls ListTables until DynamoDB answers, `timeoutMs` passes or `signal` aborts. */
export async function waitForDynamoDb(endpoint: string, timeoutMs = 30_000, signal?: AbortSignal): Promise<void> {
  const client = dynamoDbClient(endpoint, { requestTimeoutMs: 1_000 });
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      try {
        await client.send(new ListTablesCommand({ Limit: 1 }));
        return;
      } catch (error) {
        if (signal?.aborted) throw new Error(`stopped waiting for DynamoDB at ${endpoint}`, { cause: error });
        if (Date.now() > deadline) {
          throw new Error(`DynamoDB at ${endpoint} did not answer within ${timeoutMs} ms`, { cause: error });
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  } finally {
    client.destroy();
  }
}

/** The service's own DynamoDB client (what the stores are built on) for a local endpoint: dummy credentials, us-east-1, one attempt. */
export function storeApi(endpoint: string): DynamoDbApi {
  return dynamoDbApi(localApiOptions(endpoint));
}

/** The real SDK client for a local endpoint: dummy credentials, us-east-1, no retries. Call destroy() when done. */
export function dynamoDbClient(endpoint: string, options: LocalClientOptions = {}): DynamoDBClient {
  return new DynamoDBClient(localClientConfig(endpoint, options));
}

/**
 * Creates a new, uniquely named table shaped like the production one (string partition key,
 * on-demand billing, TTL on the expiry attribute) and returns its name. Each test gets its own
 * table, so tests running in parallel workers never see each other's items.
 */
export async function createTestTable(endpoint: string): Promise<string> {
  const tableName = `test-${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`;
  const client = dynamoDbClient(endpoint);
  try {
    await client.send(
      new CreateTableCommand(tableDefinition(tableName)),
    );
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: TABLE_TTL_ATTRIBUTE, Enabled: true },
      }),
    );
  } finally {
    client.destroy();
  }
  return tableName;
}

/** The endpoint started by jest's global setup; throws a clear message when it is missing. */
export function dynamoDbLocalEndpoint(): string {
  const endpoint = process.env[DYNAMODB_LOCAL_ENDPOINT_VARIABLE];
  if (!endpoint) {
    throw new Error(
      `${DYNAMODB_LOCAL_ENDPOINT_VARIABLE} is not set: run the tests through jest.config.js, whose globalSetup starts DynamoDB Local`,
    );
  }
  return endpoint;
}
