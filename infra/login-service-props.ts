/**
 * The props of the LoginService construct, each with one line of documentation, and the defaults
 * the construct itself applies (throttle, memory, authorizer cache). A function setting's variable,
 * range and default are in its declaration (functions/settings/settings.ts) and in
 * docs/configuration.md, generated from it; infra/setting-props.ts makes the compiler check that
 * the props and the declarations name the same settings with the same types.
 */
import type { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { LogLevel as LoggerLevel } from '../functions/adapters/logs/logger';
import type { ClientAuthMethod as ClientAuthMethodOfConfig } from '../functions/settings/config';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { DomainProps, FirewallProps } from './operations-props';
import type { WebAppProps } from './web-app';
import type { ProviderProps } from './provider-props';
import type { UpstreamApiProps } from './upstream-api-props';

export type { ProviderProps } from './provider-props';
export type { UpstreamApiProps } from './upstream-api-props';

export const DEFAULT_THROTTLE_RATE = 100;
export const DEFAULT_THROTTLE_BURST = 200;
export const DEFAULT_MEMORY_SIZE = 256;
export const DEFAULT_AUTHORIZER_CACHE_SECONDS = 30;

/** How the client authenticates at the token endpoint. */
export type ClientAuthMethod = ClientAuthMethodOfConfig;

/**
 * The key spec of the client signing key the construct creates for private_key_jwt: RSA_2048 signs
 * RS256, ECC_NIST_P256 ES256.
 */
export type ClientSigningKeySpec = 'RSA_2048' | 'ECC_NIST_P256';
export const CLIENT_SIGNING_KEY_SPECS: readonly ClientSigningKeySpec[] = ['RSA_2048', 'ECC_NIST_P256'];
/** RSA_2048: KMS charges less for its signatures than for ECC ones (https://aws.amazon.com/kms/pricing/). */
export const DEFAULT_CLIENT_SIGNING_KEY_SPEC: ClientSigningKeySpec = 'RSA_2048';

/** Log levels of the functions: those functions/adapters/logs/logger.ts knows, each meaning there what it says. */
export type LogLevel = LoggerLevel;

/** Requests per second and burst of the HTTP API's stage. */
export interface ThrottleProps {
  /** Steady-state requests per second. */
  readonly rateLimit: number;
  /** Requests allowed in a short burst above the rate. */
  readonly burstLimit: number;
}

/**
 * Configuration of a {@link LoginService}. Each function setting's environment variable, range
 * and default are listed in docs/configuration.md; everything is validated when the app is
 * synthesized.
 */
export interface LoginServiceProps {
  /**
   * The provider's issuer URL; its discovery document supplies the endpoints. With explicit
   * endpoints it is optional and only names the issuer an `iss` parameter must match.
   * @default - none; then `authorizationEndpoint` and `tokenEndpoint` are required
   */
  readonly issuer?: string;
  /**
   * Authorization endpoint of a plain OAuth 2.0 provider without discovery, e.g. GitHub. Set
   * together with `tokenEndpoint`.
   * @default - from the issuer's discovery document
   */
  readonly authorizationEndpoint?: string;
  /**
   * Token endpoint of a provider without discovery.
   * @default - from the issuer's discovery document
   */
  readonly tokenEndpoint?: string;
  /**
   * User endpoint of a provider without discovery; required with explicit endpoints, since without
   * an ID token it is what identifies the user.
   * @default - from the issuer's discovery document
   */
  readonly userinfoEndpoint?: string;
  /**
   * RFC 7009 revocation endpoint of a provider without discovery.
   * @default - from the issuer's discovery document; none with explicit endpoints
   */
  readonly revocationEndpoint?: string;
  /**
   * End-session endpoint of a provider without discovery.
   * @default - from the issuer's discovery document; none with explicit endpoints
   */
  readonly endSessionEndpoint?: string;
  /**
   * The client id registered at the provider; required with one provider.
   * @default - none: with `providers`, each has its own
   */
  readonly clientId?: string;
  /**
   * Client authentication at the token endpoint.
   * @default - the functions' default (docs/configuration.md)
   */
  readonly clientAuthMethod?: ClientAuthMethod;
  /**
   * Several identity providers, each with its own client and credential, instead of the single
   * provider of `issuer` (or the explicit endpoints), `clientId`, `clientAuthMethod`,
   * `clientSecret`, `clientSigningKeys`, `clientPrivateKeySecret`, `clientSigningKeySpec`,
   * `clientAssertionAudience`, `scopes` and `authorizationParameters`, none of which may be set
   * beside it. `/login?provider=<name>` signs in at one; the redirect URI of each is
   * `<publicBaseUrl>/callback/<name>` (`callbackUrls`).
   * @default - none: the single provider of those props
   */
  readonly providers?: readonly ProviderProps[];
  /**
   * Pushed authorization requests (RFC 9126): `auto` where the provider offers them, `off` unless it requires them.
   * @default - the functions' default (docs/configuration.md)
   */
  readonly par?: 'auto' | 'off';
  /**
   * The `aud` of each private_key_jwt assertion: the issuer identifier, or the token endpoint URL (Okta).
   * @default - the functions' default (docs/configuration.md)
   */
  readonly clientAssertionAudience?: 'issuer' | 'token_endpoint';
  /**
   * Space-separated scopes to request; sign-in adds the named APIs' extra scopes.
   * @default - the functions' default (docs/configuration.md)
   */
  readonly scopes?: string;
  /**
   * The protected API that `/api/{proxy+}` forwards to. Exactly one of this and `upstreamApis` is
   * required.
   * @default - none: `upstreamApis` is used instead
   */
  readonly upstreamApiUrl?: string;
  /**
   * Several protected APIs, each reached as `/api/<name>/…`. Exactly one of this and
   * `upstreamApiUrl` is required.
   * @default - none: `upstreamApiUrl` is used instead
   */
  readonly upstreamApis?: readonly UpstreamApiProps[];
  /**
   * The service's external origin, e.g. a custom domain in front of the API. The redirect URI to
   * register at the provider is this origin plus `/callback`.
   * @default - the API's own endpoint, or the distribution's or custom domain's origin (docs/configuration.md)
   */
  readonly publicBaseUrl?: string;
  /**
   * Origins besides the service's own that `returnTo` may point to.
   * @default - the functions' default (docs/configuration.md)
   */
  readonly returnToAllowedOrigins?: readonly string[];
  /**
   * Sign-in only with a verified email in one of these domains.
   * @default - any
   */
  readonly allowedEmailDomains?: readonly string[];
  /**
   * Fixed extra authorization parameters, as a query string (`audience=…&domain_hint=…`); never a protocol parameter.
   * @default - none
   */
  readonly authorizationParameters?: string;
  /**
   * Sign-in only for a member of one of these groups (the `groupsClaim` claim).
   * @default - any
   */
  readonly allowedGroups?: readonly string[];
  /**
   * The claim that lists the user's groups; a dotted path for a nested one.
   * @default - `groups`
   */
  readonly groupsClaim?: string;
  /**
   * The claims a session keeps and `/session` returns.
   * @default - `sub,name,email`
   */
  readonly sessionClaims?: readonly string[];
  /**
   * Where the browser lands after sign-in without `returnTo` and after logout, and where error
   * pages link: a path on this site (the web app's, e.g. `/app/`), or a URL on an origin of
   * `returnToAllowedOrigins`.
   * @default - the functions' default (docs/configuration.md)
   */
  readonly homeUrl?: string;
  /**
   * An existing secret holding the client secret, as a plain string or as JSON with a
   * `client_secret` field. Give it an `encryptionKey` if a customer managed KMS key encrypts it.
   * Not with `private_key_jwt`, which uses no client secret.
   * @default - a new, empty secret: put the client secret into it after deploying; none with `private_key_jwt`
   */
  readonly clientSecret?: ISecret;
  /**
   * With `private_key_jwt`: existing asymmetric KMS keys (key usage SIGN_VERIFY, RSA_2048 or
   * ECC_NIST_P256) by key ARN, not by alias. The first signs the client assertions; all are
   * published at `/.well-known/jwks.json`, so the next key can be published before it signs.
   * @default - with `private_key_jwt` and no `clientPrivateKeySecret`, the construct creates one key
   */
  readonly clientSigningKeys?: readonly IKey[];
  /**
   * With `private_key_jwt`: an existing secret holding the private key instead of a KMS key: a
   * PKCS#8 PEM, a private JWK, or a JWK Set whose first key signs. Give it an `encryptionKey` if a
   * customer managed KMS key encrypts it.
   * @default - none: the key is in KMS (`clientSigningKeys`, or the one the construct creates)
   */
  readonly clientPrivateKeySecret?: ISecret;
  /**
   * The key spec of the signing key the construct creates with `private_key_jwt` (neither
   * `clientSigningKeys` nor `clientPrivateKeySecret` given).
   * @default 'RSA_2048'
   */
  readonly clientSigningKeySpec?: ClientSigningKeySpec;
  /**
   * An existing secret holding the keyring that encrypts the tokens stored with each session:
   * JSON `{"current": "<key id>", "<key id>": "<at least 32 random characters>", …}`.
   * @default - a new secret with one generated 64-character key `k1`
   */
  readonly sessionKeysSecret?: ISecret;
  /**
   * How long a started login may take, in seconds.
   * @default - the functions' default (docs/configuration.md)
   */
  readonly loginTimeoutSeconds?: number;
  /**
   * Absolute session lifetime in seconds: the session ends then, however active.
   * @default - the functions' default (docs/configuration.md)
   */
  readonly sessionLifetimeSeconds?: number;
  /**
   * A session unused for this many seconds ends; at most the lifetime.
   * @default - the functions' default (docs/configuration.md)
   */
  readonly sessionIdleTimeoutSeconds?: number;
  /**
   * How sessions' tokens are sealed when written: `v2` compressed, stored as a binary (two write
   * units per typical session instead of three); `v1` as earlier versions wrote them. Both always
   * open; set `v2` after the deploy that brought this version, so no instance of an earlier one
   * meets a session it cannot open.
   * @default - the functions' default (docs/configuration.md)
   */
  readonly sessionTokenFormat?: 'v1' | 'v2';
  /**
   * Tokens are refreshed this many seconds before they expire.
   * @default - the functions' default (docs/configuration.md)
   */
  readonly tokenRefreshSkewSeconds?: number;
  /**
   * How old, in seconds, a logout token may be at `/backchannel-logout` (Back-Channel Logout 1.0 §2.6, its `iat`).
   * @default - the functions' default (docs/configuration.md)
   */
  readonly logoutTokenMaxAgeSeconds?: number;
  /**
   * Deadline of each call to the provider and Secrets Manager, in milliseconds.
   * @default - the functions' default (docs/configuration.md)
   */
  readonly providerTimeoutMs?: number;
  /**
   * Deadline of each call to the upstream API, in milliseconds.
   * @default - the functions' default (docs/configuration.md)
   */
  readonly upstreamTimeoutMs?: number;
  /**
   * Deadline of each DynamoDB call, in milliseconds.
   * @default - the functions' default (docs/configuration.md)
   */
  readonly storeTimeoutMs?: number;
  /**
   * A warm instance re-reads the secrets after this many seconds.
   * @default - the functions' default (docs/configuration.md)
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
   * The least severe level the functions' JSON logs write.
   * @default - the functions' default (docs/configuration.md)
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
   * running up Lambda and DynamoDB costs. Its range and default: docs/configuration.md.
   * @default - see docs/configuration.md
   */
  readonly throttle?: ThrottleProps;
  /**
   * Map stack traces in the logs through the bundled source maps (`NODE_OPTIONS=--enable-source-maps`).
   * Off by default: Node then parses each map at start, which slows every cold start.
   * @default false
   */
  readonly enableSourceMaps?: boolean;
  /**
   * Memory of each function in MB (Lambda gives CPU in proportion). Its range: docs/configuration.md.
   * @default - see docs/configuration.md
   */
  readonly memorySize?: number;
  /**
   * The claims the session authorizer passes to the integrations of other APIs, besides `sub`,
   * which it always passes.
   * @default - the functions' default (docs/configuration.md)
   */
  readonly authorizerClaims?: readonly string[];
  /**
   * How long API Gateway caches the session authorizer's answer for one Cookie and X-CSRF header
   * pair (0: no cache). A logout or an expiry reaches the other APIs this much later at most; a
   * longer cache saves authorizer invocations and store reads. Its range: docs/configuration.md.
   * @default - see docs/configuration.md
   */
  readonly authorizerCacheTtl?: Duration;
  /**
   * CloudWatch namespace of the metrics each request's log line carries in embedded metric format.
   * @default - the functions' default (docs/configuration.md)
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
   * AWS X-Ray active tracing on every function: Lambda samples requests and records each sampled
   * invocation (the HTTP API itself cannot be traced). What it costs: docs/operations.md, "Tracing".
   * @default false
   */
  readonly tracing?: boolean;
  /**
   * Lambda's own START, END and REPORT lines of every invocation (its system logs at INFO). Off,
   * the functions log in Lambda's JSON format with system logs at WARN: about 340 bytes less per
   * invocation (docs/performance.md, "Cost model"), and what the platform's report records carried
   * besides Lambda's metrics is not logged: each invocation's memory used and init duration, and
   * the report of an invocation that timed out or ran out of memory (Lambda's `Errors` metric and
   * the alarms still count those). Every service line and its embedded metrics are written either way.
   * @default false
   */
  readonly platformLogs?: boolean;
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
   * Host the web app on the service's origin: a private bucket behind the same CloudFront
   * distribution as the service's routes (docs/web-app.md).
   * @default - no web app: `GET /` sends the browser to `homeUrl`
   */
  readonly webApp?: WebAppProps;
  /**
   * The version id of the origin secret the distribution sends: set it to a new version's id to
   * make the distribution send that version's value (the rotation in docs/web-app.md).
   * @default - the secret's current version when the distribution was last updated
   */
  readonly originSecretVersion?: string;
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
   * The `source` of the session events.
   * @default - the functions' default (docs/configuration.md)
   */
  readonly eventSource?: string;
  /**
   * Deadline of each PutEvents call of the events function, in milliseconds.
   * @default - the functions' default (docs/configuration.md)
   */
  readonly eventPublishTimeoutMs?: number;
}

export const DEFAULT_THROTTLE: ThrottleProps = { rateLimit: DEFAULT_THROTTLE_RATE, burstLimit: DEFAULT_THROTTLE_BURST };
