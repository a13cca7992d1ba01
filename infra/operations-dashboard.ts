/**
 * The optional CloudWatch dashboard: requests and failures by route, sign-ins and refreshes, the
 * provider's latency, and the alarms, from the metrics the request log lines carry.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import { AlarmStatusWidget, Dashboard, GraphWidget, Metric, type Alarm } from 'aws-cdk-lib/aws-cloudwatch';
import { PROVIDER_CALLS } from '../functions/adapters/metrics/request-measurements';
import { providerLatencyMetric } from '../functions/adapters/metrics/embedded-metrics';
import type { LoginService } from './login-service';
import { ROUTES } from './routes';

/** The `Route` dimension's values: each function's handler names its route by its entry (functions/*.ts), once however many routes it serves. */
const ROUTE_DIMENSIONS = [...new Set(ROUTES.map((route) => route.entry))];

/** One dashboard: traffic and failures by route, sign-ins and refreshes, provider latency, the alarms. */
export function serviceDashboard(service: LoginService, namespace: string, alarms: readonly Alarm[]): Dashboard {
  const period = Duration.minutes(5);
  const emf = (metricName: string, dimensionsMap: Record<string, string> = {}, statistic = 'Sum', label?: string) =>
    new Metric({ namespace, metricName, dimensionsMap, statistic, period, label });
  const dashboard = new Dashboard(service, 'Dashboard', { dashboardName: `${Stack.of(service).stackName}-${service.node.id}`.slice(0, 255) });
  dashboard.addWidgets(
    new GraphWidget({ title: 'Requests by route', left: ROUTE_DIMENSIONS.map((route) => emf('Requests', { Route: route }, 'Sum', route)), width: 12 }),
    new GraphWidget({ title: 'Failures by route', left: ROUTE_DIMENSIONS.map((route) => emf('Failures', { Route: route }, 'Sum', route)), width: 12 }),
  );
  dashboard.addWidgets(
    new GraphWidget({
      title: 'Sign-ins and token refreshes',
      left: [emf('Logins'), ...['refreshed', 'refused', 'failed'].map((outcome) => emf('TokenRefreshes', { RefreshOutcome: outcome }, 'Sum', `refresh ${outcome}`))],
      width: 12,
    }),
    new GraphWidget({
      title: 'Identity provider latency (p90, ms)',
      left: PROVIDER_CALLS.map((call) => emf(providerLatencyMetric(call), {}, 'p90', call)),
      width: 12,
    }),
  );
  if (alarms.length > 0) dashboard.addWidgets(new AlarmStatusWidget({ title: 'Alarms', alarms: [...alarms], width: 24 }));
  return dashboard;
}
