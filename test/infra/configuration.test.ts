/**
 * The construct's configuration: synth-time validation that names every problem at once, the
 * environment the functions get (which their own loader accepts, examples included), and the stack
 * props read from CDK context and config files (infra/cdk-context.ts).
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CfnParameter, Stack } from 'aws-cdk-lib';
import { loadConfig } from '../../functions/settings/config';
import { stackPropsFromContext } from '../../infra/cdk-context';
import { LoginService } from '../../infra/login-service';
import type { LoginServiceStackProps } from '../../infra/login-service-stack';
import { CLIENT_SECRET_ARN, KMS_KEY_ARN, REQUIRED, functionsByRoute, messageOf, synthStack, testApp } from './template';

const EXAMPLES_DIR = path.join(__dirname, '..', '..', 'infra', 'examples');

/**
 * The variables the construct may give the /login function, written out rather than derived from
 * the declarations the construct itself reads: the settings loadConfig reads without the local-run
 * ones (a secret's value, the loopback DynamoDB endpoint), and NODE_OPTIONS. The authorizer's
 * AUTHORIZER_CLAIMS and the events function's settings are not among them.
 */
const FUNCTION_VARIABLES = new Set([
  'OAUTH_ISSUER', 'OAUTH_AUTHORIZATION_ENDPOINT', 'OAUTH_TOKEN_ENDPOINT', 'OAUTH_USERINFO_ENDPOINT', 'OAUTH_REVOCATION_ENDPOINT',
  'OAUTH_END_SESSION_ENDPOINT', 'OAUTH_CLIENT_ID', 'OAUTH_CLIENT_SECRET_ARN', 'OAUTH_CLIENT_AUTH_METHOD', 'OAUTH_SCOPES',
  'PUBLIC_BASE_URL', 'UPSTREAM_API_URL', 'UPSTREAM_APIS', 'TABLE_NAME', 'RETURN_TO_ALLOWED_ORIGINS', 'LOGIN_TIMEOUT_SECONDS',
  'SESSION_LIFETIME_SECONDS', 'PROVIDER_TIMEOUT_MS', 'UPSTREAM_TIMEOUT_MS', 'STORE_TIMEOUT_MS', 'SECRET_REFRESH_SECONDS',
  'SESSION_KEYS_SECRET_ARN', 'SESSION_IDLE_TIMEOUT_SECONDS', 'TOKEN_REFRESH_SKEW_SECONDS', 'LOG_LEVEL', 'NODE_OPTIONS',
  'METRICS_NAMESPACE',
]);

const fromContext = (context: Record<string, unknown>, files: Record<string, string> = {}) =>
  stackPropsFromContext(
    (key) => context[key],
    (file) => {
      if (!(file in files)) throw new Error(`ENOENT: ${file}`);
      return files[file]!;
    },
  );

/**
 * The environment the deployed /login function would see: CloudFormation references replaced by
 * values of the kind they resolve to.
 */
function deployedEnvironment(props: Partial<LoginServiceStackProps>): Record<string, string> {
  const fn = functionsByRoute(synthStack(props))['GET /login']!;
  const deployed: Record<string, string> = {};
  for (const [name, value] of Object.entries(fn.Properties.Environment.Variables as Record<string, unknown>)) {
    if (typeof value === 'string') deployed[name] = value;
    else if (name === 'PUBLIC_BASE_URL') deployed[name] = 'https://abc123.execute-api.eu-west-1.amazonaws.com';
    else if (name.endsWith('_ARN')) deployed[name] = CLIENT_SECRET_ARN;
    else deployed[name] = 'LoginService-Table-ABC';
  }
  return deployed;
}

