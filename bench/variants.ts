/**
 * What each lever is worth (`BENCH_VARIANTS=1`): `/api` and `/callback` built with one setting
 * changed at a time and weighed, and `/api`'s variants started cold on Lambda's Node.js 22,
 * interleaved with the floor like the main run; and what oauth4webapi weighs for a refresh alone.
 * Levers at run time (V8's compile cache, source maps) change the process's environment instead
 * of the build.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { build, type BuildOptions } from 'esbuild';
import { esbuildOptions, type FunctionName } from '../infra/bundling';
import { measureColdStarts, type ColdEntry } from './cold-start';

interface Variant {
  readonly name: string;
  readonly change?: (options: BuildOptions) => BuildOptions;
  /** The bundle's file name when the change makes another kind of module. */
  readonly file?: string;
  /** What the process's environment adds; `cache` is a compile-cache directory made for this variant. */
  readonly env?: (cache: string) => Record<string, string>;
  /** A compile cache written by one start of the same file at the same path, before the timed ones. */
  readonly primeCache?: boolean;
  /** Another entry file in bench/, for /api only. */
  readonly entry?: string;
}

/** Settings /api starts with in the eager variant: enough for the settings loader, nothing reachable. */
const EAGER_SETTINGS = {
  OAUTH_ISSUER: 'https://login.example.com',
  OAUTH_CLIENT_ID: 'client',
  OAUTH_CLIENT_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:login-client-AbCdEf',
  SESSION_KEYS_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:login-keys-AbCdEf',
  PUBLIC_BASE_URL: 'https://app.example.com',
  UPSTREAM_API_URL: 'https://api.example.com',
  TABLE_NAME: 'sessions',
};

/** One lever at a time, against the build that ships. */
const VARIANTS: readonly Variant[] = [
  { name: 'as shipped' },
  { name: "V8's compile cache (NODE_COMPILE_CACHE, written by an earlier start of the same file at the same path)", env: (cache) => ({ NODE_COMPILE_CACHE: cache }), primeCache: true },
  { name: 'settings parsed and the parts (store, vault, clients) built at module scope, not on the first request', entry: 'eager-api.ts', env: () => EAGER_SETTINGS },
  { name: 'source maps applied at run time (NODE_OPTIONS=--enable-source-maps)', env: () => ({ NODE_OPTIONS: '--enable-source-maps' }) },
  { name: 'CommonJS bundle (format cjs) instead of an ES module', change: (options) => ({ ...options, format: 'cjs', outfile: options.outfile!.replace(/\.mjs$/, '.cjs') }), file: 'index.cjs' },
  { name: 'CommonJS builds of the dependencies (mainFields main, module)', change: (options) => ({ ...options, mainFields: ['main', 'module'] }) },
  { name: "the require banner (createRequire from node:module) that ES module bundles of CommonJS code need", change: (options) => ({ ...options, banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" } }) },
  { name: 'unminified', change: (options) => ({ ...options, minify: false }) },
  { name: "the SDK's default credential chain instead of the environment's credentials alone", change: (options) => ({ ...options, alias: without(options.alias, '@aws-sdk/credential-provider-node') }) },
  { name: 'legal comments kept', change: (options) => ({ ...options, legalComments: 'eof' }) },
];

function without(alias: BuildOptions['alias'], name: string): Record<string, string> {
  const { [name]: _undone, ...rest } = alias ?? {};
  return rest;
}

const WEIGHED: readonly FunctionName[] = ['Api', 'Callback'];
/** The function whose variants are started cold: the request every signed-in page makes. */
const STARTED: FunctionName = 'Api';

export interface VariantRow {
  readonly fn: FunctionName;
  readonly variant: string;
  readonly bytes: number;
  readonly coldProcessMs?: number;
  readonly importMs?: number;
  readonly ratio?: number;
}

export interface VariantsResult {
  /** The runtime the cold starts ran on. */
  readonly runtime: string;
  readonly rows: readonly VariantRow[];
  /** The floor of the cold starts measured with the variants, ms (median). */
  readonly floorMs: number;
  /** Minified bytes of oauth4webapi when only a refresh is needed. */
  readonly oauthRefreshBytes: number;
}

/** Starts `file` once with `env`, so that V8's compile cache for it is written where `env` says. */
function prime(binary: string, file: string, env: Record<string, string>): void {
  const primed = spawnSync(binary, ['--input-type=module', '-e', `await import(${JSON.stringify(pathToFileURL(file).href)})`], {
    env: { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1', ...env },
    timeout: 30_000,
  });
  if (primed.status !== 0) throw new Error(`priming the compile cache of ${file} failed: ${primed.stderr?.toString().slice(0, 300)}`);
}

/**
 * Builds `/api` and `/callback` with each lever changed in turn and weighs them, and starts `/api`'s
 * variants cold on `binary` (Node.js 22), interleaved with the floor. Also weighs what oauth4webapi
 * costs for a refresh alone.
 */
export async function measureVariants(outDir: string, floorFile: string, rounds: number, binary: string): Promise<VariantsResult> {
  const rows: VariantRow[] = [];
  const coldFiles: Record<string, ColdEntry> = {};
  const caches = mkdtempSync(path.join(tmpdir(), 'login-service-compile-cache-'));
  try {
    for (const fn of WEIGHED) {
      for (const [index, variant] of VARIANTS.entries()) {
        // A lever at run time changes no bytes: only the function started cold shows it.
        if (fn !== STARTED && ((!variant.change && index > 0) || variant.entry)) continue;
        const file = path.join(outDir, 'variants', `${fn}-${index}`, variant.file ?? 'index.mjs');
        const base = esbuildOptions(fn, file);
        const options = (variant.change ?? ((same: BuildOptions) => same))(variant.entry ? { ...base, entryPoints: [path.join(__dirname, variant.entry)] } : base);
        const result = await build({ ...options, metafile: true, logLevel: 'error' });
        const bytes = Object.entries(result.metafile.outputs).find(([key]) => !key.endsWith('.map'))?.[1].bytes ?? 0;
        rows.push({ fn, variant: variant.name, bytes });
        if (fn !== STARTED) continue;
        const cache = path.join(caches, String(index));
        mkdirSync(cache);
        const env = variant.env?.(cache) ?? {};
        if (variant.primeCache) prime(binary, file, env);
        coldFiles[variant.name] = { file, env };
      }
    }
    const cold = await measureColdStarts(floorFile, coldFiles, rounds, binary);
    const withCold = rows.map((row) => {
      const measured = row.fn === STARTED ? cold.functions[row.variant] : undefined;
      if (!measured) return row;
      return {
        ...row,
        coldProcessMs: measured.processMs.median,
        importMs: measured.importMs.median,
        ratio: Math.round((measured.processMs.median / cold.floor.processMs.median) * 100) / 100,
      };
    });
    const refresh = await build({
      ...esbuildOptions('Api', path.join(outDir, 'variants', 'refresh-only', 'index.mjs')),
      entryPoints: [path.join(__dirname, 'refresh-only.ts')],
      metafile: true,
      write: false,
      logLevel: 'error',
    });
    const oauthRefreshBytes = Object.values(refresh.metafile.outputs)
      .flatMap((output) => Object.entries(output.inputs))
      .filter(([input]) => input.includes('node_modules/oauth4webapi/'))
      .reduce((sum, [, input]) => sum + input.bytesInOutput, 0);
    const version = spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout.trim();
    return { runtime: `Node ${version}`, rows: withCold, floorMs: cold.floor.processMs.median, oauthRefreshBytes };
  } finally {
    rmSync(caches, { recursive: true, force: true });
  }
}
