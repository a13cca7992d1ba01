/**
 * The alarms and the dashboard the construct creates (infra/operations-alarms.ts,
 * infra/operations-dashboard.ts): which metric each watches, with which math, threshold, periods,
 * missing-data rule and actions.
 */
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { stackPropsFromContext } from '../../infra/cdk-context';
import { REQUIRED, logicalId, messageOf, onlyId, type Resource } from './template';
import { resources, serviceIn } from './operations-support';

type AlarmMetric = { Id: string; Expression?: string; ReturnData?: boolean; MetricStat?: { Metric: { Namespace: string; MetricName: string; Dimensions?: { Name: string; Value: unknown }[] }; Stat: string; Period: number } };

const alarmsOf = (template: Template): Record<string, Resource> => template.findResources('AWS::CloudWatch::Alarm') as Record<string, Resource>;
/** Two on the API, errors and throttles of every function, two on the table, undelivered events, API throttling. */
const defaultAlarmCount = (template: Template): number => 2 + 2 * Object.keys(template.findResources('AWS::Lambda::Function')).length + 2 + 1 + 1;

/** The alarm whose logical id starts with the construct path's id, e.g. `ServiceAlarmsApiErrorRate`. */
function alarm(template: Template, name: string): Resource {
  const found = Object.entries(alarmsOf(template)).filter(([id]) => id.startsWith(`ServiceAlarms${name}`));
  if (found.length !== 1) throw new Error(`expected one alarm ${name}, found ${found.length}`);
  return found[0]![1];
}

/** The Lambda alarms on `metric`, each function's logical id with its alarm. */
const lambdaAlarms = (template: Template, metric: string): { functionId: string; alarm: Resource }[] =>
  Object.values(alarmsOf(template))
    .filter((a) => a.Properties.Namespace === 'AWS/Lambda' && a.Properties.MetricName === metric)
    .map((a) => ({ functionId: logicalId(a.Properties.Dimensions.find((d: { Name: string }) => d.Name === 'FunctionName').Value), alarm: a }));

const stats = (a: Resource): AlarmMetric[] => (a.Properties.Metrics as AlarmMetric[]).filter((m) => m.MetricStat);
const dimension = (m: AlarmMetric, name: string) => m.MetricStat!.Metric.Dimensions?.find((d) => d.Name === name)?.Value;

