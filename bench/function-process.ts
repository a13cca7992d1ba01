/**
 * One bundled function in a child process of its own, standing for one Lambda instance: the bundle is
 * loaded once, then invoked over IPC one event at a time, with the handler call timed in that process.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from 'aws-lambda';

/**
 * What runs in the function's process: it loads the bundle once, as Lambda's runtime does at init,
 * and then handles one event at a time, timing the handler call itself. It also answers with its CPU
 * time and memory (`usage`, after a full GC when asked and run with `--expose-gc`), runs the V8 CPU
 * profiler on request (`profile-start`, `profile-stop` writing the profile to a file), and exits
 * when this process goes.
 */
const INSTANCE = `
const { handler } = await import(process.argv[1]);
let profiler;
const post = (method, params) => new Promise((resolve, reject) => profiler.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
process.on('disconnect', () => process.exit());
process.on('message', async (message) => {
  if (message.type === 'memory') {
    process.send({ id: message.id, maxRssKb: process.resourceUsage().maxRSS });
    return;
  }
  if (message.type === 'usage') {
    const cpu = process.cpuUsage();
    const gcForced = Boolean(message.gc && typeof globalThis.gc === 'function');
    if (gcForced) globalThis.gc();
    const { rss, heapUsed } = process.memoryUsage();
    process.send({ id: message.id, usage: { cpu, cpuAfterGc: process.cpuUsage(), gcForced, rss, heapUsed, node: process.version } });
    return;
  }
  if (message.type === 'profile-start' || message.type === 'profile-stop') {
    try {
      if (message.type === 'profile-start') {
        const { Session } = await import('node:inspector');
        profiler = new Session();
        profiler.connect();
        await post('Profiler.enable');
        await post('Profiler.setSamplingInterval', { interval: message.intervalUs });
        await post('Profiler.start');
      } else {
        const { profile } = await post('Profiler.stop');
        profiler.disconnect();
        const { writeFileSync } = await import('node:fs');
        writeFileSync(message.file, JSON.stringify(profile));
      }
      process.send({ id: message.id, done: true });
    } catch (error) {
      process.send({ id: message.id, error: String(error && error.stack || error) });
    }
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
  readonly usage?: {
    readonly cpu: NodeJS.CpuUsage;
    readonly cpuAfterGc: NodeJS.CpuUsage;
    readonly gcForced: boolean;
    readonly rss: number;
    readonly heapUsed: number;
    readonly node: string;
  };
  readonly error?: string;
}

/** How the function's process is run: which `node`, with which flags (e.g. `--expose-gc`). */
export interface FunctionProcessOptions {
  /** Default: the `node` running this process. */
  readonly binary?: string;
  readonly execArgv?: readonly string[];
}

/** CPU and memory of a function's process, as the process itself reads them. */
export interface ProcessUsage {
  /** CPU time of the process so far (all its threads), µs, read before any forced GC. */
  readonly userUs: number;
  readonly systemUs: number;
  /** The same, read after the forced GC. */
  readonly userAfterGcUs: number;
  readonly systemAfterGcUs: number;
  /** Whether a full GC ran before the memory was read (the process needs `--expose-gc`). */
  readonly gcForced: boolean;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  /** `process.version` of the function's process. */
  readonly nodeVersion: string;
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

  static start(bundleFile: string, options: FunctionProcessOptions = {}): Promise<FunctionProcess> {
    const args = [...(options.execArgv ?? []), '--input-type=module', '-e', INSTANCE, pathToFileURL(bundleFile).href];
    const child = spawn(options.binary ?? process.execPath, args, {
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

  /** CPU time and memory of the process now; with `gc`, the memory is read after a full GC. */
  async usage(options: { gc?: boolean } = {}): Promise<ProcessUsage> {
    const reply = await this.ask({ type: 'usage', gc: options.gc === true });
    const usage = reply.usage;
    if (!usage) throw new Error(`usage failed: ${reply.error ?? 'no answer'}`);
    return {
      userUs: usage.cpu.user,
      systemUs: usage.cpu.system,
      userAfterGcUs: usage.cpuAfterGc.user,
      systemAfterGcUs: usage.cpuAfterGc.system,
      gcForced: usage.gcForced,
      rssBytes: usage.rss,
      heapUsedBytes: usage.heapUsed,
      nodeVersion: usage.node,
    };
  }

  /** Starts the V8 CPU profiler in the process (node:inspector), sampling every `intervalUs`. */
  async startProfile(intervalUs: number): Promise<void> {
    const reply = await this.ask({ type: 'profile-start', intervalUs });
    if (reply.error !== undefined) throw new Error(`profile-start failed: ${reply.error}`);
  }

  /** Stops the profiler and has the process write the profile (`.cpuprofile` JSON) to `file`. */
  async stopProfile(file: string): Promise<void> {
    const reply = await this.ask({ type: 'profile-stop', file });
    if (reply.error !== undefined) throw new Error(`profile-stop failed: ${reply.error}`);
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
