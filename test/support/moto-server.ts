/**
 * moto, an independent emulator of AWS APIs (https://docs.getmoto.org/en/latest/docs/server_mode.html),
 * run as its own server process on 127.0.0.1: the tests reach it through the real SDK clients,
 * so what they check is AWS's API as somebody else emulates it, not as we do. The integration
 * project's global setup starts one for the whole run (`motoEndpoint()`); every file names its own
 * secrets, buses, queues and tables, so files running side by side never meet there.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './free-port';

export interface MotoServer {
  /** `http://127.0.0.1:<port>`: an SDK client's `endpoint`, or `AWS_ENDPOINT_URL_<SERVICE>`. */
  readonly endpoint: string;
  close(): Promise<void>;
}

/** The variable through which jest's global setup hands moto's endpoint to the test workers. */
export const MOTO_ENDPOINT_VARIABLE = 'MOTO_ENDPOINT';

/** What to do when moto is missing; `.ci/run` checks for the same modules before the tests. */
export const MOTO_INSTALL_HINT = "moto's server mode needs the Python packages moto, flask, flask_cors and jsonpath_ng: pip install 'moto[server]'";

const START_TIMEOUT_MS = 20_000;

/**
 * `python3 -m moto.server`, with one pure function memoized first: for every event it hands to a
 * rule's target, moto's EventBridge parses the eight JSONPath expressions of its default input
 * template with a freshly built parser (jsonpath_ng regenerates its LALR tables each time), about
 * 0.3 s per delivery on the 2-core machine. Parsing the same expression always gives the same
 * path, so the cache changes no answer, only the time (a few milliseconds per delivery).
 */
const MEMOIZED_JSONPATH = [
  'import functools',
  'import jsonpath_ng.ext',
  'jsonpath_ng.ext.parse = functools.lru_cache(maxsize=None)(jsonpath_ng.ext.parse)',
].join('\n');
const FORWARDED_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGHUP'];

/** Starts moto's server (see MEMOIZED_JSONPATH) on a free loopback port and waits until it answers. */
export async function startMoto(): Promise<MotoServer> {
  const port = await freePort();
  const child = spawn('python3', ['-c', `${MEMOIZED_JSONPATH}\nfrom moto.server import main\nmain(['-H', '127.0.0.1', '-p', '${port}'])`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2_000);
  });
  const spawnError = new Promise<never>((_, reject) => {
    child.once('error', (error) => reject(new Error(`cannot run python3 (${error.message}); ${MOTO_INSTALL_HINT}`, { cause: error })));
  });
  spawnError.catch(() => undefined);
  // The server must not outlive the process that started it, even when that process never reaches
  // close() or is stopped by a signal (`timeout`, CI), nor keep that process alive by itself.
  const killOnExit = () => child.kill('SIGKILL');
  const killOnSignal = (signal: NodeJS.Signals) => {
    forget();
    child.kill('SIGKILL');
    process.kill(process.pid, signal);
  };
  const forget = () => {
    process.removeListener('exit', killOnExit);
    for (const signal of FORWARDED_SIGNALS) process.removeListener(signal, killOnSignal);
  };
  process.once('exit', killOnExit);
  for (const signal of FORWARDED_SIGNALS) process.once(signal, killOnSignal);
  child.unref();
  (child.stderr as unknown as { unref?: () => void } | null)?.unref?.();
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await Promise.race([waitUntilAnswering(endpoint, child, () => stderr), spawnError]);
  } catch (error) {
    forget();
    child.kill('SIGKILL');
    throw error;
  }
  return {
    endpoint,
    close: async () => {
      await stop(child);
      forget();
    },
  };
}

/** The moto started by jest's global setup; throws a clear message when it is missing. */
export function motoEndpoint(): string {
  const endpoint = process.env[MOTO_ENDPOINT_VARIABLE];
  if (!endpoint) {
    throw new Error(`${MOTO_ENDPOINT_VARIABLE} is not set: run the integration tests through jest.config.js, whose globalSetup starts moto`);
  }
  return endpoint;
}

async function waitUntilAnswering(endpoint: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      const missing = /No module named/.test(stderr()) ? ` (${MOTO_INSTALL_HINT})` : '';
      throw new Error(`moto exited with ${child.exitCode}${missing}: ${stderr()}`);
    }
    try {
      // moto's own API: answers once the server is up.
      const answer = await fetch(`${endpoint}/moto-api/data.json`);
      if (answer.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`moto did not answer within ${START_TIMEOUT_MS} ms: ${stderr()}`);
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  // Referenced again while it shuts down, so this process waits for the exit instead of ending first.
  child.ref();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