describe('alarms, default settings', () => {
  const { template } = serviceIn('eu-west-1');
  const all = Object.values(alarmsOf(template));
  const functionIds = Object.keys(template.findResources('AWS::Lambda::Function'));

  test('two alarms per function and five more, all idle-friendly (missing data is not breaching), none with actions', () => {
    // The ten route functions', the authorizer's, the kill switch's, the events and the revocations functions.
    expect(functionIds.length).toBe(14);
    expect(all).toHaveLength(defaultAlarmCount(template));
    for (const a of all) {
      expect(a.Properties.TreatMissingData).toBe('notBreaching');
      expect(a.Properties.AlarmActions).toBeUndefined();
      expect(a.Properties.AlarmDescription.length).toBeGreaterThan(40);
    }
  });

  test('HTTP API error rate: 100 * 5xx / requests with metric math, counted only from 10 requests, above 5 % for 2 of 3 five-minute periods', () => {
    const a = alarm(template, 'ApiErrorRate');
    expect(a.Properties).toMatchObject({ Threshold: 5, EvaluationPeriods: 3, DatapointsToAlarm: 2, ComparisonOperator: 'GreaterThanThreshold' });
    const [expression] = (a.Properties.Metrics as AlarmMetric[]).filter((m) => m.Expression);
    expect(expression!.Expression).toBe('IF(FILL(total, 0) >= 10, 100 * FILL(part, 0) / total, 0)');
    const byId = Object.fromEntries(stats(a).map((m) => [m.Id, m.MetricStat!]));
    expect(byId.part).toMatchObject({ Metric: { Namespace: 'AWS/ApiGateway', MetricName: '5xx' }, Stat: 'Sum', Period: 300 });
    expect(byId.total).toMatchObject({ Metric: { Namespace: 'AWS/ApiGateway', MetricName: 'Count' }, Stat: 'Sum', Period: 300 });
    const apiId = onlyId(template, 'AWS::ApiGatewayV2::Api');
    for (const m of stats(a)) expect(logicalId(dimension(m, 'ApiId'))).toBe(apiId);
  });

  test('sign-in failure rate from the embedded metrics: Failures / Requests of Route=callback in the LoginService namespace, above 20 %', () => {
    const a = alarm(template, 'LoginFailureRate');
    expect(a.Properties).toMatchObject({ Threshold: 20, EvaluationPeriods: 3, DatapointsToAlarm: 2 });
    const byId = Object.fromEntries(stats(a).map((m) => [m.Id, m]));
    expect(byId.part!.MetricStat!.Metric).toEqual({ Namespace: 'LoginService', MetricName: 'Failures', Dimensions: [{ Name: 'Route', Value: 'callback' }] });
    expect(byId.total!.MetricStat!.Metric).toEqual({ Namespace: 'LoginService', MetricName: 'Requests', Dimensions: [{ Name: 'Route', Value: 'callback' }] });
  });

  test.each(['Errors', 'Throttles'])('each function has its own %s alarm at the first occurrence in five minutes', (metric) => {
    const watched = lambdaAlarms(template, metric);
    for (const { alarm: a } of watched) {
      expect(a.Properties).toMatchObject({ Statistic: 'Sum', Period: 300, Threshold: 1, EvaluationPeriods: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    }
    expect(watched.map((w) => w.functionId).sort()).toEqual([...functionIds].sort());
  });

  test('DynamoDB: throttled reads and writes of the table, and system errors of the four operations the service uses', () => {
    const tableId = onlyId(template, 'AWS::DynamoDB::Table');
    const throttles = alarm(template, 'TableThrottles');
    expect((throttles.Properties.Metrics as AlarmMetric[]).find((m) => m.Expression)!.Expression).toBe('FILL(reads, 0) + FILL(writes, 0)');
    expect(stats(throttles).map((m) => m.MetricStat!.Metric.MetricName).sort()).toEqual(['ReadThrottleEvents', 'WriteThrottleEvents']);
    const errors = alarm(template, 'TableSystemErrors');
    expect(stats(errors).map((m) => dimension(m, 'Operation')).sort()).toEqual(['DeleteItem', 'GetItem', 'PutItem', 'UpdateItem']);
    for (const m of [...stats(throttles), ...stats(errors)]) {
      expect(m.MetricStat!.Metric.Namespace).toBe('AWS/DynamoDB');
      expect(logicalId(dimension(m, 'TableName'))).toBe(tableId);
    }
    for (const a of [throttles, errors]) expect(a.Properties).toMatchObject({ Threshold: 1, EvaluationPeriods: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
  });

  test('session events: a message in the failure queue (an event not delivered after every retry) alarms at once', () => {
    const a = alarm(template, 'EventsUndelivered');
    expect(a.Properties).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
    });
    const queueId = Object.keys(template.findResources('AWS::SQS::Queue'));
    expect(queueId).toHaveLength(1);
    expect(logicalId(a.Properties.Dimensions.find((d: { Name: string }) => d.Name === 'QueueName').Value)).toBe(queueId[0]);
    const off = serviceIn('eu-west-1', () => ({ sessionEvents: false })).template;
    expect(Object.keys(alarmsOf(off)).some((id) => id.includes('EventsUndelivered'))).toBe(false);
  });

  test('API Gateway throttling: the 429 lines of the access log become a metric, alarmed at the first one', () => {
    const filters = resources(template, 'AWS::Logs::MetricFilter');
    expect(filters).toHaveLength(1);
    expect(filters[0]!.Properties).toMatchObject({
      FilterPattern: '{ $.status = "429" }',
      MetricTransformations: [{ MetricNamespace: 'LoginService', MetricName: 'ApiThrottledRequests', MetricValue: '1' }],
    });
    const stage = resources(template, 'AWS::ApiGatewayV2::Stage')[0]!;
    expect(logicalId(filters[0]!.Properties.LogGroupName)).toBe(stage.Properties.AccessLogSettings.DestinationArn['Fn::GetAtt'][0]);
    expect(alarm(template, 'ApiThrottled').Properties).toMatchObject({ Namespace: 'LoginService', MetricName: 'ApiThrottledRequests', Statistic: 'Sum', Threshold: 1 });
  });

  test('no dashboard unless asked for', () => {
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
  });
});

test('behind a distribution the front door is watched like every other function: a failing one refuses the whole site', () => {
  const { template, service, stack } = serviceIn('us-east-1', () => ({ firewall: { loginRateLimit: 100 } }));
  const functionIds = Object.keys(template.findResources('AWS::Lambda::Function'));
  // The ten route functions', the authorizer's, the kill switch's, the events and revocations functions and the front door's.
  expect(functionIds).toHaveLength(15);
  const frontDoorId = stack.getLogicalId(service.frontDoorFunction!.node.defaultChild as never);
  for (const metric of ['Errors', 'Throttles']) {
    const watched = lambdaAlarms(template, metric).map((w) => w.functionId);
    expect(watched.sort()).toEqual([...functionIds].sort());
    expect(watched).toContain(frontDoorId);
  }
  expect(Object.keys(alarmsOf(template))).toHaveLength(defaultAlarmCount(template));
});

test('alarmTopic: every alarm notifies the topic when it fires and when it clears', () => {
  const { template } = serviceIn('eu-west-1', ({ topic }) => ({ alarmTopic: topic }));
  const topicId = onlyId(template, 'AWS::SNS::Topic');
  const all = Object.values(alarmsOf(template));
  expect(all.length).toBe(defaultAlarmCount(template));
  for (const a of all) {
    expect(a.Properties.AlarmActions.map(logicalId)).toEqual([topicId]);
    expect(a.Properties.OKActions.map(logicalId)).toEqual([topicId]);
  }
});

test('alarms: false creates no alarm and no metric filter; without access logs there is no throttling alarm', () => {
  const off = serviceIn('eu-west-1', () => ({ alarms: false })).template;
  off.resourceCountIs('AWS::CloudWatch::Alarm', 0);
  off.resourceCountIs('AWS::Logs::MetricFilter', 0);
  const noLogs = serviceIn('eu-west-1', () => ({ accessLogs: false })).template;
  noLogs.resourceCountIs('AWS::Logs::MetricFilter', 0);
  expect(Object.keys(alarmsOf(noLogs)).some((id) => id.includes('ApiThrottled'))).toBe(false);
  expect(Object.keys(alarmsOf(noLogs))).toHaveLength(defaultAlarmCount(noLogs) - 1);
});

test('metricsNamespace reaches the functions (METRICS_NAMESPACE) and the alarms on the embedded metrics', () => {
  const { template } = serviceIn('eu-west-1', () => ({ metricsNamespace: 'Shop/Login' }));
  // The functions that load the service's settings (routes, authorizer, kill switch, revocations); the events function writes no request metrics.
  const serving = resources(template, 'AWS::Lambda::Function').filter((fn) => fn.Properties.Environment.Variables.OAUTH_CLIENT_ID);
  expect(serving).toHaveLength(13);
  for (const fn of serving) expect(fn.Properties.Environment.Variables.METRICS_NAMESPACE).toBe('Shop/Login');
  expect(stats(alarm(template, 'LoginFailureRate')).map((m) => m.MetricStat!.Metric.Namespace)).toEqual(['Shop/Login', 'Shop/Login']);
  expect(alarm(template, 'ApiThrottled').Properties.Namespace).toBe('Shop/Login');
  // Left out, the functions use their own default.
  for (const fn of resources(serviceIn('eu-west-1').template, 'AWS::Lambda::Function')) expect(fn.Properties.Environment.Variables.METRICS_NAMESPACE).toBeUndefined();
});

test('dashboard: one dashboard with the embedded metrics and the alarms', () => {
  const { template } = serviceIn('eu-west-1', () => ({ dashboard: true }));
  const [dashboard] = resources(template, 'AWS::CloudWatch::Dashboard');
  const body = JSON.stringify(dashboard!.Properties.DashboardBody);
  for (const name of ['Requests', 'Failures', 'Logins', 'TokenRefreshes', 'ProviderTokenLatency', 'ProviderJwksLatency', 'alarm']) expect(body).toContain(name);
  template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: Match.stringLikeRegexp('^Ops-Service') });
  // One line per function by the route name its log lines carry (functions/*.ts), however many routes it serves.
  const requests = [...body.matchAll(/\\"Requests\\",\\"Route\\",\\"([a-z-]+)\\"/g)].map((found) => found[1]);
  expect(requests).toEqual(['login', 'callback', 'api', 'session', 'sessions', 'logout', 'logout-done', 'backchannel-logout', 'jwks', 'home']);
});

test('CDK context: metricsNamespace, alarms and dashboard, with their types checked', () => {
  const context: Record<string, unknown> = { ...REQUIRED, metricsNamespace: 'Shop/Login', alarms: 'false', dashboard: 'true' };
  const props = stackPropsFromContext((key) => context[key], () => '');
  expect(props).toMatchObject({ metricsNamespace: 'Shop/Login', alarms: false, dashboard: true });
  const bad: Record<string, unknown> = { ...REQUIRED, alarms: 'maybe' };
  expect(messageOf(() => stackPropsFromContext((key) => bad[key], () => ''))).toContain('alarms');
});
