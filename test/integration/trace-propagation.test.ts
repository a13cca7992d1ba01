/**
 * Trace context through /api against real parts (the certified oidc-provider, DynamoDB Local, the
 * local API Gateway server, a recording upstream): W3C Trace Context Level 1's traceparent and
 * tracestate and X-Ray's tracing header reach the protected API when valid, Lambda's own X-Ray
 * header (`_X_AMZN_TRACE_ID`) ahead of the browser's, and the request's log line carries the ids.
 */
import type { DevProvider } from '../../local/dev-idp';
import { capturedLogLines } from '../support/log-capture';
import { startService, type Service } from '../support/harness';
import type { TestBrowser } from '../support/test-browser';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;
const TRACESTATE = 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE';
const BROWSER_XRAY = 'Root=1-5759e988-bd862e3fe1be46a994272793';
const LAMBDA_XRAY = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1';

let service: Service<DevProvider>;
let browser: TestBrowser;

beforeAll(async () => {
  service = await startService({ provider: { kind: 'dev' } });
  browser = await service.signIn('ada');
});
beforeEach(() => service.upstream.reset());
afterEach(() => {
  delete process.env._X_AMZN_TRACE_ID;
});
afterAll(() => service?.close());

/** The upstream's view of one `/api` call, and the request's log line. */
async function apiCall(headers: Record<string, string>): Promise<{ received: Record<string, unknown>; line: Record<string, unknown> }> {
  const before = capturedLogLines().length;
  const response = await browser.get('/api/orders', { 'x-csrf': '1', ...headers });
  expect(response.status).toBe(200);
  const line = capturedLogLines().slice(before).map((text) => JSON.parse(text) as Record<string, unknown>).find((entry) => entry.route === 'api');
  expect(service.upstream.requests).toHaveLength(1);
  return { received: service.upstream.requests[0]!.headers, line: line! };
}

test('valid trace headers reach the API unchanged; the log line has the trace ids and never the tracestate', async () => {
  const { received, line } = await apiCall({ traceparent: TRACEPARENT, tracestate: TRACESTATE, 'x-amzn-trace-id': BROWSER_XRAY });
  expect(received).toMatchObject({ traceparent: TRACEPARENT, tracestate: TRACESTATE, 'x-amzn-trace-id': BROWSER_XRAY });
  expect(line).toMatchObject({ traceId: TRACE_ID, xrayTraceId: '1-5759e988-bd862e3fe1be46a994272793' });
  expect(JSON.stringify(line)).not.toContain('t61rcWkgMzE');
});

test("on Lambda, its own X-Ray header (_X_AMZN_TRACE_ID, the function's segment as Parent) goes on instead of the browser's", async () => {
  process.env._X_AMZN_TRACE_ID = LAMBDA_XRAY;
  const { received } = await apiCall({ 'x-amzn-trace-id': BROWSER_XRAY });
  expect(received['x-amzn-trace-id']).toBe(LAMBDA_XRAY);
});

test('invalid trace headers are dropped, the request still succeeds, and a tracestate never goes on without a valid traceparent', async () => {
  const { received, line } = await apiCall({ traceparent: `00-${'0'.repeat(32)}-00f067aa0ba902b7-01`, tracestate: TRACESTATE, 'x-amzn-trace-id': 'Root=1-5759e988' });
  expect(received).not.toHaveProperty('traceparent');
  expect(received).not.toHaveProperty('tracestate');
  expect(received).not.toHaveProperty('x-amzn-trace-id');
  expect(line).not.toHaveProperty('traceId');
  expect(line).not.toHaveProperty('xrayTraceId');
});

test('two traceparent headers (joined by a comma, as API Gateway does) are no traceparent', async () => {
  const response = await fetch(new URL('/api/orders', service.baseUrl), {
    headers: [['cookie', [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; ')], ['x-csrf', '1'], ['traceparent', TRACEPARENT], ['traceparent', TRACEPARENT]],
  });
  expect(response.status).toBe(200);
  expect(service.upstream.requests[0]!.headers).not.toHaveProperty('traceparent');
});

test('a later traceparent version is passed on as version 00, its unknown fields and flags dropped', async () => {
  const { received } = await apiCall({ traceparent: `01-${TRACE_ID}-00f067aa0ba902b7-03-unknown-field`, tracestate: TRACESTATE });
  expect(received).toMatchObject({ traceparent: TRACEPARENT, tracestate: TRACESTATE });
});
