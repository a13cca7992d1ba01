/**
 * The construct synthesized as the infra tests read it: the required props, existing secret and
 * key ARNs to pass, and typed access to the template's resources, policies and routed functions.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { LoginServiceStack, type LoginServiceStackProps } from '../../infra/login-service-stack';

export const REQUIRED = { issuer: 'https://idp.example.com', clientId: 'client-1', upstreamApiUrl: 'https://api.example.com' } as const;
export const CLIENT_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:login-client-AbCdEf';
export const KEYS_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:login-keys-GhIjKl';
export const KMS_KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

export type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string };
export type Statement = { Action: string | string[]; Resource: unknown; Effect: string; Condition?: unknown };
export type RoutedFunction = Resource & { id: string };

/**
 * An app that runs neither esbuild nor CDK's built-in CloudFormation validation (about 3 s per
 * synth): the template is under test here; synth.test.ts runs the real `cdk synth` with both.
 */
export const testApp = (outdir?: string): App =>
  new App({ context: { 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false, ...(outdir ? { outdir } : {}) });

/** The stack's template, from {@link testApp}. */
export function synthStack(props: Partial<LoginServiceStackProps> = {}): Template {
  const app = testApp();
  return Template.fromStack(new LoginServiceStack(app, 'LoginService', { ...REQUIRED, ...props }));
}

export const logicalId = (value: unknown): string => {
  const v = value as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
  const id = v.Ref ?? v['Fn::GetAtt']?.[0];
  if (!id) throw new Error(`not a reference: ${JSON.stringify(value)}`);
  return id;
};

export const onlyId = (template: Template, type: string): string => {
  const ids = Object.keys(template.findResources(type));
  if (ids.length !== 1) throw new Error(`expected one ${type}, found ${ids.length}`);
  return ids[0]!;
};

/** Route key to the function behind it, followed through the integration. */
export function functionsByRoute(template: Template): Record<string, RoutedFunction> {
  const integrations = template.findResources('AWS::ApiGatewayV2::Integration') as Record<string, Resource>;
  const functions = template.findResources('AWS::Lambda::Function') as Record<string, Resource>;
  const result: Record<string, RoutedFunction> = {};
  for (const route of Object.values(template.findResources('AWS::ApiGatewayV2::Route') as Record<string, Resource>)) {
    const integrationId = logicalId(route.Properties.Target['Fn::Join'][1][1]);
    const functionId = logicalId(integrations[integrationId]!.Properties.IntegrationUri);
    result[route.Properties.RouteKey] = { id: functionId, ...functions[functionId]! };
  }
  return result;
}

/** Every policy document that applies to the function's role: inline ones and attached AWS::IAM::Policy. */
export function rolePolicies(template: Template, fn: Resource): unknown[] {
  const roleId = logicalId(fn.Properties.Role);
  const role = template.findResources('AWS::IAM::Role')[roleId] as Resource;
  const attached = Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>)
    .filter((policy) => policy.Properties.Roles.some((r: unknown) => logicalId(r) === roleId))
    .map((policy) => policy.Properties.PolicyDocument);
  return [...(role.Properties.Policies ?? []).map((p: { PolicyDocument: unknown }) => p.PolicyDocument), ...attached];
}

/** Every IAM statement in the template: roles' inline policies and AWS::IAM::Policy resources. */
export function allStatements(template: Template): Statement[] {
  const roles = Object.values(template.findResources('AWS::IAM::Role') as Record<string, Resource>);
  const policies = Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>);
  return [
    ...roles.flatMap((r) => (r.Properties.Policies ?? []).flatMap((p: { PolicyDocument: { Statement: Statement[] } }) => p.PolicyDocument.Statement)),
    ...policies.flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]),
  ];
}

export const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

/** The message of what `run` throws. */
export function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('expected an error');
}
