/**
 * The web app on the service's distribution (infra/web-app.ts, infra/public-edge.ts) and the front
 * door (infra/front-door.ts), from the webApp prop and from the example config: the origins and
 * behaviours, the response headers, the bucket's lock-down, the deployment of the files, the
 * single-page-app fallback run as CloudFront runs it, the front door on every route with least
 * privilege around its secret, the variants without a web app, and the synth-time problems.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { runInNewContext } from 'node:vm';
import { App, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { stackPropsFromContext } from '../../infra/cdk-context';
import type { LoginServiceStackProps } from '../../infra/login-service-stack';
import { STRICT_CONTENT_SECURITY_POLICY } from '../../infra/web-app';
import { allStatements, asList, logicalId, messageOf, onlyId, rolePolicies, synthStack, type Resource } from './template';
import { resources, serviceIn } from './operations-support';

const WEB_APP = { assetsPath: 'infra/examples/web-app' };
const EXAMPLE = path.join(__dirname, '..', '..', 'infra', 'examples', 'web-app.json');
const US_EAST_1 = { env: { account: '123456789012', region: 'us-east-1' } };
/** CloudFront's managed policies, by their documented ids. */
const CACHING_OPTIMIZED = '658327ea-f89d-4fab-a63d-7e88639e58f6';
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const ALL_VIEWER_EXCEPT_HOST_HEADER = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';
const ALL_METHODS = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'];
const ONE_YEAR = 365 * 86_400;
/** The service's routes behind a web app: the root is the app's. */
const SERVICE_ROUTES = [
  'GET /login', 'GET /callback', 'GET /callback/{provider}', 'ANY /api/{proxy+}', 'GET /session', 'GET /sessions', 'DELETE /sessions',
  'DELETE /sessions/{id}', 'GET /logout', 'GET /logout/done', 'POST /backchannel-logout', 'GET /.well-known/jwks.json',
];

/** The one resource of `type` whose logical id starts with `prefix`, with its id. */
function named(template: Template, type: string, prefix: string): Resource & { id: string } {
  const found = Object.entries(template.findResources(type) as Record<string, Resource>).filter(([id]) => id.startsWith(prefix));
  if (found.length !== 1) throw new Error(`expected one ${type} ${prefix}, found ${found.length}`);
  return { id: found[0]![0], ...found[0]![1] };
}
/** The security headers of the response headers policy whose logical id starts with `prefix`. */
const securityHeaders = (template: Template, prefix: string) =>
  named(template, 'AWS::CloudFront::ResponseHeadersPolicy', prefix).Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
const routeKeys = (template: Template): string[] => resources(template, 'AWS::ApiGatewayV2::Route').map((route) => route.Properties.RouteKey);

/** Every route behind the one authorizer: the front door's, keyed on the origin header alone, cached five minutes. */
function expectFrontDoorOnEveryRoute(template: Template, expectedRoutes: string[]): void {
  const authorizer = named(template, 'AWS::ApiGatewayV2::Authorizer', 'ServiceHttpApiFrontDoor');
  expect(authorizer.Properties).toMatchObject({ AuthorizerType: 'REQUEST', IdentitySource: ['$request.header.x-origin-verify'], AuthorizerResultTtlInSeconds: 300, EnableSimpleResponses: true });
  expect(authorizer.Properties.AuthorizerUri['Fn::Join'][1]).toContainEqual({ 'Fn::GetAtt': [named(template, 'AWS::Lambda::Function', 'ServiceFrontDoorFunction').id, 'Arn'] });
  expect(routeKeys(template).sort()).toEqual([...expectedRoutes].sort());
  for (const route of resources(template, 'AWS::ApiGatewayV2::Route')) {
    expect([route.Properties.RouteKey, route.Properties.AuthorizationType, route.Properties.AuthorizerId]).toEqual([route.Properties.RouteKey, 'CUSTOM', { Ref: authorizer.id }]);
  }
}

