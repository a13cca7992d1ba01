/**
 * `npx cdk synth` as a user runs it from a fresh clone (real bundling, cdk-nag, CloudFormation
 * validation): it succeeds offline, bundles all eight functions, and puts no secret from the
 * environment into the template or any bundle; the web app example synthesizes too.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runCdk, type CdkRun as Run } from './cdk-cli';
// Stands for a client secret exported in the deployer's shell (as for a local run): nothing in
// the app may pick it up, neither into the template nor into a bundle.
const SHELL_SECRET = 'shell-client-secret-4f1c2a9e7b';

const REQUIRED_CONTEXT = ['-c', 'issuer=https://idp.example.com', '-c', 'clientId=web', '-c', 'upstreamApiUrl=https://api.example.com'];

/** `cdk synth` exactly as a user runs it from a fresh clone: the local CLI, cdk.json, esbuild, no Docker. */
function cdkSynth(outdir: string, context: readonly string[] = REQUIRED_CONTEXT): Promise<Run> {
  return runCdk(['synth', '--output', outdir, ...context], { ...process.env, OAUTH_CLIENT_SECRET: SHELL_SECRET, CI: 'true' });
}

const filesUnder = (dir: string): string[] =>
  readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });

describe('npx cdk synth (real bundling, cdk-nag and CloudFormation validation)', () => {
  let outdir: string;
  let run: Run;

  beforeAll(async () => {
    outdir = mkdtempSync(path.join(tmpdir(), 'cdk-synth-'));
    run = await cdkSynth(outdir);
  }, 180_000);

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('succeeds offline with no notices and no telemetry prompt', () => {
    expect({ code: run.code, tail: run.code === 0 ? '' : run.output.slice(-3000) }).toEqual({ code: 0, tail: '' });
    expect(run.output).not.toMatch(/NOTICES|telemetry|docker/i);
    expect(existsSync(path.join(outdir, 'LoginService.template.json'))).toBe(true);
  });

  it('bundles each of the nine functions (seven routes, the authorizer, the events function) as one minified ES module with a source map but no sources', () => {
    const assets = readdirSync(outdir).filter((name) => name.startsWith('asset.'));
    expect(assets).toHaveLength(9);
    for (const asset of assets) {
      expect(readdirSync(path.join(outdir, asset)).sort()).toEqual(['index.mjs', 'index.mjs.map']);
      const code = readFileSync(path.join(outdir, asset, 'index.mjs'), 'utf8');
      expect(code.startsWith("import { createRequire } from 'module';")).toBe(true);
      expect(code.trimEnd().endsWith('//# sourceMappingURL=index.mjs.map')).toBe(true);
      // Minified: few, long lines.
      expect(code.split('\n').length).toBeLessThan(code.length / 500);
      const map = JSON.parse(readFileSync(path.join(outdir, asset, 'index.mjs.map'), 'utf8')) as { sources: string[]; sourcesContent?: unknown };
      expect(map.sources.length).toBeGreaterThan(10);
      expect(map.sourcesContent).toBeUndefined();
    }
  });

  it('puts no secret from the environment into the template or any bundle', () => {
    const leaks = filesUnder(outdir).filter((file) => readFileSync(file, 'utf8').includes(SHELL_SECRET));
    expect(leaks).toEqual([]);
  });
});

describe('npx cdk synth -c config=infra/examples/web-app.json', () => {
  let outdir: string;
  let run: Run;

  beforeAll(async () => {
    outdir = mkdtempSync(path.join(tmpdir(), 'cdk-synth-web-app-'));
    run = await cdkSynth(outdir, ['-c', 'config=infra/examples/web-app.json']);
  }, 180_000);

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it("succeeds with cdk-nag's checks and no warning, and packs the app's folder for its deployment", () => {
    expect({ code: run.code, tail: run.code === 0 ? '' : run.output.slice(-3000) }).toEqual({ code: 0, tail: '' });
    expect(run.output).not.toMatch(/\bWARNING\b/);
    const template = JSON.parse(readFileSync(path.join(outdir, 'LoginService.template.json'), 'utf8')) as { Resources: Record<string, { Type: string }> };
    const types = Object.values(template.Resources).map((resource) => resource.Type);
    for (const type of ['AWS::CloudFront::Distribution', 'AWS::S3::Bucket', 'Custom::CDKBucketDeployment', 'AWS::ApiGatewayV2::Authorizer']) expect(types).toContain(type);
    const appAsset = readdirSync(outdir).find((name) => existsSync(path.join(outdir, name, 'index.html')));
    expect(readdirSync(path.join(outdir, appAsset!)).sort()).toEqual(['app.js', 'index.html', 'style.css']);
  });
});
