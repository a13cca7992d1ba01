/**
 * How many bytes the embedded metrics add to a request's log line, for the cost of log ingestion
 * (docs/operations.md): `npx tsx bench/metric-line-bytes.ts`.
 */
import { requestMetricFields, type RequestOutcome } from '../functions/adapters/metrics/embedded-metrics';

const CASES: Record<string, RequestOutcome> = {
  'ordinary request (/api, /session, /login)': { route: 'api', login: false, measurements: { providerMs: {} } },
  'refused or failed request': { route: 'api', errorCode: 'csrf_header_missing', login: false, measurements: { providerMs: {} } },
  'sign-in, warm instance': { route: 'callback', login: true, measurements: { providerMs: { token: [123] } } },
  'sign-in, new instance': { route: 'callback', login: true, measurements: { providerMs: { discovery: [80], token: [123], jwks: [60] } } },
  '/api with a refresh': { route: 'api', login: false, measurements: { providerMs: { token: [123] }, refresh: 'refreshed' } },
};

const LOGS_PER_GB = 0.5;
for (const [name, outcome] of Object.entries(CASES)) {
  // The members join the line's own object: its braces go, a comma comes.
  const bytes = Buffer.byteLength(JSON.stringify(requestMetricFields(outcome, 'LoginService', Date.now()))) - 1;
  console.log(`${name}: +${bytes} bytes, $${((bytes / 1e9) * LOGS_PER_GB * 1e6).toFixed(3)} per million requests at $${LOGS_PER_GB}/GB`);
}
