/**
 * The CDK app before any setting exists: `cdk bootstrap` (the first step of docs/deploying.md),
 * `cdk list` and `cdk destroy` run it to learn its stacks and environments, and must not fail on
 * missing settings; `cdk synth` and `cdk deploy` still fail with the one list of what is missing.
 * The CLI tells the app which by the context key aws:cdk:bundling-stacks: every stack for the
 * commands that deploy or compare, none for the others (infra/cdk-context.ts). In the app itself,
 * then through the real CLI from this checkout, with no AWS credentials anywhere.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { addAppStack } from '../../infra/cdk-app';
import { BUNDLING_STACKS_KEY, CONTEXT_HINT } from '../../infra/cdk-context';
import { LoginServiceStack } from '../../infra/login-service-stack';
import { LoginServiceConfigError } from '../../infra/login-service-validation';
import { runCdk, type CdkRun } from './cdk-cli';
import { REQUIRED } from './template';

const MISSING = ['clientId is required', 'issuer is required', 'upstreamApiUrl (or upstreamApis for several APIs) is required'];
/** What the CLI puts into the context: no stack to bundle for bootstrap, list, destroy; all of them for synth, deploy, diff. */
const DEPLOYS_NOTHING = { [BUNDLING_STACKS_KEY]: [] };
const DEPLOYS = { [BUNDLING_STACKS_KEY]: ['**'] };

const appWith = (context: Record<string, unknown>) => new App({ context, builtinCloudFormationValidation: false });
function configError(run: () => unknown): LoginServiceConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof LoginServiceConfigError) return error;
    throw error;
  }
  throw new Error('expected a configuration error');
}

describe('the app, with the context the CLI gives', () => {
  it('for a command that deploys nothing and no settings: an empty stack of the configured name, which synthesizes', () => {
    const app = appWith(DEPLOYS_NOTHING);
    const stack = addAppStack(app);
    expect(stack).not.toBeInstanceOf(LoginServiceStack);
    const assembly = app.synth();
    expect(assembly.stacks.map((synthesized) => synthesized.stackName)).toEqual(['LoginService']);
    expect(Object.keys((assembly.stacks[0]!.template as { Resources?: object }).Resources ?? {})).toEqual([]);
    expect(addAppStack(appWith({ ...DEPLOYS_NOTHING, stackName: 'LoginStaging' })).stackName).toBe('LoginStaging');
    expect(configError(() => addAppStack(appWith({ ...DEPLOYS_NOTHING, stackName: '1-not-a-name' }))).problems).toEqual([expect.stringMatching(/^stackName must start with a letter/)]);
  });

  it('for synth, deploy or diff without settings: one error listing every setting that is missing', () => {
    for (const context of [DEPLOYS, {}]) expect(configError(() => addAppStack(appWith(context))).problems).toEqual(MISSING.map((problem) => expect.stringContaining(problem)));
  });

  it('checks every setting given, whatever the command: a partial configuration is not mistaken for none', () => {
    expect(configError(() => addAppStack(appWith({ ...DEPLOYS_NOTHING, clientId: 'web' }))).problems).toEqual([expect.stringContaining('issuer is required'), expect.stringContaining('upstreamApiUrl')]);
    expect(configError(() => addAppStack(appWith({ ...DEPLOYS_NOTHING, config: 'no/such/file.json' }))).message).toContain('cannot be read as JSON');
    expect(addAppStack(appWith({ ...DEPLOYS_NOTHING, ...REQUIRED }))).toBeInstanceOf(LoginServiceStack);
  });
});

/**
 * The CDK CLI with no AWS credentials: none in the environment, no config or credentials file, no
 * instance metadata.
 */
function cdk(args: readonly string[], outdir: string): Promise<CdkRun> {
  const { AWS_ACCESS_KEY_ID: _id, AWS_SECRET_ACCESS_KEY: _secret, AWS_SESSION_TOKEN: _token, AWS_PROFILE: _profile, ...env } = process.env;
  const none = path.join(outdir, 'no-such-file');
  return runCdk([...args, '--output', outdir], { ...env, AWS_CONFIG_FILE: none, AWS_SHARED_CREDENTIALS_FILE: none, AWS_EC2_METADATA_DISABLED: 'true', CI: 'true' });
}

describe('the real CLI on a checkout without settings', () => {
  const outdirs: string[] = [];
  let bootstrap: CdkRun;
  let synth: CdkRun;

  beforeAll(async () => {
    const outdir = () => {
      outdirs.push(mkdtempSync(path.join(tmpdir(), 'cdk-no-config-')));
      return outdirs.at(-1)!;
    };
    // `cdk list` takes the same branch as bootstrap (the in-process cases above show it); two CLI runs are enough.
    [bootstrap, synth] = await Promise.all([cdk(['bootstrap', 'aws://123456789012/eu-west-1'], outdir()), cdk(['synth'], outdir())]);
  }, 180_000);

  afterAll(() => {
    for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
  });

  it('cdk bootstrap aws://123456789012/eu-west-1 synthesizes the app and goes on to the account, where only the missing credentials stop it', () => {
    expect(bootstrap.output).toContain('Bootstrapping environment aws://123456789012/eu-west-1');
    expect(bootstrap.output).toMatch(/no credentials have been configured/);
    expect(bootstrap.output).not.toContain('Invalid LoginService configuration');
  });

  it('cdk synth fails with the list of what is missing and how to give it, without a stack trace', () => {
    expect(synth.code).not.toBe(0);
    for (const problem of MISSING) expect(synth.output).toContain(problem);
    expect(synth.output).toContain(CONTEXT_HINT);
    expect(synth.output).not.toMatch(/^\s+at /m);
  });
});
