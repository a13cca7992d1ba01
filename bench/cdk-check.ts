/**
 * Whether the bench measures what Lambda runs: `cdk synth` bundles every function, and each bundle the
 * bench built is looked for byte for byte among the synthesized Lambda assets.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');
/** Placeholder stack props: the bundles do not depend on them. */
const CONTEXT = ['-c', 'issuer=https://idp.example.com', '-c', 'clientId=bench', '-c', 'upstreamApiUrl=https://api.example.com'];

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

/**
 * Synthesizes the CDK app (which bundles every function through NodejsFunction) and tells, for each
 * bundle the bench built, whether one of the synthesized Lambda assets is byte for byte the same.
 * Answers with the reason instead when synth is not possible here.
 */
export async function compareWithCdkAssets(bundles: Readonly<Record<string, string>>): Promise<Record<string, boolean> | { skipped: string }> {
  const outDir = mkdtempSync(path.join(tmpdir(), 'login-service-synth-'));
  try {
    await new Promise<void>((resolve, reject) => {
      execFile('npx', ['cdk', 'synth', '-q', ...CONTEXT, '-o', outDir], { cwd: ROOT, timeout: 180_000 }, (error, _stdout, stderr) =>
        error ? reject(new Error(stderr.trim().split('\n').slice(-3).join(' ') || error.message)) : resolve(),
      );
    });
    const assets = new Set(
      readdirSync(outDir)
        .map((entry) => path.join(outDir, entry, 'index.mjs'))
        .filter((file) => existsSync(file))
        .map(sha256),
    );
    return Object.fromEntries(Object.entries(bundles).map(([name, file]) => [name, assets.has(sha256(file))]));
  } catch (error) {
    return { skipped: error instanceof Error ? error.message : String(error) };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}
