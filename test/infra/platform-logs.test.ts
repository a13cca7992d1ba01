/**
 * The functions' log configuration (`AWS::Lambda::Function` LoggingConfig,
 * https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-lambda-function-loggingconfig.html):
 * Lambda's JSON log format on every function; its system logs at WARN, which leaves out the START,
 * END and REPORT lines of every invocation, unless `platformLogs` (`-c platformLogs=true`) keeps
 * them; application lines at DEBUG, so that the service's own LOG_LEVEL is the one filter.
 */
import type { CfnElement } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { stackPropsFromContext } from '../../infra/cdk-context';
import type { LoginService } from '../../infra/login-service';
import { LoginServiceStack, type LoginServiceStackProps } from '../../infra/login-service-stack';
import { REQUIRED, testApp, type Resource } from './template';

function loggingConfigs(props: Partial<LoginServiceStackProps>): unknown[] {
  const stack = new LoginServiceStack(testApp(), 'LoginService', { ...REQUIRED, ...props });
  const service = stack.node.findChild('Service') as LoginService;
  const ids = Object.values(service.everyFunction()).map((fn) => stack.getLogicalId(fn.node.defaultChild as CfnElement));
  const functions = Template.fromStack(stack).findResources('AWS::Lambda::Function') as Record<string, Resource>;
  expect(ids.length).toBe(14);
  return ids.map((id) => {
    const { LogGroup: _group, ...config } = functions[id]!.Properties.LoggingConfig as Record<string, unknown>;
    return config;
  });
}

test("by default every function logs in Lambda's JSON format with system logs at WARN: no START, END or REPORT lines", () => {
  for (const config of loggingConfigs({})) expect(config).toEqual({ LogFormat: 'JSON', SystemLogLevel: 'WARN', ApplicationLogLevel: 'DEBUG' });
});

test("platformLogs keeps Lambda's INFO system logs on every function", () => {
  for (const config of loggingConfigs({ platformLogs: true })) expect(config).toEqual({ LogFormat: 'JSON', SystemLogLevel: 'INFO', ApplicationLogLevel: 'DEBUG' });
});

test('CDK context gives the prop as -c platformLogs=true', () => {
  const context = (values: Record<string, unknown>) => (key: string) => ({ ...REQUIRED, ...values })[key];
  expect(stackPropsFromContext(context({ platformLogs: 'true' })).platformLogs).toBe(true);
  expect(stackPropsFromContext(context({})).platformLogs).toBeUndefined();
});
