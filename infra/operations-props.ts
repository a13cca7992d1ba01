import type { ICertificate } from 'aws-cdk-lib/aws-certificatemanager';
import type { IHostedZone } from 'aws-cdk-lib/aws-route53';

/** Evaluation windows AWS WAF offers for rate-based rules, in seconds. */
export const WAF_EVALUATION_WINDOWS = [60, 120, 300, 600] as const;
export type WafEvaluationWindow = (typeof WAF_EVALUATION_WINDOWS)[number];

/**
 * AWS WAF in front of the service. WAF cannot be associated with an API Gateway HTTP API, so this
 * puts a CloudFront distribution in front of the API and attaches a web ACL (scope CLOUDFRONT) to
 * it; `PUBLIC_BASE_URL` (and so the redirect URI) becomes the distribution's origin, or the custom
 * domain's. The API's execute-api endpoint stays reachable without the firewall (README, "Operations").
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
