/**
 * cdk-nag's AWS Solutions checks on the stack: none fails, with created or existing secrets and with
 * a web app; only the expected rules are acknowledged, each where it applies and with a reason; and
 * a finding nobody acknowledged fails the synth.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { type App, type Stack, Validations } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { LoginServiceStack, type LoginServiceStackProps } from '../../infra/login-service-stack';
import { KEYS_SECRET_ARN, KMS_KEY_ARN, REQUIRED, testApp } from './template';

const WEB_APP = { assetsPath: 'infra/examples/web-app' };

const appWith = (props: Partial<LoginServiceStackProps> = {}, outdir?: string): { app: App; stack: Stack } => {
  const app = testApp(outdir);
  return { app, stack: new LoginServiceStack(app, 'LoginService', { ...REQUIRED, ...props }) };
};

/** Every acknowledgement recorded in the tree: rule id and reason. */
function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>).map(([id, reason]) => ({ path: construct.node.path, id, reason }))),
  );
}

/** The rules acknowledged, each once, as cdk-nag names them (without the metadata's prefix). */
const ruleIds = (found: { id: string }[]): string[] => [...new Set(found.map((a) => a.id.replace(/^.*?::(?=AwsSolutions)/, '')))].sort();

describe("cdk-nag's AWS Solutions checks", () => {
  it.each([
    ['created secrets', {}],
    ['existing secrets, one by name, one with a customer managed key', { clientSecretName: 'login/client', sessionKeysSecretArn: KEYS_SECRET_ARN, sessionKeysKmsKeyArn: KMS_KEY_ARN }],
    ['a web app from a folder', { webApp: WEB_APP }],
    ['a web app behind the firewall, stack in us-east-1', { env: { account: '123456789012', region: 'us-east-1' }, firewall: { loginRateLimit: 100 }, webApp: WEB_APP }],
    ['a web app in an existing bucket (named by context)', { webAppBucketName: 'my-app-bucket' }],
  ] as [string, Partial<LoginServiceStackProps>][])('pass with %s', (_name, props) => {
    const { app } = appWith(props);
    const report = new AwsSolutionsChecks(app).validateScope(app);
    expect(report.violations).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('acknowledge only five rules, each finding with a written reason', () => {
    const found = acknowledgements(appWith().app);
    expect(ruleIds(found)).toEqual([
      'AwsSolutions-APIG4',
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-L1',
      'AwsSolutions-SMG4',
      'AwsSolutions-SQS3',
    ]);
    // Two created secrets, thirteen routes, fourteen functions (ten route functions', the kill switch's, the authorizer's, the
    // events and revocations functions'), the two stream grants and the events function's failure queue: each acknowledged
    // where it is, not stack-wide.
    expect(found).toHaveLength(2 + 13 + 14 + 2 + 1);
    const wildcard = found.filter((a) => a.id.endsWith('IAM5[Resource::*]'));
    expect(wildcard.map((a) => a.path).sort()).toEqual(['LoginService/Service/RevocationsRole/DefaultPolicy', 'LoginService/Service/SessionEvents/Role/DefaultPolicy']);
    // Each stream reader's "*" is ListStreams alone, and its reason says what the role's other actions are on.
    const reasonAt = (path: string): string => wildcard.find((a) => a.path === path)!.reason;
    for (const a of wildcard) expect(a.reason).toContain('dynamodb:ListStreams has no resource-level permissions');
    expect(reasonAt('LoginService/Service/RevocationsRole/DefaultPolicy')).toContain("the one table stream, the one log group, the client's credential (its secret, or its keys) and the keyring");
    expect(reasonAt('LoginService/Service/SessionEvents/Role/DefaultPolicy')).toContain('the one table stream, the one bus, the one queue and the one log group');
    for (const { path, reason } of found) {
      expect(path).toMatch(/^LoginService\/Service\/./);
      expect(reason.length).toBeGreaterThan(60);
    }
  });

  it("with a web app: the distribution's, the bucket's and the origin secret's findings, and CDK's deployment handler's one by one, each with a reason", () => {
    const found = acknowledgements(appWith({ webApp: WEB_APP }).app);
    expect(ruleIds(found)).toEqual([
      'AwsSolutions-CFR1',
      'AwsSolutions-CFR2',
      'AwsSolutions-CFR3',
      'AwsSolutions-CFR4',
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      'AwsSolutions-IAM5[Action::s3:Abort*]',
      'AwsSolutions-IAM5[Action::s3:DeleteObject*]',
      'AwsSolutions-IAM5[Action::s3:GetBucket*]',
      'AwsSolutions-IAM5[Action::s3:GetObject*]',
      'AwsSolutions-IAM5[Action::s3:List*]',
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-IAM5[Resource::<ServiceWebAppBucket076692AD.Arn>/*]',
      'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]',
      'AwsSolutions-L1',
      'AwsSolutions-S1',
      'AwsSolutions-SMG4',
      'AwsSolutions-SQS3',
    ]);
    // Behind the front door every route has an authorizer: APIG4 is not raised, so not acknowledged.
    expect(found.filter((a) => a.id.includes('APIG4'))).toEqual([]);
    // Three secrets, the bucket, four on the distribution, fourteen functions (with a web app: the front door's but not the
    // home function's), the events function's two, the revocations function's stream grant, and CDK's handler: its basic
    // execution policy, five grant actions, the asset and app buckets' objects, the invalidations' "*", its runtime.
    expect(found).toHaveLength(3 + 1 + 4 + 14 + 2 + 1 + 10);
    // The handler is a singleton of the stack, outside the service: the only acknowledgements there.
    const handler = found.filter((a) => !a.path.startsWith('LoginService/Service/'));
    expect(handler).toHaveLength(10);
    for (const { path } of handler) expect(path).toMatch(/^LoginService\/Custom::CDKBucketDeployment[0-9A-F]+$/);
    for (const { reason } of found) expect(reason.length).toBeGreaterThan(60);
  });

  it('fail the synth on a finding nobody acknowledged', () => {
    const outdir = mkdtempSync(path.join(tmpdir(), 'nag-'));
    const { app, stack } = appWith({}, outdir);
    new Secret(stack, 'Unreviewed');
    const report = new AwsSolutionsChecks(app).validateScope(app);
    expect(report.violations.map((v) => [v.ruleName, v.violatingResources.map((r) => r.constructPath)])).toEqual([
      ['AwsSolutions-SMG4', ['LoginService/Unreviewed/Resource']],
    ]);
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(() => app.synth()).toThrow(/AwsSolutions-SMG4/);
    } finally {
      error.mockRestore();
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});
