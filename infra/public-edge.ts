/**
 * How users reach the service when it is not at the API's own endpoint: an API Gateway custom
 * domain, or one CloudFront distribution in front of the API for everything the browser reaches
 * (the service's routes, the web app, the WAF web ACL with rate limits on the sign-in paths), with
 * the DNS records when a hosted zone is given.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { ApiMapping, DomainName, type HttpApi, type HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  AllowedMethods,
  type BehaviorOptions,
  CachePolicy,
  Distribution,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  OriginSslPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { AaaaRecord, ARecord, RecordTarget } from 'aws-cdk-lib/aws-route53';
import { ApiGatewayv2DomainProperties, CloudFrontTarget } from 'aws-cdk-lib/aws-route53-targets';
import { CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';
import type { DomainProps, FirewallProps } from './operations-props';
import { SERVICE_PATHS } from './route-table';
import type { WebApp } from './web-app';

export interface PublicEdgeProps {
  readonly api: HttpApi;
  readonly stage: HttpStage;
  readonly firewall?: FirewallProps;
  readonly domain?: DomainProps;
  /** The web app on the same distribution: its bucket is the default origin, the service's routes behaviours of their own. */
  readonly webApp?: WebApp;
  /** Headers the distribution adds to every request it forwards to the API (the front door's secret header). */
  readonly originHeaders?: Readonly<Record<string, string>>;
}

/** Whether the service is reached through a CloudFront distribution (firewall or web app) rather than the API itself. */
export const hasDistribution = (props: { readonly firewall?: unknown; readonly webApp?: unknown }): boolean => Boolean(props.firewall || props.webApp);

/**
 * The distribution's path patterns of the service's routes (infra/route-table.ts): an exact path,
 * or a greedy route's prefix followed by `*`.
 */
export const SERVICE_PATH_PATTERNS: readonly string[] = SERVICE_PATHS.map((route) => (route.prefix ? `${route.path}*` : route.path));

/** The paths a rate limit protects: the sign-in flow, which writes to the table and calls the provider. */
export const RATE_LIMITED_PATHS = ['/login', '/callback'] as const;

/**
 * How users reach the service when it is not the API's own endpoint: a custom domain on the API
 * (an API Gateway domain name and mapping), or, with a firewall, a CloudFront distribution in
 * front of the API carrying the WAF web ACL (WAF cannot be attached to an HTTP API), on the
 * distribution's own name or the custom domain.
 */
export class PublicEdge extends Construct {
  /** `https://<host>` of the distribution or the custom domain. */
  readonly publicBaseUrl: string;
  /** The API Gateway custom domain, when the domain is the API's own (no firewall). */
  readonly domainName?: DomainName;
  readonly distribution?: Distribution;
  /** The web ACL, when the construct created it (with `firewall`). */
  readonly webAcl?: CfnWebACL;
  /** What the custom domain's DNS record must point at (an API Gateway or a CloudFront host name). */
  readonly domainTarget?: string;

  constructor(scope: Construct, id: string, props: PublicEdgeProps) {
    super(scope, id);
    const { firewall, domain } = props;
    if (hasDistribution(props)) {
      this.webAcl = firewall && !firewall.webAclArn ? this.createWebAcl(firewall) : undefined;
      this.distribution = this.createDistribution(props, firewall?.webAclArn ?? this.webAcl?.attrArn);
      props.webApp?.deployTo(this.distribution);
      this.domainTarget = this.distribution.distributionDomainName;
      if (domain?.hostedZone) {
        const target = RecordTarget.fromAlias(new CloudFrontTarget(this.distribution));
        new ARecord(this, 'AliasRecord', { zone: domain.hostedZone, recordName: domain.domainName, target });
        new AaaaRecord(this, 'AliasRecordIpv6', { zone: domain.hostedZone, recordName: domain.domainName, target });
      }
      this.publicBaseUrl = `https://${domain?.domainName ?? this.distribution.distributionDomainName}`;
      return;
    }
    if (!domain) throw new Error('PublicEdge needs a firewall, a web app or a domain');
    this.domainName = new DomainName(this, 'DomainName', { domainName: domain.domainName, certificate: domain.certificate });
    new ApiMapping(this, 'ApiMapping', { api: props.api, domainName: this.domainName, stage: props.stage });
    this.domainTarget = this.domainName.regionalDomainName;
    if (domain.hostedZone) {
      const target = RecordTarget.fromAlias(new ApiGatewayv2DomainProperties(this.domainName.regionalDomainName, this.domainName.regionalHostedZoneId));
      new ARecord(this, 'AliasRecord', { zone: domain.hostedZone, recordName: domain.domainName, target });
    }
    this.publicBaseUrl = `https://${domain.domainName}`;
  }

