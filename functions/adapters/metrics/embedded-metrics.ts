/**
 * CloudWatch embedded metric format (EMF): the request's log line carries `_aws` metadata that
 * tells CloudWatch Logs which of its members are metrics, so the metrics cost no API call, no
 * latency and no extra line. Dimension values are fixed vocabularies only (route names, the
 * error catalogue's codes, refresh outcomes): never input, a code, a state, a token or a cookie.
 *
 * Limits of the format respected here: at most 100 metrics per directive and 100 values per
 * metric (a request makes a handful of provider calls), at most 30 keys per dimension set, units
 * from CloudWatch's list. docs/operations.md, "Metrics".
 */
import { PROVIDER_CALLS, type ProviderCall, type RequestMeasurements } from './request-measurements';

/** The CloudWatch namespace of the metrics when `METRICS_NAMESPACE` names none. */
export const DEFAULT_METRICS_NAMESPACE = 'LoginService';

let namespace = DEFAULT_METRICS_NAMESPACE;

/**
 * The namespace the request lines' metrics are in: `METRICS_NAMESPACE` as the settings loader read
 * it, which the wiring (functions/wiring/parts.ts) sets here when it loads the settings. Until
 * then (a configuration that fails to load), the setting's default.
 */
export const metricsNamespace = (): string => namespace;

export function setMetricsNamespace(value: string): void {
  namespace = value;
}

/** `ProviderTokenLatency` and so on: one metric per kind, as one line can hold one value of a dimension. */
export const providerLatencyMetric = (call: ProviderCall): string => `Provider${call.charAt(0).toUpperCase()}${call.slice(1)}Latency`;

export interface RequestOutcome {
  readonly route: string;
  /** The error code of a refused or failed request. */
  readonly errorCode?: string;
  /** A sign-in completed: the callback created a session. */
  readonly login: boolean;
  readonly measurements: RequestMeasurements;
}

interface MetricDirective {
  Namespace: string;
  Dimensions: string[][];
  Metrics: { Name: string; Unit: 'Count' | 'Milliseconds' }[];
}

const count = (Name: string) => ({ Name, Unit: 'Count' as const });

/** The members to merge into the request's log line: the `_aws` metadata, the dimensions and the values. */
export function requestMetricFields(outcome: RequestOutcome, namespace: string, timestamp: number): Record<string, unknown> {
  const { route, errorCode, login, measurements } = outcome;
  const directive = (Dimensions: string[][], Metrics: MetricDirective['Metrics']): MetricDirective => ({ Namespace: namespace, Dimensions, Metrics });
  const fields: Record<string, unknown> = { Route: route, Requests: 1 };
  const byRoute = [count('Requests')];
  const undimensioned: MetricDirective['Metrics'] = [];
  const directives = [directive([['Route']], byRoute)];
  if (errorCode) {
    fields.ErrorCode = errorCode;
    fields.Failures = 1;
    byRoute.push(count('Failures'));
    directives.push(directive([['ErrorCode']], [count('Failures')]));
  }
  if (login) {
    fields.Logins = 1;
    undimensioned.push(count('Logins'));
  }
  for (const call of PROVIDER_CALLS) {
    const values = measurements.providerMs[call];
    if (!values?.length) continue;
    const name = providerLatencyMetric(call);
    fields[name] = values.length === 1 ? values[0] : values.slice(0, 100);
    undimensioned.push({ Name: name, Unit: 'Milliseconds' });
  }
  if (measurements.refresh) {
    fields.RefreshOutcome = measurements.refresh;
    fields.TokenRefreshes = 1;
    directives.push(directive([['RefreshOutcome']], [count('TokenRefreshes')]));
  }
  if (undimensioned.length > 0) directives.push(directive([[]], undimensioned));
  fields._aws = { Timestamp: timestamp, CloudWatchMetrics: directives };
  return fields;
}
