/**
 * Cold starts: each bundle loaded with `import()` in a fresh process, as Lambda's runtime does at init,
 * in rounds interleaved with an empty handler (the floor); process time, import time and peak memory.
 */
import { spawn } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { summarize, type Summary } from './stats';

export interface ColdStart {
  /** Wall time of the whole process: Node's own start, loading the bundle, exit. */
  readonly processMs: Summary;
  /** The part spent in `import()` of the bundle, measured inside the process. */
  readonly importMs: Summary;
  /** Peak resident memory of the process after loading the bundle (median over runs), MB. */
  readonly peakRssMb: number;
}

/** What a process that loaded a bundle reports back. */
interface Sample {
  readonly processMs: number;
  readonly importMs: number;
  readonly maxRssKb: number;
}

/**
 * Loads the bundle the way Lambda's runtime does at init (an `import()` of the handler module) in a
 * fresh process, then exits. The environment is empty but for the region and the SDK's version
 * notice: module scope must not need configuration, which is read on the first request.
 */
const LOADER = `
const started = performance.now();
await import(process.argv[1]);
const importMs = performance.now() - started;
process.stdout.write(JSON.stringify({ importMs, maxRssKb: process.resourceUsage().maxRSS }));
`;

/** A bundle to start, with what its process's environment adds (NODE_OPTIONS, NODE_COMPILE_CACHE…). */
export interface ColdEntry {
  readonly file: string;
  readonly env?: Readonly<Record<string, string>>;
}

function runOnce(entry: string | ColdEntry, binary: string): Promise<Sample> {
  const { file, env = {} } = typeof entry === 'string' ? { file: entry } : entry;
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(binary, ['--input-type=module', '-e', LOADER, pathToFileURL(file).href], {
      env: { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 30_000,
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => {
      const processMs = performance.now() - started;
      if (code !== 0) {
        reject(new Error(`loading ${file} exited with ${code}: ${err.slice(0, 500)}`));
        return;
      }
      const reported = JSON.parse(out) as { importMs: number; maxRssKb: number };
      resolve({ processMs, ...reported });
    });
  });
}

/**
 * Cold starts of each bundle on the Node.js `binary`, interleaved with the floor (an empty handler
 * bundled the same way) in the same rounds, so a busy moment of a shared machine hits all of them alike. Runs are sequential.
 */
export async function measureColdStarts(floorFile: string, files: Readonly<Record<string, string | ColdEntry>>, rounds: number, binary = process.execPath): Promise<{
  floor: ColdStart;
  functions: Record<string, ColdStart>;
}> {
  const entries: Array<[string, string | ColdEntry]> = [['(floor)', floorFile], ...Object.entries(files)];
  const samples = new Map<string, Sample[]>(entries.map(([name]) => [name, []]));
  // One untimed round first: the first process of a run pays for a cold file cache.
  for (const [, file] of entries) await runOnce(file, binary);
  for (let round = 0; round < rounds; round++) {
    // Rotating the order keeps any one bundle from always running right after the same other one.
    for (let i = 0; i < entries.length; i++) {
      const [name, file] = entries[(i + round) % entries.length] as [string, string | ColdEntry];
      samples.get(name)!.push(await runOnce(file, binary));
    }
  }
  const describe = (name: string): ColdStart => {
    const list = samples.get(name)!;
    return {
      processMs: summarize(list.map((sample) => sample.processMs)),
      importMs: summarize(list.map((sample) => sample.importMs)),
      peakRssMb: Math.round(summarize(list.map((sample) => sample.maxRssKb)).median / 102.4) / 10,
    };
  };
  const functions: Record<string, ColdStart> = {};
  for (const [name] of entries.slice(1)) functions[name] = describe(name);
  return { floor: describe('(floor)'), functions };
}
