import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { TABLE_PARTITION_KEY, TABLE_TTL_ATTRIBUTE } from '../../functions/adapters/table-schema';
import { stackPropsFromContext } from '../../infra/context';
import { LoginServiceStack, type LoginServiceStackProps } from '../../infra/login-service-stack';

const REQUIRED = { issuer: 'https://idp.example.com', clientId: 'client-1', upstreamApiUrl: 'https://api.example.com' } as const;
const EXISTING_SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:login-client-AbCdEf';

/** What each route's handler does to the table (functions/adapters/dynamodb-store.ts), nothing more. */
const EXPECTED = {
  'GET /login': { dynamodb: ['dynamodb:PutItem'], readsSecret: false },
  'GET /callback': { dynamodb: ['dynamodb:DeleteItem', 'dynamodb:PutItem'], readsSecret: true },
  'ANY /api/{proxy+}': { dynamodb: ['dynamodb:GetItem'], readsSecret: false },
  'GET /session': { dynamodb: ['dynamodb:GetItem'], readsSecret: false },
  'GET /logout': { dynamodb: ['dynamodb:DeleteItem', 'dynamodb:GetItem'], readsSecret: false },
} as const;

type Resource = { Type: string; Properties: Record<string, any> };
type Statement = { Action: string | string[]; Resource: unknown; Effect: string };

function synth(props: Partial<LoginServiceStackProps> = {}): Template {
  // The template is under test here, not the bundles: `npx cdk synth` is what runs esbuild.
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  return Template.fromStack(new LoginServiceStack(app, 'LoginService', { ...REQUIRED, ...props }));
}

const logicalId = (value: unknown): string => {
  const v = value as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
  const id = v.Ref ?? v['Fn::GetAtt']?.[0];
  if (!id) throw new Error(`not a reference: ${JSON.stringify(value)}`);
  return id;
};
const actions = (s: Statement): string[] => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const resources = (s: Statement): unknown[] => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);

/** Route key to the function behind it, followed through the integration. */
function functionsByRoute(template: Template): Record<string, Resource & { id: string }> {
  const integrations = template.findResources('AWS::ApiGatewayV2::Integration') as Record<string, Resource>;
  const functions = template.findResources('AWS::Lambda::Function') as Record<string, Resource>;
  const result: Record<string, Resource & { id: string }> = {};
  for (const route of Object.values(template.findResources('AWS::ApiGatewayV2::Route') as Record<string, Resource>)) {
    const integrationId = logicalId(route.Properties.Target['Fn::Join'][1][1]);
    const functionId = logicalId(integrations[integrationId]!.Properties.IntegrationUri);
    result[route.Properties.RouteKey] = { id: functionId, ...functions[functionId]! };
  }
  return result;
}

/** Every statement of every inline policy attached to the function's role. */
function roleStatements(template: Template, fn: Resource): Statement[] {
  const roleId = logicalId(fn.Properties.Role);
  return Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>)
    .filter((policy) => policy.Properties.Roles.some((role: unknown) => logicalId(role) === roleId))
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

