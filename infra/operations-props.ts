/**
 * The construct's props that are no function setting: the firewall and custom domain props, and
 * CONSTRUCT_PROPS, which lists each such prop (and the stack's own) with its context kind, default
 * and one line of documentation for CDK context and docs/configuration.md.
 */
import type { ICertificate } from 'aws-cdk-lib/aws-certificatemanager';
import type { IHostedZone } from 'aws-cdk-lib/aws-route53';
import {
  DEFAULT_AUTHORIZER_CACHE_SECONDS,
  DEFAULT_CLIENT_SIGNING_KEY_SPEC,
  DEFAULT_MEMORY_SIZE,
  DEFAULT_THROTTLE_BURST,
  DEFAULT_THROTTLE_RATE,
} from './login-service-props';

/** Evaluation windows AWS WAF offers for rate-based rules, in seconds. */
export const WAF_EVALUATION_WINDOWS = [60, 120, 300, 600] as const;
export type WafEvaluationWindow = (typeof WAF_EVALUATION_WINDOWS)[number];

/**
 * AWS WAF in front of the service. WAF cannot be associated with an API Gateway HTTP API, so this
 * puts a CloudFront distribution in front of the API and attaches a web ACL (scope CLOUDFRONT) to
 * it; `PUBLIC_BASE_URL` (and so the redirect URI) becomes the distribution's origin, or the custom
 * domain's. The API's execute-api endpoint stays reachable without the firewall (docs/operations.md).
 */
export interface FirewallProps {
  /**
   * Requests per client IP address to `/login` and `/callback` together, within the evaluation
   * window, above which the address is blocked (HTTP 403) until its rate falls again; 10 or more.
   * Ignored with `webAclArn`.
   */
  readonly loginRateLimit: number;
  /**
   * Requests per client IP address to any path within the evaluation window; 10 or more.
   * @default - no limit on the other paths (the API stage's throttling still applies)
   */
  readonly rateLimit?: number;
  /**
   * The window WAF counts requests over, in seconds: 60, 120, 300 or 600.
   * @default 300
   */
  readonly evaluationWindowSeconds?: WafEvaluationWindow;
  /**
   * ARN of an existing web ACL of scope CLOUDFRONT (they live in us-east-1) to attach instead of
   * creating one. Required when the stack is not in us-east-1: CloudFormation creates a
   * CLOUDFRONT web ACL only there.
   * @default - a web ACL is created (the stack must be in us-east-1)
   */
  readonly webAclArn?: string;
}

/** A custom domain name for the service. */
export interface DomainProps {
  /** The host name users reach the service at, e.g. `login.example.com`. */
  readonly domainName: string;
  /**
   * An ACM certificate covering `domainName`: in the stack's region for the API's own custom
   * domain; in us-east-1 when `firewall` is set, since the name then belongs to CloudFront.
   */
  readonly certificate: ICertificate;
  /**
   * A public hosted zone to create the alias record for `domainName` in.
   * @default - no record: point the name at the `DomainNameTarget` output yourself
   */
  readonly hostedZone?: IHostedZone;
}

/** How a construct-only prop is given in CDK context (infra/cdk-context.ts); none: only in code. */
export type ContextKind = 'string' | 'list' | 'number' | 'boolean' | 'json';

/** A prop of the construct (or the stack) that is no function setting; for CDK context and docs/configuration.md. */
export interface ConstructProp {
  readonly context?: ContextKind;
  readonly default: string;
  readonly doc: string;
  /** A prop of LoginServiceStack only (infra/login-service-stack.ts), given by CDK context. */
  readonly stack?: true;
  /** A number's range: whole numbers from min to max, or with `above` any number above min up to max. */
  readonly min?: number;
  readonly max?: number;
  readonly above?: true;
  /** What the number counts, in the words of its range: `seconds` reads "whole seconds from 0 to 3600". */
  readonly unit?: string;
}

