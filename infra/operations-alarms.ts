/**
 * The service's CloudWatch alarms: API error rate, sign-in failure rate, each function's errors and
 * throttles, the table's throttles and system errors, undelivered session events and API Gateway
 * throttling; optionally notifying an SNS topic.
 */
import { Duration } from 'aws-cdk-lib';
import type { HttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  MathExpression,
  Metric,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Operation, type Table } from 'aws-cdk-lib/aws-dynamodb';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { FilterPattern, MetricFilter, type ILogGroup } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface ServiceAlarmsProps {
  readonly api: HttpApi;
  readonly functions: Readonly<Record<string, IFunction>>;
  readonly table: Table;
  /** Namespace of the functions' embedded metrics (and of the throttling metric made here). */
  readonly metricsNamespace: string;
  /** The API's access log; without it there is no throttling metric, so no throttling alarm. */
  readonly accessLogs?: ILogGroup;
  readonly topic?: ITopic;
  /** Where the events function records stream batches it could not publish; any message there is an event not delivered. */
  readonly eventFailures?: IQueue;
}

/** All alarms look at five-minute sums: short enough to page in time, long enough to see a trend. */
export const ALARM_PERIOD = Duration.minutes(5);
/** Below this many requests in a period a rate says little (one failure of two is 50 %): the rate counts as 0. */
export const MIN_REQUESTS_FOR_RATE = 10;
export const API_ERROR_RATE_PERCENT = 5;
export const LOGIN_FAILURE_RATE_PERCENT = 20;
/** The name of the metric the access log's 429 lines become. */
export const API_THROTTLED_METRIC = 'ApiThrottledRequests';

const sum = (metric: Metric): Metric => metric.with({ statistic: 'Sum', period: ALARM_PERIOD });

/**
 * The service's alarms. Every one treats missing data as not breaching: the service is idle most
 * of the time, and a period without requests has no data, which is no reason to alarm. Counts of
 * things that should never happen (function errors, throttles, DynamoDB throttles and system
 * errors) alarm at the first one; rates alarm only over enough traffic and for two of three periods.
 * docs/operations.md, "Alarms", says what to do when each fires.
 */
export class ServiceAlarms extends Construct {
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, private readonly props: ServiceAlarmsProps) {
    super(scope, id);
    const { api, table, metricsNamespace } = props;

    this.rate('ApiErrorRate', api.metricServerError(), api.metricCount(), API_ERROR_RATE_PERCENT,
      'HTTP API answers with status 5xx above 5 % of requests. The failed request lines (level ERROR) in the functions\' logs name the error code.');
    const callbacks = { namespace: metricsNamespace, dimensionsMap: { Route: 'callback' } };
    this.rate('LoginFailureRate', new Metric({ ...callbacks, metricName: 'Failures' }), new Metric({ ...callbacks, metricName: 'Requests' }), LOGIN_FAILURE_RATE_PERCENT,
      'Sign-ins (/callback) refused or failed above 20 %. The Failures metric by ErrorCode shows which: provider_* is the identity provider, code_rejected or login_state_* a client or a misconfigured redirect URI.');

    for (const [name, fn] of Object.entries(props.functions)) {
      this.count(`${name}Errors`, fn.metricErrors(), `The ${name} function failed outside its own error handling (crash, timeout, out of memory, failed start). See its log group.`);
      this.count(`${name}Throttles`, fn.metricThrottles(), `Lambda refused to run the ${name} function: the account's (or a reserved) concurrency is exhausted.`);
    }
    this.count('TableThrottles', new MathExpression({
      expression: 'FILL(reads, 0) + FILL(writes, 0)',
      usingMetrics: { reads: sum(table.metric('ReadThrottleEvents')), writes: sum(table.metric('WriteThrottleEvents')) },
      period: ALARM_PERIOD,
    }), 'DynamoDB throttled reads or writes of the session table (a hot key, or the table\'s on-demand throughput limit): requests answer 503 store_unavailable.');
    this.count('TableSystemErrors', table.metricSystemErrorsForOperations({
      operations: [Operation.GET_ITEM, Operation.PUT_ITEM, Operation.UPDATE_ITEM, Operation.DELETE_ITEM],
      period: ALARM_PERIOD,
    }), 'DynamoDB answered with internal errors (HTTP 500): check the AWS Health Dashboard for DynamoDB in this region.');

    if (props.eventFailures) {
      this.count('EventsUndelivered', props.eventFailures.metricApproximateNumberOfMessagesVisible(),
        'Session events could not be published to EventBridge after every retry: the failure queue holds the stream positions. Fix the cause (the events function\'s log), then replay them from the stream within its 24 hours.');
    }
    if (props.accessLogs) {
      // HTTP APIs publish no throttling metric of their own: a throttled request is one more 4xx.
      // The service never answers 429 itself, so a 429 in the access log is API Gateway's throttling.
      const filter = new MetricFilter(this, 'ApiThrottledFilter', {
        logGroup: props.accessLogs,
        metricNamespace: metricsNamespace,
        metricName: API_THROTTLED_METRIC,
        filterPattern: FilterPattern.stringValue('$.status', '=', '429'),
        metricValue: '1',
      });
      this.count('ApiThrottled', filter.metric(), 'API Gateway refused requests with 429: the stage\'s throttle (props.throttle) or the account\'s API Gateway quota was exceeded.');
    }
  }

  /** `100 * part / total` over five minutes, 0 below MIN_REQUESTS_FOR_RATE; alarms for two of three periods. */
  private rate(id: string, part: Metric, total: Metric, thresholdPercent: number, description: string): void {
    const expression = new MathExpression({
      expression: `IF(FILL(total, 0) >= ${MIN_REQUESTS_FOR_RATE}, 100 * FILL(part, 0) / total, 0)`,
      usingMetrics: { part: sum(part), total: sum(total) },
      period: ALARM_PERIOD,
      label: `${id} (%)`,
    });
    this.add(id, expression, { threshold: thresholdPercent, evaluationPeriods: 3, datapointsToAlarm: 2, comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD }, description);
  }

  /** Any occurrence in five minutes. */
  private count(id: string, metric: IMetric, description: string): void {
    this.add(id, metric instanceof Metric ? sum(metric) : metric, { threshold: 1, evaluationPeriods: 1, comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD }, description);
  }

  private add(id: string, metric: IMetric, options: { threshold: number; evaluationPeriods: number; datapointsToAlarm?: number; comparisonOperator: ComparisonOperator }, description: string): void {
    const alarm = new Alarm(this, id, { metric, ...options, treatMissingData: TreatMissingData.NOT_BREACHING, alarmDescription: description });
    if (this.props.topic) {
      alarm.addAlarmAction(new SnsAction(this.props.topic));
      alarm.addOkAction(new SnsAction(this.props.topic));
    }
    this.alarms.push(alarm);
  }
}
