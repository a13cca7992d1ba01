/**
 * The API's access-log group is named under /aws/vendedlogs/: HTTP API access logs are vended logs,
 * and near the 5,120-character limit of the account's CloudWatch Logs resource policy only log
 * groups under that prefix can still receive them
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-and-resource-policy.html).
 * Its name is unique per stack and per construct, and valid for CloudWatch Logs.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { LoginService } from '../../infra/login-service';
import { logicalId, REQUIRED, synthStack, testApp, type Resource } from './template';

/** The name of the log group the $default stage writes its access log to. */
function accessLogGroupNames(template: Template): string[] {
  const groups = template.findResources('AWS::Logs::LogGroup') as Record<string, Resource>;
  return (Object.values(template.findResources('AWS::ApiGatewayV2::Stage')) as Resource[]).map(
    (stage) => groups[logicalId(stage.Properties.AccessLogSettings.DestinationArn)]!.Properties.LogGroupName as string,
  );
}

/** CloudWatch Logs' rule for log group names (CreateLogGroup: 1 to 512 of these characters). */
const LOG_GROUP_NAME = /^[.\-_/#A-Za-z0-9]{1,512}$/;

test('is named under /aws/vendedlogs/, after the stack, with a name CloudWatch Logs accepts', () => {
  const [name] = accessLogGroupNames(synthStack());
  expect(name).toMatch(/^\/aws\/vendedlogs\/apigateway\/LoginService\//);
  expect(name).toMatch(LOG_GROUP_NAME);
  expect(accessLogGroupNames(synthStack({ stackName: 'LoginStaging' }))[0]).toMatch(/^\/aws\/vendedlogs\/apigateway\/LoginStaging\//);
});

test('two services in one stack, or the same service in two stacks, never share the name', () => {
  const stack = new Stack(testApp(), 'Shop');
  new LoginService(stack, 'Login', REQUIRED);
  new LoginService(stack, 'Admin', REQUIRED);
  const inOneStack = accessLogGroupNames(Template.fromStack(stack));
  expect(new Set(inOneStack).size).toBe(2);
  const inTwoStacks = [...accessLogGroupNames(synthStack({ stackName: 'LoginA' })), ...accessLogGroupNames(synthStack({ stackName: 'LoginB' }))];
  expect(new Set(inTwoStacks).size).toBe(2);
  for (const name of [...inOneStack, ...inTwoStacks]) expect(name).toMatch(LOG_GROUP_NAME);
});

test("the functions' log groups keep the names CloudFormation generates", () => {
  const template = synthStack();
  const named = (Object.values(template.findResources('AWS::Logs::LogGroup')) as Resource[]).filter((group) => group.Properties.LogGroupName);
  expect(named).toHaveLength(1);
});