  /**
   * The service's routes pass through untouched and uncached: every method (the /api proxy), every
   * query string (code, state, iss), every cookie (the `__Host-` cookies are set by the service for
   * the host the browser sees, which is this distribution's or the custom domain's), every header
   * (X-CSRF) except Host, which must name the execute-api endpoint for API Gateway to route. With a
   * web app they are behaviours of their own and everything else is the app's; without, the API
   * is the default behaviour.
   */
  private createDistribution(props: PublicEdgeProps, webAclId: string | undefined): Distribution {
    const stack = Stack.of(this);
    const { api, webApp, domain, originHeaders } = props;
    const origin = new HttpOrigin(`${api.apiId}.execute-api.${stack.region}.${stack.urlSuffix}`, {
      protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [OriginSslPolicy.TLS_V1_2],
      // API Gateway gives up after 30 s, the functions answer before that.
      readTimeout: Duration.seconds(30),
      ...(originHeaders ? { customHeaders: { ...originHeaders } } : {}),
    });
    const service: BehaviorOptions = {
      origin,
      allowedMethods: AllowedMethods.ALLOW_ALL,
      viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      cachePolicy: CachePolicy.CACHING_DISABLED,
      originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      compress: false,
      ...(webApp ? { responseHeadersPolicy: webApp.serviceHeaders } : {}),
    };
    const what = [webApp && 'the web app', 'the HTTP API', webAclId && 'behind WAF'].filter(Boolean).join(', ');
    return new Distribution(this, 'Distribution', {
      comment: `Login service ${stack.stackName}: ${what}`,
      defaultBehavior: webApp ? webApp.behavior : service,
      ...(webApp ? { additionalBehaviors: Object.fromEntries(SERVICE_PATH_PATTERNS.map((pattern) => [pattern, service])), defaultRootObject: 'index.html' } : {}),
      ...(webAclId ? { webAclId } : {}),
      httpVersion: HttpVersion.HTTP2_AND_3,
      // Only with a certificate of the domain's: CloudFront's default certificate has a fixed policy of its own.
      ...(domain ? { domainNames: [domain.domainName], certificate: domain.certificate, minimumProtocolVersion: SecurityPolicyProtocol.TLS_V1_2_2021 } : {}),
    });
  }

  private createWebAcl(firewall: FirewallProps): CfnWebACL {
    const prefix = Stack.of(this).stackName;
    const visibility = (name: string): CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      metricName: `${prefix}-${name}`,
      sampledRequestsEnabled: true,
    });
    const evaluationWindowSec = firewall.evaluationWindowSeconds ?? 300;
    // Decoded and normalised first, so /%6Cogin or //login count as /login.
    const textTransformations = [
      { priority: 0, type: 'URL_DECODE' },
      { priority: 1, type: 'NORMALIZE_PATH' },
    ];
    const signInPaths: CfnWebACL.StatementProperty = {
      orStatement: {
        statements: RATE_LIMITED_PATHS.map((path) => ({
          byteMatchStatement: { fieldToMatch: { uriPath: {} }, positionalConstraint: 'STARTS_WITH', searchString: path, textTransformations },
        })),
      },
    };
    const rules: CfnWebACL.RuleProperty[] = [
      {
        name: 'SignInRateLimit',
        priority: 0,
        action: { block: {} },
        statement: { rateBasedStatement: { limit: firewall.loginRateLimit, aggregateKeyType: 'IP', evaluationWindowSec, scopeDownStatement: signInPaths } },
        visibilityConfig: visibility('SignInRateLimit'),
      },
    ];
    if (firewall.rateLimit !== undefined) {
      rules.push({
        name: 'RateLimit',
        priority: 1,
        action: { block: {} },
        statement: { rateBasedStatement: { limit: firewall.rateLimit, aggregateKeyType: 'IP', evaluationWindowSec } },
        visibilityConfig: visibility('RateLimit'),
      });
    }
    return new CfnWebACL(this, 'WebAcl', {
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      description: 'Rate limits of the login service',
      visibilityConfig: visibility('WebAcl'),
      rules,
    });
  }
}
