import { OutputFormat, type BundlingOptions } from 'aws-cdk-lib/aws-lambda-nodejs';

/**
 * How esbuild bundles every route's function. One place, so that bundle tuning (size, cold start)
 * changes one constant and the tests that check it.
 *
 * Source maps ship next to each bundle without the sources inlined (`sourcesContent: false`), and
 * NODE_OPTIONS=--enable-source-maps is not set by default: Node would parse the map on every cold
 * start. Set the construct's `enableSourceMaps` to have stack traces mapped in the logs.
 */
export const FUNCTION_BUNDLING: BundlingOptions = {
  format: OutputFormat.ESM,
  target: 'node22',
  minify: true,
  sourceMap: true,
  sourcesContent: false,
  mainFields: ['module', 'main'],
  // Some dependencies still call require(); an ES module bundle has none unless defined.
  banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
  // Bundle @aws-sdk/* too (for Node 18+ runtimes CDK marks it external by default), so the SDK
  // version pinned in package-lock.json and tested here is what runs, not the runtime's copy.
  externalModules: [],
};
