/**
 * The props of the LoginService construct, each with its default (and, for a function setting, its
 * environment variable and range), and the defaults the construct itself applies (throttle, memory).
 */
import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { LogLevel as LoggerLevel } from '../functions/adapters/logs/logger';
import type { ContextClaim } from '../functions/core/sessions/authorize-session';
import type { ClientAuthMethod as ClientAuthMethodOfConfig } from '../functions/settings/config';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { DomainProps, FirewallProps } from './operations-props';

export const DEFAULT_THROTTLE_RATE = 100;
export const DEFAULT_THROTTLE_BURST = 200;
export const DEFAULT_MEMORY_SIZE = 256;
export const DEFAULT_AUTHORIZER_CACHE_SECONDS = 30;

/** How the client authenticates at the token endpoint (`OAUTH_CLIENT_AUTH_METHOD`). */
export type ClientAuthMethod = ClientAuthMethodOfConfig;

/** Log levels of the functions (`LOG_LEVEL`): those adapters/logs/logger.ts knows, each meaning there what it says. */
export type LogLevel = LoggerLevel;

/** Requests per second and burst of the HTTP API's stage. */
export interface ThrottleProps {
  /** Steady-state requests per second. */
  readonly rateLimit: number;
  /** Requests allowed in a short burst above the rate. */
  readonly burstLimit: number;
}

/**
 * Configuration of a {@link LoginService}. The names follow the functions' environment variables
 * (docs/configuration.md); everything is validated when the app is synthesized.
 */
