/**
 * The LoginService template with default and with custom settings: routes, stage, functions, table,
 * secrets, outputs, and each function's one policy asserted exactly against a table written out by
 * hand, never read from the construct.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { TABLE_PARTITION_KEY, TABLE_TTL_ATTRIBUTE } from '../../functions/adapters/dynamodb/table-schema';
import { REVOCATION_FILTERS } from '../../infra/token-revocations';
import {
  CLIENT_SECRET_ARN,
  KEYS_SECRET_ARN,
  KMS_KEY_ARN,
  REQUIRED,
  allStatements,
  asList,
  functionsByRoute,
  logicalId,
  onlyId,
  rolePolicies,
  synthStack,
  type Resource,
  type RoutedFunction,
} from './template';

const ROUTE_KEYS = [
  'GET /login', 'GET /callback', 'GET /callback/{provider}', 'ANY /api/{proxy+}', 'GET /session', 'GET /sessions', 'DELETE /sessions',
  'DELETE /sessions/{id}', 'GET /logout', 'GET /logout/done', 'POST /backchannel-logout', 'GET /.well-known/jwks.json', 'GET /',
];
/** The three routes of the user's own sessions, served by one function. */
const SESSIONS_ROUTES = ['GET /sessions', 'DELETE /sessions', 'DELETE /sessions/{id}'];
/** The redirect URI of one provider and those of several, served by one function. */
const CALLBACK_ROUTES = ['GET /callback', 'GET /callback/{provider}'];

/**
 * What each route's handler may do, written out by hand (not read from the construct): the
 * DynamoDB actions on the one table, and which of the client secret and the keyring it reads. The
 * home route only redirects, the return from the provider's logout only compares a cookie with the
 * query, and the JWKS route publishes no key with a client secret: their log groups and nothing else.
 */
