/**
 * The synth-time checks of the operations props: alarms, firewall (WAF limits, windows, the web
 * ACL's region) and custom domain (host name, certificate region, hosted zone, publicBaseUrl).
 */
import { Arn, ArnFormat, Token } from 'aws-cdk-lib';
import type { LoginServiceProps } from './login-service-props';
import { WAF_EVALUATION_WINDOWS } from './operations-props';

const known = (value: unknown): boolean => value !== undefined && !Token.isUnresolved(value);

/** CloudFront takes WAF web ACLs and certificates from this region only. */
export const CLOUDFRONT_REGION = 'us-east-1';

// RFC 1123 host name of at least two labels; CloudFront and API Gateway take no wildcard here.
const HOST_NAME = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const WEB_ACL_ARN = /^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global\/webacl\/[A-Za-z0-9_-]{1,128}\/[a-f0-9-]{36}$/;

/** The region of an ARN, when it is known at synth time. */
function arnRegion(arn: string): string | undefined {
  if (Token.isUnresolved(arn)) return undefined;
  try {
    return Arn.split(arn, ArnFormat.SLASH_RESOURCE_NAME).region;
  } catch {
    return undefined;
  }
}

/**
 * Problems of the operations settings: alarms, firewall and custom domain (metricsNamespace is a
 * function setting, checked by its declaration in functions/settings/settings.ts). `region` is
 * the stack's (undefined or a token for an environment-agnostic stack).
 */
export function operationsProblems(props: LoginServiceProps, region: string | undefined): string[] {
  const problems: string[] = [];
  if (props.alarmTopic && props.alarms === false) problems.push('alarmTopic is set but alarms is false: no alarm would use it');
  const regionKnown = known(region);

  const { firewall, domain } = props;
  if (firewall) {
    const rate = (name: string, value: number | undefined): void => {
      if (known(value) && !(Number.isInteger(value) && value! >= 10 && value! <= 2_000_000_000)) {
        problems.push(`firewall.${name} must be a whole number of requests from 10 to 2000000000 (the range AWS WAF accepts)`);
      }
    };
    rate('loginRateLimit', firewall.loginRateLimit);
    rate('rateLimit', firewall.rateLimit);
    if (known(firewall.evaluationWindowSeconds) && !(WAF_EVALUATION_WINDOWS as readonly number[]).includes(firewall.evaluationWindowSeconds!)) {
      problems.push(`firewall.evaluationWindowSeconds must be one of ${WAF_EVALUATION_WINDOWS.join(', ')}`);
    }
    if (firewall.webAclArn !== undefined) {
      if (known(firewall.webAclArn) && !WEB_ACL_ARN.test(firewall.webAclArn)) {
        problems.push('firewall.webAclArn must be the ARN of a web ACL of scope CLOUDFRONT (arn:aws:wafv2:us-east-1:<account>:global/webacl/<name>/<id>)');
      }
    } else if (!regionKnown) {
      problems.push('firewall: a web ACL for CloudFront can only be created in us-east-1; give the stack an explicit region (env) or set firewall.webAclArn');
    } else if (region !== CLOUDFRONT_REGION) {
      problems.push(`firewall: a web ACL for CloudFront can only be created in us-east-1, this stack is in ${region}; create it there and set firewall.webAclArn`);
    }
  }
  if (domain) {
    const name = domain.domainName;
    if (known(name) && !HOST_NAME.test(name)) problems.push('domain.domainName must be a lower-case host name such as login.example.com');
    const certificateRegion = arnRegion(domain.certificate.certificateArn);
    const onCloudFront = Boolean(firewall || props.webApp);
    const wanted = onCloudFront ? CLOUDFRONT_REGION : regionKnown ? region : undefined;
    if (certificateRegion && wanted && certificateRegion !== wanted) {
      problems.push(
        onCloudFront
          ? `domain.certificate must be in us-east-1: with firewall or webApp the domain belongs to the CloudFront distribution (the certificate is in ${certificateRegion})`
          : `domain.certificate must be in the stack's region ${wanted} (it is in ${certificateRegion})`,
      );
    }
    const zoneName = domain.hostedZone?.zoneName;
    if (known(name) && zoneName && known(zoneName) && !`.${name}`.endsWith(`.${zoneName.replace(/\.$/, '')}`)) {
      problems.push(`domain.hostedZone ${zoneName} does not contain ${name}`);
    }
    if (known(props.publicBaseUrl) && known(name) && props.publicBaseUrl!.replace(/\/+$/, '') !== `https://${name}`) {
      problems.push(`publicBaseUrl must be https://${name} with domain (or be left out): the redirect URI is on the custom domain`);
    }
  }
  return problems;
}
