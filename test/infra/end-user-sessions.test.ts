/**
 * The kill switch in the template: a function no route reaches, whose role may only query the
 * table's two indexes and end sessions (update), and which only what `grantEndUserSessions`
 * names may invoke.
 */
import { Template } from 'aws-cdk-lib/assertions';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { LoginServiceStack } from '../../infra/login-service-stack';
import type { LoginService } from '../../infra/login-service';
import { REQUIRED, functionsByRoute, logicalId, rolePolicies, testApp, type Resource } from './template';

const stack = new LoginServiceStack(testApp(), 'LoginService', REQUIRED);
const service = stack.node.findChild('Service') as LoginService;
const offboarding = new Role(stack, 'Offboarding', { assumedBy: new ServicePrincipal('states.amazonaws.com') });
service.grantEndUserSessions(offboarding);
const template = Template.fromStack(stack);
const fnId = stack.getLogicalId(service.endUserSessionsFunction.node.defaultChild as never);
const fn = template.findResources('AWS::Lambda::Function')[fnId] as Resource;
const tableId = Object.keys(template.findResources('AWS::DynamoDB::Table'))[0]!;

test('no route reaches it; it runs up to five minutes', () => {
  expect(Object.values(functionsByRoute(template)).map((routed) => routed.id)).not.toContain(fnId);
  expect(fn.Properties.Timeout).toBe(300);
});

test('its role: its log group, and Query on the two indexes plus UpdateItem on the table, nothing else', () => {
  const table = { 'Fn::GetAtt': [tableId, 'Arn'] };
  expect(rolePolicies(template, fn)).toEqual([{
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [logicalId(fn.Properties.LoggingConfig.LogGroup), 'Arn'] } },
      { Effect: 'Allow', Action: ['dynamodb:Query', 'dynamodb:UpdateItem'], Resource: [table, ...['byUser', 'byProviderSid'].map((name) => ({ 'Fn::Join': ['', [table, `/index/${name}`]] }))] },
    ],
  }]);
});

test('grantEndUserSessions: lambda:InvokeFunction on that function only, for the grantee only', () => {
  const policies = Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>)
    .filter((policy) => policy.Properties.Roles.some((role: unknown) => logicalId(role) === stack.getLogicalId(offboarding.node.defaultChild as never)));
  const statements = policies.flatMap((policy) => policy.Properties.PolicyDocument.Statement as Array<{ Action: unknown; Resource: unknown }>);
  expect(statements).toHaveLength(1);
  expect(statements[0]!.Action).toBe('lambda:InvokeFunction');
  expect(JSON.stringify(statements[0]!.Resource)).toContain(fnId);
  const invokers = JSON.stringify(template.findResources('AWS::IAM::Policy')).match(/lambda:InvokeFunction/g) ?? [];
  expect(invokers).toHaveLength(1);
});

test('the stack outputs its name for the systems that invoke it', () => {
  template.hasOutput('EndUserSessionsFunctionName', { Value: { Ref: fnId } });
});
