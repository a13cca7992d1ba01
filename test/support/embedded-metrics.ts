/**
 * Reads CloudWatch embedded metric format (EMF) log lines the way CloudWatch Logs does, checking
 * them against the specification first: `_aws` with a millisecond `Timestamp` and a
 * `CloudWatchMetrics` array of directives; each directive a `Namespace`, `Dimensions` (sets of at
 * most 30 keys, each naming a string member of the line) and at most 100 `Metrics` with a name
 * and a CloudWatch unit; each metric a number or at most 100 numbers at the line's top level.
 */

export interface MetricDatum {
  readonly namespace: string;
  readonly name: string;
  readonly unit: string;
  readonly dimensions: Readonly<Record<string, string>>;
  readonly values: readonly number[];
}

/** CloudWatch's units (MetricDatum, Unit). */
const UNITS = new Set([
  'Seconds', 'Microseconds', 'Milliseconds', 'Bytes', 'Kilobytes', 'Megabytes', 'Gigabytes', 'Terabytes', 'Bits', 'Kilobits', 'Megabits',
  'Gigabits', 'Terabits', 'Percent', 'Count', 'Bytes/Second', 'Kilobytes/Second', 'Megabytes/Second', 'Gigabytes/Second',
  'Terabytes/Second', 'Bits/Second', 'Kilobits/Second', 'Megabits/Second', 'Gigabits/Second', 'Terabits/Second', 'Count/Second', 'None',
]);

function fail(problem: string): never {
  throw new Error(`not valid EMF: ${problem}`);
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The metric data points of one log line, or none for a line without `_aws`; throws on a line that breaks the spec. */
export function emfData(line: string): MetricDatum[] {
  const root = JSON.parse(line) as unknown;
  if (!isObject(root)) fail('the line is not a JSON object');
  if (root._aws === undefined) return [];
  const meta = root._aws;
  if (!isObject(meta)) fail('_aws is not an object');
  if (!Number.isInteger(meta.Timestamp) || (meta.Timestamp as number) < 1e12) fail('_aws.Timestamp is not epoch milliseconds');
  if (!Array.isArray(meta.CloudWatchMetrics)) fail('_aws.CloudWatchMetrics is not an array');
  const data: MetricDatum[] = [];
  for (const directive of meta.CloudWatchMetrics as unknown[]) {
    if (!isObject(directive)) fail('a directive is not an object');
    const { Namespace, Dimensions, Metrics } = directive;
    if (typeof Namespace !== 'string' || Namespace.length < 1 || Namespace.length > 255 || Namespace.startsWith('AWS/')) fail(`bad namespace ${String(Namespace)}`);
    if (!Array.isArray(Dimensions) || Dimensions.length === 0) fail('Dimensions is not a non-empty array');
    if (!Array.isArray(Metrics) || Metrics.length === 0 || Metrics.length > 100) fail('Metrics must hold 1 to 100 definitions');
    for (const set of Dimensions as unknown[]) {
      if (!Array.isArray(set) || set.length > 30) fail('a dimension set is not an array of at most 30 keys');
      for (const key of set as unknown[]) {
        if (typeof key !== 'string' || typeof root[key] !== 'string' || (root[key] as string).length === 0) fail(`dimension ${String(key)} is not a string member`);
        if (!/^[\x20-\x7e]+$/.test(root[key] as string) || (root[key] as string).length > 1024) fail(`dimension value of ${key} is not printable ASCII up to 1024 characters`);
      }
    }
    for (const metric of Metrics as unknown[]) {
      if (!isObject(metric) || typeof metric.Name !== 'string' || metric.Name.length > 255) fail('a metric has no name');
      if (metric.Unit !== undefined && !UNITS.has(metric.Unit as string)) fail(`unit ${String(metric.Unit)} of ${metric.Name}`);
      const value = root[metric.Name];
      const values = Array.isArray(value) ? (value as unknown[]) : [value];
      if (values.length === 0 || values.length > 100 || !values.every((v) => typeof v === 'number' && Number.isFinite(v))) fail(`value of ${metric.Name}`);
      for (const set of Dimensions as string[][]) {
        data.push({
          namespace: Namespace,
          name: metric.Name,
          unit: (metric.Unit as string | undefined) ?? 'None',
          dimensions: Object.fromEntries(set.map((key) => [key, root[key] as string])),
          values: values as number[],
        });
      }
    }
  }
  return data;
}

/** The data points of several lines, those of one metric (and, if given, exactly these dimensions). */
export function metricValues(lines: readonly string[], name: string, dimensions?: Record<string, string>): number[] {
  const wanted = dimensions ? JSON.stringify(Object.entries(dimensions).sort()) : undefined;
  return lines
    .flatMap(emfData)
    .filter((datum) => datum.name === name && (wanted === undefined || JSON.stringify(Object.entries(datum.dimensions).sort()) === wanted))
    .flatMap((datum) => datum.values);
}
