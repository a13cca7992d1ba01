/**
 * The operations side of the construct, added once its resources exist: the alarms, the optional
 * dashboard, and the reasons for cdk-nag's findings on the CloudFront distribution.
 */
import { Validations } from 'aws-cdk-lib';
import type { Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import type { ILogGroup } from 'aws-cdk-lib/aws-logs';
import { DEFAULT_METRICS_NAMESPACE } from '../functions/adapters/metrics/embedded-metrics';
import type { LoginService } from './login-service';
import type { LoginServiceProps } from './login-service-props';
import { ServiceAlarms } from './operations-alarms';
import { serviceDashboard } from './operations-dashboard';
import type { PublicEdge } from './public-edge';
import type { IConstruct } from 'constructs';

/**
 * The operations side of the service, added once its resources exist: the alarms, the optional
 * dashboard, and the reasons for cdk-nag's findings on the CloudFront distribution.
 */
export function addOperations(service: LoginService, props: LoginServiceProps, parts: { accessLogs?: ILogGroup; edge?: PublicEdge }): Alarm[] {
  const metricsNamespace = props.metricsNamespace?.trim() || DEFAULT_METRICS_NAMESPACE;
  const alarms =
    props.alarms === false
      ? []
      : new ServiceAlarms(service, 'Alarms', {
          api: service.api,
          functions: service.everyFunction(),
          eventFailures: service.sessionEvents?.failures,
          table: service.table,
          metricsNamespace,
          accessLogs: parts.accessLogs,
          topic: props.alarmTopic,
        }).alarms;
  if (props.dashboard) serviceDashboard(service, metricsNamespace, alarms);
  if (parts.edge?.distribution) acknowledgeDistributionFindings(parts.edge.distribution, props);
  return alarms;
}

/** cdk-nag's findings on the distribution that the design answers otherwise, each where it applies. */
function acknowledgeDistributionFindings(distribution: IConstruct, props: LoginServiceProps): void {
  const findings = [
    {
      id: 'AwsSolutions-CFR1',
      reason: 'The login service serves every country its users are in; the web ACL, when there is one, limits request rates instead of places.',
    },
    {
      id: 'AwsSolutions-CFR3',
      reason:
        "The service's routes are never cached and every request that passes goes on to API Gateway, whose access log records it; blocked requests show in " +
        "the web ACL's metrics and sampled requests. A standard-log bucket would add a bucket, its policy and its own access logging for the web app's static files only.",
    },
  ];
  if (!props.domain) {
    findings.push({
      id: 'AwsSolutions-CFR4',
      reason:
        "Without a custom domain the distribution uses CloudFront's default *.cloudfront.net certificate, for which CloudFront fixes the " +
        'viewer policy itself; with the domain prop the distribution requires TLSv1.2_2021.',
    });
  }
  if (!props.firewall) {
    findings.push({
      id: 'AwsSolutions-CFR2',
      reason:
        'The firewall prop attaches a web ACL with rate limits on the sign-in paths; without it the API stage throttles every request, and the front door ' +
        'refuses every request that did not come through this distribution.',
    });
  }
  Validations.of(distribution).acknowledge(...findings);
}
