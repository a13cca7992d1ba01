/**
 * The size computations behind the local runtime's AWS limits: what counts toward API Gateway's
 * 10,240-byte request line and headers quota, and how big the payload 2.0 event is as Lambda
 * measures it (its JSON, where a binary body is base64 and a text body is JSON-escaped).
 */
import {
  HEADERS_TOO_LARGE_MESSAGE,
  LAMBDA_MAX_REQUEST_PAYLOAD_BYTES,
  LAMBDA_MAX_RESPONSE_PAYLOAD_BYTES,
  lambdaPayloadBytes,
  MAX_REQUEST_LINE_AND_HEADERS_BYTES,
  requestLineAndHeadersBytes,
} from '../../../local/api-gateway-event';
import { largestFitting, paddedToExactly, plannedEventBytes, type PlannedRequest } from '../support/lambda-event-size';

/*
 * The figures: "Quotas for configuring and running an HTTP API in API Gateway"
 * (https://docs.amazonaws.cn/en_us/apigateway/latest/developerguide/http-api-quotas.html) lists
 * "Total combined size of request line and header values 10240 bytes"; "Lambda quotas"
 * (https://docs.aws.Amazon.com/lambda/latest/dg/limits.html) lists 6 MB per synchronous request and
 * response, which Lambda enforces as 6,291,456 bytes for the event and 6,291,556 for the result.
 */
test('the limits are AWS\'s figures, to the byte', () => {
  expect(MAX_REQUEST_LINE_AND_HEADERS_BYTES).toBe(10_240);
  expect(HEADERS_TOO_LARGE_MESSAGE).toBe('HTTP header is larger than 10240 bytes.');
  expect(LAMBDA_MAX_REQUEST_PAYLOAD_BYTES).toBe(6_291_456);
  expect(LAMBDA_MAX_RESPONSE_PAYLOAD_BYTES).toBe(6_291_556);
});

test('request line and headers: `METHOD target HTTP/x.y` plus each `name: value` line, without line endings', () => {
  const size = requestLineAndHeadersBytes({
    method: 'GET',
    url: '/x?a=1',
    httpVersion: '1.1',
    rawHeaders: ['Host', 'a', 'X-Y', 'zz', 'x-y', ''],
  });
  // "GET /x?a=1 HTTP/1.1" (19) + "Host: a" (7) + "X-Y: zz" (7) + "x-y: " (5); repeated names count each time.
  expect(size).toBe(38);
});

const upload = (contentType: string, body: Buffer): PlannedRequest => ({
  method: 'POST',
  path: '/api/upload',
  headers: [['host', '127.0.0.1:3000'], ['content-type', contentType]],
  body,
  port: 3000,
});

test('a binary body counts base64-encoded in the event: 4 bytes for every 3', () => {
  const small = plannedEventBytes(upload('application/octet-stream', Buffer.alloc(3000, 1)));
  const large = plannedEventBytes(upload('application/octet-stream', Buffer.alloc(6000, 1)));
  // Content-Length stays four digits, so only the body differs.
  expect(large - small).toBe(4000);
});

test('a text body counts as escaped in the event JSON', () => {
  const ascii = plannedEventBytes(upload('application/json', Buffer.from('a'.repeat(2000))));
  const quotes = plannedEventBytes(upload('application/json', Buffer.from('"'.repeat(2000))));
  const accented = plannedEventBytes(upload('application/json', Buffer.from('é'.repeat(1000))));
  const control = plannedEventBytes(upload('application/json', Buffer.from('\u0001'.repeat(2000))));
  expect(quotes - ascii).toBe(2000); // \" is two bytes
  expect(accented - ascii).toBe(0); // two UTF-8 bytes each, unescaped
  expect(control - ascii).toBe(5 * 2000); // \u0001 is six bytes
});

test('the result is measured as its JSON, a string result included', () => {
  expect(lambdaPayloadBytes({ statusCode: 200, body: 'ok' })).toBe('{"statusCode":200,"body":"ok"}'.length);
  expect(lambdaPayloadBytes('ok')).toBe(4);
  expect(lambdaPayloadBytes(undefined)).toBe(4);
});

test('the largest binary body that fits is about three quarters of the limit', () => {
  const largest = largestFitting(LAMBDA_MAX_REQUEST_PAYLOAD_BYTES, (bytes) => upload('application/octet-stream', Buffer.alloc(bytes, 2)));
  const size = plannedEventBytes(largest);
  expect(size).toBeLessThanOrEqual(LAMBDA_MAX_REQUEST_PAYLOAD_BYTES);
  expect(plannedEventBytes(upload('application/octet-stream', Buffer.alloc(largest.body.length + 1, 2)))).toBeGreaterThan(LAMBDA_MAX_REQUEST_PAYLOAD_BYTES);
  // About three quarters of the limit: 6 MiB of binary would be 8 MiB of base64.
  expect(largest.body.length).toBeGreaterThan(4_700_000);
  expect(largest.body.length).toBeLessThan((LAMBDA_MAX_REQUEST_PAYLOAD_BYTES * 3) / 4);
  // With room made for it, a padding header brings the event to the limit exactly.
  const roomy = largestFitting(LAMBDA_MAX_REQUEST_PAYLOAD_BYTES - 32, (bytes) => upload('application/octet-stream', Buffer.alloc(bytes, 2)));
  expect(plannedEventBytes(paddedToExactly(LAMBDA_MAX_REQUEST_PAYLOAD_BYTES, roomy))).toBe(LAMBDA_MAX_REQUEST_PAYLOAD_BYTES);
});
