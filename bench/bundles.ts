/**
 * The bench's production bundles: each function built with the CDK stack's esbuild options
 * (infra/bundling.ts), written like the Lambda asset or kept in memory, and weighed: minified bytes,
 * gzipped bytes and the bytes each package contributes.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { esbuildOptions, FUNCTION_ENTRIES, type FunctionName } from '../infra/bundling';

export const FUNCTION_NAMES = Object.keys(FUNCTION_ENTRIES) as FunctionName[];

export interface BuiltBundle {
  readonly name: FunctionName;
  /** Where the bundle was written (`<dir>/<name>/index.mjs`, as in the Lambda asset), or '' when kept in memory. */
  readonly file: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  /** Minified bytes each package contributes (`oauth4webapi`, `@aws-sdk/client-dynamodb`, `functions`). */
  readonly packages: Readonly<Record<string, number>>;
  /** Whether the bundle carries esbuild's require() stand-in, which throws in an ES module bundle without a require banner. */
  readonly callsRequire: boolean;
}

/**
 * Builds one function's production bundle with the options the CDK stack uses (infra/bundling.ts).
 * With `outDir` it is written like the Lambda asset (index.mjs and its source map); without, it stays in memory.
 */
export async function buildBundle(name: FunctionName, outDir?: string): Promise<BuiltBundle> {
  const file = path.join(outDir ?? path.join(__dirname, '.in-memory'), name, 'index.mjs');
  const result = await build({ ...esbuildOptions(name, file), write: outDir !== undefined, metafile: true, logLevel: 'error' });
  const output = result.metafile.outputs[Object.keys(result.metafile.outputs).find((key) => key.endsWith('index.mjs')) ?? ''];
  if (!output) throw new Error(`no bundle for ${name}`);
  const code = result.outputFiles?.find((entry) => entry.path.endsWith('index.mjs'))?.contents ?? readFileSync(file);
  const callsRequire = Buffer.from(code).includes('Dynamic require of');
  return { name, file: outDir ? file : '', bytes: code.byteLength, gzipBytes: gzipSync(code).byteLength, packages: bytesPerPackage(output.inputs), callsRequire };
}

function bytesPerPackage(inputs: Metafile['outputs'][string]['inputs']): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const [input, { bytesInOutput }] of Object.entries(inputs)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
    const key = match?.[1] ?? input.split('/')[0] ?? input;
    totals[key] = (totals[key] ?? 0) + bytesInOutput;
  }
  return totals;
}
