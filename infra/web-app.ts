/**
 * The web app on the service's origin: a private bucket the distribution reads through origin
 * access control, the app's files deployed into it from a folder, the single-page-app fallback,
 * and the security headers of its pages. The distribution itself is the public edge's
 * (infra/public-edge.ts), one for the app and the service's routes.
 */
import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { Duration, RemovalPolicy, Stack, Token, Validations } from 'aws-cdk-lib';
import {
  CachePolicy,
  Function as CloudFrontFunction,
  FunctionCode,
  FunctionEventType,
  FunctionRuntime,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
  type BehaviorOptions,
  type Distribution,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import type { Policy } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership, type IBucket } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';

/** The web app the construct hosts on the service's origin. */
export interface WebAppProps {
  /**
   * A folder holding the built app, `index.html` at its top: deployed into a bucket the construct
   * creates, replacing the bucket's contents on every deploy.
   * @default - none; then `bucket`
   */
  readonly assetsPath?: string;
  /**
   * An existing bucket holding the app instead, kept up to date by its own pipeline. Its policy
   * must let the distribution read it (docs/web-app.md).
   * @default - none; then `assetsPath`
   */
  readonly bucket?: IBucket;
  /**
   * The Content-Security-Policy of the app's files.
   * @default STRICT_CONTENT_SECURITY_POLICY
   */
  readonly contentSecurityPolicy?: string;
}

/**
 * Scripts, styles, images and calls of the app's own origin only (the service's routes are on it
 * too), no framing, no plug-ins, forms and `<base>` confined to the origin.
 */
export const STRICT_CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
  "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/** HSTS for two years, on the app's pages and the service's answers alike. */
const HSTS = { accessControlMaxAge: Duration.days(730), includeSubdomains: false, override: true } as const;

/**
 * Browsers revalidate every file (a 304 from the edge costs a round trip, never a stale app);
 * the edge keeps each one until the next deploy invalidates it.
 */
export const WEB_APP_CACHE_CONTROL = 'public, max-age=0, s-maxage=31536000, must-revalidate';

/**
 * A path without a file extension is a route of the app, answered by its `index.html`; a path
 * with one is a file (a missing one is S3's 403, never the app). The service's paths never get
 * here: they are behaviours of their own.
 */
const SPA_FALLBACK = `function handler(event) {
  var request = event.request;
  var last = request.uri.slice(request.uri.lastIndexOf('/') + 1);
  if (last.indexOf('.') === -1) request.uri = '/index.html';
  return request;
}`;

/** Problems of the webApp prop: exactly one source, and a folder that exists with an index.html. */
export function webAppProblems(webApp: WebAppProps | undefined): string[] {
  if (!webApp) return [];
  const { assetsPath, bucket, contentSecurityPolicy } = webApp;
  const problems: string[] = [];
  if ((assetsPath === undefined) === (bucket === undefined)) problems.push('webApp needs exactly one of assetsPath and bucket');
  if (assetsPath !== undefined && !Token.isUnresolved(assetsPath)) {
    const folder = path.resolve(assetsPath);
    if (!existsSync(folder) || !statSync(folder).isDirectory()) problems.push(`webApp.assetsPath ${assetsPath} is not a folder (resolved to ${folder})`);
    else if (!existsSync(path.join(folder, 'index.html'))) problems.push(`webApp.assetsPath ${assetsPath} has no index.html at its top`);
  }
  if (contentSecurityPolicy !== undefined && !Token.isUnresolved(contentSecurityPolicy) && !/^[\x20-\x7e]{1,1783}$/.test(contentSecurityPolicy)) {
    problems.push('webApp.contentSecurityPolicy must be 1 to 1783 printable ASCII characters (the most CloudFront accepts)');
  }
  return problems;
}

/**
 * The app's side of the distribution: its bucket (created private, encrypted and TLS-only, or
 * given), the default behaviour that serves it, and the response headers of the service's own
 * behaviours. Its files are deployed once the distribution exists (`deployTo`).
 */
export class WebApp extends Construct {
  readonly bucket: IBucket;
  /** The default behaviour: every path that is not one of the service's. */
  readonly behavior: BehaviorOptions;
  /** HSTS on the service's answers too, so the whole origin is HTTPS-only to a browser that saw either. */
  readonly serviceHeaders: ResponseHeadersPolicy;
  private readonly assetsPath?: string;

