/**
 * The stack's ApiUrl output points where the HTTP API answers: its execute-api endpoint, or, when a
 * custom domain on the API turns that endpoint off, the domain (clients can then reach the API only
 * by its custom domain name:
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-disable-default-endpoint.html).
 * Behind a distribution the endpoint stays on as the origin, and the output says so.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import { LoginServiceStack, type LoginServiceStackProps } from '../../infra/login-service-stack';
import { REQUIRED, testApp, type Resource } from './template';

const CERTIFICATE_ARN = 'arn:aws:acm:eu-west-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab';

function synth(props: (app: App) => Partial<LoginServiceStackProps> = () => ({})) {
  const app = testApp();
  const template = Template.fromStack(new LoginServiceStack(app, 'LoginService', { ...REQUIRED, ...props(app) }));
  const apiId = Object.keys(template.findResources('AWS::ApiGatewayV2::Api'))[0]!;
  const api = template.findResources('AWS::ApiGatewayV2::Api')[apiId] as Resource;
  return { output: template.findOutputs('ApiUrl').ApiUrl as { Value: unknown; Description: string }, apiId, api };
}

const certificate = (app: App) => Certificate.fromCertificateArn(new Stack(app, 'Certificates'), 'Certificate', CERTIFICATE_ARN);

test('without a custom domain: the execute-api endpoint, which answers', () => {
  const { output, apiId, api } = synth();
  expect(api.Properties.DisableExecuteApiEndpoint).toBeFalsy();
  expect(output.Value).toEqual({ 'Fn::GetAtt': [apiId, 'ApiEndpoint'] });
  expect(output.Description).toBe('The HTTP API endpoint');
});

test('with a custom domain on the API: the domain, since the execute-api endpoint is turned off', () => {
  const { output, api } = synth((app) => ({ domain: { domainName: 'login.example.com', certificate: certificate(app) } }));
  expect(api.Properties.DisableExecuteApiEndpoint).toBe(true);
  expect(output.Value).toBe('https://login.example.com');
  expect(output.Description).toContain('custom domain');
});

test('behind a distribution: the endpoint, labelled as the origin that admits only what the distribution forwards', () => {
  const { output, apiId, api } = synth(() => ({ env: { account: '123456789012', region: 'us-east-1' }, firewall: { loginRateLimit: 100 } }));
  expect(api.Properties.DisableExecuteApiEndpoint).toBeFalsy();
  expect(output.Value).toEqual({ 'Fn::GetAtt': [apiId, 'ApiEndpoint'] });
  expect(output.Description).toMatch(/origin.*SiteUrl/);
});
