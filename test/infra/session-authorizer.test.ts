/**
 * The session authorizer in the template: its function and exact permissions in the login
 * service's stack, and the authorizer, route and invoke permission in an API that uses it
 * (infra/examples/authorized-api-stack.ts, which also puts both APIs on one host).
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpUrlIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AwsSolutionsChecks } from 'cdk-nag';
import { AuthorizedApiStack, type AuthorizedApiStackProps } from '../../infra/examples/authorized-api-stack';
import { LoginService } from '../../infra/login-service';
import { REQUIRED, functionsByRoute, logicalId, messageOf, onlyId, rolePolicies, synthStack, testApp, type Resource } from './template';

const CERTIFICATE_ARN = 'arn:aws:acm:eu-west-1:123456789012:certificate/1234abcd-12ab-34cd-56ef-1234567890ab';
const example = (props: Partial<AuthorizedApiStackProps> = {}): Template =>
  Template.fromStack(new AuthorizedApiStack(testApp(), 'Example', { login: REQUIRED, domainName: 'app.example.com', certificateArn: CERTIFICATE_ARN, ...props }));

/** The one function no route of the login service's API reaches, no stream feeds and that is not the kill switch. */
function authorizerFunction(template: Template): Resource & { id: string } {
  const routed = new Set(Object.values(functionsByRoute(template)).map((fn) => fn.id));
  const streamFed = new Set(Object.values(template.findResources('AWS::Lambda::EventSourceMapping') as Record<string, Resource>).map((m) => m.Properties.FunctionName.Ref as string));
  const rest = Object.entries(template.findResources('AWS::Lambda::Function') as Record<string, Resource>)
    .filter(([id]) => !routed.has(id) && !streamFed.has(id) && !id.includes('EndUserSessions'));
  expect(rest).toHaveLength(1);
  return { id: rest[0]![0], ...rest[0]![1] };
}

describe('the authorizer function in the login service', () => {
  const template = synthStack();
  const fn = authorizerFunction(template);

  it('may write its own log group and read, move and end a session in the one table: nothing else, no secret', () => {
    expect(rolePolicies(template, fn)).toEqual([
      {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [logicalId(fn.Properties.LoggingConfig.LogGroup), 'Arn'] } },
          { Effect: 'Allow', Action: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], Resource: { 'Fn::GetAtt': [onlyId(template, 'AWS::DynamoDB::Table'), 'Arn'] } },
        ],
      },
    ]);
  });

  it('logs to a log group of its own and sees the routes\' environment; AUTHORIZER_CLAIMS only when set', () => {
    const routeFunctions = Object.values(functionsByRoute(template));
    expect(routeFunctions.map((route) => logicalId(route.Properties.LoggingConfig.LogGroup))).not.toContain(logicalId(fn.Properties.LoggingConfig.LogGroup));
    expect(fn.Properties.Environment.Variables).toEqual(routeFunctions[0]!.Properties.Environment.Variables);
    expect(fn.Properties.Handler).toBe('index.handler');
    const withClaims = authorizerFunction(synthStack({ authorizerClaims: ['sub', 'email'] }));
    expect(withClaims.Properties.Environment.Variables).toMatchObject({ AUTHORIZER_CLAIMS: 'sub,email' });
  });

  it('is bound to no API of its own: the login service\'s routes authorize themselves', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 0);
    template.allResourcesProperties('AWS::ApiGatewayV2::Route', { AuthorizationType: 'NONE' });
  });

  it('rejects claims a session does not store and a cache TTL API Gateway does not offer, at synth', () => {
    const message = messageOf(() => synthStack({ authorizerClaims: ['sub', 'groups' as never], authorizerCacheTtl: Duration.hours(2) }));
    expect(message).toContain('authorizerClaims may name only claims the session keeps (sessionClaims), not groups');
    expect(message).toContain('authorizerCacheTtl must be whole seconds from 0 to 3600');
    expect(messageOf(() => synthStack({ authorizerCacheTtl: Duration.millis(1500) }))).toContain('authorizerCacheTtl');
  });
});

