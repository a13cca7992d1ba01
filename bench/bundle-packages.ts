/**
 * What each function's production bundle is made of: `npx tsx bench/bundle-packages.ts [Name…]`
 * prints, per function (all without names), its minified bytes and the bytes each package adds,
 * largest first, from esbuild's metafile with the stack's own options (bench/bundles.ts). It is how
 * a library's weight in a bundle is measured before writing a replacement (docs/decisions).
 */
import { buildBundle, FUNCTION_NAMES } from './bundles';
import type { FunctionName } from '../infra/bundling';

async function main(): Promise<void> {
  const asked = process.argv.slice(2);
  const unknown = asked.filter((name) => !FUNCTION_NAMES.includes(name as FunctionName));
  if (unknown.length > 0) throw new Error(`unknown function ${unknown.join(', ')}; known: ${FUNCTION_NAMES.join(', ')}`);
  for (const name of (asked.length > 0 ? asked : FUNCTION_NAMES) as FunctionName[]) {
    const bundle = await buildBundle(name);
    const parts = Object.entries(bundle.packages).sort((a, b) => b[1] - a[1]).map(([pkg, bytes]) => `${pkg} ${(bytes / 1000).toFixed(1)}`);
    console.log(`${name.padEnd(18)} ${(bundle.bytes / 1000).toFixed(2).padStart(7)} KB  ${parts.join(', ')}`);
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
