/**
 * The invocation's trace (functions/adapters/api-gateway/invocation.ts): the request's checked
 * traceparent, and Lambda's `_X_AMZN_TRACE_ID` ahead of the X-Ray header API Gateway passed, each
 * only when it is valid.
 */
import { invocationTrace } from '../../../../functions/adapters/api-gateway/invocation';

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const FROM_LAMBDA = 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1;Lineage=a87bd80c:0';
const FROM_API_GATEWAY = 'Root=1-5759e988-bd862e3fe1be46a994272793';

const saved = process.env._X_AMZN_TRACE_ID;
afterEach(() => {
  if (saved === undefined) delete process.env._X_AMZN_TRACE_ID;
  else process.env._X_AMZN_TRACE_ID = saved;
});

const withLambdaTrace = (value: string | undefined): void => {
  if (value === undefined) delete process.env._X_AMZN_TRACE_ID;
  else process.env._X_AMZN_TRACE_ID = value;
};

test("Lambda's trace header wins over the request's: with active tracing its Parent is the function's own segment", () => {
  withLambdaTrace(FROM_LAMBDA);
  expect(invocationTrace({ traceparent: TRACEPARENT, 'x-amzn-trace-id': FROM_API_GATEWAY })).toEqual({ traceparent: TRACEPARENT, 'x-amzn-trace-id': FROM_LAMBDA });
});

test.each([
  ['absent (local runs, tests)', undefined],
  ['malformed', 'Root=1-not-hex;Sampled=1'],
])("without a valid one of Lambda's (%s), the request's own X-Ray header is used", (_case, lambda) => {
  withLambdaTrace(lambda);
  expect(invocationTrace({ 'x-amzn-trace-id': FROM_API_GATEWAY })).toEqual({ 'x-amzn-trace-id': FROM_API_GATEWAY });
});

test('invalid headers are left out, not passed on as undefined', () => {
  withLambdaTrace(undefined);
  const trace = invocationTrace({ traceparent: `${TRACEPARENT}\r\nx-injected: 1`, 'x-amzn-trace-id': `${FROM_API_GATEWAY}\n` });
  expect(Object.keys(trace)).toEqual([]);
});