describe('synth-time validation', () => {
  it('lists every missing setting in one error', () => {
    const message = messageOf(() => synthStack({ issuer: undefined, clientId: undefined, upstreamApiUrl: undefined }));
    expect(message).toContain('Invalid LoginService configuration');
    expect(message).toContain('issuer is required (or authorizationEndpoint and tokenEndpoint');
    expect(message).toContain('clientId is required');
    expect(message).toContain('upstreamApiUrl (or upstreamApis for several APIs) is required');
  });

  it('names each invalid setting, all at once', () => {
    const message = messageOf(() =>
      synthStack({
        issuer: 'http://idp.example.com',
        upstreamApiUrl: 'https://api.example.com/v1?key=1',
        publicBaseUrl: 'https://login.example.com/app',
        returnToAllowedOrigins: ['ftp://files.example.com'],
        scopes: 'openid "profile"',
        clientAuthMethod: 'tls_client_auth' as never,
        sessionLifetimeSeconds: 600,
        sessionIdleTimeoutSeconds: 900,
        providerTimeoutMs: 60_000,
        loginTimeoutSeconds: 1.5,
        logRetention: 31 as never,
        memorySize: 64,
        removalPolicy: 'snapshot' as never,
        throttle: { rateLimit: 0, burstLimit: 1.5 },
        userinfoEndpoint: 'https://idp.example.com/userinfo',
      }),
    );
    const problems = message.split('\n  - ').slice(1);
    expect(problems).toEqual([
      // The settings shared by every provider in the order declared (functions/settings/settings.ts), then the
      // provider's own, then the rules between them.
      'publicBaseUrl must be an origin without path or query, e.g. https://login.example.com',
      'upstreamApiUrl must not contain a query',
      'returnToAllowedOrigins entry is not an https origin: ftp://files.example.com',
      'loginTimeoutSeconds must be a whole number from 60 to 3600',
      'providerTimeoutMs must be a whole number from 100 to 10000',
      'issuer must be an https URL',
      'clientAuthMethod must be client_secret_basic or client_secret_post or private_key_jwt',
      'scopes contains a character not allowed in a scope',
      'userinfoEndpoint is used only with authorizationEndpoint and tokenEndpoint; with an issuer, discovery supplies it',
      'sessionIdleTimeoutSeconds (900) must not exceed sessionLifetimeSeconds (600)',
      'removalPolicy must be retain or destroy',
      expect.stringMatching(/^logRetention must be a number of days/),
      'memorySize must be a whole number from 128 to 10240',
      'throttle.rateLimit must be a number of requests per second above 0 and at most 10000',
      'throttle.burstLimit must be a whole number from 1 to 5000',
    ]);
  });

  it('holds explicit endpoints to the plain OAuth rules', () => {
    const half = messageOf(() => synthStack({ issuer: undefined, tokenEndpoint: 'https://idp.example.com/token', scopes: 'read' }));
    expect(half).toContain('authorizationEndpoint and tokenEndpoint must be set together');
    expect(half).toContain('userinfoEndpoint is required with explicit endpoints');
    const openid = messageOf(() =>
      synthStack({ authorizationEndpoint: 'https://idp.example.com/authorize', tokenEndpoint: 'https://idp.example.com/token', scopes: 'openid' }),
    );
    expect(openid).toContain('scopes: the openid scope needs discovery');
  });

  it('checks secret references: complete ARNs, one of ARN and name, a key only with an existing secret', () => {
    const message = messageOf(() =>
      synthStack({
        clientSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:loginclient',
        clientSecretName: 'login/client',
        sessionKeysKmsKeyArn: KMS_KEY_ARN,
        clientSecretKmsKeyArn: 'alias/mine',
      }),
    );
    expect(message).toContain('clientSecretArn must be the complete ARN of a Secrets Manager secret (ending in -XXXXXX)');
    expect(message).toContain('clientSecretKmsKeyArn must be a KMS key ARN');
    expect(message).toContain('clientSecretArn and clientSecretName: set only one');
    expect(message).toContain('sessionKeysKmsKeyArn is for an existing secret: set sessionKeysSecretArn too');
  });

  it('validates the construct on its own too, and leaves deploy-time values to CloudFormation', () => {
    const stack = new Stack(testApp(), 'Host');
    expect(messageOf(() => new LoginService(stack, 'Bad', { ...REQUIRED, issuer: 'not a url' }))).toContain('issuer is not a valid URL');
    const issuer = new CfnParameter(stack, 'Issuer').valueAsString;
    expect(() => new LoginService(stack, 'Login', { ...REQUIRED, issuer })).not.toThrow();
  });
});

