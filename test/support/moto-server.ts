/**
 * moto, an independent emulator of AWS APIs (https://docs.getmoto.org/en/latest/docs/server_mode.html),
 * run as its own server process on 127.0.0.1: the tests reach it through the real SDK clients,
 * so what they check is AWS's API as somebody else emulates it, not as we do.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './free-port';

export interface MotoServer {
  /** `http://127.0.0.1:<port>`: an SDK client's `endpoint`, or `AWS_ENDPOINT_URL_<SERVICE>`. */
  readonly endpoint: string;
  close(): Promise<void>;
}

const START_TIMEOUT_MS = 20_000;

/** Starts `python3 -m moto.server` on a free loopback port and waits until it answers. */
export async function startMoto(): Promise<MotoServer> {
  const port = await freePort();
  const child = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2_000);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntilAnswering(endpoint, child, () => stderr);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return { endpoint, close: () => stop(child) };
}

async function waitUntilAnswering(endpoint: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`moto exited with ${child.exitCode}: ${stderr()}`);
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
  if (child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
