/**
 * The CDK CLI of this checkout, run from its root (cdk.json) as a user runs it, for the tests that
 * need the real command: its exit code and everything it printed.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';

export const ROOT = path.join(__dirname, '..', '..');

export interface CdkRun {
  readonly code: number | null;
  readonly output: string;
}

/** `npx cdk <args>` from the repository's root with this environment; stdout and stderr together. */
export function runCdk(args: readonly string[], env: NodeJS.ProcessEnv): Promise<CdkRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(ROOT, 'node_modules', '.bin', 'cdk'), [...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}
