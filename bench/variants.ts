/**
 * What each build setting is worth (`BENCH_VARIANTS=1`): `/api` and `/callback` built with one setting
 * undone at a time and weighed, the shipped and the untrimmed builds also started cold; and what
 * oauth4webapi weighs for a refresh alone.
 */
import * as path from 'node:path';
import { build, type BuildOptions } from 'esbuild';
import { esbuildOptions, type FunctionName } from '../infra/bundling';
import { measureColdStarts } from './cold-start';

/** One build setting undone at a time, to show what each is worth. */
const VARIANTS: ReadonlyArray<{ name: string; change: (options: BuildOptions) => BuildOptions; cold?: boolean }> = [
  { name: 'as shipped', change: (options) => options, cold: true },
  { name: 'none of the SDK trims (default credential chain, endpoint discovery and event-stream codec bundled, legal comments kept)', change: (options) => ({ ...options, alias: {}, external: [], legalComments: 'eof' }), cold: true },
  { name: 'CommonJS builds of the dependencies (mainFields main, module)', change: (options) => ({ ...options, mainFields: ['main', 'module'] }) },
  { name: 'unminified', change: (options) => ({ ...options, minify: false }) },
  { name: "the SDK's default credential chain", change: (options) => ({ ...options, alias: without(options.alias, '@aws-sdk/credential-provider-node') }) },
  { name: 'DynamoDB endpoint discovery bundled', change: (options) => ({ ...options, alias: without(options.alias, '@aws-sdk/middleware-endpoint-discovery') }) },
  { name: 'event-stream codec bundled', change: (options) => ({ ...options, external: [] }) },
  { name: 'legal comments kept', change: (options) => ({ ...options, legalComments: 'eof' }) },
];

function without(alias: BuildOptions['alias'], name: string): Record<string, string> {
  const { [name]: _undone, ...rest } = alias ?? {};
  return rest;
}

const MEASURED: readonly FunctionName[] = ['Api', 'Callback'];

export interface VariantRow {
  readonly fn: FunctionName;
  readonly variant: string;
  readonly bytes: number;
  readonly coldProcessMs?: number;
  readonly ratio?: number;
}

export interface VariantsResult {
  readonly rows: readonly VariantRow[];
  /** The floor of the cold starts measured with the variants, ms (median). */
  readonly floorMs: number;
  /** Minified bytes of oauth4webapi when only a refresh is needed. */
  readonly oauthRefreshBytes: number;
}

/**
 * Builds `/api` and `/callback` with each setting undone in turn, weighs each build, and measures the
 * cold starts of the ones docs/performance.md compares (interleaved with the floor, like the main run). Also
 * weighs what oauth4webapi costs for a refresh alone.
 */
export async function measureVariants(outDir: string, floorFile: string, rounds: number): Promise<VariantsResult> {
  const rows: VariantRow[] = [];
  const coldFiles: Record<string, string> = {};
  for (const fn of MEASURED) {
    for (const [index, variant] of VARIANTS.entries()) {
      const file = path.join(outDir, 'variants', `${fn}-${index}`, 'index.mjs');
      const result = await build({ ...variant.change(esbuildOptions(fn, file)), metafile: true, logLevel: 'error' });
      const bytes = Object.entries(result.metafile.outputs).find(([key]) => key.endsWith('index.mjs'))?.[1].bytes ?? 0;
      rows.push({ fn, variant: variant.name, bytes });
      if (variant.cold) coldFiles[`${fn}\u0000${variant.name}`] = file;
    }
  }
  const cold = await measureColdStarts(floorFile, coldFiles, rounds);
  const withCold = rows.map((row) => {
    const measured = cold.functions[`${row.fn}\u0000${row.variant}`];
    if (!measured) return row;
    return { ...row, coldProcessMs: measured.processMs.median, ratio: Math.round((measured.processMs.median / cold.floor.processMs.median) * 100) / 100 };
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
  return { rows: withCold, floorMs: cold.floor.processMs.median, oauthRefreshBytes };
}