describe.each([
  ['the webApp prop', (): Partial<LoginServiceStackProps> => ({ webApp: WEB_APP })],
  ['the example config (webAppPath)', (): Partial<LoginServiceStackProps> => stackPropsFromContext((key) => (key === 'config' ? EXAMPLE : undefined))],
])('a web app from %s', (_name, props) => {
  const template = synthStack(props());
  const config = () => resources(template, 'AWS::CloudFront::Distribution')[0]!.Properties.DistributionConfig;
  const bucketId = onlyId(template, 'AWS::S3::Bucket');
  const distributionId = onlyId(template, 'AWS::CloudFront::Distribution');
  const originSecretId = named(template, 'AWS::SecretsManager::Secret', 'ServiceOriginSecret').id;
  const origins = () => ({ s3: config().Origins.find((o: Resource['Properties']) => o.S3OriginConfig), api: config().Origins.find((o: Resource['Properties']) => o.CustomOriginConfig) });

  test('one distribution, two origins: the bucket through origin access control, the API with the origin header from the created secret', () => {
    template.resourceCountIs('AWS::CloudFront::Distribution', 1);
    expect(config().Origins).toHaveLength(2);
    const { s3, api } = origins();
    expect(s3).toMatchObject({ DomainName: { 'Fn::GetAtt': [bucketId, 'RegionalDomainName'] }, S3OriginConfig: { OriginAccessIdentity: '' } });
    expect(logicalId(s3.OriginAccessControlId)).toBe(onlyId(template, 'AWS::CloudFront::OriginAccessControl'));
    expect(resources(template, 'AWS::CloudFront::OriginAccessControl')[0]!.Properties.OriginAccessControlConfig).toMatchObject({ OriginAccessControlOriginType: 's3', SigningBehavior: 'always', SigningProtocol: 'sigv4' });
    expect(logicalId(api.DomainName['Fn::Join'][1][0])).toBe(onlyId(template, 'AWS::ApiGatewayV2::Api'));
    expect(api.CustomOriginConfig).toMatchObject({ OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] });
    // A dynamic reference CloudFormation resolves at deploy time: the value is never in the template.
    expect(api.OriginCustomHeaders).toEqual([
      { HeaderName: 'x-origin-verify', HeaderValue: { 'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: originSecretId }, ':SecretString:current::}}']] } },
    ]);
    expect(named(template, 'AWS::SecretsManager::Secret', 'ServiceOriginSecret').Properties).toEqual({
      Description: expect.any(String),
      GenerateSecretString: { SecretStringTemplate: '{}', GenerateStringKey: 'current', PasswordLength: 64, ExcludePunctuation: true },
    });
  });

  test('the default behaviour is the app: HTTPS, GET and HEAD only, CachingOptimized, its headers, the fallback at viewer request', () => {
    const behaviour = config().DefaultCacheBehavior;
    expect(behaviour).toEqual({
      TargetOriginId: origins().s3.Id,
      ViewerProtocolPolicy: 'redirect-to-https',
      CachePolicyId: CACHING_OPTIMIZED,
      ResponseHeadersPolicyId: { Ref: named(template, 'AWS::CloudFront::ResponseHeadersPolicy', 'ServiceWebAppHeaders').id },
      Compress: true,
      FunctionAssociations: [{ EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': [onlyId(template, 'AWS::CloudFront::Function'), 'FunctionARN'] } }],
    });
    expect(config().DefaultRootObject).toBe('index.html');
  });

  test("one behaviour per service path to the API: every method, nothing cached, every viewer header but Host, the service's headers", () => {
    expect(config().CacheBehaviors.map((b: { PathPattern: string }) => b.PathPattern)).toEqual(['/login', '/callback', '/callback/*', '/api/*', '/session', '/sessions', '/sessions/*', '/logout', '/logout/done', '/backchannel-logout', '/.well-known/jwks.json']);
    for (const { PathPattern, ...behaviour } of config().CacheBehaviors) {
      expect([PathPattern, behaviour]).toEqual([
        PathPattern,
        {
          TargetOriginId: origins().api.Id,
          AllowedMethods: ALL_METHODS,
          CachePolicyId: CACHING_DISABLED,
          OriginRequestPolicyId: ALL_VIEWER_EXCEPT_HOST_HEADER,
          ResponseHeadersPolicyId: { Ref: named(template, 'AWS::CloudFront::ResponseHeadersPolicy', 'ServiceWebAppServiceHeaders').id },
          ViewerProtocolPolicy: 'redirect-to-https',
          Compress: false,
        },
      ]);
    }
  });

  test("every route's requests reach the API, /sessions/{id} and /api/{proxy+} included, as CloudFront picks a behaviour; the app's paths stay the app's", () => {
    // CloudFront takes the first behaviour whose pattern matches the whole path (* any characters, ? one), else the default.
    const behaviours = config().CacheBehaviors as { PathPattern: string; TargetOriginId: string }[];
    const escape = (text: string): string => text.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    const originOf = (requestPath: string): string =>
      (behaviours.find((b) => new RegExp(`^${b.PathPattern.split('*').map((part) => escape(part).replace(/\?/g, '.')).join('.*')}$`).test(requestPath)) ?? config().DefaultCacheBehavior).TargetOriginId;
    const requestPaths = SERVICE_ROUTES.map((route) => route.split(' ')[1]!.replace('{proxy+}', 'v1/orders/42').replace(/\{[^}]+\}/g, 'c2Vzc2lvbi0x'));
    expect(requestPaths).toContain('/sessions/c2Vzc2lvbi0x');
    for (const requestPath of requestPaths) expect([requestPath, originOf(requestPath)]).toEqual([requestPath, origins().api.Id]);
    for (const appPath of ['/', '/index.html', '/settings/sessions', '/sessionsettings', '/apidocs']) expect([appPath, originOf(appPath)]).toEqual([appPath, origins().s3.Id]);
  });

  test("the app's headers: HSTS for at least a year, nosniff, no framing, the strict CSP; the service's answers get HSTS", () => {
    const app = securityHeaders(template, 'ServiceWebAppHeaders');
    expect(app.StrictTransportSecurity.AccessControlMaxAgeSec).toBeGreaterThanOrEqual(ONE_YEAR);
    expect(app).toMatchObject({
      StrictTransportSecurity: { Override: true },
      ContentTypeOptions: { Override: true },
      FrameOptions: { FrameOption: 'DENY', Override: true },
      ReferrerPolicy: { ReferrerPolicy: 'strict-origin-when-cross-origin', Override: true },
      ContentSecurityPolicy: { ContentSecurityPolicy: STRICT_CONTENT_SECURITY_POLICY, Override: true },
    });
    for (const directive of ["script-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "base-uri 'self'"]) expect(STRICT_CONTENT_SECURITY_POLICY).toContain(directive);
    expect(STRICT_CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-|\*/);
    const service = securityHeaders(template, 'ServiceWebAppServiceHeaders');
    expect(Object.keys(service)).toEqual(['StrictTransportSecurity']);
    expect(service.StrictTransportSecurity.AccessControlMaxAgeSec).toBeGreaterThanOrEqual(ONE_YEAR);
  });

  test('the bucket is private, encrypted, versioned, TLS-only, and readable by this distribution alone', () => {
    const bucket = resources(template, 'AWS::S3::Bucket')[0]!;
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      VersioningConfiguration: { Status: 'Enabled' },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
    expect(bucket.Properties.WebsiteConfiguration).toBeUndefined();
    expect(bucket.DeletionPolicy).toBe('Retain');
    const [policy] = resources(template, 'AWS::S3::BucketPolicy');
    expect(policy!.Properties.Bucket).toEqual({ Ref: bucketId });
    const statements = policy!.Properties.PolicyDocument.Statement as Record<string, any>[];
    const denies = statements.filter((s) => s.Effect === 'Deny');
    const bucketArn = { 'Fn::GetAtt': [bucketId, 'Arn'] };
    expect(denies).toEqual([
      { Effect: 'Deny', Action: 's3:*', Principal: { AWS: '*' }, Condition: { Bool: { 'aws:SecureTransport': 'false' } }, Resource: [bucketArn, { 'Fn::Join': ['', [bucketArn, '/*']] }] },
    ]);
    const allows = statements.filter((s) => s.Effect === 'Allow');
    expect(allows.length).toBeGreaterThan(0);
    for (const allow of allows) {
      expect(allow.Principal).toEqual({ Service: 'cloudfront.amazonaws.com' });
      expect(allow.Action).toBe('s3:GetObject');
      expect(allow.Condition.StringEquals['AWS:SourceArn']['Fn::Join'][1]).toContainEqual({ Ref: distributionId });
    }
  });

  test("the folder's files are deployed with the Cache-Control header, and the whole distribution invalidated after each deploy", () => {
    const [deployment] = resources(template, 'Custom::CDKBucketDeployment');
    expect(deployment!.Properties).toMatchObject({
      DestinationBucketName: { Ref: bucketId },
      DistributionId: { Ref: distributionId },
      DistributionPaths: ['/*'],
      SystemMetadata: { 'cache-control': 'public, max-age=0, s-maxage=31536000, must-revalidate' },
      Prune: true,
    });
  });

  test('the front door is on each of the twelve routes; the root is the app, so there is no home route or function', () => {
    expectFrontDoorOnEveryRoute(template, SERVICE_ROUTES);
    expect(Object.keys(template.findResources('AWS::Lambda::Function')).filter((id) => id.includes('Home'))).toEqual([]);
  });

  test('only the front door reads the origin secret, and it reads nothing else: no table, no other secret', () => {
    const frontDoor = named(template, 'AWS::Lambda::Function', 'ServiceFrontDoorFunction');
    expect(rolePolicies(template, frontDoor)).toEqual([
      {
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [logicalId(frontDoor.Properties.LoggingConfig.LogGroup), 'Arn'] } },
          { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: { Ref: originSecretId } },
        ],
      },
    ]);
    const reading = allStatements(template).filter((s) => asList(s.Resource).some((r) => JSON.stringify(r).includes(originSecretId)));
    expect(reading).toEqual([{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: { Ref: originSecretId } }]);
    expect(allStatements(template).filter((s) => asList(s.Action).some((a) => a.startsWith('secretsmanager:') && a !== 'secretsmanager:GetSecretValue'))).toEqual([]);
    const variables = frontDoor.Properties.Environment.Variables;
    expect(variables.ORIGIN_SECRET_ARN).toEqual({ Ref: originSecretId });
    for (const name of ['OAUTH_CLIENT_SECRET_ARN', 'SESSION_KEYS_SECRET_ARN', 'TABLE_NAME']) expect(variables[name]).toBeUndefined();
  });

  test("the site is the distribution: PUBLIC_BASE_URL and the outputs name it; the execute-api endpoint stays on as its origin", () => {
    const site = { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [distributionId, 'DomainName'] }]] };
    template.hasOutput('SiteUrl', { Value: site });
    template.hasOutput('DistributionId', { Value: { Ref: distributionId } });
    template.hasOutput('WebAppBucketName', { Value: { Ref: bucketId } });
    template.hasOutput('OriginSecretArn', { Value: { Ref: originSecretId } });
    expect(named(template, 'AWS::Lambda::Function', 'ServiceLoginFunction').Properties.Environment.Variables.PUBLIC_BASE_URL).toEqual(site);
    expect(resources(template, 'AWS::ApiGatewayV2::Api')[0]!.Properties.DisableExecuteApiEndpoint).toBe(false);
  });
});

