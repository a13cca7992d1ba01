/**
 * The LoginService construct: the HTTP API with one function per route, the session table, the
 * client's credential (its secret, or its signing key; one per provider with several) and the keyring, the authorizer for other
 * APIs, the session events and the operations. Each function gets a role of its own allowing
 * exactly what its route needs.
 */
import { Duration, Names, RemovalPolicy, SecretValue, Stack } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpStage, LogGroupLogDestination, type DomainName, type HttpRoute } from 'aws-cdk-lib/aws-apigatewayv2';
import type { HttpLambdaAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AttributeType, BillingMode, StreamViewType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { PolicyDocument, PolicyStatement, Role, ServicePrincipal, type Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { TABLE_INDEXES, TABLE_PARTITION_KEY, TABLE_TTL_ATTRIBUTE } from '../functions/adapters/dynamodb/table-schema';
import { environmentSizeProblems } from './environment-size';
import { functionEnvironment, type EnvironmentRefs } from './function-environment';
import { DEFAULT_MEMORY_SIZE, DEFAULT_THROTTLE, type LoginServiceProps } from './login-service-props';
import { loginServiceProblems, throwOnProblems } from './login-service-validation';
import { acknowledgeNagFindings } from './nag-acknowledgements';
import { addOperations } from './operations';
import { hasDistribution, PublicEdge } from './public-edge';
import { FRONT_DOOR_ACCESS, frontDoorAuthorizer, originSecretTemplate } from './front-door';
import { ORIGIN_HEADER } from '../functions/adapters/api-gateway/front-door-handler';
import { WebApp } from './web-app';
import { sessionTable } from './session-table';
import { END_USER_SESSIONS_ACCESS, ROUTE_ACCESS, ROUTES, type RouteAccess, type SecretName } from './routes';
import { FUNCTION_TABLE, type RouteFunctionName } from './route-table';
import { AUTHORIZER_ACCESS, LAMBDA_AUTHORIZER_TIMEOUT, sessionAuthorizer } from './session-authorizer';
import { serviceFunction } from './service-function';
import { SessionEvents } from './session-events';
import { REVOCATIONS_ACCESS, REVOCATIONS_TIMEOUT, revokeFromStream } from './token-revocations';
import { clientCredential, credentialAccess, credentialArns, publicCredential, type ClientCredential, type ProviderCredential } from './client-credential';
import { providerEntry } from './provider-props';
import { generatedSecret, policyArn } from './service-secrets';


/**
 * The login service: an HTTP API with one function per route, the session table, the client's
 * credential (a client secret, or with `private_key_jwt` a KMS signing key or a private-key secret)
 * and the keyring that encrypts stored tokens. Each function may do exactly what its route needs
 * and nothing else; the functions receive names and ARNs, never a secret value.
 *
 * @example new LoginService(this, 'Login', { issuer: 'https://idp.example.com', clientId: 'web', upstreamApiUrl: 'https://api.example.com' })
 */
export class LoginService extends Construct {
  readonly api: HttpApi;
  /** The API's `$default` stage, with throttling and access logs. */
  readonly stage: HttpStage;
  readonly table: Table;
  /** Holds the OAuth client secret (created empty unless an existing one was given); none with `private_key_jwt`. */
  readonly clientSecret?: ISecret;
  /** With `private_key_jwt` and KMS: the client's keys (given, or the one created), the signing key first. */
  readonly clientSigningKeys?: readonly IKey[];
  /** With `private_key_jwt` and the private key in Secrets Manager: its secret. */
  readonly clientPrivateKeySecret?: ISecret;
  /**
   * With `providers`: each provider's credential, by its name, as for the single provider above:
   * the given one, or the secret or key created for it.
   */
  readonly providerCredentials?: Readonly<Record<string, ProviderCredential>>;
  /** Holds the keyring that encrypts the tokens stored with each session. */
  readonly sessionKeysSecret: ISecret;
  /** The function of each route; `Home` only when no web app is hosted (the root is then the app's). */
  readonly functions: Readonly<Record<Exclude<RouteFunctionName, 'Home'>, NodejsFunction>> & { readonly Home?: NodejsFunction };
  /** The origin users reach the service at; a token when it is the API's own endpoint. */
  readonly publicBaseUrl: string;
  /** Where a page sends the browser to sign in. */
  readonly loginUrl: string;
  /** The redirect URI to register at the provider (with one provider; see callbackUrls). */
  readonly callbackUrl: string;
  /**
   * The redirect URI to register at each provider, by its name: `<publicBaseUrl>/callback/<name>`
   * with `providers`; with one provider, `default` and the callbackUrl.
   */
  readonly callbackUrls: Readonly<Record<string, string>>;
  /** The post-logout redirect URI to register at the provider (at Amazon Cognito: the allowed sign-out URL). */
  readonly postLogoutRedirectUrl: string;
  /** The back-channel logout URI to register at a provider that sends logout tokens. */
  readonly backchannelLogoutUrl: string;
  /** The client's public keys: the `jwks_uri` to register at the provider for `private_key_jwt`. */
  readonly jwksUrl: string;
  /** The Lambda authorizer's function: checks the session cookie for routes of other HTTP APIs. */
  readonly authorizerFunction: NodejsFunction;
  /** The kill switch other AWS systems invoke (see {@link grantEndUserSessions}). */
  readonly endUserSessionsFunction: NodejsFunction;
  /** Revokes at the provider the tokens of sessions ended in bulk, from the table's stream (infra/token-revocations.ts). */
  readonly revocationsFunction: NodejsFunction;
  /**
   * For the routes of one other HTTP API served on the same host as this service (the session
   * cookie is host-only): allows requests of a signed-in user that carry `X-CSRF: 1`, and hands the
   * integration the user's `sub` and the chosen claims. One API only: {@link newAuthorizer} makes
   * one for each further API.
   */
  readonly authorizer: HttpLambdaAuthorizer;

  /** The API Gateway custom domain, with `domain` and no `firewall`; other APIs can be mapped under paths of it. */
  readonly domainName?: DomainName;
  /** The CloudFront distribution (with `firewall` or `webApp`) and WAF web ACL in front of the API, or the API's custom domain. */
  readonly edge?: PublicEdge;
  /** The web app's bucket and behaviours, with `webApp`. */
  readonly webApp?: WebApp;
  /**
   * With a distribution in front of the API: the secret whose value the distribution adds to
   * every request it forwards, and the function that admits only requests carrying it.
   */
  readonly originSecret?: ISecret;
  readonly frontDoorFunction?: NodejsFunction;
  /** The alarms (none with `alarms: false`). */
  readonly alarms: readonly Alarm[];
  /** The session events publisher; undefined when `sessionEvents` is false. */
  readonly sessionEvents?: SessionEvents;

  /** The client's credentials: the single provider's, or each provider's in the order of `providers`. */
  private readonly credentials: readonly ClientCredential[];
  private readonly removalPolicy: RemovalPolicy;
  private readonly logRetention: RetentionDays;
  private readonly authorizerCacheTtl?: Duration;
  private accessLogs?: LogGroup;

  constructor(scope: Construct, id: string, props: LoginServiceProps) {
    super(scope, id);
    throwOnProblems(loginServiceProblems(props, Stack.of(this).region));
    // Retained by default: deleting or replacing the stack by mistake must not sign everyone out,
    // take the table's backups and keys with it, or erase the logs of what happened.
    this.removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.logRetention = props.logRetention ?? RetentionDays.ONE_MONTH;

    this.table = sessionTable(this, this.removalPolicy);

    const providers = props.providers;
    if (providers) {
      this.credentials = providers.map((provider) => clientCredential(this, provider, this.removalPolicy, provider.name));
      this.providerCredentials = Object.fromEntries(providers.map((provider, i) => [provider.name, publicCredential(this.credentials[i]!)]));
    } else {
      this.credentials = [clientCredential(this, props, this.removalPolicy)];
      const single = publicCredential(this.credentials[0]!);
      this.clientSecret = single.clientSecret;
      this.clientSigningKeys = single.clientSigningKeys;
      this.clientPrivateKeySecret = single.clientPrivateKeySecret;
    }
    this.sessionKeysSecret = props.sessionKeysSecret ?? generatedSecret(this, 'SessionKeys', 'Keyring of the login service: encrypts the tokens stored with each session', { current: 'k1', generate: 'k1' }, this.removalPolicy);

    const fronted = hasDistribution(props);
    this.api = new HttpApi(this, 'HttpApi', {
      apiName: `${Stack.of(this).stackName}-${id}`,
      description: 'OAuth 2.0 / OpenID Connect login service (backend-for-frontend)',
      createDefaultStage: false,
      // A custom domain on the API itself is then the only way in; behind CloudFront the endpoint is
      // the origin, and the front door (infra/front-door.ts) admits only what CloudFront forwards.
      disableExecuteApiEndpoint: Boolean(props.domain && !fronted),
    });
    this.stage = this.defaultStage(props);
    if (fronted) this.originSecret = generatedSecret(this, 'OriginSecret', 'Login service: the header value CloudFront adds to each request it forwards to the API', originSecretTemplate(), this.removalPolicy);
    if (props.webApp) this.webApp = new WebApp(this, 'WebApp', { ...props.webApp, removalPolicy: this.removalPolicy });
    if (fronted || props.domain) {
      const originHeaders = this.originSecret
        ? { [ORIGIN_HEADER]: SecretValue.secretsManager(this.originSecret.secretArn, { jsonField: 'current', ...(props.originSecretVersion ? { versionId: props.originSecretVersion } : {}) }).unsafeUnwrap() }
        : undefined;
      this.edge = new PublicEdge(this, 'Edge', { api: this.api, stage: this.stage, firewall: props.firewall, domain: props.domain, webApp: this.webApp, originHeaders });
      this.domainName = this.edge.domainName;
    }

    // apiEndpoint is a token resolved at deploy time, without the trailing slash PUBLIC_BASE_URL forbids.
    this.publicBaseUrl = props.publicBaseUrl?.replace(/\/+$/, '') ?? this.edge?.publicBaseUrl ?? this.api.apiEndpoint;
    this.loginUrl = `${this.publicBaseUrl}${FUNCTION_TABLE.Login.route.path}`;
    this.callbackUrl = `${this.publicBaseUrl}${FUNCTION_TABLE.Callback.route[0].path}`;
    this.callbackUrls = providers
      ? Object.fromEntries(providers.map(({ name }) => [name, `${this.publicBaseUrl}${FUNCTION_TABLE.Callback.route[1].path.replace('{provider}', name)}`]))
      : { default: this.callbackUrl };
    this.postLogoutRedirectUrl = `${this.publicBaseUrl}${FUNCTION_TABLE.LogoutDone.route.path}`;
    this.backchannelLogoutUrl = `${this.publicBaseUrl}${FUNCTION_TABLE.BackchannelLogout.route.path}`;
    this.jwksUrl = `${this.publicBaseUrl}${FUNCTION_TABLE.Jwks.route.path}`;

    const refs: EnvironmentRefs = {
      tableName: this.table.tableName,
      clientSecretArn: this.clientSecret?.secretArn,
      clientSigningKeyArns: this.clientSigningKeys?.map((key) => key.keyArn),
      clientPrivateKeyArn: this.clientPrivateKeySecret?.secretArn,
      ...(providers ? { providers: providers.map((provider, i) => providerEntry(provider, credentialArns(this.credentials[i]!))) } : {}),
      sessionKeysSecretArn: this.sessionKeysSecret.secretArn,
      publicBaseUrl: this.publicBaseUrl,
      ...(this.originSecret ? { originSecretArn: this.originSecret.secretArn } : {}),
    };
    let authorizer: HttpLambdaAuthorizer | undefined;
    if (this.originSecret) {
      this.frontDoorFunction = this.routeFunction('FrontDoor', FRONT_DOOR_ACCESS, functionEnvironment(props, refs, 'front-door'), props, LAMBDA_AUTHORIZER_TIMEOUT);
      authorizer = frontDoorAuthorizer(this.frontDoorFunction);
    }
    const functions: Partial<Record<RouteFunctionName, NodejsFunction>> = {};
    const routes: HttpRoute[] = [];
    // With a web app the root is the app's: the home route, which only sends the browser to HOME_URL, is left out.
    // One function and one integration per function, however many routes it serves.
    const integrations = new Map<RouteFunctionName, HttpLambdaIntegration>();
    for (const route of ROUTES.filter((r) => !(props.webApp && r.name === 'Home'))) {
      let integration = integrations.get(route.name);
      if (!integration) {
        const fn = this.routeFunction(route.name, ROUTE_ACCESS[route.name], functionEnvironment(props, refs, route.entry), props);
        integration = new HttpLambdaIntegration(`${route.name}Integration`, fn);
        integrations.set(route.name, integration);
        functions[route.name] = fn;
      }
      routes.push(...this.api.addRoutes({ path: route.path, methods: [route.method], integration, ...(authorizer ? { authorizer } : {}) }));
    }
    this.functions = functions as LoginService['functions'];
    this.authorizerFunction = this.routeFunction('Authorizer', AUTHORIZER_ACCESS, functionEnvironment(props, refs, 'authorizer'), props, LAMBDA_AUTHORIZER_TIMEOUT);
    // Not behind API Gateway: the kill switch may take longer than a request to end thousands of sessions.
    this.endUserSessionsFunction = this.routeFunction('EndUserSessions', END_USER_SESSIONS_ACCESS, functionEnvironment(props, refs, 'end-user-sessions'), props, Duration.minutes(5));
    this.revocationsFunction = this.routeFunction('Revocations', REVOCATIONS_ACCESS, functionEnvironment(props, refs, 'revocations'), props, REVOCATIONS_TIMEOUT);
    revokeFromStream(this.revocationsFunction, this.table);
    this.authorizerCacheTtl = props.authorizerCacheTtl;
    this.authorizer = this.newAuthorizer('SessionAuthorizer');
    if (props.sessionEvents !== false) {
      const eventBus = props.eventBus ?? EventBus.fromEventBusName(this, 'DefaultBus', 'default');
      this.sessionEvents = new SessionEvents(this, 'SessionEvents', {
        table: this.table,
        eventBus,
        environment: functionEnvironment(props, { ...refs, eventBusArn: eventBus.eventBusArn }, 'events'),
        memorySize: props.memorySize,
        logRetention: this.logRetention,
        removalPolicy: this.removalPolicy,
        tracing: props.tracing,
        platformLogs: props.platformLogs,
      });
    }
    // Lambda would refuse an environment over 4 KB only when CloudFormation creates the function.
    throwOnProblems(environmentSizeProblems(this.everyFunction()));
    acknowledgeNagFindings({
      createdClientSecrets: this.credentials.flatMap((credential) => (credential.createdSecret ? [credential.createdSecret] : [])),
      createdSessionKeys: props.sessionKeysSecret ? undefined : this.sessionKeysSecret,
      originSecret: this.originSecret,
      // Behind the front door each route has an authorizer: the finding is then not raised.
      routes: authorizer ? [] : routes,
    });
    this.alarms = addOperations(this, props, { accessLogs: this.accessLogs, edge: this.edge });
  }

  /**
   * Lets `grantee` (an offboarding workflow's role, a Step Functions state machine, a security
   * team's function) invoke the kill switch: `{ "subject": "<sub>", "issuer"?: "<iss>" }` ends every
   * session of that user at once and answers `{ "ended": <count> }`. Only lambda:InvokeFunction on
   * that one function.
   */
  grantEndUserSessions(grantee: IGrantable): Grant {
    return this.endUserSessionsFunction.grantInvoke(grantee);
  }

  /** Every function of the service, by its name in the function table (infra/route-table.ts): each is watched and checked alike. */
  everyFunction(): Record<string, NodejsFunction> {
    return {
      ...this.functions,
      Authorizer: this.authorizerFunction,
      EndUserSessions: this.endUserSessionsFunction,
      Revocations: this.revocationsFunction,
      ...(this.sessionEvents ? { Events: this.sessionEvents.function } : {}),
      // A failing front door refuses every request of the site with API Gateway's 500.
      ...(this.frontDoorFunction ? { FrontDoor: this.frontDoorFunction } : {}),
    };
  }

  /** Another authorizer around the same function, for one more HTTP API; `id` names it in that API. */
  newAuthorizer(id: string): HttpLambdaAuthorizer {
    return sessionAuthorizer(id, this.authorizerFunction, this.authorizerCacheTtl);
  }

  private defaultStage(props: LoginServiceProps): HttpStage {
    const throttle = props.throttle ?? DEFAULT_THROTTLE;
    let accessLogSettings;
    if (props.accessLogs ?? true) {
      // Named under /aws/vendedlogs/: an HTTP API delivers its access logs as vended logs, which the
      // account's CloudWatch Logs resource policy (5,120 characters at most) must allow log group by
      // log group; near that limit CloudWatch Logs allows /aws/vendedlogs/ as a whole instead, so in
      // a busy account only such a name still receives them
      // (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-and-resource-policy.html,
      // https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging.html). The stack's
      // name and the construct's unique id keep it apart from every other stack's and construct's.
      const logGroup = this.logGroup('AccessLogs', `/aws/vendedlogs/apigateway/${Stack.of(this).stackName}/${Names.uniqueId(this)}`);
      this.accessLogs = logGroup;
      // Route and path only: the query string (which carries codes and states) and headers never
      // reach the log.
      const format = AccessLogFormat.custom(
        JSON.stringify({
          requestId: '$context.requestId',
          time: '$context.requestTimeEpoch',
          ip: '$context.identity.sourceIp',
          route: '$context.routeKey',
          path: '$context.path',
          status: '$context.status',
          bytes: '$context.responseLength',
          latencyMs: '$context.responseLatency',
          error: '$context.integrationErrorMessage',
        }),
      );
      accessLogSettings = { destination: new LogGroupLogDestination(logGroup), format };
    }
    return new HttpStage(this, 'DefaultStage', { httpApi: this.api, stageName: '$default', autoDeploy: true, throttle, accessLogSettings });
  }

  /**
   * A function with a role of its own. The routes' timeout is just below API Gateway's 30 s
   * integration limit. Each outbound call has its own, shorter deadline (functions/settings/config.ts),
   * so a slow dependency normally ends in the function's own 504; the longest chain (a cold /callback:
   * delete, discovery, secret, token, keys, write) fits with the default deadlines. Lambda
   * authorizers get LAMBDA_AUTHORIZER_TIMEOUT instead.
   */
  private routeFunction(
    name: RouteFunctionName | 'Authorizer' | 'EndUserSessions' | 'Revocations' | 'FrontDoor',
    access: RouteAccess,
    environment: Record<string, string>,
    props: LoginServiceProps,
    timeout = Duration.seconds(29),
  ): NodejsFunction {
    const logGroup = this.logGroup(`${name}Logs`);
    // An own role with one inline policy instead of the default role with
    // AWSLambdaBasicExecutionRole, whose log permissions cover every log group in the account.
    const role = new Role(this, `${name}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Login service ${name} function`,
      inlinePolicies: { access: new PolicyDocument({ statements: this.accessStatements(access, logGroup) }) },
    });
    return serviceFunction(this, `${name}Function`, {
      entry: name,
      role,
      logGroup,
      environment,
      memorySize: props.memorySize ?? DEFAULT_MEMORY_SIZE,
      timeout,
      tracing: props.tracing,
      platformLogs: props.platformLogs,
    });
  }

  /** Its own log group, the table actions of its route, the secrets it reads and its use of the client's keys: nothing more. */
  private accessStatements(access: RouteAccess, logGroup: LogGroup): PolicyStatement[] {
    const statements = [new PolicyStatement({ actions: ['logs:CreateLogStream', 'logs:PutLogEvents'], resources: [logGroup.logGroupArn] })];
    if (access.table.length > 0) {
      const resources = [this.table.tableArn, ...(access.indexes ? TABLE_INDEXES.map(({ indexName }) => `${this.table.tableArn}/index/${indexName}`) : [])];
      statements.push(new PolicyStatement({ actions: [...access.table], resources }));
    }
    // With several providers each of these functions may act for any of them: every provider's credential.
    const client = credentialAccess(this.credentials, access.client);
    const secrets = [...client.secrets, ...access.secrets.map((secret) => this.secret(secret))];
    if (secrets.length > 0) {
      statements.push(new PolicyStatement({ actions: ['secretsmanager:GetSecretValue'], resources: secrets.map(policyArn) }));
    }
    // A secret encrypted with a customer managed key also needs that key, only through Secrets Manager.
    const keys = [...new Set(secrets.flatMap((s) => (s.encryptionKey ? [s.encryptionKey.keyArn] : [])))];
    if (keys.length > 0) {
      statements.push(
        new PolicyStatement({
          actions: ['kms:Decrypt'],
          resources: keys,
          conditions: { StringEquals: { 'kms:ViaService': `secretsmanager.${Stack.of(this).region}.amazonaws.com` } },
        }),
      );
    }
    return [...statements, ...client.statements];
  }

  private logGroup(id: string, logGroupName?: string): LogGroup {
    return new LogGroup(this, id, { ...(logGroupName ? { logGroupName } : {}), retention: this.logRetention, removalPolicy: this.removalPolicy });
  }

  private secret(name: SecretName): ISecret {
    const secrets: Record<SecretName, ISecret | undefined> = { sessionKeys: this.sessionKeysSecret, originSecret: this.originSecret };
    return secrets[name]!;
  }
}

