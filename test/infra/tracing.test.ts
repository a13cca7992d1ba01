/**
 * The `tracing` prop: off by default; on, every function of the service runs with AWS X-Ray active
 * tracing and its own role gains exactly X-Ray's two write actions (on "*", which X-Ray requires,
 * acknowledged to cdk-nag with the reason), in place before the function is; the HTTP API's stage
 * has no tracing to turn on. CDK context gives the prop as `-c tracing=true`.
 */
import { Stack, Validations, type CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { stackPropsFromContext } from '../../infra/cdk-context';
import type { LoginService } from '../../infra/login-service';
import { LoginServiceStack, type LoginServiceStackProps } from '../../infra/login-service-stack';
import { asList, logicalId, REQUIRED, testApp, type Resource, type Statement } from './template';

const XRAY_ACTIONS = ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'];
const WEB_APP = { assetsPath: 'infra/examples/web-app' };

/** The stack, its template and the logical ids of the service's own functions, as the construct names them (CDK's helpers aside). */
function synthesized(props: Partial<LoginServiceStackProps>): { stack: Stack; template: Template; functionIds: string[] } {
  const stack = new LoginServiceStack(testApp(), 'LoginService', { ...REQUIRED, ...props });
  const service = stack.node.findChild('Service') as LoginService;
  const functionIds = Object.values(service.everyFunction()).map((fn) => stack.getLogicalId(fn.node.defaultChild as CfnElement));
  return { stack, template: Template.fromStack(stack), functionIds };
}

/** The statements of the AWS::IAM::Policy resources attached to a role, with the policies' logical ids. */
function attachedPolicies(template: Template, roleId: string): Array<{ id: string; statements: Statement[] }> {
  return Object.entries(template.findResources('AWS::IAM::Policy') as Record<string, Resource>)
    .filter(([, policy]) => policy.Properties.Roles.some((role: unknown) => logicalId(role) === roleId))
    .map(([id, policy]) => ({ id, statements: policy.Properties.PolicyDocument.Statement as Statement[] }));
}

const isXray = (statement: Statement): boolean => asList(statement.Action).some((action) => action.startsWith('xray:'));

test('off by default: no function is traced and no role may write to X-Ray', () => {
  const { template, functionIds } = synthesized({});
  const functions = template.findResources('AWS::Lambda::Function') as Record<string, Resource>;
  for (const id of functionIds) expect(functions[id]!.Properties.TracingConfig).toBeUndefined();
  const statements = Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>).flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
  expect(statements.filter(isXray)).toEqual([]);
});

describe.each([
  ['the routes, the authorizer and the events function', {}],
  ["with a web app, the front door too (the home route is the app's)", { webApp: WEB_APP }],
] as [string, Partial<LoginServiceStackProps>][])('tracing: true, %s', (_name, props) => {
  const { template, functionIds } = synthesized({ ...props, tracing: true });
  const all = template.findResources('AWS::Lambda::Function') as Record<string, Resource & { DependsOn?: string[] }>;
  const functions = functionIds.map((id) => all[id]!);

  test('every function of the service runs with active tracing; none of CDK\'s helpers does', () => {
    // The ten route functions (the home route's only without a web app), the authorizer, the kill switch, the events and revocations functions, the front door with a web app.
    expect(functionIds).toHaveLength(14);
    for (const fn of functions) expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
    const helpers = Object.entries(all).filter(([id]) => !functionIds.includes(id));
    for (const [, fn] of helpers) expect(fn.Properties.TracingConfig).toBeUndefined();
  });

  test("each function's own role gets X-Ray's two write actions on \"*\", once, and nothing else on \"*\" but the stream reader's ListStreams", () => {
    for (const fn of functions) {
      const statements = attachedPolicies(template, logicalId(fn.Properties.Role)).flatMap((policy) => policy.statements);
      const xray = statements.filter(isXray);
      expect(xray).toEqual([{ Effect: 'Allow', Action: XRAY_ACTIONS, Resource: '*' }]);
      const otherWildcards = statements.filter((statement) => !isXray(statement) && statement.Resource === '*');
      expect(otherWildcards.flatMap((statement) => asList(statement.Action))).toEqual(otherWildcards.length ? ['dynamodb:ListStreams'] : []);
    }
  });

  test('the permission is in place before the function: each function depends on the policy that holds it', () => {
    for (const fn of functions) {
      const holder = attachedPolicies(template, logicalId(fn.Properties.Role)).find((policy) => policy.statements.some(isXray))!;
      expect(fn.DependsOn).toContain(holder.id);
    }
  });
});

test('the HTTP API stage has no tracing setting: X-Ray traces only REST APIs through API Gateway', () => {
  const { template } = synthesized({ tracing: true });
  const stages = Object.values(template.findResources('AWS::ApiGatewayV2::Stage') as Record<string, Resource>);
  expect(stages).toHaveLength(1);
  expect(Object.keys(stages[0]!.Properties).filter((key) => /trac/i.test(key))).toEqual([]);
  expect(template.findResources('AWS::ApiGateway::Stage')).toEqual({});
});

test.each([
  ['', {}],
  [' and a web app', { webApp: WEB_APP }],
] as [string, Partial<LoginServiceStackProps>][])("cdk-nag's AWS Solutions checks pass with tracing%s, X-Ray's \"*\" acknowledged on each function's policy with its reason", (_name, props) => {
  const { stack, functionIds } = synthesized({ ...props, tracing: true });
  const report = new AwsSolutionsChecks(stack.node.root).validateScope(stack.node.root);
  expect(report.violations).toEqual([]);
  const acknowledgedOn = stack.node.findAll().flatMap((construct) =>
    construct.node.metadata
      .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((entry) => Object.entries(entry.data as Record<string, string>))
      .filter(([id, reason]) => id.endsWith('AwsSolutions-IAM5[Resource::*]') && reason.includes('xray:PutTraceSegments'))
      .map(() => construct.node.path),
  );
  expect(acknowledgedOn).toHaveLength(functionIds.length);
  for (const path of acknowledgedOn) expect(path).toMatch(/Role\/DefaultPolicy$/);
});

test('CDK context: -c tracing=true turns it on; anything but a boolean is refused', () => {
  const context = (values: Record<string, unknown>) => (key: string) => ({ ...REQUIRED, ...values })[key];
  expect(stackPropsFromContext(context({ tracing: 'true' })).tracing).toBe(true);
  expect(stackPropsFromContext(context({})).tracing).toBeUndefined();
  expect(() => stackPropsFromContext(context({ tracing: 'yes' }))).toThrow(/tracing must be a boolean/);
});