test('the single-page-app fallback, run as CloudFront Functions runs it: routes get index.html, files stay files', () => {
  const fn = resources(synthStack({ webApp: WEB_APP }), 'AWS::CloudFront::Function')[0]!.Properties;
  expect(fn.FunctionConfig.Runtime).toBe('cloudfront-js-2.0');
  const handler = runInNewContext(`${fn.FunctionCode}; handler`, {}) as (event: unknown) => { uri: string };
  const rewritten = (uri: string) => handler({ version: '1.0', context: { eventType: 'viewer-request' }, request: { method: 'GET', uri, querystring: {}, headers: {}, cookies: {} } }).uri;
  expect(['/', '/orders/42', '/assets/app.3f2a.js', '/deep/path/', '/favicon.ico'].map(rewritten)).toEqual(['/index.html', '/index.html', '/assets/app.3f2a.js', '/index.html', '/favicon.ico']);
});

test('a given Content-Security-Policy replaces the strict one, from the prop and from context', () => {
  const csp = "default-src 'self'; img-src 'self' https://images.example.com";
  for (const template of [synthStack({ webApp: { ...WEB_APP, contentSecurityPolicy: csp } }), synthStack({ webAppPath: WEB_APP.assetsPath, webAppContentSecurityPolicy: csp })]) {
    const headers = securityHeaders(template, 'ServiceWebAppHeaders');
    expect(headers.ContentSecurityPolicy).toEqual({ ContentSecurityPolicy: csp, Override: true });
  }
});

