/**
 * cdk-nag's AWS Solutions checks on the stack: none fails, with created or existing secrets; only
 * the expected rules are acknowledged, each where it applies and with a reason; and a finding
 * nobody acknowledged fails the synth.
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

describe("cdk-nag's AWS Solutions checks", () => {
  it.each([
    ['created secrets', {}],
    ['existing secrets, one by name, one with a customer managed key', { clientSecretName: 'login/client', sessionKeysSecretArn: KEYS_SECRET_ARN, sessionKeysKmsKeyArn: KMS_KEY_ARN }],
  ])('pass with %s', (_name, props) => {
    const { app } = appWith(props);
    const report = new AwsSolutionsChecks(app).validateScope(app);
    expect(report.violations).toEqual([]);
    expect(report.success).toBe(true);
  });

  it('acknowledge only five rules, each finding with a written reason', () => {
    const found = acknowledgements(appWith().app);
    expect([...new Set(found.map((a) => a.id.replace(/^.*?::(?=AwsSolutions)/, '')))].sort()).toEqual([
      'AwsSolutions-APIG4',
      'AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions-L1',
      'AwsSolutions-SMG4',
      'AwsSolutions-SQS3',
    ]);
    // Two created secrets, five routes, seven functions (five routes', the authorizer's, the events function's), the events function's stream grant and its
    // failure queue: each acknowledged where it is, not stack-wide.
    expect(found).toHaveLength(16);
    const wildcard = found.filter((a) => a.id.endsWith('IAM5[Resource::*]'));
    expect(wildcard.map((a) => a.path)).toEqual(['LoginService/Service/SessionEvents/Role/DefaultPolicy']);
    for (const { path, reason } of found) {
      expect(path).toMatch(/^LoginService\/Service\/./);
      expect(reason.length).toBeGreaterThan(60);
    }
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
