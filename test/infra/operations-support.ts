/**
 * Builders and readers shared by the infra tests of the operations features (alarms, firewall,
 * custom domain): a service stack in a given region, and the resources of its template by type.
 */
import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Certificate, type ICertificate } from 'aws-cdk-lib/aws-certificatemanager';
import { HostedZone } from 'aws-cdk-lib/aws-route53';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { LoginService } from '../../infra/login-service';
import type { LoginServiceProps } from '../../infra/login-service-props';
import { REQUIRED, testApp, type Resource } from './template';

export const ACCOUNT = '123456789012';
export const certificateArn = (region: string) => `arn:aws:acm:${region}:${ACCOUNT}:certificate/11111111-2222-3333-4444-555555555555`;
export const WEB_ACL_ARN = `arn:aws:wafv2:us-east-1:${ACCOUNT}:global/webacl/login-limits/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee`;

/** What a test can add to the service that lives in the stack: a topic, a certificate, a hosted zone. */
export interface StackParts {
  readonly topic: Topic;
  certificate(region: string): ICertificate;
  readonly zone: ReturnType<typeof HostedZone.fromHostedZoneAttributes>;
}

/** A LoginService in a stack of `region` (undefined: environment-agnostic), with the stack's parts at hand. */
export function serviceIn(region: string | undefined, props: (parts: StackParts) => Partial<LoginServiceProps> = () => ({})) {
  const app = testApp();
  const stack = new Stack(app, 'Ops', region ? { env: { account: ACCOUNT, region } } : {});
  const parts: StackParts = {
    get topic() {
      return (stack.node.tryFindChild('Topic') as Topic | undefined) ?? new Topic(stack, 'Topic');
    },
    certificate: (certRegion) => Certificate.fromCertificateArn(stack, `Certificate-${certRegion}`, certificateArn(certRegion)),
    zone: HostedZone.fromHostedZoneAttributes(stack, 'Zone', { hostedZoneId: 'Z0123456789ABC', zoneName: 'example.com' }),
  };
  const service = new LoginService(stack, 'Service', { ...REQUIRED, ...props(parts) });
  return { app, stack, service, template: Template.fromStack(stack) };
}

export const resources = (template: Template, type: string): Resource[] => Object.values(template.findResources(type) as Record<string, Resource>);

/** The functions with the service's configuration (the routes', the authorizer, the kill switch, the revocations), by logical id. */
export function servingFunctions(template: Template): Record<string, Resource> {
  const all = template.findResources('AWS::Lambda::Function') as Record<string, Resource>;
  return Object.fromEntries(Object.entries(all).filter(([, fn]) => fn.Properties.Environment?.Variables?.OAUTH_CLIENT_ID));
}

/** Those functions' PUBLIC_BASE_URL values (one per function, all equal): the ten route functions', the authorizer's, the kill switch's, the revocations'. */
export function publicBaseUrls(template: Template): unknown[] {
  const urls = Object.values(servingFunctions(template)).map((fn) => fn.Properties.Environment.Variables.PUBLIC_BASE_URL);
  if (urls.length !== 13) throw new Error(`expected the thirteen functions with the service's settings, found ${urls.length}`);
  return urls;
}