test("an existing bucket: the construct neither creates nor fills one, and the distribution reads the named bucket", () => {
  const template = synthStack({ webAppBucketName: 'my-app-bucket' });
  template.resourceCountIs('AWS::S3::Bucket', 0);
  template.resourceCountIs('Custom::CDKBucketDeployment', 0);
  template.hasOutput('WebAppBucketName', { Value: 'my-app-bucket' });
  expect(JSON.stringify(resources(template, 'AWS::CloudFront::Distribution')[0]!.Properties.DistributionConfig.Origins)).toContain('my-app-bucket.s3.');
  expectFrontDoorOnEveryRoute(template, SERVICE_ROUTES);
});

test('originSecretVersion pins the version of the secret CloudFront sends', () => {
  const template = synthStack({ webApp: WEB_APP, originSecretVersion: 'b2c3d4e5-1111-2222-3333-444455556666' });
  expect(JSON.stringify(template.toJSON())).toContain(':SecretString:current::b2c3d4e5-1111-2222-3333-444455556666}}');
});

test('firewall without a web app: the API is the default behaviour, and the front door is still on every route, the root too', () => {
  const template = synthStack({ ...US_EAST_1, firewall: { loginRateLimit: 100 } });
  const config = resources(template, 'AWS::CloudFront::Distribution')[0]!.Properties.DistributionConfig;
  expect(config.DefaultCacheBehavior.CachePolicyId).toBe(CACHING_DISABLED);
  expect(config.Origins[0].OriginCustomHeaders.map((h: { HeaderName: string }) => h.HeaderName)).toEqual(['x-origin-verify']);
  expectFrontDoorOnEveryRoute(template, [...SERVICE_ROUTES, 'GET /']);
  template.resourceCountIs('AWS::S3::Bucket', 0);
});