describe('LoginServiceStack', () => {
  let template: Template;
  let byRoute: Record<string, Resource & { id: string }>;
  let tableId: string;
  let secretId: string;

  beforeAll(() => {
    template = synth();
    byRoute = functionsByRoute(template);
    tableId = Object.keys(template.findResources('AWS::DynamoDB::Table'))[0]!;
    secretId = Object.keys(template.findResources('AWS::SecretsManager::Secret'))[0]!;
  });

  it('routes the five public routes, each to its own function', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.resourceCountIs('AWS::ApiGatewayV2::Route', 5);
    expect(Object.keys(byRoute).sort()).toEqual(Object.keys(EXPECTED).sort());
    expect(new Set(Object.values(byRoute).map((fn) => fn.id)).size).toBe(5);
    template.allResourcesProperties('AWS::ApiGatewayV2::Integration', { IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
  });

  it('runs five Node.js 22 arm64 functions, 256 MB, 29 s, each with its own one-month log group', () => {
    template.resourceCountIs('AWS::Lambda::Function', 5);
    template.allResourcesProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 256,
      Timeout: 29,
    });
    template.resourceCountIs('AWS::Logs::LogGroup', 5);
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    const logGroups = Object.values(byRoute).map((fn) => logicalId(fn.Properties.LoggingConfig.LogGroup));
    expect(new Set(logGroups).size).toBe(5);
  });

  it('keeps sessions in one on-demand table with TTL, point-in-time recovery and KMS encryption, retained', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        KeySchema: [{ AttributeName: TABLE_PARTITION_KEY, KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: TABLE_PARTITION_KEY, AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: TABLE_TTL_ATTRIBUTE, Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it.each(Object.entries(EXPECTED))('grants %s exactly the DynamoDB actions it uses, on the table only', (routeKey, expected) => {
    const statements = roleStatements(template, byRoute[routeKey]!);
    const dynamodb = statements.filter((s) => actions(s).some((a) => a.startsWith('dynamodb:')));
    expect(dynamodb.flatMap(actions).sort()).toEqual([...expected.dynamodb].sort());
    for (const statement of dynamodb) expect(resources(statement)).toEqual([{ 'Fn::GetAtt': [tableId, 'Arn'] }]);
    const secret = statements.filter((s) => actions(s).some((a) => a.startsWith('secretsmanager:')));
    if (expected.readsSecret) {
      expect(secret.flatMap(actions).sort()).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue']);
      for (const statement of secret) expect(resources(statement)).toEqual([{ Ref: secretId }]);
    } else {
      expect(secret).toEqual([]);
    }
    const other = statements.flatMap(actions).filter((a) => !/^(dynamodb|secretsmanager):/.test(a));
    expect(other.sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
  });

  it('has no wildcard action or resource, and no managed policy, in any role', () => {
    for (const policy of Object.values(template.findResources('AWS::IAM::Policy') as Record<string, Resource>)) {
      for (const statement of policy.Properties.PolicyDocument.Statement as Statement[]) {
        expect(statement.Effect).toBe('Allow');
        for (const action of actions(statement)) expect(action).not.toMatch(/\*/);
        for (const resource of resources(statement)) expect(resource).not.toBe('*');
      }
    }
    template.allResourcesProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
  });

  it('gives every function the same configuration, with the secret ARN but never a secret value', () => {
    const variables = Object.values(byRoute).map((fn) => fn.Properties.Environment.Variables);
    for (const v of variables) expect(v).toEqual(variables[0]);
    expect(variables[0]).toEqual({
      OAUTH_ISSUER: REQUIRED.issuer,
      OAUTH_CLIENT_ID: REQUIRED.clientId,
      OAUTH_CLIENT_SECRET_ARN: { Ref: secretId },
      PUBLIC_BASE_URL: { 'Fn::GetAtt': [expect.any(String), 'ApiEndpoint'] },
      UPSTREAM_API_URL: REQUIRED.upstreamApiUrl,
      TABLE_NAME: { Ref: tableId },
    });
    expect(JSON.stringify(template.toJSON())).not.toContain('"OAUTH_CLIENT_SECRET"');
  });

  it('creates an empty client secret: no generated value that would look like a real one', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: Match.absent(),
      SecretString: Match.absent(),
    });
  });

  it('outputs the URLs to use and register, the table and the secret', () => {
    for (const name of ['ApiUrl', 'LoginUrl', 'CallbackUrl', 'TableName', 'ClientSecretArn']) template.hasOutput(name, {});
    const apiEndpoint = { 'Fn::GetAtt': [Match.anyValue(), 'ApiEndpoint'] };
    template.hasOutput('CallbackUrl', { Value: { 'Fn::Join': ['', [apiEndpoint, '/callback']] } });
    template.hasOutput('LoginUrl', { Value: { 'Fn::Join': ['', [apiEndpoint, '/login']] } });
  });

  it('uses an existing secret, a public base URL, scopes and allowed origins when given', () => {
    const custom = synth({
      clientSecretArn: EXISTING_SECRET_ARN,
      publicBaseUrl: 'https://login.example.com/',
      scopes: 'openid email',
      returnToAllowedOrigins: ['https://app.example.com', 'https://admin.example.com'],
    });
    custom.resourceCountIs('AWS::SecretsManager::Secret', 0);
    custom.allResourcesProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          OAUTH_CLIENT_SECRET_ARN: EXISTING_SECRET_ARN,
          PUBLIC_BASE_URL: 'https://login.example.com',
          OAUTH_SCOPES: 'openid email',
          RETURN_TO_ALLOWED_ORIGINS: 'https://app.example.com,https://admin.example.com',
        }),
      },
    });
    const callback = functionsByRoute(custom)['GET /callback']!;
    const secret = roleStatements(custom, callback).filter((s) => actions(s).includes('secretsmanager:GetSecretValue'));
    expect(secret.flatMap(resources)).toEqual([EXISTING_SECRET_ARN]);
    custom.hasOutput('CallbackUrl', { Value: 'https://login.example.com/callback' });
    custom.hasOutput('ClientSecretArn', { Value: EXISTING_SECRET_ARN });
  });
});

describe('stackPropsFromContext', () => {
  const from = (context: Record<string, unknown>) => () => stackPropsFromContext((key) => context[key]);

  const messageOf = (run: () => unknown): string => {
    try {
      run();
    } catch (error) {
      return (error as Error).message;
    }
    throw new Error('expected an error');
  };

  it('names every missing required key with its -c syntax, in one error', () => {
    const all = messageOf(from({}));
    for (const key of ['issuer', 'clientId', 'upstreamApiUrl']) expect(all).toContain(`-c ${key}=`);
    const some = messageOf(from({ issuer: REQUIRED.issuer, clientId: '  ' }));
    expect(some).not.toContain('-c issuer=');
    expect(some).toContain('-c clientId=');
    expect(some).toContain('-c upstreamApiUrl=');
  });

  it('reads required and optional keys, origins as a comma-separated string or a list', () => {
    expect(stackPropsFromContext((key) => ({ ...REQUIRED } as Record<string, unknown>)[key])).toEqual(REQUIRED);
    const optional = { scopes: 'openid', publicBaseUrl: 'https://login.example.com', clientSecretArn: EXISTING_SECRET_ARN };
    expect(from({ ...REQUIRED, ...optional, returnToAllowedOrigins: 'https://a.example.com, https://b.example.com' })()).toEqual({
      ...REQUIRED,
      ...optional,
      returnToAllowedOrigins: ['https://a.example.com', 'https://b.example.com'],
    });
    expect(from({ ...REQUIRED, returnToAllowedOrigins: ['https://a.example.com'] })().returnToAllowedOrigins).toEqual(['https://a.example.com']);
  });

  it('refuses values of the wrong type together with the missing keys', () => {
    const message = messageOf(from({ issuer: 42, returnToAllowedOrigins: 7 }));
    expect(message).toContain('issuer must be a string');
    expect(message).not.toContain('-c issuer=');
    expect(message).toContain('-c clientId=');
    expect(message).toContain('returnToAllowedOrigins must be');
  });
});