const EXPECTED_ACCESS: Record<string, { table?: string | string[]; secrets: ('client' | 'keys')[]; indexes?: boolean }> = {
  // Pushes the authorization request (RFC 9126) where the provider takes it, authenticating the client.
  'GET /login': { table: 'dynamodb:PutItem', secrets: ['client'] },
  'GET /callback': { table: ['dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], secrets: ['client', 'keys'] },
  // The redirect URI of each of several providers: the same function.
  'GET /callback/{provider}': { table: ['dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], secrets: ['client', 'keys'] },
  'ANY /api/{proxy+}': { table: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], secrets: ['client', 'keys'] },
  'GET /session': { table: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], secrets: [] },
  // Reads the caller's session, finds the user's others through the user index, ends them; revocation is the stream's.
  ...Object.fromEntries(SESSIONS_ROUTES.map((route) => [route, { table: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:Query'], secrets: [], indexes: true }])),
  'GET /logout': { table: ['dynamodb:GetItem', 'dynamodb:UpdateItem'], secrets: ['client', 'keys'] },
  'GET /logout/done': { secrets: [] },
  // Remembers a logout token's jti (put, and delete when ending failed), queries the two indexes, ends sessions.
  'POST /backchannel-logout': { table: ['dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:UpdateItem'], secrets: [], indexes: true },
  'GET /.well-known/jwks.json': { secrets: [] },
  'GET /': { secrets: [] },
};

describe('LoginService, default settings', () => {
  let template: Template;
  let byRoute: Record<string, RoutedFunction>;
  let tableId: string;
  let clientSecretId: string;
  let keysSecretId: string;

  beforeAll(() => {
    template = synthStack();
    byRoute = functionsByRoute(template);
    tableId = onlyId(template, 'AWS::DynamoDB::Table');
    const secrets = template.findResources('AWS::SecretsManager::Secret');
    clientSecretId = Object.keys(secrets).find((id) => id.includes('ClientSecret'))!;
    keysSecretId = Object.keys(secrets).find((id) => id.includes('SessionKeys'))!;
  });

  it('routes the thirteen public routes on one API, each to its own function but the three of /sessions and the two of /callback, which share one each; the root to the home function', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Api', 1);
    template.resourceCountIs('AWS::ApiGatewayV2::Route', 13);
    expect(Object.keys(byRoute).sort()).toEqual([...ROUTE_KEYS].sort());
    expect(new Set(Object.values(byRoute).map((fn) => fn.id)).size).toBe(10);
    expect(new Set(SESSIONS_ROUTES.map((route) => byRoute[route]!.id))).toEqual(new Set([expect.stringMatching(/^ServiceSessionsFunction/)]));
    expect(new Set(CALLBACK_ROUTES.map((route) => byRoute[route]!.id))).toEqual(new Set([expect.stringMatching(/^ServiceCallbackFunction/)]));
    // One integration for the function, whatever the number of its routes: the routes of one function target the same one,
    // and every other route one of its own.
    template.resourceCountIs('AWS::ApiGatewayV2::Integration', 10);
    const routes = Object.values(template.findResources('AWS::ApiGatewayV2::Route') as Record<string, Resource>);
    const integrationOf = (route: Resource): string => logicalId(route.Properties.Target['Fn::Join'][1][1]);
    for (const shared of [SESSIONS_ROUTES, CALLBACK_ROUTES]) {
      const integrations = routes.filter((route) => shared.includes(route.Properties.RouteKey)).map(integrationOf);
      expect(integrations).toHaveLength(shared.length);
      expect(new Set(integrations).size).toBe(1);
    }
    expect(new Set(routes.map(integrationOf)).size).toBe(10);
    expect(byRoute['GET /']!.id).toMatch(/^ServiceHomeFunction/);
    // No distribution: no front door, and the routes are open to API Gateway (each function checks what it needs).
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 0);
    template.allResourcesProperties('AWS::ApiGatewayV2::Route', { AuthorizationType: 'NONE', AuthorizerId: Match.absent() });
    template.allResourcesProperties('AWS::ApiGatewayV2::Integration', { IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0' });
  });

  it('throttles the $default stage and writes access logs without query strings, kept one month', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
      AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [Match.anyValue(), 'Arn'] }, Format: Match.anyValue() },
    });
    const stage = Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0] as Resource;
    const format = JSON.parse(stage.Properties.AccessLogSettings.Format) as Record<string, string>;
    expect(format.requestId).toBe('$context.requestId');
    expect(Object.values(format).join(' ')).not.toMatch(/querystring|header|cookie|authorizer/i);
    const accessLogGroup = template.findResources('AWS::Logs::LogGroup')[logicalId(stage.Properties.AccessLogSettings.DestinationArn)] as Resource;
    expect(accessLogGroup.Properties.RetentionInDays).toBe(30);
  });

  it('runs Node.js 22 arm64 functions from ESM bundles, each logging to its own one-month log group', () => {
    // The ten route functions, the session authorizer's, the kill switch's, the events and the revocations functions.
    template.resourceCountIs('AWS::Lambda::Function', 14);
    template.allResourcesProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      MemorySize: 256,
      LoggingConfig: { LogGroup: Match.anyValue() },
    });
    // The routes answer before API Gateway's 30 s; the events function serves no request.
    for (const fn of Object.values(byRoute)) expect(fn.Properties.Timeout).toBe(29);
    template.resourceCountIs('AWS::Logs::LogGroup', 15);
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    const functions = Object.values(template.findResources('AWS::Lambda::Function') as Record<string, Resource>);
    expect(new Set(functions.map((fn) => logicalId(fn.Properties.LoggingConfig.LogGroup))).size).toBe(14);
  });

  it('keeps sessions in one on-demand table with TTL, point-in-time recovery and KMS encryption, retained', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResource('AWS::DynamoDB::Table', {
      Properties: {
        KeySchema: [{ AttributeName: TABLE_PARTITION_KEY, KeyType: 'HASH' }],
        AttributeDefinitions: [TABLE_PARTITION_KEY, 'userKey', 'providerSidKey'].map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
        // A session is found by its user or its provider session through these, never by a scan; they
        // project what the session list shows, no token and no logout sid.
        GlobalSecondaryIndexes: ['byUser', 'byProviderSid'].map((IndexName, i) => ({
          IndexName,
          KeySchema: [{ AttributeName: ['userKey', 'providerSidKey'][i], KeyType: 'HASH' }],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['claims', 'providerSid', 'createdAt', 'absoluteExpiresAt', TABLE_TTL_ATTRIBUTE, 'userAgent'] },
        })),
        // Old images too: the events and the revocations read the item as it was before an ending.
        StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
        BillingMode: 'PAY_PER_REQUEST',
        TimeToLiveSpecification: { AttributeName: TABLE_TTL_ATTRIBUTE, Enabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true },
      },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });

  it('creates an empty client secret and a keyring generated at deploy time, both retained, neither with a value in the template', () => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 2);
    template.hasResource('AWS::SecretsManager::Secret', {
      Properties: { Description: Match.stringLikeRegexp('client secret'), GenerateSecretString: Match.absent(), SecretString: Match.absent() },
      DeletionPolicy: 'Retain',
    });
    template.hasResource('AWS::SecretsManager::Secret', {
      Properties: {
        GenerateSecretString: { SecretStringTemplate: '{"current":"k1"}', GenerateStringKey: 'k1', PasswordLength: 64, ExcludePunctuation: true },
        SecretString: Match.absent(),
      },
      DeletionPolicy: 'Retain',
    });
    // No literal value and no dynamic reference that would resolve one into a property.
    expect(JSON.stringify(template.toJSON()).match(/"SecretString"|\{\{resolve:secretsmanager/g)).toBeNull();
  });

  it.each(ROUTE_KEYS)('gives %s exactly one policy: its log group, its table actions, the secrets it reads', (routeKey) => {
    const fn = byRoute[routeKey]!;
    const expected = EXPECTED_ACCESS[routeKey]!;
    const statements: unknown[] = [
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [logicalId(fn.Properties.LoggingConfig.LogGroup), 'Arn'] } },
    ];
    const table = { 'Fn::GetAtt': [tableId, 'Arn'] };
    // The two indexes by name, not `index/*`.
    const indexes = ['byUser', 'byProviderSid'].map((name) => ({ 'Fn::Join': ['', [table, `/index/${name}`]] }));
    if (expected.table) statements.push({ Effect: 'Allow', Action: expected.table, Resource: expected.indexes ? [table, ...indexes] : table });
    const secrets = expected.secrets.map((secret) => ({ Ref: secret === 'client' ? clientSecretId : keysSecretId }));
    if (secrets.length > 0) statements.push({ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: secrets.length === 1 ? secrets[0] : secrets });
    expect(rolePolicies(template, fn)).toEqual([{ Version: '2012-10-17', Statement: statements }]);
  });

  it('the revocations function: the two secrets to revoke with, no table action, the stream through its own filtered mapping', () => {
    const [id, fn] = Object.entries(template.findResources('AWS::Lambda::Function') as Record<string, Resource>).find(([key]) => key.startsWith('ServiceRevocationsFunction'))!;
    // Within a minute: a batch's revocations, a few at a time, each within the provider's deadline.
    expect(fn.Properties.Timeout).toBe(60);
    const [inline, granted, ...more] = rolePolicies(template, fn) as { Statement: Array<{ Action: string | string[]; Resource: unknown }> }[];
    expect(more).toEqual([]);
    // Its own role: its log group and exactly the two secrets, no table action (it reads no item, only the stream).
    expect(inline!.Statement).toEqual([
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [logicalId(fn.Properties.LoggingConfig.LogGroup), 'Arn'] } },
      { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: [{ Ref: clientSecretId }, { Ref: keysSecretId }] },
    ]);
    // What the event source grants, and only that: the stream's records on the table's stream, and ListStreams,
    // which has no resource-level permissions (acknowledged for cdk-nag: test/infra/nag.test.ts).
    expect(granted!.Statement).toEqual([
      { Effect: 'Allow', Action: 'dynamodb:ListStreams', Resource: '*' },
      { Effect: 'Allow', Action: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'], Resource: { 'Fn::GetAtt': [tableId, 'StreamArn'] } },
    ]);
    // The service's settings, like every function that loads them.
    expect(fn.Properties.Environment.Variables).toEqual(byRoute['GET /callback']!.Properties.Environment.Variables);
    const mappings = Object.values(template.findResources('AWS::Lambda::EventSourceMapping') as Record<string, Resource>).filter((m) => m.Properties.FunctionName.Ref === id);
    expect(mappings).toHaveLength(1);
    const [mapping] = mappings as [Resource];
    expect(mapping.Properties).toEqual({
      FunctionName: { Ref: id },
      EventSourceArn: { 'Fn::GetAtt': [tableId, 'StreamArn'] },
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: 50,
      MaximumBatchingWindowInSeconds: 1,
      // Order does not matter to a revocation: two batches of a shard at a time.
      ParallelizationFactor: 2,
      BisectBatchOnFunctionError: true,
      MaximumRetryAttempts: 5,
      // After an hour the access tokens have mostly expired anyway.
      MaximumRecordAgeInSeconds: 3600,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      // No failure destination: a revocation that keeps failing is logged, not queued.
      FilterCriteria: { Filters: REVOCATION_FILTERS.map((filter) => ({ Pattern: filter.pattern })) },
    });
    // The filter as Lambda reads it, written out: a session's ending by back-channel logout, the kill switch or the
    // user's "sign out everywhere", while it still held tokens.
    // Two patterns, a record passing when either matches: the tokens a binary (sealed as v2) or a string (v1).
    const patterns = mapping.Properties.FilterCriteria.Filters.map((filter: { Pattern: string }) => JSON.parse(filter.Pattern));
    expect(patterns).toEqual((['B', 'S'] as const).map((kind) => ({
      eventName: ['MODIFY'],
      dynamodb: {
        Keys: { pk: { S: [{ prefix: 'session#' }] } },
        OldImage: { tokens: { [kind]: [{ exists: true }] }, endReason: { S: [{ exists: false }] } },
        NewImage: { endReason: { S: ['backchannel', 'admin', 'user'] } },
      },
    })));
  });

  it('has no wildcard action or resource and no managed policy in any role, and only Lambda may assume them', () => {
    const statements = allStatements(template);
    expect(statements.length).toBeGreaterThan(10);
    for (const statement of statements) {
      expect(statement.Effect).toBe('Allow');
      for (const action of asList(statement.Action)) expect(action).not.toMatch(/\*/);
      // The one exception: ListStreams, for the stream reader, has no resource-level permissions.
      const wildcardAllowed = asList(statement.Action).every((action) => action === 'dynamodb:ListStreams');
      for (const resource of asList(statement.Resource)) if (!wildcardAllowed) expect(JSON.stringify(resource)).not.toMatch(/\*/);
    }
    template.allResourcesProperties('AWS::IAM::Role', {
      ManagedPolicyArns: Match.absent(),
      AssumeRolePolicyDocument: { Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' } }] },
    });
  });

  it('gives every function the same environment: names and ARNs, never a secret value', () => {
    const variables = Object.values(byRoute).map((fn) => fn.Properties.Environment.Variables);
    for (const v of variables) expect(v).toEqual(variables[0]);
    expect(variables[0]).toEqual({
      OAUTH_ISSUER: REQUIRED.issuer,
      OAUTH_CLIENT_ID: REQUIRED.clientId,
      OAUTH_CLIENT_SECRET_ARN: { Ref: clientSecretId },
      SESSION_KEYS_SECRET_ARN: { Ref: keysSecretId },
      PUBLIC_BASE_URL: { 'Fn::GetAtt': [onlyId(template, 'AWS::ApiGatewayV2::Api'), 'ApiEndpoint'] },
      UPSTREAM_API_URL: REQUIRED.upstreamApiUrl,
      TABLE_NAME: { Ref: tableId },
    });
  });

  it('outputs the URLs to use and register, the table and both secrets', () => {
    const apiEndpoint = { 'Fn::GetAtt': [onlyId(template, 'AWS::ApiGatewayV2::Api'), 'ApiEndpoint'] };
    template.hasOutput('ApiUrl', { Value: apiEndpoint });
    template.hasOutput('CallbackUrl', { Value: { 'Fn::Join': ['', [apiEndpoint, '/callback']] } });
    template.hasOutput('PostLogoutRedirectUrl', { Value: { 'Fn::Join': ['', [apiEndpoint, '/logout/done']] } });
    template.hasOutput('LoginUrl', { Value: { 'Fn::Join': ['', [apiEndpoint, '/login']] } });
    template.hasOutput('JwksUrl', {
      Value: { 'Fn::Join': ['', [apiEndpoint, '/.well-known/jwks.json']] },
      Description: "The client's public keys: register as the client's jwks_uri at the provider (private_key_jwt)",
    });
    template.hasOutput('TableName', { Value: { Ref: tableId } });
    template.hasOutput('ClientSecretArn', { Value: { Ref: clientSecretId } });
    template.hasOutput('SessionKeysSecretArn', { Value: { Ref: keysSecretId } });
  });
});