describe('the example: a second API on the same host, behind the authorizer', () => {
  const template = example();
  const fnId = authorizerFunction(template).id;
  const authorizerId = onlyId(template, 'AWS::ApiGatewayV2::Authorizer');
  const ordersApiId = Object.keys(template.findResources('AWS::ApiGatewayV2::Api')).find((id) => id.startsWith('OrdersApi'))!;

  it('has a REQUEST authorizer of payload 2.0 with simple responses, both identity sources and a 30 s cache, invoking the function', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
      ApiId: { Ref: ordersApiId },
      AuthorizerType: 'REQUEST',
      AuthorizerPayloadFormatVersion: '2.0',
      EnableSimpleResponses: true,
      IdentitySource: ['$request.header.Cookie', '$request.header.X-CSRF'],
      AuthorizerResultTtlInSeconds: 30,
      AuthorizerUri: { 'Fn::Join': ['', Match.arrayWith([{ 'Fn::GetAtt': [fnId, 'Arn'] }])] },
      AuthorizerCredentialsArn: Match.absent(),
    });
  });

  it('lets API Gateway invoke the function for this authorizer only', () => {
    const permissions = Object.values(template.findResources('AWS::Lambda::Permission') as Record<string, Resource>).filter(
      (permission) => logicalId(permission.Properties.FunctionName) === fnId,
    );
    expect(permissions).toHaveLength(1);
    expect(permissions[0]!.Properties).toMatchObject({ Action: 'lambda:InvokeFunction', Principal: 'apigateway.amazonaws.com' });
    const sourceArn = permissions[0]!.Properties.SourceArn['Fn::Join'][1] as unknown[];
    expect(sourceArn.slice(0, 2)).toEqual(['arn:', { Ref: 'AWS::Partition' }]);
    expect(sourceArn.slice(-3)).toEqual([{ Ref: ordersApiId }, '/authorizers/', { Ref: authorizerId }]);
  });

  it("routes the second API's requests through it", () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', {
      ApiId: { Ref: ordersApiId },
      RouteKey: 'ANY /{proxy+}',
      AuthorizationType: 'CUSTOM',
      AuthorizerId: { Ref: authorizerId },
    });
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { Name: Match.anyValue(), DisableExecuteApiEndpoint: true });
  });

  it('serves both APIs on one custom domain: the login service at the root, the second API at /orders, and PUBLIC_BASE_URL is that origin', () => {
    const domainId = onlyId(template, 'AWS::ApiGatewayV2::DomainName');
    template.hasResourceProperties('AWS::ApiGatewayV2::DomainName', {
      DomainName: 'app.example.com',
      DomainNameConfigurations: [{ CertificateArn: CERTIFICATE_ARN, EndpointType: 'REGIONAL' }],
    });
    const mappings = Object.values(template.findResources('AWS::ApiGatewayV2::ApiMapping') as Record<string, Resource>).map((m) => ({
      api: logicalId(m.Properties.ApiId),
      key: m.Properties.ApiMappingKey,
      domain: logicalId(m.Properties.DomainName),
    }));
    const loginApiId = Object.keys(template.findResources('AWS::ApiGatewayV2::Api')).find((id) => id !== ordersApiId)!;
    expect(mappings).toEqual([
      { api: loginApiId, key: undefined, domain: domainId },
      { api: ordersApiId, key: 'orders', domain: domainId },
    ]);
    const loginFunctions = Object.values(template.findResources('AWS::Lambda::Function') as Record<string, Resource>).filter((f) => f.Properties.Environment?.Variables.OAUTH_CLIENT_ID);
    // The ten route functions', the authorizer's, the kill switch's and the revocations function.
    expect(loginFunctions).toHaveLength(13);
    for (const fn of loginFunctions) expect(fn.Properties.Environment.Variables.PUBLIC_BASE_URL).toBe('https://app.example.com');
  });

  it("passes cdk-nag's API authorization rule without an acknowledgement, and adds no finding in the login service", () => {
    const app = testApp();
    new AuthorizedApiStack(app, 'Example', { login: REQUIRED, domainName: 'app.example.com', certificateArn: CERTIFICATE_ARN });
    const findings = new AwsSolutionsChecks(app).validateScope(app).violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath}`));
    // What remains is the example's own stand-in backend (its function and stage), not the login or the authorizer.
    expect(findings.length).toBeGreaterThan(0);
    for (const finding of findings) expect(finding).toMatch(/ Example\/Orders(Function|Api\/DefaultStage)\//);
    expect(findings.filter((finding) => finding.startsWith('AwsSolutions-APIG4'))).toEqual([]);
  });

  it('takes the cache TTL from the props; 0 turns the cache off', () => {
    example({ login: { ...REQUIRED, authorizerCacheTtl: Duration.seconds(0) } }).hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { AuthorizerResultTtlInSeconds: 0 });
    example({ login: { ...REQUIRED, authorizerCacheTtl: Duration.minutes(5) } }).hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { AuthorizerResultTtlInSeconds: 300 });
  });
});

describe('more than one protected API', () => {
  const integration = () => new HttpUrlIntegration('Backend', 'https://backend.example.com');

  it('an authorizer binds to one API; newAuthorizer gives each further API its own, all invoking the one function', () => {
    const stack = new Stack(testApp(), 'Several');
    const login = new LoginService(stack, 'Login', REQUIRED);
    const first = new HttpApi(stack, 'First');
    const second = new HttpApi(stack, 'Second');
    first.addRoutes({ path: '/a', methods: [HttpMethod.GET], integration: integration(), authorizer: login.authorizer });
    expect(() => second.addRoutes({ path: '/b', methods: [HttpMethod.GET], integration: integration(), authorizer: login.authorizer })).toThrow(
      /same authorizer to multiple Apis/,
    );
    second.addRoutes({ path: '/c', methods: [HttpMethod.GET], integration: integration(), authorizer: login.newAuthorizer('SecondAuthorizer') });
    const template = Template.fromStack(stack);
    const authorizers = Object.values(template.findResources('AWS::ApiGatewayV2::Authorizer') as Record<string, Resource>);
    const apiIds = [first, second].map((api) => stack.getLogicalId(api.node.defaultChild as never));
    expect(authorizers.map((a) => logicalId(a.Properties.ApiId))).toEqual(apiIds);
    const functionId = stack.getLogicalId(login.authorizerFunction.node.defaultChild as never);
    for (const a of authorizers) expect(a.Properties.AuthorizerUri['Fn::Join'][1]).toContainEqual({ 'Fn::GetAtt': [functionId, 'Arn'] });
    template.resourcePropertiesCountIs('AWS::Lambda::Permission', { FunctionName: { 'Fn::GetAtt': [functionId, 'Arn'] } }, 2);
  });
});