test('neither firewall nor web app: no distribution, no front door, no origin secret, and the home route at the root', () => {
  const template = synthStack();
  for (const type of ['AWS::CloudFront::Distribution', 'AWS::ApiGatewayV2::Authorizer', 'AWS::S3::Bucket']) template.resourceCountIs(type, 0);
  expect(Object.keys(template.findResources('AWS::SecretsManager::Secret')).filter((id) => id.includes('OriginSecret'))).toEqual([]);
  expect(JSON.stringify(template.toJSON())).not.toMatch(/x-origin-verify|ORIGIN_SECRET|FrontDoor/);
  expect(routeKeys(template)).toContain('GET /');
});

describe('synth-time problems', () => {
  const problemsOf = (props: Partial<LoginServiceStackProps>) => messageOf(() => synthStack(props));
  const elsewhere = Bucket.fromBucketName(new Stack(new App(), 'Elsewhere'), 'App', 'my-app-bucket');

  test.each([
    ['neither source', { webApp: {} }, 'webApp needs exactly one of assetsPath and bucket'],
    ['both sources', { webApp: { ...WEB_APP, bucket: elsewhere } }, 'webApp needs exactly one of assetsPath and bucket'],
    ['a folder that does not exist', { webApp: { assetsPath: 'infra/examples/no-such-app' } }, `webApp.assetsPath infra/examples/no-such-app is not a folder (resolved to ${path.resolve('infra/examples/no-such-app')})`],
    ['webAppPath and webAppBucketName', { webAppPath: WEB_APP.assetsPath, webAppBucketName: 'my-app-bucket' }, 'webAppPath and webAppBucketName: set only one'],
    ['a CSP with a line break', { webApp: { ...WEB_APP, contentSecurityPolicy: "default-src 'self'\r\nX-Injected: 1" } }, 'webApp.contentSecurityPolicy must be 1 to 1783 printable ASCII characters'],
    ['a CSP without a web app', { webAppContentSecurityPolicy: "default-src 'self'" }, 'webAppContentSecurityPolicy is for a web app: set webAppPath or webAppBucketName too'],
    ['originSecretVersion without a distribution', { originSecretVersion: 'b2c3d4e5' }, 'originSecretVersion is for a distribution in front of the API: set firewall or webApp too'],
    ['an off-site homeUrl', { homeUrl: 'https://evil.example.com/' }, 'homeUrl must be a path on this site (such as /app/) or a URL on an origin of returnToAllowedOrigins'],
    ['a protocol-relative homeUrl', { homeUrl: '//evil.example.com/' }, 'homeUrl must be a path on this site'],
  ] as [string, Partial<LoginServiceStackProps>, string][])('%s', (_name, props, expected) => {
    expect(problemsOf(props)).toContain(expected);
  });

  test('a folder without index.html at its top', () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'web-app-'));
    try {
      writeFileSync(path.join(folder, 'app.js'), '');
      expect(problemsOf({ webApp: { assetsPath: folder } })).toContain(`webApp.assetsPath ${folder} has no index.html at its top`);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  test('homeUrl on an allowed origin or the site is accepted', () => {
    expect(() => synthStack({ homeUrl: 'https://app.example.com/start', returnToAllowedOrigins: ['https://app.example.com'] })).not.toThrow();
    expect(() => synthStack({ homeUrl: '/app/' })).not.toThrow();
  });

  test('with a web app the custom domain is the distribution\'s: its certificate must be in us-east-1', () => {
    const message = messageOf(() => serviceIn('eu-west-1', ({ certificate }) => ({ webApp: WEB_APP, domain: { domainName: 'login.example.com', certificate: certificate('eu-west-1') } })));
    expect(message).toContain('domain.certificate must be in us-east-1: with firewall or webApp the domain belongs to the CloudFront distribution (the certificate is in eu-west-1)');
  });
});
