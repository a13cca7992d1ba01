/**
 * One bundled function in a child process of its own, standing for one Lambda instance: the bundle is
 * loaded once, then invoked over IPC one event at a time, with the handler call timed in that process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';

/**
 * What runs in the function's process: it loads the bundle once, as Lambda's runtime does at init,
 * and then handles one event at a time, timing the handler call itself.
 */
const INSTANCE = `
const { handler } = await import(process.argv[1]);
process.on('message', async (message) => {
  if (message.type === 'memory') {
    process.send({ id: message.id, maxRssKb: process.resourceUsage().maxRSS });
    return;
  }
  const started = performance.now();
  try {
    const result = await handler(message.event);
    process.send({ id: message.id, result, durationMs: performance.now() - started });
  } catch (error) {
    process.send({ id: message.id, error: String(error && error.stack || error) });
  }
});
process.send({ ready: true });
`;

interface Reply {
  readonly id?: number;
  readonly ready?: boolean;
  readonly result?: APIGatewayProxyResultV2<object>;
  readonly durationMs?: number;
  readonly maxRssKb?: number;
  readonly error?: string;
}

/**
 * One bundled function in a process of its own, like one Lambda instance: its module state (clients,
 * cached metadata and secret) lives as long as the process, and its memory is its own. The process
 * gets this process's environment as it is when started.
 */
export class FunctionProcess {
  private nextId = 0;
  private readonly pending = new Map<number, (reply: Reply) => void>();

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (reply: Reply) => {
      if (reply.id === undefined) return;
      this.pending.get(reply.id)?.(reply);
      this.pending.delete(reply.id);
    });
    child.on('exit', (code) => {
      for (const answer of this.pending.values()) answer({ error: `the function's process exited with ${code}` });
      this.pending.clear();
    });
  }

  static start(bundleFile: string): Promise<FunctionProcess> {
    const child = spawn(process.execPath, ['--input-type=module', '-e', INSTANCE, pathToFileURL(bundleFile).href], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      env: process.env,
    });
    return new Promise((resolve, reject) => {
      const failed = (code: number | null): void => reject(new Error(`${bundleFile} exited with ${code} while loading`));
      child.once('error', reject);
      child.once('exit', failed);
      child.once('message', (reply: Reply) => {
        child.off('exit', failed);
        if (reply.ready) resolve(new FunctionProcess(child));
        else reject(new Error('unexpected first message'));
      });
    });
  }

  /** Runs the handler on an event; `durationMs` is the handler call alone, timed in its process. */
  async invoke(event: APIGatewayProxyEventV2): Promise<{ result: APIGatewayProxyResultV2<object>; durationMs: number }> {
    const reply = await this.ask({ type: 'invoke', event });
    if (reply.error !== undefined || reply.result === undefined) throw new Error(`handler failed: ${reply.error ?? 'no result'}`);
    return { result: reply.result, durationMs: reply.durationMs ?? Number.NaN };
  }

  /** Peak resident memory of the process so far, MB. */
  async peakRssMb(): Promise<number> {
    const reply = await this.ask({ type: 'memory' });
    return Math.round((reply.maxRssKb ?? 0) / 102.4) / 10;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null) {
        resolve();
        return;
      }
      this.child.once('exit', () => resolve());
      this.child.kill();
    });
  }

  private ask(message: Record<string, unknown>): Promise<Reply> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, resolve);
      this.child.send({ ...message, id }, (error) => {
        if (error) {
          this.pending.delete(id);
          reject(error);
        }
      });
    });
  }
}