export interface LoginServiceProps {
  /**
   * The provider's issuer URL (`OAUTH_ISSUER`); its discovery document supplies the endpoints.
   * With explicit endpoints it is optional and only names the issuer an `iss` parameter must match.
   * @default - none; then `authorizationEndpoint` and `tokenEndpoint` are required
   */
  readonly issuer?: string;
  /**
   * Authorization endpoint of a plain OAuth 2.0 provider without discovery, e.g. GitHub
   * (`OAUTH_AUTHORIZATION_ENDPOINT`). Set together with `tokenEndpoint`.
   * @default - from the issuer's discovery document
   */
  readonly authorizationEndpoint?: string;
  /**
   * Token endpoint of a provider without discovery (`OAUTH_TOKEN_ENDPOINT`).
   * @default - from the issuer's discovery document
   */
  readonly tokenEndpoint?: string;
  /**
   * User endpoint of a provider without discovery (`OAUTH_USERINFO_ENDPOINT`); required with
   * explicit endpoints, since without an ID token it is what identifies the user.
   * @default - from the issuer's discovery document
   */
  readonly userinfoEndpoint?: string;
  /**
   * RFC 7009 revocation endpoint of a provider without discovery (`OAUTH_REVOCATION_ENDPOINT`).
   * @default - from the issuer's discovery document; none with explicit endpoints
   */
  readonly revocationEndpoint?: string;
  /**
   * End-session endpoint of a provider without discovery (`OAUTH_END_SESSION_ENDPOINT`).
   * @default - from the issuer's discovery document; none with explicit endpoints
   */
  readonly endSessionEndpoint?: string;
  /** The client id registered at the provider (`OAUTH_CLIENT_ID`). */
  readonly clientId: string;
  /**
   * Client authentication at the token endpoint (`OAUTH_CLIENT_AUTH_METHOD`).
   * @default 'client_secret_basic'
   */
  readonly clientAuthMethod?: ClientAuthMethod;
  /**
   * Space-separated scopes (`OAUTH_SCOPES`).
   * @default - `openid profile email` with an issuer, none with explicit endpoints
   */
  readonly scopes?: string;
  /**
   * The protected API that `/api/{proxy+}` forwards to (`UPSTREAM_API_URL`). Exactly one of this
   * and `upstreamApis` is required.
   * @default - none: `upstreamApis` is used instead
   */
  readonly upstreamApiUrl?: string;
  /**
   * Several protected APIs, each reached as `/api/<name>/…` (`UPSTREAM_APIS`, as JSON). Exactly one
   * of this and `upstreamApiUrl` is required.
   * @default - none: `upstreamApiUrl` is used instead
   */
  readonly upstreamApis?: readonly UpstreamApiProps[];
  /**
   * The service's external origin, e.g. a custom domain in front of the API (`PUBLIC_BASE_URL`).
   * The redirect URI to register at the provider is this origin plus `/callback`.
   * @default - the HTTP API's own endpoint, `https://{api-id}.execute-api.{region}.amazonaws.com`
   */
  readonly publicBaseUrl?: string;
  /**
   * Origins besides the service's own that `returnTo` may point to (`RETURN_TO_ALLOWED_ORIGINS`).
   * @default - none: only paths on the service's own origin
   */
  readonly returnToAllowedOrigins?: readonly string[];
  /**
   * An existing secret holding the client secret, as a plain string or as JSON with a
   * `client_secret` field. Give it an `encryptionKey` if a customer managed KMS key encrypts it.
   * @default - a new, empty secret: put the client secret into it after deploying
   */
  readonly clientSecret?: ISecret;
  /**
   * An existing secret holding the keyring that encrypts the tokens stored with each session:
   * JSON `{"current": "<key id>", "<key id>": "<at least 32 random characters>", …}`.
   * @default - a new secret with one generated 64-character key `k1`
   */
  readonly sessionKeysSecret?: ISecret;
  /**
   * How long a started login may take, 60 to 3600 (`LOGIN_TIMEOUT_SECONDS`).
   * @default 600
   */
  readonly loginTimeoutSeconds?: number;
  /**
   * Absolute session lifetime, 300 to 2592000 (`SESSION_LIFETIME_SECONDS`).
   * @default 28800 (8 hours)
   */
  readonly sessionLifetimeSeconds?: number;
  /**
   * A session unused for this long ends, 60 to 2592000 and at most the lifetime
   * (`SESSION_IDLE_TIMEOUT_SECONDS`).
   * @default 3600
   */
  readonly sessionIdleTimeoutSeconds?: number;
  /**
   * Tokens are refreshed this long before they expire, 0 to 600 (`TOKEN_REFRESH_SKEW_SECONDS`).
   * @default 60
   */
  readonly tokenRefreshSkewSeconds?: number;
  /**
   * Deadline of each call to the provider and Secrets Manager, 100 to 10000 (`PROVIDER_TIMEOUT_MS`).
   * @default 5000
   */
  readonly providerTimeoutMs?: number;
  /**
   * Deadline of each call to the upstream API, 100 to 25000 (`UPSTREAM_TIMEOUT_MS`).
   * @default 10000
   */
  readonly upstreamTimeoutMs?: number;
  /**
   * Deadline of each DynamoDB call, 100 to 5000 (`STORE_TIMEOUT_MS`).
   * @default 2000
   */
  readonly storeTimeoutMs?: number;
  /**
   * A warm instance re-reads the secrets after this long, 10 to 86400 (`SECRET_REFRESH_SECONDS`).
   * @default 300
   */
  readonly secretRefreshSeconds?: number;
  /**
   * What happens to the table and the secrets the construct creates when they leave the stack.
   * @default RemovalPolicy.RETAIN: sessions, backups and keys survive a mistaken `cdk destroy`
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * How long the functions' logs and the API's access logs are kept.
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * Log level of the functions' JSON logs (`LOG_LEVEL`): DEBUG, INFO, WARN, ERROR or SILENT.
   * @default - the functions' default, INFO
   */
  readonly logLevel?: LogLevel;
  /**
   * One JSON line per request in the API's access log (request id, route, status, latency; never
   * a query string, cookie or header).
   * @default true
   */
  readonly accessLogs?: boolean;
  /**
   * Throttling of the API's stage, so a flood of requests is refused at the edge instead of
   * running up Lambda and DynamoDB costs.
   * @default { rateLimit: 100, burstLimit: 200 }
   */
  readonly throttle?: ThrottleProps;
  /**
   * Map stack traces in the logs through the bundled source maps (`NODE_OPTIONS=--enable-source-maps`).
   * Off by default: Node then parses each map at start, which slows every cold start.
   * @default false
   */
  readonly enableSourceMaps?: boolean;
  /**
   * Memory of each function in MB (Lambda gives CPU in proportion).
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * The claims the session authorizer passes to the integrations of other APIs, besides `sub`,
   * which it always passes (`AUTHORIZER_CLAIMS`). Only claims a session stores: sub, name, email.
   * @default ['sub']
   */
  readonly authorizerClaims?: readonly ContextClaim[];
  /**
   * How long API Gateway caches the session authorizer's answer for one Cookie and X-CSRF header
   * pair, 0 (no cache) to 1 hour in whole seconds. A logout or an expiry reaches the other APIs
   * this much later at most; a longer cache saves authorizer invocations and store reads.
   * @default Duration.seconds(30)
   */
  readonly authorizerCacheTtl?: Duration;
  /**
   * CloudWatch namespace of the metrics each request's log line carries in embedded metric format
   * (`METRICS_NAMESPACE`).
   * @default 'LoginService'
   */
  readonly metricsNamespace?: string;
  /**
   * CloudWatch alarms on errors, throttling and the sign-in failure rate (docs/operations.md).
   * @default true
   */
  readonly alarms?: boolean;
  /**
   * Where the alarms send notifications when they go into ALARM and back to OK.
   * @default - no actions: the alarms show in the CloudWatch console only
   */
  readonly alarmTopic?: ITopic;
  /**
   * A CloudWatch dashboard of the service's metrics and alarms.
   * @default false
   */
  readonly dashboard?: boolean;
  /**
   * AWS WAF rate limits on `/login` and `/callback`, through a CloudFront distribution in front of the API.
   * @default - no distribution, no firewall
   */
  readonly firewall?: FirewallProps;
  /**
   * A custom domain name; `publicBaseUrl` defaults to `https://<domainName>`. Without `firewall`
   * the API's execute-api endpoint is turned off, so the domain is the only way in.
   * @default - the API's execute-api endpoint, or the distribution's domain with `firewall`
   */
  readonly domain?: DomainProps;
  /**
   * Publish sign-ins and session endings as EventBridge events (docs/integrating.md, "Session
   * events"): turns on the table's stream and adds the events function.
   * @default true
   */
  readonly sessionEvents?: boolean;
  /**
   * The bus the session events go to.
   * @default - the account's default event bus
   */
  readonly eventBus?: IEventBus;
  /**
   * The `source` of the session events: at most 256 characters, not starting with `aws.`.
   * @default 'login-service'
   */
  readonly eventSource?: string;
  /**
   * Deadline of each PutEvents call of the events function, in milliseconds.
   * @default - the functions' default (docs/configuration.md)
   */
  readonly eventPublishTimeoutMs?: number;
}

export const DEFAULT_THROTTLE: ThrottleProps = { rateLimit: DEFAULT_THROTTLE_RATE, burstLimit: DEFAULT_THROTTLE_BURST };

/** One protected API of `upstreamApis`. */
export interface UpstreamApiProps {
  /** The path segment after `/api/`: 1 to 63 characters a-z, 0-9 and -, not starting with -; unique. */
  readonly name: string;
  /** The API's base URL (https, no query, credentials or fragment); `/api/<name>/<rest>` goes to `<url>/<rest>`. */
  readonly url: string;
  /**
   * The methods the browser may use on this API, upper-case.
   * @default - GET, HEAD, POST, PUT, PATCH, DELETE and OPTIONS
   */
  readonly methods?: readonly string[];
  /**
   * Extra scopes this API needs: requested at sign-in, and in the grant of its audience token.
   * @default - none
   */
  readonly scopes?: readonly string[];
  /**
   * An RFC 8707 resource indicator (absolute URI): the API is then called with an access token
   * issued for this audience alone, obtained with a refresh-token grant (the provider must issue
   * refresh tokens) and kept in the session.
   * @default - none: the API gets the session's access token
   */
  readonly audience?: string;
}
