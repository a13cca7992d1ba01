/**
 * One deadline per request, over all its outbound calls: calls that each end within their own
 * timeout can no longer add up past what API Gateway waits for.
 */
import type { Context } from 'aws-lambda';
import { json } from '../../functions/adapters/api-gateway/response';
import { lambdaHandler } from '../../functions/adapters/api-gateway/lambda-handler';
import { MAX_REQUEST_MS, requestBudgetMs } from '../../functions/adapters/request-deadline';
import { HttpUpstream } from '../../functions/adapters/upstream/upstream-http';
import { startRecordingUpstream, type RecordingUpstream } from '../support/recording-upstream';
import { apiGatewayEvent } from '../unit/support/api-gateway-event';

let upstream: RecordingUpstream;

beforeAll(async () => {
  upstream = await startRecordingUpstream();
});
afterAll(async () => {
  await upstream?.close();
});

/** Three calls in a row, each answered after 600 ms: inside its own 1 s timeout, 1.8 s in all. */
const threeSlowCalls = lambdaHandler('api', 'json', async () => {
  const client = new HttpUpstream(1_000);
  for (let call = 0; call < 3; call++) {
    await client.send({ method: 'GET', url: new URL(`${upstream.url}/slow/${call}`), headers: {}, accessToken: 'unused-token' });
  }
  return json(200, { ok: true });
});

const lambdaContext = (remainingMs: number) => ({ awsRequestId: 'req-1', getRemainingTimeInMillis: () => remainingMs }) as unknown as Context;

beforeEach(() => {
  upstream.reset();
  upstream.respondWith(() => ({ status: 200, body: { ok: true }, delayMs: 600 }));
});

test('with time to spare, every call runs and the request succeeds', async () => {
  const response = await threeSlowCalls(apiGatewayEvent({ rawPath: '/api/x' }), lambdaContext(20_000));
  expect(response.statusCode).toBe(200);
  expect(upstream.requests).toHaveLength(3);
});

test('when the chain outlasts the time Lambda has left, the service answers 504 itself, in time', async () => {
  const started = Date.now();
  // 2.5 s left in the function: the request may work 1 s, then must answer.
  const response = await threeSlowCalls(apiGatewayEvent({ rawPath: '/api/x' }), lambdaContext(2_500));
  const elapsed = Date.now() - started;
  expect(response.statusCode).toBe(504);
  expect(JSON.parse(response.body!).error).toBe('upstream_timeout');
  expect(elapsed).toBeLessThan(1_800);
  expect(upstream.requests.length).toBeLessThan(3);
});

test('the budget leaves a margin before Lambda stops the function and never exceeds API Gateway\'s wait', () => {
  expect(requestBudgetMs(undefined)).toBe(MAX_REQUEST_MS);
  expect(requestBudgetMs(29_000)).toBe(27_500); // the functions' timeout is 29 s
  expect(requestBudgetMs(10_000)).toBe(8_500);
  expect(requestBudgetMs(1_000)).toBe(0);
  expect(MAX_REQUEST_MS).toBeLessThan(30_000);
});
