/**
 * The bench's peer as packages and a bundle: its pinned packages installed into bench/peer on
 * first use (`npm ci` from its own lock file, so none of them reaches the root package or the
 * service's bundles), their versions, and its Lambda bundle built and weighed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Metafile } from 'esbuild';
import { esbuildOptions } from '../../infra/bundling';

export const PEER_DIR = __dirname;
export const PEER_ENTRY = path.join(PEER_DIR, 'app.mjs');
const PEER_MODULES = path.join(PEER_DIR, 'node_modules');

/** The peer's direct packages, from bench/peer/package.json. */
function peerDependencies(): string[] {
  const manifest = JSON.parse(readFileSync(path.join(PEER_DIR, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  return Object.keys(manifest.dependencies ?? {});
}

/** Installs the peer's packages from its lock file into bench/peer/node_modules when one of them is missing. */
export function installPeer(log: (message: string) => void = () => undefined): void {
  const missing = peerDependencies().filter((name) => !existsSync(path.join(PEER_MODULES, name, 'package.json')));
  if (missing.length === 0) return;
  log(`installing the peer's packages into bench/peer (npm ci; missing: ${missing.join(', ')})`);
  const installed = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: PEER_DIR, encoding: 'utf8', timeout: 300_000, stdio: ['ignore', 'pipe', 'pipe'] });
  if (installed.status !== 0) throw new Error(`npm ci in bench/peer failed: ${installed.stderr?.slice(-500)}`);
}

/** Installed versions of the peer's direct packages. */
export function peerVersions(): Record<string, string> {
  return Object.fromEntries(
    peerDependencies().map((name) => [name, (JSON.parse(readFileSync(path.join(PEER_MODULES, name, 'package.json'), 'utf8')) as { version: string }).version]),
  );
}

export interface BuiltPeer {
  /** `<outDir>/Peer/index.mjs`, like a Lambda asset. */
  readonly file: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  /** Minified bytes each package contributes, largest first. */
  readonly packages: Readonly<Record<string, number>>;
}

/**
 * Builds the peer's Lambda bundle with the service's esbuild settings (infra/bundling.ts: ES module,
 * minified, platform node, target node22, the dependencies' ES module builds first, the AWS SDK
 * bundled, source map and legal comments) less its alias (the environment-only credential
 * provider), which only fits the service's own code, and with the `require` banner an ES module
 * bundle of CommonJS packages needs (Express and its middleware call require(); the service's
 * bundles have none). Every package must come from bench/peer/node_modules;
 * `debug`'s optional `supports-color`, which the peer does not install, stays a `require()` that
 * fails and is caught, as in a deployment of this folder alone.
 */
export async function buildPeer(outDir: string): Promise<BuiltPeer> {
  const file = path.join(outDir, 'Peer', 'index.mjs');
  const result = await build({
    ...esbuildOptions('Api', file),
    entryPoints: [PEER_ENTRY],
    alias: {},
    banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
    external: ['supports-color'],
    absWorkingDir: PEER_DIR,
    metafile: true,
    logLevel: 'error',
  });
  const output = Object.entries(result.metafile.outputs).find(([name]) => name.endsWith('index.mjs'))?.[1];
  if (!output) throw new Error('no peer bundle in the build output');
  const foreign = Object.keys(output.inputs)
    .map((input) => path.resolve(PEER_DIR, input))
    .filter((input) => input.includes(`${path.sep}node_modules${path.sep}`) && !input.startsWith(PEER_MODULES + path.sep));
  if (foreign.length > 0) throw new Error(`the peer bundle took packages from outside bench/peer/node_modules: ${foreign.slice(0, 3).join(', ')}`);
  const code = readFileSync(file);
  return { file, bytes: code.byteLength, gzipBytes: gzipSync(code).byteLength, packages: bytesPerPackage(output.inputs) };
}

function bytesPerPackage(inputs: Metafile['outputs'][string]['inputs']): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const [input, { bytesInOutput }] of Object.entries(inputs)) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)(?!.*node_modules\/)/.exec(input);
    const key = match?.[1] ?? '(app)';
    totals[key] = (totals[key] ?? 0) + bytesInOutput;
  }
  return Object.fromEntries(Object.entries(totals).sort((a, b) => b[1] - a[1]));
}