describe('LoginService, existing secrets and custom settings', () => {
  it('reads existing secrets by exact ARN, with kms:Decrypt through Secrets Manager on their key only', () => {
    const template = synthStack({
      clientSecretArn: CLIENT_SECRET_ARN,
      sessionKeysSecretArn: KEYS_SECRET_ARN,
      sessionKeysKmsKeyArn: KMS_KEY_ARN,
    });
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    const byRoute = functionsByRoute(template);
    // Login reads the client secret only (to push authorization requests), the key of neither.
    const [loginPolicy] = rolePolicies(template, byRoute['GET /login']!) as { Statement: unknown[] }[];
    expect(loginPolicy!.Statement.slice(2)).toEqual([{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: CLIENT_SECRET_ARN }]);
    for (const routeKey of ['GET /callback', 'ANY /api/{proxy+}', 'GET /logout']) {
      const [policy] = rolePolicies(template, byRoute[routeKey]!) as { Statement: unknown[] }[];
      expect(policy!.Statement.slice(2)).toEqual([
        { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: [CLIENT_SECRET_ARN, KEYS_SECRET_ARN] },
        {
          Effect: 'Allow',
          Action: 'kms:Decrypt',
          Resource: KMS_KEY_ARN,
          Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } } },
        },
      ]);
    }
    // The revocations function reads the same two secrets, the key through Secrets Manager too.
    const revocations = Object.entries(template.findResources('AWS::Lambda::Function') as Record<string, Resource>).find(([id]) => id.startsWith('ServiceRevocationsFunction'))![1];
    const [revocationsPolicy] = rolePolicies(template, revocations) as { Statement: unknown[] }[];
    expect(revocationsPolicy!.Statement.slice(1)).toEqual([
      { Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: [CLIENT_SECRET_ARN, KEYS_SECRET_ARN] },
      {
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: KMS_KEY_ARN,
        Condition: { StringEquals: { 'kms:ViaService': { 'Fn::Join': ['', ['secretsmanager.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } } },
      },
    ]);
    for (const routeKey of ['GET /session', 'GET /sessions', 'DELETE /sessions', 'DELETE /sessions/{id}', 'GET /.well-known/jwks.json', 'GET /']) {
      const text = JSON.stringify(rolePolicies(template, byRoute[routeKey]!));
      expect(text).not.toMatch(/secretsmanager|kms/);
    }
    for (const fn of Object.values(byRoute)) {
      expect(fn.Properties.Environment.Variables).toMatchObject({ OAUTH_CLIENT_SECRET_ARN: CLIENT_SECRET_ARN, SESSION_KEYS_SECRET_ARN: KEYS_SECRET_ARN });
    }
    template.hasOutput('ClientSecretArn', { Value: CLIENT_SECRET_ARN });
  });

  it('matches a secret given by name with its six-character suffix only', () => {
    const template = synthStack({ clientSecretName: 'login/client' });
    const [policy] = rolePolicies(template, functionsByRoute(template)['GET /callback']!) as { Statement: { Action: string; Resource: unknown[] }[] }[];
    const secrets = policy!.Statement.find((s) => s.Action === 'secretsmanager:GetSecretValue')!;
    expect(JSON.stringify(secrets.Resource[0])).toMatch(/:secret:login\/client-\?\?\?\?\?\?"\]\]\}$/);
  });

  it('sets the optional settings, and only those given, in every function', () => {
    const template = synthStack({
      authorizationEndpoint: 'https://github.com/login/oauth/authorize',
      tokenEndpoint: 'https://github.com/login/oauth/access_token',
      userinfoEndpoint: 'https://api.github.com/user',
      issuer: undefined,
      clientAuthMethod: 'client_secret_post',
      scopes: 'read:user',
      publicBaseUrl: 'https://login.example.com/',
      returnToAllowedOrigins: ['https://app.example.com', 'https://admin.example.com'],
      sessionIdleTimeoutSeconds: 1800,
      tokenRefreshSkewSeconds: 30,
      logLevel: 'DEBUG',
      enableSourceMaps: true,
      memorySize: 512,
      logRetention: 7,
      throttle: { rateLimit: 10, burstLimit: 20 },
      accessLogs: false,
    });
    const variables = Object.values(functionsByRoute(template)).map((fn) => fn.Properties.Environment.Variables);
    for (const v of variables) expect(v).toEqual(variables[0]);
    expect(variables[0]).toEqual({
      OAUTH_AUTHORIZATION_ENDPOINT: 'https://github.com/login/oauth/authorize',
      OAUTH_TOKEN_ENDPOINT: 'https://github.com/login/oauth/access_token',
      OAUTH_USERINFO_ENDPOINT: 'https://api.github.com/user',
      OAUTH_CLIENT_ID: REQUIRED.clientId,
      OAUTH_CLIENT_AUTH_METHOD: 'client_secret_post',
      OAUTH_CLIENT_SECRET_ARN: expect.anything(),
      OAUTH_SCOPES: 'read:user',
      SESSION_KEYS_SECRET_ARN: expect.anything(),
      PUBLIC_BASE_URL: 'https://login.example.com',
      UPSTREAM_API_URL: REQUIRED.upstreamApiUrl,
      TABLE_NAME: expect.anything(),
      RETURN_TO_ALLOWED_ORIGINS: 'https://app.example.com,https://admin.example.com',
      SESSION_IDLE_TIMEOUT_SECONDS: '1800',
      TOKEN_REFRESH_SKEW_SECONDS: '30',
      LOG_LEVEL: 'DEBUG',
      NODE_OPTIONS: '--enable-source-maps',
    });
    template.allResourcesProperties('AWS::Lambda::Function', { MemorySize: 512 });
    // The events function takes the settings that apply to it, and no explicit endpoint or secret.
    const events = Object.entries(template.findResources('AWS::Lambda::Function') as Record<string, Resource>).find(([id]) => id.includes('SessionEvents'))![1];
    expect(events.Properties.Environment.Variables).toMatchObject({ LOG_LEVEL: 'DEBUG', NODE_OPTIONS: '--enable-source-maps' });
    expect(JSON.stringify(events.Properties.Environment.Variables)).not.toMatch(/OAUTH_|SECRET|TABLE_NAME/);
    template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
    template.resourceCountIs('AWS::Logs::LogGroup', 14);
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      DefaultRouteSettings: { ThrottlingRateLimit: 10, ThrottlingBurstLimit: 20 },
      AccessLogSettings: Match.absent(),
    });
    template.hasOutput('CallbackUrl', { Value: 'https://login.example.com/callback' });
    template.hasOutput('PostLogoutRedirectUrl', { Value: 'https://login.example.com/logout/done' });
  });

  it('destroys what it created when asked to', () => {
    const template = synthStack({ removalPolicy: RemovalPolicy.DESTROY });
    template.allResources('AWS::SecretsManager::Secret', { DeletionPolicy: 'Delete' });
    template.allResources('AWS::Logs::LogGroup', { DeletionPolicy: 'Delete' });
    expect(Object.values(template.findResources('AWS::DynamoDB::Table'))[0]).toMatchObject({ DeletionPolicy: 'Delete' });
  });
});
