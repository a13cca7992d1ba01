/**
 * `npx cdk synth` as a user runs it from a fresh clone (real bundling, cdk-nag, CloudFormation
 * validation): it succeeds offline, bundles every function, packs the web app, and puts no secret
 * from the environment into the template or any bundle.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCdk, type CdkRun as Run } from './cdk-cli';
// Stands for a client secret exported in the deployer's shell (as for a local run): nothing in
// the app may pick it up, neither into the template nor into a bundle.
const SHELL_SECRET = 'shell-client-secret-4f1c2a9e7b';

/** `cdk synth` exactly as a user runs it from a fresh clone: the local CLI, cdk.json, esbuild, no Docker. */
function cdkSynth(outdir: string, context: readonly string[]): Promise<Run> {
  return runCdk(['synth', '--output', outdir, ...context], { ...process.env, OAUTH_CLIENT_SECRET: SHELL_SECRET, CI: 'true' });
}

const filesUnder = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });

/**
 * One real synth, of the example with the most in it: the web app's (the distribution, the front
 * door, the bucket and its deployment), so the CLI, bundling and cdk-nag run once for all of them.
 * The configuration without a web app is synthesized in process by the other infra tests.
 */
describe('npx cdk synth -c config=infra/examples/web-app.json (real bundling, cdk-nag and CloudFormation validation)', () => {
  let outdir: string;
  let run: Run;

  beforeAll(async () => {
    outdir = mkdtempSync(path.join(tmpdir(), 'cdk-synth-'));
    run = await cdkSynth(outdir, ['-c', 'config=infra/examples/web-app.json']);
  }, 180_000);

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it("succeeds offline with cdk-nag's checks, no warning, no notices and no telemetry prompt", () => {
    expect({ code: run.code, tail: run.code === 0 ? '' : run.output.slice(-3000) }).toEqual({ code: 0, tail: '' });
    expect(run.output).not.toMatch(/NOTICES|telemetry|docker/i);
    expect(run.output).not.toMatch(/\bWARNING\b/);
    expect(existsSync(path.join(outdir, 'LoginService.template.json'))).toBe(true);
  });

  it('bundles each of the fourteen functions (nine route functions: no home with a web app; the authorizer, the kill switch, the events and revocations functions, the front door) as one minified ES module with a source map but no sources', () => {
    const bundles = readdirSync(outdir).filter((name) => name.startsWith('asset.') && existsSync(path.join(outdir, name, 'index.mjs')));
    expect(bundles).toHaveLength(14);
    for (const asset of bundles) {
      expect(readdirSync(path.join(outdir, asset)).sort()).toEqual(['index.mjs', 'index.mjs.map']);
      const code = readFileSync(path.join(outdir, asset, 'index.mjs'), 'utf8');
      // No require banner: nothing bundled calls require() (infra/bundling.ts).
      expect(code).not.toContain('createRequire');
      expect(code.trimEnd().endsWith('//# sourceMappingURL=index.mjs.map')).toBe(true);
      // Minified: few, long lines.
      expect(code.split('\n').length).toBeLessThan(code.length / 500);
      const map = JSON.parse(readFileSync(path.join(outdir, asset, 'index.mjs.map'), 'utf8')) as { sources: string[]; sourcesContent?: unknown };
      expect(map.sources.length).toBeGreaterThan(10);
      expect(map.sourcesContent).toBeUndefined();
    }
  });

  it("packs the app's folder for its deployment", () => {
    const template = JSON.parse(readFileSync(path.join(outdir, 'LoginService.template.json'), 'utf8')) as { Resources: Record<string, { Type: string }> };
    const types = Object.values(template.Resources).map((resource) => resource.Type);
    for (const type of ['AWS::CloudFront::Distribution', 'AWS::S3::Bucket', 'Custom::CDKBucketDeployment', 'AWS::ApiGatewayV2::Authorizer']) expect(types).toContain(type);
    const appAsset = readdirSync(outdir).find((name) => existsSync(path.join(outdir, name, 'index.html')));
    expect(readdirSync(path.join(outdir, appAsset!)).sort()).toEqual(['app.js', 'index.html', 'style.css']);
  });

  it('puts no secret from the environment into the template or any bundle', () => {
    const leaks = filesUnder(outdir).filter((file) => statSync(file).size < 20_000_000 && readFileSync(file, 'utf8').includes(SHELL_SECRET));
    expect(leaks).toEqual([]);
  });
});
