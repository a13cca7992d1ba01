import * as path from 'node:path';
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { HttpApi, HttpMethod } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { CfnSecret, Secret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { TABLE_PARTITION_KEY, TABLE_TTL_ATTRIBUTE } from '../functions/adapters/table-schema';
import { BUNDLING, FUNCTION_ENTRIES, FUNCTIONS_DIR } from './bundling';

export interface LoginServiceStackProps extends StackProps {
  /** The provider's issuer URL; its discovery document supplies the endpoints (`OAUTH_ISSUER`). */
  readonly issuer: string;
  /** The client id registered at the provider (`OAUTH_CLIENT_ID`). */
  readonly clientId: string;
  /**
   * Space-separated scopes (`OAUTH_SCOPES`).
   * @default - the functions' default, `openid profile email`
   */
  readonly scopes?: string;
  /** The protected API that `/api/{proxy+}` forwards to (`UPSTREAM_API_URL`). */
  readonly upstreamApiUrl: string;
  /**
   * The service's external origin, e.g. a custom domain in front of the API (`PUBLIC_BASE_URL`).
   * The redirect URI is this origin plus `/callback`.
   * @default - the HTTP API's own endpoint, `https://{api-id}.execute-api.{region}.amazonaws.com`
   */
  readonly publicBaseUrl?: string;
  /**
   * Complete ARN of an existing Secrets Manager secret holding the client secret, either as a
   * plain string or as JSON with a `client_secret` field.
   * @default - the stack creates an empty secret; put the client secret into it after deploying
   */
  readonly clientSecretArn?: string;
  /**
   * Origins besides the service's own that `returnTo` may point to (`RETURN_TO_ALLOWED_ORIGINS`).
   * @default - none: only relative paths on the service's own origin
   */
  readonly returnToAllowedOrigins?: readonly string[];
}

/** The routes of the public contract, each served by its own function. */
const ROUTES = [
  { name: 'Login', entry: FUNCTION_ENTRIES.Login, method: HttpMethod.GET, path: '/login' },
  { name: 'Callback', entry: FUNCTION_ENTRIES.Callback, method: HttpMethod.GET, path: '/callback' },
  { name: 'Api', entry: FUNCTION_ENTRIES.Api, method: HttpMethod.ANY, path: '/api/{proxy+}' },
  { name: 'Session', entry: FUNCTION_ENTRIES.Session, method: HttpMethod.GET, path: '/session' },
  { name: 'Logout', entry: FUNCTION_ENTRIES.Logout, method: HttpMethod.GET, path: '/logout' },
] as const;

type RouteName = (typeof ROUTES)[number]['name'];

/**
 * The DynamoDB calls each handler makes (functions/adapters/dynamodb-store.ts): login saves a
 * transaction, callback consumes it and creates the session, api and session read it, logout
 * reads and deletes it. Nothing scans or queries, and nothing else is granted.
 */
const TABLE_ACTIONS: Readonly<Record<RouteName, readonly string[]>> = {
  Login: ['dynamodb:PutItem'],
  Callback: ['dynamodb:DeleteItem', 'dynamodb:PutItem'],
  Api: ['dynamodb:GetItem'],
  Session: ['dynamodb:GetItem'],
  Logout: ['dynamodb:GetItem', 'dynamodb:DeleteItem'],
};

/** Only the callback redeems the code at the token endpoint, the one call that needs the client secret. */
const READS_CLIENT_SECRET: ReadonlySet<RouteName> = new Set(['Callback']);

/** The login service: an HTTP API, one function per route, the session table and the client secret. */
export class LoginServiceStack extends Stack {
  readonly api: HttpApi;
  readonly table: Table;
  readonly clientSecret: ISecret;
  readonly functions: Readonly<Record<RouteName, NodejsFunction>>;

  constructor(scope: Construct, id: string, props: LoginServiceStackProps) {
    super(scope, id, props);

    // Login transactions and sessions. RETAIN: deleting or replacing the stack by mistake must not
    // sign everyone out and take the table's backups with it.
    this.table = new Table(this, 'Table', {
      partitionKey: { name: TABLE_PARTITION_KEY, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: TABLE_TTL_ATTRIBUTE,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.clientSecret = props.clientSecretArn
      ? Secret.fromSecretCompleteArn(this, 'ClientSecret', props.clientSecretArn)
      : this.emptyClientSecret();

    this.api = new HttpApi(this, 'HttpApi', {
      apiName: this.stackName,
      description: 'OAuth 2.0 / OpenID Connect login service (backend-for-frontend)',
    });

    // The API's endpoint is a token, known only at deploy time; the functions get it unresolved and
    // CloudFormation fills it in. apiEndpoint has no trailing slash, which PUBLIC_BASE_URL requires.
    const publicBaseUrl = props.publicBaseUrl?.replace(/\/+$/, '') ?? this.api.apiEndpoint;

    // loadConfig validates the whole configuration in every function, so all of them get the same
    // variables, whether or not the route uses each one. Only the secret's ARN, never its value.
    const environment: Record<string, string> = {
      OAUTH_ISSUER: props.issuer,
      OAUTH_CLIENT_ID: props.clientId,
      OAUTH_CLIENT_SECRET_ARN: this.clientSecret.secretArn,
      PUBLIC_BASE_URL: publicBaseUrl,
      UPSTREAM_API_URL: props.upstreamApiUrl,
      TABLE_NAME: this.table.tableName,
      ...(props.scopes ? { OAUTH_SCOPES: props.scopes } : {}),
      ...(props.returnToAllowedOrigins?.length ? { RETURN_TO_ALLOWED_ORIGINS: props.returnToAllowedOrigins.join(',') } : {}),
    };

    const functions: Partial<Record<RouteName, NodejsFunction>> = {};
    for (const route of ROUTES) {
      const fn = this.routeFunction(route.name, route.entry, environment);
      fn.addToRolePolicy(new PolicyStatement({ actions: [...TABLE_ACTIONS[route.name]], resources: [this.table.tableArn] }));
      if (READS_CLIENT_SECRET.has(route.name)) this.clientSecret.grantRead(fn);
      this.api.addRoutes({
        path: route.path,
        methods: [route.method],
        integration: new HttpLambdaIntegration(`${route.name}Integration`, fn),
      });
      functions[route.name] = fn;
    }
    this.functions = functions as Record<RouteName, NodejsFunction>;

    new CfnOutput(this, 'ApiUrl', { value: this.api.apiEndpoint, description: 'The HTTP API endpoint' });
    new CfnOutput(this, 'LoginUrl', { value: `${publicBaseUrl}/login`, description: 'Where a page sends the browser to sign in' });
    new CfnOutput(this, 'CallbackUrl', {
      value: `${publicBaseUrl}/callback`,
      description: 'The redirect URI to register at the identity provider',
    });
    new CfnOutput(this, 'TableName', { value: this.table.tableName });
    new CfnOutput(this, 'ClientSecretArn', {
      value: this.clientSecret.secretArn,
      description: props.clientSecretArn ? 'The client secret (existing)' : 'Put the client secret into this secret',
    });
  }

  /**
   * A secret without a value. The L2 construct would generate a random password by default, which
   * looks valid and then fails at the provider as invalid_client; an empty secret fails plainly
   * as unreadable until the real client secret is stored. It is not retained: the provider can
   * always issue the client secret again.
   */
  private emptyClientSecret(): ISecret {
    const secret = new Secret(this, 'ClientSecret', {
      description: 'OAuth client secret of the login service: store the value issued by the identity provider',
    });
    (secret.node.defaultChild as CfnSecret).generateSecretString = undefined;
    return secret;
  }

  private routeFunction(name: RouteName, entry: string, environment: Record<string, string>): NodejsFunction {
    const logGroup = new LogGroup(this, `${name}Logs`, { retention: RetentionDays.ONE_MONTH });
    // An own role instead of the default one with AWSLambdaBasicExecutionRole, whose log permissions
    // cover every log group in the account: this one may write to its own log group only.
    const role = new Role(this, `${name}Role`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);
    return new NodejsFunction(this, `${name}Function`, {
      entry: path.join(FUNCTIONS_DIR, entry),
      handler: 'handler',
      depsLockFilePath: path.join(FUNCTIONS_DIR, '..', 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: 256,
      // Just below API Gateway's 30 s integration limit. Each outbound call has its own, shorter
      // deadline (config.ts), so a slow dependency normally ends in the function's own 504; the
      // longest chain (a cold /callback: delete, discovery, secret, token, keys, write) fits with
      // the default deadlines; only a retry after invalid_client on top of a slow provider can not.
      timeout: Duration.seconds(29),
      role,
      logGroup,
      environment,
      // Shared with `npm run bench` and the bundle budgets (infra/bundling.ts).
      bundling: BUNDLING,
    });
  }
}