  constructor(scope: Construct, id: string, props: WebAppProps & { readonly removalPolicy: RemovalPolicy }) {
    super(scope, id);
    this.assetsPath = props.assetsPath;
    this.bucket = props.bucket ?? this.createBucket(props.removalPolicy);
    const headers = new ResponseHeadersPolicy(this, 'Headers', {
      comment: 'Login service web app: HSTS, nosniff, no framing, strict CSP',
      securityHeadersBehavior: {
        strictTransportSecurity: HSTS,
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override: true },
        contentSecurityPolicy: { contentSecurityPolicy: props.contentSecurityPolicy ?? STRICT_CONTENT_SECURITY_POLICY, override: true },
      },
    });
    this.serviceHeaders = new ResponseHeadersPolicy(this, 'ServiceHeaders', {
      comment: 'Login service routes: HSTS (the functions set their own other headers)',
      securityHeadersBehavior: { strictTransportSecurity: HSTS },
    });
    const fallback = new CloudFrontFunction(this, 'SpaFallback', {
      code: FunctionCode.fromInline(SPA_FALLBACK),
      runtime: FunctionRuntime.JS_2_0,
      comment: 'Paths without a file extension are routes of the app: its index.html',
    });
    this.behavior = {
      origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
      viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      cachePolicy: CachePolicy.CACHING_OPTIMIZED,
      responseHeadersPolicy: headers,
      compress: true,
      functionAssociations: [{ function: fallback, eventType: FunctionEventType.VIEWER_REQUEST }],
    };
  }

  /** Deploys the folder's files into the bucket and invalidates the distribution's cache of them. */
  deployTo(distribution: Distribution): void {
    if (!this.assetsPath) return;
    const deployment = new BucketDeployment(this, 'Files', {
      sources: [Source.asset(path.resolve(this.assetsPath))],
      destinationBucket: this.bucket,
      cacheControl: [CacheControl.fromString(WEB_APP_CACHE_CONTROL)],
      distribution,
      distributionPaths: ['/*'],
      prune: true,
    });
    acknowledgeDeploymentFindings(this, deployment);
  }

  private createBucket(removalPolicy: RemovalPolicy): Bucket {
    const bucket = new Bucket(this, 'Bucket', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // A bad deploy can be rolled back object by object for a month.
      versioned: true,
      lifecycleRules: [{ noncurrentVersionExpiration: Duration.days(30) }],
      removalPolicy,
    });
    Validations.of(bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'The bucket holds the public files of the web app and is read only by the distribution (origin access control); every request for them ' +
        'reaches CloudFront first. Server access logs would need a bucket of their own and record only CloudFront reading.',
    });
    return bucket;
  }
}

/** The wildcard actions of CDK's bucket grants (grantRead, grantReadWrite) that the handler's policy holds. */
const BUCKET_GRANT_ACTIONS = ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*'];
const INVALIDATION_ACTIONS = ['cloudfront:GetInvalidation', 'cloudfront:CreateInvalidation'];

/**
 * BucketDeployment's handler is a singleton of the stack (one for every deployment in it), made
 * by CDK with its own role; its findings are answered where they are. cdk-nag names each wildcard
 * of a policy as a finding of its own (`AwsSolutions-IAM5[Action::s3:List*]`, `[Resource::<Id.Arn>/*]`)
 * and takes only that exact name as an acknowledgement, so each is named: the actions of CDK's
 * bucket grants, the objects of the S3 statements, and `*` of the invalidation statement only. Any
 * other wildcard still fails the checks.
 */
function acknowledgeDeploymentFindings(scope: Construct, deployment: BucketDeployment): void {
  const reason =
    "CDK's BucketDeployment handler copies the app's files at deploy time only: its role is CDK's (the basic execution policy, " +
    'object actions on the asset and app buckets, invalidations, which CDK grants on every distribution), its runtime the one CDK ships it with.';
  const stack = Stack.of(scope);
  const policy = deployment.handlerRole.node.tryFindChild('DefaultPolicy') as Policy | undefined;
  const statements = (policy ? stack.resolve(policy.document.toJSON())?.Statement ?? [] : []) as { Action: string | string[]; Resource: unknown }[];
  const resources = statements.flatMap((statement) => {
    const actions = [statement.Action].flat();
    const texts = [statement.Resource].flat().map(findingText);
    if (actions.every((action) => action.startsWith('s3:'))) return texts.filter((text) => text.endsWith('/*'));
    return actions.every((action) => INVALIDATION_ACTIONS.includes(action)) ? texts.filter((text) => text === '*') : [];
  });
  const findings = [
    'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
    ...BUCKET_GRANT_ACTIONS.map((action) => `AwsSolutions-IAM5[Action::${action}]`),
    ...[...new Set(resources)].map((resource) => `AwsSolutions-IAM5[Resource::${resource}]`),
    'AwsSolutions-L1',
  ];
  const handlers = stack.node.children.filter((child) => child.node.id.startsWith('Custom::CDKBucketDeployment'));
  for (const handler of handlers) Validations.of(handler).acknowledge(...findings.map((id) => ({ id, reason })));
}

/** A policy value as cdk-nag names it in a finding: `<Id.Attribute>`, `<Id>` for a Ref, `\${X}` as `<X>`, joins joined. */
function findingText(value: unknown): string {
  if (typeof value === 'string') return value.replace(/\$\{/g, '<').replace(/\}/g, '>');
  const intrinsic = value as { 'Fn::Join'?: [string, unknown[]]; 'Fn::Sub'?: unknown; 'Fn::GetAtt'?: [string, string]; Ref?: string };
  if (intrinsic['Fn::Join']) return intrinsic['Fn::Join'][1].map(findingText).join(intrinsic['Fn::Join'][0]);
  if (intrinsic['Fn::Sub'] !== undefined) return findingText(intrinsic['Fn::Sub']);
  if (intrinsic['Fn::GetAtt']) return `<${intrinsic['Fn::GetAtt'].join('.')}>`;
  if (intrinsic.Ref) return `<${intrinsic.Ref}>`;
  return JSON.stringify(value);
}