describe('environment the functions get', () => {
  it.each([
    ['the defaults', {}],
    [
      'every optional setting',
      {
        scopes: 'openid profile',
        clientAuthMethod: 'client_secret_post' as const,
        publicBaseUrl: 'https://login.example.com',
        returnToAllowedOrigins: ['https://app.example.com'],
        loginTimeoutSeconds: 300,
        sessionLifetimeSeconds: 7200,
        sessionIdleTimeoutSeconds: 1800,
        tokenRefreshSkewSeconds: 30,
        providerTimeoutMs: 4000,
        upstreamTimeoutMs: 8000,
        storeTimeoutMs: 1500,
        secretRefreshSeconds: 600,
        logLevel: 'WARN' as const,
        enableSourceMaps: true,
        metricsNamespace: 'Shop/Login',
        // Settings of other functions: none reaches this one.
        authorizerClaims: ['sub', 'email'] as const,
        eventSource: 'com.example.login',
        eventPublishTimeoutMs: 1000,
      },
    ],
  ])('is accepted by the functions’ own configuration check with %s', (_name, props) => {
    const environment = deployedEnvironment(props);
    for (const name of Object.keys(environment)) expect(FUNCTION_VARIABLES).toContain(name);
    expect(() => loadConfig(environment)).not.toThrow();
  });

  it.each(readdirSync(EXAMPLES_DIR).filter((file) => file.endsWith('.json')))('example %s is valid here and in the functions', (file) => {
    const props = fromContext({ config: path.join(EXAMPLES_DIR, file) }, { [path.join(EXAMPLES_DIR, file)]: readFileSync(path.join(EXAMPLES_DIR, file), 'utf8') });
    expect(props.clientId).toBeTruthy();
    // An example without upstreamApiUrl replaces the test default's.
    expect(() => loadConfig(deployedEnvironment({ ...props, upstreamApiUrl: props.upstreamApiUrl }))).not.toThrow();
  });
});

describe('stackPropsFromContext', () => {
  it('reads strings, numbers, booleans and lists as -c gives them (all strings)', () => {
    expect(
      fromContext({
        ...REQUIRED,
        returnToAllowedOrigins: 'https://a.example.com, https://b.example.com',
        sessionIdleTimeoutSeconds: '1800',
        enableSourceMaps: 'true',
        accessLogs: 'false',
        removalPolicy: 'destroy',
        throttleRateLimit: '5',
        throttleBurstLimit: '10',
        clientSecretArn: CLIENT_SECRET_ARN,
      }),
    ).toEqual({
      ...REQUIRED,
      returnToAllowedOrigins: ['https://a.example.com', 'https://b.example.com'],
      sessionIdleTimeoutSeconds: 1800,
      enableSourceMaps: true,
      accessLogs: false,
      removalPolicy: 'destroy',
      throttle: { rateLimit: 5, burstLimit: 10 },
      clientSecretArn: CLIENT_SECRET_ARN,
    });
  });

  it('reads a config file, with -c values taking precedence', () => {
    const file = JSON.stringify({ '//': 'a comment', stackName: 'LoginStaging', ...REQUIRED, scopes: 'openid', memorySize: 512, returnToAllowedOrigins: ['https://a.example.com'] });
    expect(fromContext({ config: 'login.json', scopes: 'openid email' }, { 'login.json': file })).toEqual({
      stackName: 'LoginStaging',
      ...REQUIRED,
      scopes: 'openid email',
      memorySize: 512,
      returnToAllowedOrigins: ['https://a.example.com'],
    });
  });

  it('reports an unreadable or misspelt config file, wrong types and missing settings in one error', () => {
    const missing = messageOf(() => fromContext({ config: 'nowhere.json' }));
    expect(missing).toContain('config file nowhere.json cannot be read as JSON');
    expect(missing).toContain('clientId is required');

    const message = messageOf(() =>
      fromContext({ config: 'login.json', issuer: 42, memorySize: 'big', throttleRateLimit: '5' }, { 'login.json': JSON.stringify({ scope: 'openid', accessLogs: 'yes' }) }),
    );
    expect(message).toContain('config file login.json: scope is not a known setting');
    expect(message).toContain('issuer must be a string');
    expect(message).not.toContain('issuer is required');
    expect(message).toContain('memorySize must be a number');
    expect(message).toContain('accessLogs must be a boolean');
    expect(message).toContain('throttleRateLimit and throttleBurstLimit must be set together');
    expect(message).toContain('clientId is required');
    expect(message).toContain('upstreamApiUrl (or upstreamApis for several APIs) is required');
  });

  it('checks the stack name before CDK would stop at it alone', () => {
    expect(messageOf(() => fromContext({ ...REQUIRED, stackName: 'login_service', clientId: ' ' }))).toBe(
      'Invalid LoginService configuration:\n  - stackName must start with a letter and hold only letters, digits and hyphens (at most 128)\n  - clientId is required',
    );
  });
});