/** A number prop's range in words, for the problem that refuses a value and for docs/configuration.md. */
export function rangeText({ min, max, above, unit }: ConstructProp): string {
  if (above) return `a number${unit ? ` of ${unit}` : ''} above ${min} and at most ${max}`;
  return `${unit ? `whole ${unit}` : 'a whole number'} from ${min} to ${max}`;
}

/**
 * The construct's props that are no function setting (those are declared in
 * functions/settings/settings.ts), and the stack's props that name existing resources.
 */
export const CONSTRUCT_PROPS = {
  stackName: { context: 'string', default: 'LoginService', doc: 'Name of the stack: a letter, then letters, digits and hyphens (at most 128).', stack: true },
  clientSecretArn: { context: 'string', default: 'none', doc: 'Complete ARN of an existing secret holding the client secret.', stack: true },
  clientSecretName: { context: 'string', default: 'none', doc: 'Name of an existing client secret in the stack\'s account and region.', stack: true },
  clientSecretKmsKeyArn: { context: 'string', default: 'the AWS managed key', doc: 'The customer managed KMS key encrypting the existing client secret.', stack: true },
  clientSigningKeyArns: {
    context: 'list', default: 'a new key, with `private_key_jwt`', stack: true,
    doc: 'With `private_key_jwt`: comma-separated ARNs of existing asymmetric KMS keys (SIGN_VERIFY; key ARNs, not aliases): the first signs, all are published (`clientSigningKeys`).',
  },
  clientPrivateKeySecretArn: { context: 'string', default: 'none', doc: 'With `private_key_jwt`: complete ARN of an existing secret holding the private key (`clientPrivateKeySecret`).', stack: true },
  clientPrivateKeyKmsKeyArn: { context: 'string', default: 'the AWS managed key', doc: 'The customer managed KMS key encrypting the existing private-key secret.', stack: true },
  sessionKeysSecretArn: { context: 'string', default: 'none', doc: 'Complete ARN of an existing keyring secret.', stack: true },
  sessionKeysKmsKeyArn: { context: 'string', default: 'the AWS managed key', doc: 'The customer managed KMS key encrypting the existing keyring secret.', stack: true },
  eventBusArn: { context: 'string', default: "the account's default bus", doc: 'ARN of the EventBridge bus the session events go to.', stack: true },
  clientSecret: { default: 'a new, empty secret; none with `private_key_jwt`', doc: 'An existing secret (ISecret) holding the client secret; not with `private_key_jwt`.' },
  clientSigningKeys: {
    default: 'a new key, with `private_key_jwt`',
    doc: 'With `private_key_jwt`: existing asymmetric KMS keys (IKey[], SIGN_VERIFY, by key ARN): the first signs, all are published at `/.well-known/jwks.json`.',
  },
  clientPrivateKeySecret: { default: 'none', doc: 'With `private_key_jwt`: an existing secret (ISecret) holding the private key (PEM, JWK or JWK Set) instead of a KMS key.' },
  clientSigningKeySpec: {
    context: 'string', default: DEFAULT_CLIENT_SIGNING_KEY_SPEC,
    doc: 'The key spec of the signing key the construct creates with `private_key_jwt` when no key is given: RSA_2048 (RS256; the cheaper signatures) or ECC_NIST_P256 (ES256).',
  },
  providers: {
    context: 'json', default: 'none: the single provider of `issuer`, `clientId`, …',
    doc: 'Several identity providers instead of the single one: a list of `{ name, displayName?, issuer | authorizationEndpoint…, clientId, clientAuthMethod?, clientSecret | clientSigningKeys | clientPrivateKeySecret, clientSigningKeySpec?, clientAssertionAudience?, scopes?, authorizationParameters? }`, a secret or key created for each that needs one and is given none; in context a JSON list naming existing ones by `clientSecretArn`, `signingKeyArns` or `privateKeySecretArn` (docs/deploying.md, "Several identity providers").',
  },
  sessionKeysSecret: { default: 'a new secret with one generated key', doc: 'An existing secret (ISecret) holding the keyring.' },
  eventBus: { default: "the account's default bus", doc: 'The bus (IEventBus) the session events go to.' },
  removalPolicy: { context: 'string', default: 'retain', doc: 'What happens to the table and the secrets the construct creates when they leave the stack: retain or destroy.' },
  logRetention: { context: 'number', default: '30 (days)', doc: "Days the functions' logs and the API's access logs are kept: a value CloudWatch Logs offers, or 9999 for never." },
  accessLogs: { context: 'boolean', default: 'true', doc: "One JSON line per request in the API's access log (never a query string, cookie or header)." },
  throttle: { default: `${DEFAULT_THROTTLE_RATE} per second, bursts of ${DEFAULT_THROTTLE_BURST}`, doc: "Throttling of the API's stage: `{ rateLimit, burstLimit }`; in context throttleRateLimit and throttleBurstLimit." },
  throttleRateLimit: {
    context: 'number', default: String(DEFAULT_THROTTLE_RATE), doc: "Steady requests per second of the API's stage (`throttle.rateLimit`).", stack: true,
    min: 0, above: true, max: 10_000, unit: 'requests per second',
  },
  throttleBurstLimit: { context: 'number', default: String(DEFAULT_THROTTLE_BURST), doc: 'Requests in a short burst above the rate (`throttle.burstLimit`).', stack: true, min: 1, max: 5_000 },
  enableSourceMaps: { context: 'boolean', default: 'false', doc: 'Map stack traces through the bundled source maps (`NODE_OPTIONS=--enable-source-maps`); slows every cold start.' },
  memorySize: { context: 'number', default: String(DEFAULT_MEMORY_SIZE), doc: 'Memory of each function in MB.', min: 128, max: 10_240 },
  authorizerCacheTtl: { default: `${DEFAULT_AUTHORIZER_CACHE_SECONDS} seconds`, doc: "How long API Gateway caches the session authorizer's answer (a Duration; 0 turns the cache off).", min: 0, max: 3_600, unit: 'seconds' },
  alarms: { context: 'boolean', default: 'true', doc: 'CloudWatch alarms on errors, throttling and the sign-in failure rate.' },
  alarmTopic: { default: 'none', doc: 'An SNS topic the alarms notify.' },
  dashboard: { context: 'boolean', default: 'false', doc: "A CloudWatch dashboard of the service's metrics and alarms." },
  tracing: { context: 'boolean', default: 'false', doc: 'AWS X-Ray active tracing on every function (an HTTP API stage cannot be traced; docs/operations.md, "Tracing").' },
  platformLogs: { context: 'boolean', default: 'false', doc: "Lambda's START, END and REPORT lines of every invocation; off, system logs at WARN in Lambda's JSON log format (docs/performance.md)." },
  firewall: { default: 'none', doc: 'AWS WAF rate limits on `/login` and `/callback`, through a CloudFront distribution.' },
  domain: { default: "the API's execute-api endpoint", doc: 'A custom domain name with its certificate (and hosted zone).' },
  webApp: { default: 'none: `GET /` sends the browser to `homeUrl`', doc: 'Host the web app on the same CloudFront distribution: `{ assetsPath }` (a folder) or `{ bucket }`, and an optional `contentSecurityPolicy` (docs/web-app.md).' },
  webAppPath: { context: 'string', default: 'none', doc: 'A folder with the built web app (`index.html` at its top) to host on the service\'s origin (`webApp.assetsPath`).', stack: true },
  webAppBucketName: { context: 'string', default: 'none', doc: 'An existing bucket holding the web app instead (`webApp.bucket`).', stack: true },
  webAppContentSecurityPolicy: { context: 'string', default: 'a strict policy of the own origin', doc: "The web app's Content-Security-Policy (`webApp.contentSecurityPolicy`).", stack: true },
  originSecretVersion: { context: 'string', default: 'the current version', doc: 'The origin secret version the distribution sends: the second step of its rotation (docs/web-app.md).' },
  sessionEvents: { context: 'boolean', default: 'true', doc: 'Publish sign-ins and session endings as EventBridge events (adds the events function).' },
} as const satisfies Record<string, ConstructProp>;
