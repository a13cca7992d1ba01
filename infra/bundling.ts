/**
 * How every function is bundled, in one place: the CDK stack hands these options to NodejsFunction,
 * and `npm run bench` and the bundle-size budget test build with the very same options through
 * `esbuildOptions` below. What each setting is worth: docs/performance.md (`BENCH_VARIANTS=1`).
 */
import * as path from 'node:path';
import { OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';
import type { BuildOptions } from 'esbuild';
import { FUNCTION_TABLE, type FunctionName } from './route-table';

export const FUNCTIONS_DIR = path.join(__dirname, '..', 'functions');

/** The Lambda entry file of each function, in functions/ (infra/route-table.ts names them). */
export const FUNCTION_ENTRIES = Object.fromEntries(
  Object.entries(FUNCTION_TABLE).map(([name, { entry }]) => [name, `${entry}.ts`]),
) as Readonly<Record<FunctionName, string>>;

export type { FunctionName };

/** Lambda's Node.js runtime of the functions; the bundles target the same version. */
export const NODE_TARGET = 'node22';

const ENVIRONMENT_CREDENTIALS = path.join(FUNCTIONS_DIR, 'adapters', 'aws-sdk', 'environment-credentials.ts');

export const BUNDLING: BundlingOptions = {
  // ES modules let esbuild drop every export a function does not use (tree shaking).
  format: OutputFormat.ESM,
  target: NODE_TARGET,
  minify: true,
  // NODE_OPTIONS=--enable-source-maps is deliberately not set: it slows every cold start. The maps
  // ship with the bundle (a separate file, not loaded at start) to decode a stack trace by hand.
  sourceMap: true,
  sourcesContent: false,
  // The ES module builds of the SDK and its dependencies tree-shake; their CommonJS builds do not.
  mainFields: ['module', 'main'],
  // No `require` banner: nothing bundled calls require() (test/budgets/bundle-size.test.ts checks),
  // and defining it would load node:module at every cold start for nothing.
  // Bundle @aws-sdk/* and @smithy/* too (for Node 18+ runtimes CDK marks @aws-sdk external by
  // default), so the signer version pinned in package-lock.json and tested here is what runs. The
  // functions call AWS through their own JSON client (functions/adapters/aws-sdk/aws-json-client.ts),
  // not the SDK's generated clients, so none of the runtime's copy would be used anyway.
  externalModules: [],
  esbuildArgs: {
    // Lambda gives the function its credentials in the environment: only that provider is bundled,
    // not the SDK's whole default chain (functions/adapters/aws-sdk/environment-credentials.ts).
    '--alias:@aws-sdk/credential-provider-node': ENVIRONMENT_CREDENTIALS,
    '--legal-comments': 'none',
  },
};

/** The settings of BUNDLING that `esbuildOptions` translates; any other one must be added there first. */
const TRANSLATED = new Set(['format', 'target', 'minify', 'sourceMap', 'sourcesContent', 'mainFields', 'banner', 'externalModules', 'esbuildArgs']);

/**
 * The esbuild options NodejsFunction derives from BUNDLING (its `--bundle --platform=node ...`
 * command line, aws-lambda-nodejs/lib/bundling.ts), for builds outside CDK: the bench and the
 * bundle-size test. `outfile` names the bundle; write it, or pass `write: false` to keep it in memory.
 */
export function esbuildOptions(name: FunctionName, outfile: string, bundling: BundlingOptions = BUNDLING): BuildOptions {
  const unknown = Object.keys(bundling).filter((key) => !TRANSLATED.has(key));
  if (unknown.length > 0) throw new Error(`esbuildOptions cannot translate bundling option(s) ${unknown.join(', ')}`);
  const args = bundling.esbuildArgs ?? {};
  // `--alias:<package>` = <replacement>, as NodejsFunction passes it to esbuild's command line.
  const alias = Object.fromEntries(
    Object.entries(args).filter(([key]) => key.startsWith('--alias:')).map(([key, value]) => [key.slice('--alias:'.length), String(value)]),
  );
  const unknownArgs = Object.keys(args).filter((key) => !key.startsWith('--alias:') && key !== '--legal-comments');
  if (unknownArgs.length > 0) throw new Error(`esbuildOptions cannot translate esbuild argument(s) ${unknownArgs.join(', ')}`);
  return {
    entryPoints: [path.join(FUNCTIONS_DIR, FUNCTION_ENTRIES[name])],
    bundle: true,
    platform: 'node',
    outfile,
    ...(bundling.target ? { target: bundling.target } : {}),
    ...(bundling.format ? { format: bundling.format === OutputFormat.ESM ? 'esm' : 'cjs' } : {}),
    minify: bundling.minify === true,
    ...(bundling.sourceMap ? { sourcemap: true, sourcesContent: bundling.sourcesContent ?? true } : {}),
    ...(bundling.mainFields ? { mainFields: bundling.mainFields } : {}),
    ...(bundling.banner ? { banner: { js: bundling.banner } } : {}),
    external: bundling.externalModules ?? [],
    alias,
    ...(args['--legal-comments'] ? { legalComments: args['--legal-comments'] as BuildOptions['legalComments'] } : {}),
  };
}
